// `hoptrace diagnose TRACE_ID`: the findings of GET /api/v1/traces/{id}/diagnosis in plain
// words (severity, kind, summary, the spans involved by name, tokens and cost wasted) and the
// critical path in brief, or the API's JSON with --json. Also what `hoptrace show` uses to
// mark the findings on its waterfall.
//
// Exit codes as every client subcommand (api_client.h): 0 printed; 2 bad flags or a trace id
// that is not 32 hex digits (one line); 1 the server is unreachable, the trace is not found,
// or the answer is not the expected JSON (one line on `err`).
//
// Thread-safety: pure functions apart from the command itself.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/waterfall.h"

namespace hoptrace::cli {

int DiagnoseCommand(const std::vector<std::string>& args, std::FILE* out = stdout,
                    std::FILE* err = stderr);

// The fields of the diagnosis JSON the CLI prints.
struct FindingView {
  std::string kind, severity, summary, agent;
  std::vector<std::string> span_ids;
  std::vector<std::string> trace_ids;
  int64_t wasted_tokens = 0;
  double wasted_cost_usd = 0;
};
struct DiagnosisView {
  std::vector<FindingView> findings;
  std::vector<std::pair<std::string, int64_t>> critical_path;  // span id, contribution ns
};
// nullopt when `body` is not {"findings":[...],"critical_path":[...]}.
std::optional<DiagnosisView> ParseDiagnosisJson(const std::string& body);

// The report `diagnose` prints. `trace` (may be null) names the spans.
std::string RenderDiagnosis(const std::string& trace_id, const DiagnosisView& diagnosis,
                            const WaterfallTrace* trace, bool utf8);

// Marks the findings on the waterfall's spans: the comb's teeth ("comb 1/6" ...), the
// straggler, the root cause at the end of a root_cause chain, and the critical path; adds one
// line per finding to trace->notes.
void MarkFindings(const DiagnosisView& diagnosis, WaterfallTrace* trace);

}  // namespace hoptrace::cli
