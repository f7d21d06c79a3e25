// Names of the enums and the API's JSON shapes (analysis.h).

#include <string>

#include "analysis/analysis.h"
#include "common/json.h"

namespace hoptrace::analysis {
namespace {

constexpr std::string_view kKindNames[] = {
    "comb", "retry_storm", "straggler", "broken_propagation", "root_cause", "runaway_cost"};
constexpr std::string_view kSeverityNames[] = {"info", "warning", "critical"};

void Key(std::string* out, std::string_view key) {
  AppendJsonString(out, key);
  out->push_back(':');
}
void Str(std::string* out, std::string_view key, std::string_view v) {
  Key(out, key);
  AppendJsonString(out, v);
}
void Int(std::string* out, std::string_view key, int64_t v) {
  Key(out, key);
  out->append(std::to_string(v));
}
void NanosStr(std::string* out, std::string_view key, int64_t v) {
  Key(out, key);
  out->push_back('"');
  out->append(std::to_string(v));
  out->push_back('"');
}
void Dbl(std::string* out, std::string_view key, double v) {
  Key(out, key);
  out->append(JsonNumber(v, /*nonfinite_as_null=*/true));
}

}  // namespace

std::string_view FindingKindName(FindingKind k) { return kKindNames[static_cast<int>(k)]; }
bool ParseFindingKind(std::string_view s, FindingKind* out) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == s) {
      *out = static_cast<FindingKind>(i);
      return true;
    }
  }
  return false;
}
std::string_view SeverityName(Severity s) { return kSeverityNames[static_cast<int>(s)]; }
bool ParseSeverity(std::string_view s, Severity* out) {
  for (size_t i = 0; i < std::size(kSeverityNames); ++i) {
    if (kSeverityNames[i] == s) {
      *out = static_cast<Severity>(i);
      return true;
    }
  }
  return false;
}

void AppendFindingJson(std::string* out, const Finding& f) {
  out->push_back('{');
  Str(out, "kind", FindingKindName(f.kind));
  out->push_back(',');
  Str(out, "severity", SeverityName(f.severity));
  out->push_back(',');
  Str(out, "summary", f.summary);
  out->push_back(',');
  Str(out, "trace_id", ToHex(f.trace_id));
  out->push_back(',');
  Key(out, "trace_ids");
  out->push_back('[');
  for (size_t i = 0; i < f.trace_ids.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, ToHex(f.trace_ids[i]));
  }
  out->append("],");
  Key(out, "span_ids");
  out->push_back('[');
  for (size_t i = 0; i < f.span_ids.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, ToHex(f.span_ids[i]));
  }
  out->append("],");
  Str(out, "agent", f.agent);
  out->push_back(',');
  Str(out, "key", f.key);
  out->push_back(',');
  Key(out, "evidence");
  AppendJson(out, AnyValue::KvList(f.evidence));
  out->push_back(',');
  Int(out, "wasted_tokens", f.wasted_tokens);
  out->push_back(',');
  Dbl(out, "wasted_cost_usd", f.wasted_cost_usd);
  out->push_back('}');
}

std::string DiagnosisJson(const Diagnosis& d) {
  std::string out = "{\"findings\":[";
  for (size_t i = 0; i < d.findings.size(); ++i) {
    if (i) out.push_back(',');
    AppendFindingJson(&out, d.findings[i]);
  }
  out.append("],\"critical_path\":[");
  for (size_t i = 0; i < d.critical_path.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('{');
    Str(&out, "span_id", ToHex(d.critical_path[i].span_id));
    out.push_back(',');
    NanosStr(&out, "contribution_ns", d.critical_path[i].contribution_ns);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string AgentGraphJson(const AgentGraph& g) {
  auto id = [](NodeKind k, const std::string& name) {
    return std::string(NodeKindName(k)) + ":" + name;
  };
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    if (i) out.push_back(',');
    out.push_back('{');
    Str(&out, "id", id(n.kind, n.name));
    out.push_back(',');
    Str(&out, "kind", NodeKindName(n.kind));
    out.push_back(',');
    Str(&out, "name", n.name);
    out.push_back(',');
    Int(&out, "invocations", n.invocations);
    out.push_back(',');
    Int(&out, "spans", n.spans);
    out.push_back(',');
    Int(&out, "errors", n.errors);
    out.push_back(',');
    Int(&out, "input_tokens", n.input_tokens);
    out.push_back(',');
    Int(&out, "output_tokens", n.output_tokens);
    out.push_back(',');
    Int(&out, "total_tokens", n.total_tokens);
    out.push_back(',');
    Dbl(&out, "cost_usd", n.cost_usd);
    out.push_back(',');
    NanosStr(&out, "duration_ns", n.duration_ns);
    out.push_back(',');
    Int(&out, "traces", n.traces);
    out.push_back('}');
  }
  out.append("],\"edges\":[");
  for (size_t i = 0; i < g.edges.size(); ++i) {
    const GraphEdge& e = g.edges[i];
    if (i) out.push_back(',');
    out.push_back('{');
    Str(&out, "from", id(e.from_kind, e.from));
    out.push_back(',');
    Str(&out, "to", id(e.to_kind, e.to));
    out.push_back(',');
    Str(&out, "kind", EdgeKindName(e.kind));
    out.push_back(',');
    Int(&out, "calls", e.calls);
    out.push_back(',');
    Int(&out, "errors", e.errors);
    out.push_back(',');
    Int(&out, "total_tokens", e.total_tokens);
    out.push_back(',');
    Dbl(&out, "cost_usd", e.cost_usd);
    out.push_back(',');
    NanosStr(&out, "duration_ns", e.duration_ns);
    out.push_back(',');
    Key(&out, "in_cycle");
    out.append(e.in_cycle ? "true" : "false");
    out.push_back('}');
  }
  out.append("],\"cycles\":[");
  for (size_t i = 0; i < g.cycles.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"agents\":[");
    for (size_t k = 0; k < g.cycles[i].agents.size(); ++k) {
      if (k) out.push_back(',');
      AppendJsonString(&out, g.cycles[i].agents[k]);
    }
    out.append("],");
    Int(&out, "count", g.cycles[i].count);
    out.push_back('}');
  }
  out.append("],");
  Int(&out, "traces", g.traces);
  out.push_back(',');
  Int(&out, "spans", g.spans);
  out.push_back('}');
  return out;
}

}  // namespace hoptrace::analysis
