// Parameters of the Jaeger-compatible query API (DESIGN.md §3), the "api/" HTTP API of
// Jaeger's query service (v2.20 era) that Grafana's Jaeger data source and the Jaeger UI read:
//   GET /api/traces?service=&operation=&tag=k:v&tags={json}&start=&end=&minDuration=
//                  &maxDuration=&limit=&lookback=&traceID=
//   GET /api/traces/{id}?start=&end=&raw=
//   GET /api/operations?service=&spanKind=
//   GET /api/services, GET /api/services/{service}/operations
//
// Values follow Jaeger's conventions (times in unix microseconds, durations as Go duration
// strings); errors follow hoptrace's: InvalidArgument with a message that starts with the
// offending parameter's name. Parameters Jaeger clients send that hoptrace has no use for
// (prettyPrint, raw, lookback=custom) are accepted; unknown ones are rejected, as are repeats of
// single-valued ones. An empty value means the parameter was not given.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"
#include "query/query_params.h"
#include "storage/span_store.h"

namespace hoptrace {

// Jaeger's search window when neither `start` nor `lookback` is given: two days before `end`.
inline constexpr uint64_t kJaegerDefaultLookbackNs = 48ull * 3'600'000'000'000ull;

// Parses a Go duration (time.ParseDuration): an optional sign, then one or more decimal numbers
// each with a unit among ns, us, µs, μs, ms, s, m, h ("1.5s", "100ms", "1h30m", "-2m"); "0"
// alone needs no unit. Returns nanoseconds; InvalidArgument (without a parameter name) for
// anything else or for a value beyond int64 nanoseconds (about 292 years).
StatusOr<int64_t> ParseGoDuration(std::string_view text);

// A Jaeger trace id: 1 to 32 hex digits (either case), left-padded with zeros to 128 bits, as
// Jaeger's TraceIDFromString accepts 64-bit ids. nullopt otherwise.
std::optional<TraceId> ParseJaegerTraceId(std::string_view hex);

struct JaegerTraceSearch {
  // service, operation (span name), tags, time window, durations. When trace_ids is set the
  // store is not searched and the filter is unused.
  SpanFilter filter;
  size_t limit = kDefaultTraceLimit;
  // traceID=… (repeatable): fetch these traces instead of searching, as Jaeger does.
  std::vector<TraceId> trace_ids;
};

// Parameters of GET /api/traces. `now_unix_nano` is the default `end` and anchors `lookback`.
//   service: required unless traceID is given (exact match on the span's service)
//   operation: exact match on the span name
//   tag=KEY:VALUE (repeatable; split at the first ':') and tags={"KEY":"VALUE",...} (a JSON
//     object of strings, repeatable): span attribute KEY equals VALUE; a later value for the
//     same key replaces an earlier one (tag before tags, as Jaeger merges them). The tags
//     hoptrace adds to Jaeger spans search what they show: error=true and
//     otel.status_code=ERROR|OK|UNSET filter on the span status, hoptrace.agent,
//     hoptrace.model, hoptrace.tool, hoptrace.operation on the derived agent fields.
//   start, end: bounds on span start in unix microseconds, inclusive (end covers its whole
//     microsecond); end defaults to now, start to end minus lookback
//   lookback: when start is absent, how far before end to search: a Go duration or
//     <integer>d / <integer>w (the Jaeger UI's "2d"); "custom" (sent with start/end) is
//     ignored; default 48h, Jaeger's
//   minDuration, maxDuration: Go durations, non-negative, min <= max
//   limit: integer 1..10000, default 20
//   traceID: repeatable Jaeger trace id
//   prettyPrint: accepted, ignored
StatusOr<JaegerTraceSearch> ParseJaegerTraceSearch(const QueryParams& params,
                                                   uint64_t now_unix_nano);

// Parameters of GET /api/traces/{id}: start and end (unix microseconds, validated, unused: a
// trace is found by id alone), raw and prettyPrint (accepted, ignored).
Status CheckJaegerGetTraceParams(const QueryParams& params);

// Parameters of GET /api/services and GET /api/services/{service}/operations: only
// prettyPrint (accepted, ignored).
Status CheckJaegerListParams(const QueryParams& params);

struct JaegerOperationsQuery {
  std::string service;
  // Only operations of this kind; nullopt: every kind.
  std::optional<SpanKind> span_kind;
};

// Parameters of GET /api/operations: service (required), spanKind (optional: server, client,
// producer, consumer, internal), prettyPrint (accepted, ignored).
StatusOr<JaegerOperationsQuery> ParseJaegerOperations(const QueryParams& params);

}  // namespace hoptrace
