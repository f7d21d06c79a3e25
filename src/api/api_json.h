// JSON documents of the query API (DESIGN.md §3): spans, traces, trace summaries, stats rows and
// errors. Ids are lowercase hex; times and durations in nanoseconds are decimal strings (they do
// not fit a double); token counts, counts, cost and percentiles are JSON numbers. Non-finite
// doubles (cost, percentiles) are written as null so every number field stays a number or null.
//
// The output is valid JSON whenever the input strings are valid UTF-8: AppendJsonString escapes
// quotes, backslashes and control characters and passes other bytes through unchanged.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"
#include "storage/span_store.h"

namespace hoptrace {

// Appends the Span object of DESIGN.md §3:
//   {"trace_id","span_id","parent_span_id" (null for a root),"name","kind","start_unix_nano",
//    "end_unix_nano","duration_ns","status":{"code","message"},"service","agent","operation",
//    "model","provider","tool" (null when empty),"input_tokens","output_tokens","total_tokens",
//    "cost_usd","attributes":{},"resource":{},"events":[{"time_unix_nano","name","attributes"}],
//    "links":[{"trace_id","span_id","attributes"}]}
// followed by the extras "usage_counted","trace_state","flags","scope":{"name","version"}.
// Attribute maps keep the attributes' order; when a key repeats, the first value wins (as in
// FindAttribute) so the object has unique keys.
void AppendSpanJson(std::string* out, const Span& s);

// {"trace_id":"…","spans":[Span…]}, spans in the given order.
std::string TraceJson(const TraceId& trace_id, const std::vector<Span>& spans);

// {"traces":[{"trace_id","root_name","root_service","start_unix_nano","duration_ns","span_count",
//   "error_count","agents":[],"input_tokens","output_tokens","total_tokens","cost_usd"}]},
// summaries in the given order.
std::string TraceSummariesJson(const std::vector<TraceSummary>& summaries);

// The JSON field name of a group key: "agent", "model", "provider", "tool", "service",
// "operation", "name", "status", or "attr.KEY".
std::string GroupKeyName(const GroupKey& key);

// {"rows":[{<one field per group key, named by GroupKeyName, null when the value is empty or
//   missing>,"spans","errors","input_tokens","output_tokens","total_tokens","cost_usd","p50_ms",
//   "p95_ms","p99_ms"}]}. row.key[i] is the value of keys[i]; values beyond keys are ignored.
std::string StatsJson(const std::vector<GroupKey>& keys, const std::vector<AggregateRow>& rows);

// {"error":"<message>"}.
std::string ErrorJson(std::string_view message);

}  // namespace hoptrace
