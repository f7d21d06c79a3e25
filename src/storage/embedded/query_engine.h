// Query evaluation over a consistent list of parts (memtable snapshots and blocks): the
// SpanStore queries, written once for both kinds of part.
//
// Thread-safety: stateless functions; parts are safe for concurrent use.
#pragma once

#include <atomic>
#include <unordered_set>

#include "storage/embedded/memtable.h"
#include "storage/embedded/part.h"
#include "storage/span_store.h"

namespace hoptrace {

StatusOr<std::vector<Span>> QueryTrace(const PartList& parts, const TraceId& id);
StatusOr<std::vector<TraceSummary>> QuerySearchTraces(const PartList& parts,
                                                      const SpanFilter& filter, size_t limit);
StatusOr<std::vector<Span>> QuerySearchSpans(const PartList& parts, const SpanFilter& filter,
                                             SpanOrder order, size_t limit);
StatusOr<std::vector<AggregateRow>> QueryAggregate(const PartList& parts,
                                                   const AggregateRequest& request);
// The traces with at least one span matching `filter` (SearchTraces before its limit).
Status QueryMatchingTraces(const PartList& parts, const SpanFilter& filter,
                           std::unordered_set<TraceId, TraceIdHasher>* matched);
// SpanStore::ReadTraceSpans (trace_spans.cc). Sets *delivered before the first call of fn: a
// read that failed after it must not be retried (traces would be handed out twice).
Status QueryTraceSpans(const PartList& parts, const TraceSpansRequest& request,
                       const TraceSpansFn& fn, std::atomic<bool>* delivered);
// True when some part holds span (trace, span).
StatusOr<bool> QueryContainsSpan(const PartList& parts, const TraceId& trace, const SpanId& span);

}  // namespace hoptrace
