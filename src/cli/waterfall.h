// The terminal waterfall of one trace, drawn by `hoptrace show`: a header with the trace's
// totals, then one row per span in depth-first tree order (children by start time) with the
// name indented under tree glyphs, agent, model, tokens, cost, duration, and a time bar scaled
// to the trace's [first start, last end], so parallel fan-out shows as overlapping bars.
//
//   - Orphans (a parent id that is not in the trace) are extra roots marked "(parent missing)";
//     spans whose parent links form a cycle are extra roots marked "(parent cycle)". Every span
//     is drawn exactly once.
//   - Errors: the row starts with '!' (red when colour is on) and a footer lists each error
//     span's message, so errors stay visible when the output is piped.
//   - Span names and other server strings are sanitised: control characters (ESC included)
//     become '?', so a span name cannot drive the terminal.
//   - Cost: O(n log n) in the number of spans (the child sort); a row costs O(width).
//
// Pure: no I/O, no environment. show_command.cc decides width, colour and UTF-8.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::cli {

// The fields of an API span (DESIGN.md §3) that the waterfall draws. Empty string / 0 when
// absent.
struct WaterfallSpan {
  std::string span_id;         // hex
  std::string parent_span_id;  // hex; empty for a root
  std::string name;
  std::string service;
  std::string agent;
  std::string operation;
  std::string model;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;  // before start (clock skew) is drawn as a zero-length span
  bool error = false;          // status code "error"
  std::string status_message;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  double cost_usd = 0;
  // The server's "usage_counted": false for a wrapper whose usage repeats its descendants'.
  // nullopt when the JSON does not say; see TraceTotals for the rule used then.
  std::optional<bool> usage_counted;
  // Findings of the diagnosis drawn on the row (diagnose_command.h MarkFindings): a marker shown
  // after the name ("[comb 2/6]", "[straggler]"), and '*' before it on the critical path.
  std::string marker;
  bool critical_path = false;
};

struct WaterfallTrace {
  std::string trace_id;
  std::vector<WaterfallSpan> spans;  // any order
  std::vector<std::string> notes;    // one line each after the rows (e.g. the findings)
};

struct WaterfallOptions {
  int width = 120;     // terminal columns; rows fit it unless it is below ~60 (bars keep 10)
  bool color = false;  // ANSI colours: errors red, bars coloured by agent
  bool utf8 = true;    // tree glyphs, block bars and '…'; else ASCII only
  size_t limit = 0;    // at most this many span rows (then "… N more spans"); 0: all
};

std::string RenderWaterfall(const WaterfallTrace& trace, const WaterfallOptions& options);

// Totals over a trace, each token counted once. A span's usage (tokens, cost) is added when
// it is counted:
//   - when the server said (usage_counted present), as it said: this matches the server's
//     trace summaries and stats exactly (its normaliser also knows wrappers by their dialect);
//   - otherwise by the rule of the server's ResolveTrace: a span with usage is counted unless a
//     descendant has usage too, i.e. the innermost usage is the real provider call and an
//     agent or framework span carrying usage above it is a wrapper repeating it. (A rule on
//     operation names would miss LLM spans of dialects without gen_ai.operation.name and
//     double an LLM span wrapped by another LLM span, e.g. LangChain around the OpenAI client.)
struct TraceTotals {
  size_t spans = 0;
  size_t errors = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  double cost_usd = 0;
  uint64_t start_unix_nano = 0;  // first start
  uint64_t end_unix_nano = 0;    // last end
};
TraceTotals ComputeTotals(const WaterfallTrace& trace);

// Formatting helpers, exposed for tests.
// 0 -> "0" (negative too), 340 -> "340", 1234 -> "1.2k", 123456 -> "123k", 1234567 -> "1.2M".
std::string FormatCount(int64_t n);
// "1.2k/340"; "1.2k" when only the total is known; "" without usage.
std::string FormatTokens(int64_t input, int64_t output, int64_t total);
// "$0.0123" below $1, "$12.34" below $1000, "$1234" above; "" for 0; "<$0.0001" for crumbs.
std::string FormatCost(double usd);
// "0ns", "850ns", "12µs" (ASCII "12us"), "8.5ms", "850ms", "2.3s", "1m04s", "2h05m".
std::string FormatDuration(uint64_t ns, bool utf8 = true);
// "2024-05-01T12:00:00.123Z".
std::string FormatTime(uint64_t unix_nano);

}  // namespace hoptrace::cli
