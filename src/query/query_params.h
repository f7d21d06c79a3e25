// Parameters of the query API (DESIGN.md §3) parsed and validated into store requests:
//   /api/v1/traces?service=&agent=&model=&tool=&name=&status=&min_duration_ms=
//                 &max_duration_ms=&attr.KEY=VALUE&since=&until=&limit=
//   /api/v1/stats?group_by=agent,model&<the same filters, without limit>
//
// Every error is InvalidArgument with a message that starts with the offending parameter's
// name (`limit: must be an integer between 1 and 10000, got "abc"`), ready for a 400
// `{"error": ...}`. Unknown and repeated parameters are errors: a typo must not silently
// match everything. An empty value means the parameter was not given (HTML forms send
// `service=`), except where noted.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/span_store.h"

namespace hoptrace {

// Decoded name/value pairs in the order they appeared; repeated names are kept.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits the part of a URL after '?' (without the '?') on '&', each piece on its first '='
// (a piece without '=' has an empty value; empty pieces are skipped), and percent-decodes
// names and values with '+' as space. A malformed escape ('%' not followed by two hex
// digits) or an empty name is InvalidArgument naming the parameter.
StatusOr<QueryParams> ParseQueryString(std::string_view query);

// `s` between double quotes for an error message: control characters, '"' and '\' escaped, cut
// after 64 bytes.
std::string QuoteForError(std::string_view s);
// InvalidArgument "NAME: WHAT, got "VALUE"" (every 400 message starts with the parameter name).
Status ParamError(std::string_view name, std::string_view what, std::string_view value);

inline constexpr size_t kDefaultTraceLimit = 20;
inline constexpr size_t kMaxTraceLimit = 10000;
inline constexpr size_t kMaxGroupKeys = 8;

struct TraceSearchParams {
  SpanFilter filter;
  size_t limit = kDefaultTraceLimit;
};

// Parameters of GET /api/v1/traces. `now_unix_nano` anchors relative `since`/`until`.
//   service, agent, model, tool, name: exact match
//   status: unset | ok | error
//   min_duration_ms, max_duration_ms: non-negative decimal numbers ("1.5"), min <= max
//   attr.KEY=VALUE: span attribute KEY equals VALUE (any number of distinct keys; an empty
//     VALUE matches the empty text)
//   since, until: bounds on span start, inclusive; unix nanoseconds as digits, or a relative
//     duration `<integer><ns|us|ms|s|m|h|d>` meaning now minus that (clamped at 0);
//     since <= until
//   limit: integer 1..10000, default 20
StatusOr<TraceSearchParams> ParseTraceSearch(const QueryParams& params, uint64_t now_unix_nano);

struct StatsParams {
  AggregateRequest request;
};

// Parameters of GET /api/v1/stats: the filters of ParseTraceSearch (not limit) and
// group_by, a comma-separated list of at most 8 distinct keys among agent, model, provider,
// tool, service, operation, name, status, attr.KEY (spaces around keys are ignored; an empty
// key is an error). An absent or empty group_by means one row over everything.
StatusOr<StatsParams> ParseStats(const QueryParams& params, uint64_t now_unix_nano);

}  // namespace hoptrace
