#include "api/api_json.h"

#include <string_view>
#include <unordered_set>

#include "common/json.h"

namespace hoptrace {
namespace {

// Appends `"key":` (key is a trusted literal without characters to escape).
void AppendKey(std::string* out, std::string_view key) {
  out->push_back('"');
  *out += key;
  *out += "\":";
}

void AppendStringField(std::string* out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  AppendJsonString(out, value);
}

// A string field that is null when empty.
void AppendOptionalStringField(std::string* out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  if (value.empty()) {
    *out += "null";
  } else {
    AppendJsonString(out, value);
  }
}

// Nanosecond times and durations are strings: they exceed a double's exact integer range.
template <typename Int>
void AppendNanosField(std::string* out, std::string_view key, Int value) {
  AppendKey(out, key);
  out->push_back('"');
  *out += std::to_string(value);
  out->push_back('"');
}

template <typename Int>
void AppendIntField(std::string* out, std::string_view key, Int value) {
  AppendKey(out, key);
  *out += std::to_string(value);
}

void AppendDoubleField(std::string* out, std::string_view key, double value) {
  AppendKey(out, key);
  *out += JsonNumber(value, /*nonfinite_as_null=*/true);
}

// Appends attributes as a flat object; the first of repeated keys wins.
void AppendAttributes(std::string* out, const Attributes& attrs) {
  constexpr size_t kLinearScanLimit = 16;
  std::unordered_set<std::string_view> seen;
  if (attrs.size() > kLinearScanLimit) seen.reserve(attrs.size());
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < attrs.size(); ++i) {
    const std::string& key = attrs[i].key;
    bool repeated = false;
    if (attrs.size() > kLinearScanLimit) {
      repeated = !seen.insert(key).second;
    } else {
      for (size_t j = 0; j < i && !repeated; ++j) repeated = attrs[j].key == key;
    }
    if (repeated) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, key);
    out->push_back(':');
    AppendJson(out, attrs[i].value);
  }
  out->push_back('}');
}

void AppendEvent(std::string* out, const SpanEvent& e) {
  out->push_back('{');
  AppendNanosField(out, "time_unix_nano", e.time_unix_nano);
  out->push_back(',');
  AppendStringField(out, "name", e.name);
  out->push_back(',');
  AppendKey(out, "attributes");
  AppendAttributes(out, e.attributes);
  out->push_back('}');
}

void AppendLink(std::string* out, const SpanLink& l) {
  out->push_back('{');
  AppendStringField(out, "trace_id", ToHex(l.trace_id));
  out->push_back(',');
  AppendStringField(out, "span_id", ToHex(l.span_id));
  out->push_back(',');
  AppendKey(out, "attributes");
  AppendAttributes(out, l.attributes);
  out->push_back('}');
}

void AppendSummary(std::string* out, const TraceSummary& t) {
  out->push_back('{');
  AppendStringField(out, "trace_id", ToHex(t.trace_id));
  out->push_back(',');
  AppendStringField(out, "root_name", t.root_name);
  out->push_back(',');
  AppendStringField(out, "root_service", t.root_service);
  out->push_back(',');
  AppendNanosField(out, "start_unix_nano", t.start_unix_nano);
  out->push_back(',');
  // A summary whose end precedes its start (clock skew) reports 0, like Span::duration_ns.
  AppendNanosField(out, "duration_ns",
                   t.end_unix_nano >= t.start_unix_nano ? t.end_unix_nano - t.start_unix_nano : 0);
  out->push_back(',');
  AppendIntField(out, "span_count", t.span_count);
  out->push_back(',');
  AppendIntField(out, "error_count", t.error_count);
  out->push_back(',');
  AppendKey(out, "agents");
  out->push_back('[');
  for (size_t i = 0; i < t.agents.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, t.agents[i]);
  }
  out->push_back(']');
  out->push_back(',');
  AppendIntField(out, "input_tokens", t.input_tokens);
  out->push_back(',');
  AppendIntField(out, "output_tokens", t.output_tokens);
  out->push_back(',');
  AppendIntField(out, "total_tokens", t.total_tokens);
  out->push_back(',');
  AppendDoubleField(out, "cost_usd", t.cost_usd);
  out->push_back('}');
}

}  // namespace

void AppendSpanJson(std::string* out, const Span& s) {
  out->push_back('{');
  AppendStringField(out, "trace_id", ToHex(s.trace_id));
  out->push_back(',');
  AppendStringField(out, "span_id", ToHex(s.span_id));
  out->push_back(',');
  AppendOptionalStringField(out, "parent_span_id", s.is_root() ? "" : ToHex(s.parent_span_id));
  out->push_back(',');
  AppendStringField(out, "name", s.name);
  out->push_back(',');
  AppendStringField(out, "kind", SpanKindName(s.kind));
  out->push_back(',');
  AppendNanosField(out, "start_unix_nano", s.start_unix_nano);
  out->push_back(',');
  AppendNanosField(out, "end_unix_nano", s.end_unix_nano);
  out->push_back(',');
  AppendNanosField(out, "duration_ns", s.duration_ns());
  out->push_back(',');
  AppendKey(out, "status");
  out->push_back('{');
  AppendStringField(out, "code", StatusCodeText(s.status_code));
  out->push_back(',');
  AppendStringField(out, "message", s.status_message);
  out->push_back('}');
  const AgentFields& d = s.derived;
  for (auto [key, value] : {std::pair<std::string_view, std::string_view>{"service", d.service},
                            {"agent", d.agent},
                            {"operation", d.operation},
                            {"model", d.model},
                            {"provider", d.provider},
                            {"tool", d.tool}}) {
    out->push_back(',');
    AppendOptionalStringField(out, key, value);
  }
  out->push_back(',');
  AppendIntField(out, "input_tokens", d.input_tokens);
  out->push_back(',');
  AppendIntField(out, "output_tokens", d.output_tokens);
  out->push_back(',');
  AppendIntField(out, "total_tokens", d.total_tokens);
  out->push_back(',');
  AppendDoubleField(out, "cost_usd", d.cost_usd);
  out->push_back(',');
  AppendKey(out, "attributes");
  AppendAttributes(out, s.attributes);
  out->push_back(',');
  AppendKey(out, "resource");
  AppendAttributes(out, s.resource.attributes);
  out->push_back(',');
  AppendKey(out, "events");
  out->push_back('[');
  for (size_t i = 0; i < s.events.size(); ++i) {
    if (i) out->push_back(',');
    AppendEvent(out, s.events[i]);
  }
  out->push_back(']');
  out->push_back(',');
  AppendKey(out, "links");
  out->push_back('[');
  for (size_t i = 0; i < s.links.size(); ++i) {
    if (i) out->push_back(',');
    AppendLink(out, s.links[i]);
  }
  out->push_back(']');
  // Extras beyond DESIGN.md §3.
  out->push_back(',');
  AppendKey(out, "usage_counted");
  *out += d.usage_counted ? "true" : "false";
  out->push_back(',');
  AppendStringField(out, "trace_state", s.trace_state);
  out->push_back(',');
  AppendIntField(out, "flags", s.flags);
  out->push_back(',');
  AppendKey(out, "scope");
  out->push_back('{');
  AppendStringField(out, "name", s.scope.name);
  out->push_back(',');
  AppendStringField(out, "version", s.scope.version);
  out->push_back('}');
  out->push_back('}');
}

std::string TraceJson(const TraceId& trace_id, const std::vector<Span>& spans) {
  std::string out = "{";
  AppendStringField(&out, "trace_id", ToHex(trace_id));
  out += ",\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out.push_back(',');
    AppendSpanJson(&out, spans[i]);
  }
  out += "]}";
  return out;
}

std::string TraceSummariesJson(const std::vector<TraceSummary>& summaries) {
  std::string out = "{\"traces\":[";
  for (size_t i = 0; i < summaries.size(); ++i) {
    if (i) out.push_back(',');
    AppendSummary(&out, summaries[i]);
  }
  out += "]}";
  return out;
}

std::string GroupKeyName(const GroupKey& key) {
  switch (key.field) {
    case GroupField::kAgent:
      return "agent";
    case GroupField::kModel:
      return "model";
    case GroupField::kProvider:
      return "provider";
    case GroupField::kTool:
      return "tool";
    case GroupField::kService:
      return "service";
    case GroupField::kOperation:
      return "operation";
    case GroupField::kName:
      return "name";
    case GroupField::kStatus:
      return "status";
    case GroupField::kAttribute:
      return "attr." + key.attribute;
  }
  return "unknown";
}

std::string StatsJson(const std::vector<GroupKey>& keys, const std::vector<AggregateRow>& rows) {
  std::vector<std::string> names;
  names.reserve(keys.size());
  for (const GroupKey& key : keys) names.push_back(GroupKeyName(key));
  std::string out = "{\"rows\":[";
  for (size_t r = 0; r < rows.size(); ++r) {
    const AggregateRow& row = rows[r];
    if (r) out.push_back(',');
    out.push_back('{');
    for (size_t i = 0; i < names.size(); ++i) {
      // Attribute names come from the request: escape them.
      AppendJsonString(&out, names[i]);
      out.push_back(':');
      if (i < row.key.size() && !row.key[i].empty()) {
        AppendJsonString(&out, row.key[i]);
      } else {
        out += "null";
      }
      out.push_back(',');
    }
    AppendIntField(&out, "spans", row.spans);
    out.push_back(',');
    AppendIntField(&out, "errors", row.errors);
    out.push_back(',');
    AppendIntField(&out, "input_tokens", row.input_tokens);
    out.push_back(',');
    AppendIntField(&out, "output_tokens", row.output_tokens);
    out.push_back(',');
    AppendIntField(&out, "total_tokens", row.total_tokens);
    out.push_back(',');
    AppendDoubleField(&out, "cost_usd", row.cost_usd);
    out.push_back(',');
    AppendDoubleField(&out, "p50_ms", row.p50_ms);
    out.push_back(',');
    AppendDoubleField(&out, "p95_ms", row.p95_ms);
    out.push_back(',');
    AppendDoubleField(&out, "p99_ms", row.p99_ms);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string ErrorJson(std::string_view message) {
  std::string out = "{";
  AppendStringField(&out, "error", message);
  out.push_back('}');
  return out;
}

}  // namespace hoptrace
