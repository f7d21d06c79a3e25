// The narrow store interface every backend implements fully (embedded/, later clickhouse/).
// One conformance suite (span_store_conformance.h) runs against each backend.
//
// Thread-safety: every SpanStore method may be called from many threads at once. Each query
// sees a consistent snapshot: every span whose Append returned before the query started, and
// no partially applied batch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace hoptrace {

// Span-level predicates. All set fields must hold for the same span. Empty strings and unset
// optionals match anything. Time bounds apply to the span's start time, inclusive.
struct SpanFilter {
  uint64_t start_min_unix_nano = 0;
  uint64_t start_max_unix_nano = std::numeric_limits<uint64_t>::max();
  std::string service;
  std::string agent;
  std::string model;
  std::string tool;
  std::string name;
  std::string operation;
  std::optional<StatusCodeValue> status;
  std::optional<int64_t> min_duration_ns;
  std::optional<int64_t> max_duration_ns;
  // Attribute equality on span attributes, comparing AnyValue::ToText() with the given text.
  std::vector<std::pair<std::string, std::string>> attributes;
};

// One trace in search results. Computed over all stored spans of the trace, not only the
// spans that matched.
struct TraceSummary {
  TraceId trace_id{};
  std::string root_name;  // name of the root span, else of the earliest span
  std::string root_service;
  uint64_t start_unix_nano = 0;  // earliest span start
  uint64_t end_unix_nano = 0;    // latest span end
  uint64_t span_count = 0;
  uint64_t error_count = 0;
  std::vector<std::string> agents;  // distinct, sorted
  int64_t input_tokens = 0;         // over spans with usage_counted
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  double cost_usd = 0;
  int64_t duration_ns() const { return static_cast<int64_t>(end_unix_nano - start_unix_nano); }
  bool operator==(const TraceSummary&) const = default;
};

enum class GroupField {
  kAgent,
  kModel,
  kProvider,
  kTool,
  kService,
  kOperation,
  kName,
  kStatus,
  kAttribute
};

struct GroupKey {
  GroupField field = GroupField::kAgent;
  std::string attribute;  // for kAttribute
  bool operator==(const GroupKey&) const = default;
};

struct AggregateRequest {
  SpanFilter filter;
  std::vector<GroupKey> group_by;  // empty: one row over everything
  bool with_percentiles = true;    // p50/p95/p99 of duration
  bool with_cost = true;           // cost_usd and total_tokens (input/output sums always)
};

struct AggregateRow {
  std::vector<std::string> key;  // one value per group key ("" when absent; status as text)
  uint64_t spans = 0;
  uint64_t errors = 0;
  int64_t input_tokens = 0;  // tokens and cost over spans with usage_counted
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;  // 0 unless with_cost
  double cost_usd = 0;       // 0 unless with_cost
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
};

enum class SpanOrder { kNewestFirst, kLongestFirst };

struct AppendResult {
  uint64_t stored = 0;      // new spans made durable and visible
  uint64_t duplicates = 0;  // spans whose (trace id, span id) was already stored: not stored again
};

struct RetentionPolicy {
  std::optional<uint64_t> max_age_ns;  // drop data whose newest span ended longer ago than this
  std::optional<uint64_t> max_bytes;   // drop oldest data while the store is larger than this
  uint64_t now_unix_nano = 0;          // 0: the current time
};

struct RetentionResult {
  uint64_t units_dropped = 0;  // whole blocks (embedded) or partitions (ClickHouse)
  uint64_t spans_dropped = 0;
  uint64_t bytes_freed = 0;
};

// New derived fields (span.h AgentFields) for one stored span, e.g. an agent inherited from a
// parent that arrived after the span, or usage_counted cleared on a wrapper whose children
// arrived after it.
struct DerivedUpdate {
  TraceId trace_id{};
  SpanId span_id{};
  AgentFields derived;
};

struct StoreStats {
  uint64_t spans = 0;                // spans stored (all parts)
  uint64_t bytes_on_disk = 0;        // everything in the data directory
  uint64_t wal_bytes_unflushed = 0;  // WAL bytes whose data is not yet in blocks
  uint64_t memory_bytes = 0;         // in-memory recent part
  uint64_t blocks = 0;
  uint64_t quarantined_blocks = 0;
};

// What a narrow read (SpanStore::ReadTraceSpans) fills in each Span; every other field is left
// empty / zero (trace_state, flags, status_message, events, links, dropped counts, resource,
// scope, derived.conversation). Always filled: trace_id, span_id, parent_span_id, name, kind,
// start_unix_nano, end_unix_nano, status_code, and derived.{service, agent, operation, model,
// provider, tool, input_tokens, output_tokens, total_tokens, cost_usd, usage_counted}.
// `attributes` holds the span's attributes whose key is in `attribute_keys` (in the span's
// order, repeated keys kept), and only on spans whose derived.operation is in
// `attribute_operations`; an empty `attribute_operations` means every span, which makes a store
// decode every span's row (keep it narrow: the agent graph asks for handoff.to_agent on handoff
// spans only).
struct SpanProjection {
  std::vector<std::string> attribute_keys;
  std::vector<std::string> attribute_operations;
  bool WantsAttributesOf(std::string_view operation) const {
    if (attribute_keys.empty()) return false;
    return attribute_operations.empty() ||
           std::find(attribute_operations.begin(), attribute_operations.end(), operation) !=
               attribute_operations.end();
  }
};

// Empties every field a narrow read leaves empty, and `attributes` (keeping the buffers).
inline void ClearUnprojectedFields(Span* s) {
  s->trace_state.clear();
  s->flags = 0;
  s->attributes.clear();
  s->dropped_attributes_count = 0;
  s->events.clear();
  s->dropped_events_count = 0;
  s->links.clear();
  s->dropped_links_count = 0;
  s->status_message.clear();
  s->resource.attributes.clear();
  s->resource.dropped_attributes_count = 0;
  s->resource.schema_url.clear();
  s->scope.name.clear();
  s->scope.version.clear();
  s->scope.attributes.clear();
  s->scope.dropped_attributes_count = 0;
  s->scope.schema_url.clear();
  s->derived.conversation.clear();
}

// Exactly what a narrow read returns for `span` (the definition the conformance suite checks),
// written over *out (every field of it; its buffers are reused).
inline void ProjectSpanInto(const Span& span, const SpanProjection& projection, Span* out) {
  ClearUnprojectedFields(out);
  out->trace_id = span.trace_id;
  out->span_id = span.span_id;
  out->parent_span_id = span.parent_span_id;
  out->name = span.name;
  out->kind = span.kind;
  out->start_unix_nano = span.start_unix_nano;
  out->end_unix_nano = span.end_unix_nano;
  out->status_code = span.status_code;
  out->derived = span.derived;
  out->derived.conversation.clear();
  if (projection.WantsAttributesOf(span.derived.operation)) {
    for (const KeyValue& kv : span.attributes) {
      if (std::find(projection.attribute_keys.begin(), projection.attribute_keys.end(), kv.key) !=
          projection.attribute_keys.end()) {
        out->attributes.push_back(kv);
      }
    }
  }
}
inline Span ProjectSpan(const Span& span, const SpanProjection& projection) {
  Span out;
  ProjectSpanInto(span, projection, &out);
  return out;
}

struct TraceSpansRequest {
  SpanFilter filter;
  // The traces read are exactly those SearchTraces(filter, limit) returns (the newest `limit`
  // with a span matching `filter`); every stored span of each is read, matching or not.
  size_t limit = 1000;
  SpanProjection projection;
  // The callback may run on up to this many threads at once (at least 1).
  size_t max_workers = 1;
};

// Receives the spans of one trace (ProjectSpan of each stored span, in GetTrace's order: start
// time, then span id). `worker` is in [0, max_workers); calls with the same worker never overlap
// and run in a fixed order, so per-worker accumulators need no lock. The spans are the store's
// buffers: the callee may modify them (e.g. ResolveTrace) but must not keep references past the
// call. A non-OK status stops the read and is returned by ReadTraceSpans. The callee must not
// call the store (a store may hold internal locks around the call: the embedded store holds a
// memtable's read lock while it hands out the memtable's traces).
using TraceSpansFn = std::function<Status(size_t worker, std::span<Span> spans)>;

class SpanStore {
 public:
  virtual ~SpanStore() = default;

  // Stores a batch. Returns only once every stored span is durable and visible to queries.
  // Spans already stored (same trace and span id) are counted as duplicates and skipped.
  // On error nothing of the batch is acknowledged; data acknowledged earlier is never lost.
  virtual StatusOr<AppendResult> Append(std::vector<Span> spans) = 0;

  // All spans of a trace ordered by start time; NotFound when there are none.
  virtual StatusOr<std::vector<Span>> GetTrace(const TraceId& trace_id) = 0;

  // Traces with at least one span matching `filter`, newest (latest start) first.
  virtual StatusOr<std::vector<TraceSummary>> SearchTraces(const SpanFilter& filter,
                                                           size_t limit) = 0;

  // Spans matching `filter`, in `order`, at most `limit`.
  virtual StatusOr<std::vector<Span>> SearchSpans(const SpanFilter& filter, SpanOrder order,
                                                  size_t limit) = 0;

  // The narrow read behind aggregate analyses (the agent graph): streams, trace by trace, the
  // projected spans (`request.projection`) of the traces SearchTraces(request.filter,
  // request.limit) returns, each of them exactly once. Traces come in an order of the store's
  // choosing (not newest first), the same each time for the same store state and max_workers. A
  // store reads far less than GetTrace per trace for it (the embedded store: its scan columns).
  virtual Status ReadTraceSpans(const TraceSpansRequest& request, const TraceSpansFn& fn) = 0;

  // Span counts, errors, tokens, cost and duration percentiles grouped by `group_by`,
  // rows ordered by key.
  virtual StatusOr<std::vector<AggregateRow>> Aggregate(const AggregateRequest& request) = 0;

  // Replaces the derived fields of stored spans. Returns only once the new values are durable;
  // every query answers with them from then on (also after a restart or a crash). Updates of
  // spans that are not stored are ignored; when a span is updated twice in one call, the last
  // update wins. On error, each update is either applied or not (never half of a span).
  virtual Status UpdateDerived(std::vector<DerivedUpdate> updates) = 0;

  virtual StatusOr<RetentionResult> ApplyRetention(const RetentionPolicy& policy) = 0;

  virtual StoreStats GetStats() = 0;
};

}  // namespace hoptrace
