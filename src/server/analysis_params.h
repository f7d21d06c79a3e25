// Parameters of the diagnosis endpoints (docs/api.md), validated like query/query_params.h:
// every error is InvalidArgument whose message starts with the parameter's name; unknown and
// repeated parameters are errors.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "analysis/analysis.h"
#include "common/status.h"
#include "query/query_params.h"
#include "storage/span_store.h"

namespace hoptrace {

inline constexpr size_t kDefaultGraphTraceLimit = 1000;
// Enough for W1's ~48,700 traces and far beyond: the graph reads traces narrowly
// (SpanStore::ReadTraceSpans), not whole like /api/v1/traces (kMaxTraceLimit).
inline constexpr size_t kMaxGraphTraceLimit = 1'000'000;
inline constexpr size_t kDefaultFindingsLimit = 100;
inline constexpr size_t kMaxFindingsLimit = 10000;

// "true" / "1" / "" (present without a value) -> true, "false" / "0" -> false; else an error
// naming `name`.
StatusOr<bool> ParseBoolParam(std::string_view name, std::string_view value);

// GET /api/v1/traces/{id}?stitched=BOOL and GET /api/v1/traces/{id}/graph?tools=BOOL: the one
// boolean parameter `name` (absent: false); any other parameter is an error.
StatusOr<bool> ParseSingleBool(const QueryParams& params, std::string_view name);

struct GraphParams {
  SpanFilter filter;
  size_t limit = kDefaultGraphTraceLimit;  // traces aggregated, newest first
  bool include_tools = false;
};
// GET /api/v1/graph: the filters of /api/v1/traces (query_params.h), `limit` (traces,
// 1..kMaxGraphTraceLimit, default 1000) and `tools=BOOL`.
StatusOr<GraphParams> ParseGraphParams(const QueryParams& params, uint64_t now_unix_nano);

struct FindingsParams {
  uint64_t since_unix_nano = 0;  // findings updated at or after
  std::optional<analysis::FindingKind> kind;
  std::string agent;
  std::string trace_id;  // hex, lowercase; empty: any
  size_t limit = kDefaultFindingsLimit;
};
// GET /api/v1/findings?since=&kind=&agent=&trace_id=&limit=: since as in /api/v1/traces (unix
// nanos or a relative duration), kind one of the finding kinds, limit 1..10000 (default 100).
StatusOr<FindingsParams> ParseFindingsParams(const QueryParams& params, uint64_t now_unix_nano);

}  // namespace hoptrace
