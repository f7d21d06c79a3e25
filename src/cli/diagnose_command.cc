#include "cli/diagnose_command.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "cli/api_client.h"
#include "cli/flags.h"
#include "cli/show_command.h"
#include "cli/terminal_text.h"

namespace hoptrace::cli {
namespace {

constexpr char kCmd[] = "diagnose";
constexpr size_t kMaxSpansListed = 8;
constexpr size_t kMaxPathSteps = 8;

const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = {
      {"server", true, std::string("server URL (default ") + kDefaultServer + ")"},
      {"json", false, "print the API's JSON as it is"},
      {"ascii", false, "ASCII only"},
      {"help", false, "show this help"}};
  return specs;
}

std::vector<std::string> Strings(JsonField e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get_array().get(a)) return out;
  for (simdjson::dom::element x : a) out.push_back(JsonText(JsonField(std::move(x)), ""));
  return out;
}

std::string SpanLabel(const std::string& id, const std::map<std::string, const WaterfallSpan*>& by_id,
                      bool utf8) {
  auto it = by_id.find(id);
  if (it == by_id.end()) return id.substr(0, 16);
  const WaterfallSpan& s = *it->second;
  std::string label = Sanitize(s.name, utf8);
  if (!s.agent.empty()) label += " [" + Sanitize(s.agent, utf8) + "]";
  return label + " " + id.substr(0, 8);
}

}  // namespace

std::optional<DiagnosisView> ParseDiagnosisJson(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array findings, path;
  if (parser.parse(body).get(doc) || doc["findings"].get(findings) ||
      doc["critical_path"].get(path))
    return std::nullopt;
  DiagnosisView view;
  for (simdjson::dom::element f : findings) {
    FindingView v;
    v.kind = JsonText(f["kind"], "");
    v.severity = JsonText(f["severity"], "");
    v.summary = JsonText(f["summary"], "");
    v.agent = JsonText(f["agent"], "");
    v.span_ids = Strings(f["span_ids"]);
    v.trace_ids = Strings(f["trace_ids"]);
    v.wasted_tokens = static_cast<int64_t>(JsonU64(f["wasted_tokens"]));
    v.wasted_cost_usd = JsonNumber(f["wasted_cost_usd"]);
    view.findings.push_back(std::move(v));
  }
  for (simdjson::dom::element step : path) {
    view.critical_path.emplace_back(JsonText(step["span_id"], ""),
                                    static_cast<int64_t>(JsonU64(step["contribution_ns"])));
  }
  return view;
}

std::string RenderDiagnosis(const std::string& trace_id, const DiagnosisView& d,
                            const WaterfallTrace* trace, bool utf8) {
  std::map<std::string, const WaterfallSpan*> by_id;
  if (trace)
    for (const WaterfallSpan& s : trace->spans) by_id.emplace(s.span_id, &s);
  std::string out = "Trace " + trace_id + ": ";
  if (d.findings.empty()) {
    out += "nothing found\n";
  } else {
    out += std::to_string(d.findings.size()) +
           (d.findings.size() == 1 ? " finding\n" : " findings\n");
  }
  for (const FindingView& f : d.findings) {
    std::string severity = f.severity;
    for (char& c : severity) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += "\n" + severity + "  " + f.kind + (f.agent.empty() ? "" : " (" + Sanitize(f.agent, utf8) + ")") +
           "\n  " + Sanitize(f.summary, utf8) + "\n";
    if (!f.span_ids.empty()) {
      out += "  spans:";
      for (size_t i = 0; i < f.span_ids.size() && i < kMaxSpansListed; ++i)
        out += (i ? ", " : " ") + SpanLabel(f.span_ids[i], by_id, utf8);
      if (f.span_ids.size() > kMaxSpansListed)
        out += " and " + std::to_string(f.span_ids.size() - kMaxSpansListed) + " more";
      out += "\n";
    }
    if (f.trace_ids.size() > 1) {
      out += "  traces:";
      for (const std::string& t : f.trace_ids) out += " " + t;
      out += "\n";
    }
    if (f.wasted_tokens > 0 || f.wasted_cost_usd > 0) {
      out += "  wasted: " + FormatCount(f.wasted_tokens) + " tokens";
      if (f.wasted_cost_usd > 0) out += ", " + FormatCost(f.wasted_cost_usd);
      out += "\n";
    }
  }
  if (!d.critical_path.empty()) {
    int64_t total = 0;
    for (const auto& [id, ns] : d.critical_path) total += ns;
    out += "\nCritical path: " + std::to_string(d.critical_path.size()) + " spans, " +
           FormatDuration(static_cast<uint64_t>(total), utf8) + "\n";
    // The steps that account for most of the time, in path order.
    std::vector<size_t> order(d.critical_path.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return d.critical_path[a].second > d.critical_path[b].second;
    });
    if (order.size() > kMaxPathSteps) order.resize(kMaxPathSteps);
    std::sort(order.begin(), order.end());
    for (size_t i : order) {
      const auto& [id, ns] = d.critical_path[i];
      out += "  " + FitRight(FormatDuration(static_cast<uint64_t>(ns), utf8), 8, utf8) + "  " +
             SpanLabel(id, by_id, utf8) + "\n";
    }
    if (d.critical_path.size() > kMaxPathSteps)
      out += "  (the " + std::to_string(kMaxPathSteps) + " largest of " +
             std::to_string(d.critical_path.size()) + " steps)\n";
  }
  return out;
}

void MarkFindings(const DiagnosisView& d, WaterfallTrace* trace) {
  std::map<std::string, WaterfallSpan*> by_id;
  for (WaterfallSpan& s : trace->spans) by_id.emplace(s.span_id, &s);
  auto mark = [&](const std::string& id, const std::string& text) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return;
    std::string& m = it->second->marker;
    m += (m.empty() ? "" : ", ") + text;
  };
  for (const FindingView& f : d.findings) {
    if (f.kind == "comb") {
      for (size_t i = 0; i < f.span_ids.size(); ++i)
        mark(f.span_ids[i], "comb " + std::to_string(i + 1) + "/" + std::to_string(f.span_ids.size()));
    } else if (f.kind == "straggler" && !f.span_ids.empty()) {
      mark(f.span_ids.front(), "straggler");
    } else if (f.kind == "root_cause" && !f.span_ids.empty()) {
      mark(f.span_ids.back(), "root cause");
    }
    trace->notes.push_back(f.severity + " " + f.kind + ": " + f.summary);
  }
  for (const auto& [id, ns] : d.critical_path) {
    auto it = by_id.find(id);
    if (it != by_id.end()) it->second->critical_path = true;
  }
}

int DiagnoseCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  std::string error;
  auto flags = ParseFlags(args, Specs(), &error);
  if (!flags) return UsageError(kCmd, error, err);
  if (flags->has("help")) {
    std::fprintf(out,
                 "usage: hoptrace diagnose TRACE_ID [--server URL] [--json] [--ascii]\n\n"
                 "Prints what the server's diagnosis found in one trace: stuck loops (comb),\n"
                 "retry storms, stragglers, broken propagation, root causes, runaway cost --\n"
                 "with the spans involved and the tokens and cost wasted -- and the critical\n"
                 "path.\n\n%s",
                 FlagsHelp(Specs()).c_str());
    return 0;
  }
  const auto trace_id = TraceIdArgument(kCmd, *flags, err);
  if (!trace_id) return 2;
  const std::string server = flags->get("server", kDefaultServer);
  std::string body;
  if (int rc = GetOrReport(kCmd, server, "/api/v1/traces/" + *trace_id + "/diagnosis", &body, err,
                           "trace " + *trace_id + " not found"))
    return rc;
  if (flags->has("json")) {
    std::fprintf(out, "%s\n", body.c_str());
    return 0;
  }
  auto diagnosis = ParseDiagnosisJson(body);
  if (!diagnosis) {
    std::fprintf(err, "hoptrace diagnose: the server's answer is not the expected JSON\n");
    return 1;
  }
  // The trace names the spans; without it the ids are printed alone.
  std::optional<WaterfallTrace> trace;
  ApiResponse spans = ApiGet(server, "/api/v1/traces/" + *trace_id);
  if (spans.status == 200) trace = ParseTraceJson(spans.body);
  const bool utf8 = !flags->has("ascii") && LocaleIsUtf8();
  const std::string text = RenderDiagnosis(*trace_id, *diagnosis, trace ? &*trace : nullptr, utf8);
  std::fwrite(text.data(), 1, text.size(), out);
  return 0;
}

}  // namespace hoptrace::cli
