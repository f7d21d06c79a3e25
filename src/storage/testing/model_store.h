// ModelStore: a trivially correct in-memory SpanStore, the oracle of the conformance suite and of
// the differential test. Everything is a linear scan over a vector; clarity over speed.
//
// Exact semantics (every backend must match them; span_store.h states the contract):
//  - Append: a span whose (trace id, span id) is already stored, or appeared earlier in the same
//    batch, is a duplicate: counted, not stored (the first copy wins). stored + duplicates equals
//    the batch size.
//  - GetTrace: spans ordered by start time, then span id ascending; NotFound when none.
//  - SpanFilter: every set field must hold for the same span. service/agent/model/tool/operation
//    compare with the derived fields, name with the span name, all exactly. Time bounds apply to
//    the start time, both inclusive; duration bounds to Span::duration_ns(), both inclusive.
//    Each `attributes` pair (key, text) holds when the span's first attribute named `key` exists
//    and its AnyValue::ToText() equals `text`.
//  - SearchTraces: traces with at least one matching span. The summary covers every stored span of
//    the trace: root = the span with an all-zero parent (earliest start, then smallest span id,
//    when there are several), else the earliest-start span (then smallest span id); root_name and
//    root_service (derived.service) come from it. start = min start, end = max end, error_count =
//    spans with status error, agents = distinct non-empty derived.agent sorted ascending; tokens
//    and cost are summed over spans with derived.usage_counted only. Ordered by summary start
//    descending, then trace id ascending; at most `limit` (0 gives none).
//  - SearchSpans: kNewestFirst = start descending, kLongestFirst = duration_ns() descending; ties
//    by (trace id, span id) ascending; at most `limit`.
//  - ReadTraceSpans: the traces of SearchTraces(filter, limit), newest first, all on worker 0;
//    each trace's spans as GetTrace orders them, each passed through ProjectSpan (span_store.h).
//  - Aggregate: one row per distinct key among matching spans, rows sorted by the key vector
//    (lexicographic, std::string comparison). Key strings: status as StatusCodeText ("unset",
//    "ok", "error"); kAttribute: ToText() of the span's first attribute with that key, "" when
//    absent; other fields: the derived field or the span name. With empty group_by there is
//    exactly one row with an empty key, even when no span matches (all zeros). errors = spans with
//    status error; tokens and cost over spans with usage_counted; percentiles (when requested,
//    else 0) over every matching span of the row, see NearestRankPercentileMs.
//  - UpdateDerived: replaces span.derived of each stored span named by an update, in order
//    (the last update of a span wins); updates of unknown spans are ignored.
//  - ApplyRetention: a no-op returning zeros (the model has no blocks or partitions); the
//    conformance suite does not check what a backend drops.
//  - GetStats: only `spans` is filled.
//
// Thread-safety: thread-safe (one mutex around everything), so it also serves concurrency tests.
#pragma once

#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "storage/span_store.h"

namespace hoptrace {

// Exact nearest-rank percentile of `durations_ms` (need not be sorted): the r-th smallest value
// with r = ceil(percent * n / 100) computed in integers, clamped to [1, n]. Returns 0 for an
// empty input. `percent` is 50, 95 or 99 for p50/p95/p99.
double NearestRankPercentileMs(std::vector<double> durations_ms, int percent);

// Duration of a span in milliseconds as percentiles use it: duration_ns() / 1e6.
inline double DurationMs(const Span& span) { return static_cast<double>(span.duration_ns()) / 1e6; }

// The SpanFilter predicate described above.
bool SpanMatches(const SpanFilter& filter, const Span& span);

// The Aggregate key string of `span` for one group key.
std::string GroupKeyValue(const GroupKey& key, const Span& span);

class ModelStore final : public SpanStore {
 public:
  ModelStore() = default;

  StatusOr<AppendResult> Append(std::vector<Span> spans) override;
  StatusOr<std::vector<Span>> GetTrace(const TraceId& trace_id) override;
  StatusOr<std::vector<TraceSummary>> SearchTraces(const SpanFilter& filter, size_t limit) override;
  StatusOr<std::vector<Span>> SearchSpans(const SpanFilter& filter, SpanOrder order,
                                          size_t limit) override;
  Status ReadTraceSpans(const TraceSpansRequest& request, const TraceSpansFn& fn) override;
  StatusOr<std::vector<AggregateRow>> Aggregate(const AggregateRequest& request) override;
  Status UpdateDerived(std::vector<DerivedUpdate> updates) override;
  StatusOr<RetentionResult> ApplyRetention(const RetentionPolicy& policy) override;
  StoreStats GetStats() override;

 private:
  // Summary of `trace_id` over spans_. REQUIRES: mu_ held and at least one span of the trace.
  TraceSummary Summarize(const TraceId& trace_id) const;

  std::mutex mu_;
  std::vector<Span> spans_;                   // guarded by mu_, in append order
  std::set<std::pair<TraceId, SpanId>> ids_;  // guarded by mu_
};

}  // namespace hoptrace
