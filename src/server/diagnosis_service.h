// What the query API's diagnosis endpoints compute over the store (issue 6): the diagnosis of
// one trace with its cross-trace broken-propagation group, the stitched view of that group,
// and the agent graph of one trace or of many.
//
// Reads only: nothing stored is altered (a stitched parent is a virtual link, returned beside
// the spans). Every trace is passed through ResolveTrace before analysis, as
// GET /api/v1/traces/{id} does, so spans that arrived before their parent carry the agent they
// inherit.
//
// Thread-safety: thread-safe (the store is; the service holds no mutable state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/analysis.h"
#include "common/status.h"
#include "storage/span_store.h"

namespace hoptrace {

struct DiagnosisServiceOptions {
  // Cross-trace stitching looks at traces whose spans start within the trace's window widened
  // by this much on each side ...
  uint64_t stitch_margin_ns = 60'000'000'000;
  // ... at most this many of them (the newest first), the trace itself included.
  size_t max_stitch_candidates = 50;
  analysis::DiagnoseOptions diagnose;
  // Runaway cost judged when a diagnosis is asked for (absolute budgets and the peer-agent rule;
  // the p95 baseline lives in the ingest-time watcher, whose findings /api/v1/findings lists).
  analysis::CostBudgets cost;
};

// The broken-propagation group a trace belongs to, with every member's spans.
struct StitchedGroup {
  analysis::StitchGroup group;  // empty trace_ids when the trace is in no group
  std::vector<Span> spans;      // the spans of every trace of the group (or of the trace alone)
};

class DiagnosisService {
 public:
  explicit DiagnosisService(SpanStore* store, DiagnosisServiceOptions options = {})
      : store_(store), options_(options) {}

  // Diagnose() of the trace plus the broken_propagation finding of its cross-trace group, if
  // any. NotFound for an unknown trace.
  StatusOr<analysis::Diagnosis> Diagnose(const TraceId& trace_id) const;

  // The group the trace belongs to and all its spans; a trace in no group is a group of one
  // (group.trace_ids empty, spans = its own). NotFound for an unknown trace.
  StatusOr<StitchedGroup> Stitch(const TraceId& trace_id) const;

  // The agent graph of one trace. NotFound for an unknown trace.
  StatusOr<analysis::AgentGraph> TraceGraph(const TraceId& trace_id, bool include_tools) const;

  // The agent graph aggregated over the (at most `limit`) newest traces with a span matching
  // `filter`. Reads only what the graph needs (SpanStore::ReadTraceSpans with
  // GraphProjection(): no attributes, events or resources but handoff.to_agent on handoff
  // spans), resolves each trace (ResolveTrace reads ids, parents, agent, tokens, cost and
  // usage_counted: all in the projection) and builds on kGraphWorkers threads, one builder each,
  // merged in worker order (the result does not depend on thread timing). Measured on W1
  // (2,000,048 spans in 48,682 traces, in blocks): see bench/analysis_bench.
  StatusOr<analysis::AgentGraph> Graph(const SpanFilter& filter, size_t limit,
                                       bool include_tools) const;
  // The same graph through the full read of every trace (SearchTraces, then GetTrace and
  // ResolveTrace each): the reference Graph is tested and measured against.
  StatusOr<analysis::AgentGraph> GraphFromFullTraces(const SpanFilter& filter, size_t limit,
                                                     bool include_tools) const;

  // What Graph reads of each span.
  static SpanProjection GraphProjection();
  static constexpr size_t kGraphWorkers = 2;

  // The trace's spans, resolved. NotFound for an unknown trace.
  StatusOr<std::vector<Span>> ResolvedTrace(const TraceId& trace_id) const;

 private:
  // The candidates for stitching around `trace` (itself first) and the groups they form.
  StatusOr<std::vector<analysis::TraceForStitching>> Candidates(
      const TraceId& trace_id, const std::vector<Span>& trace) const;

  SpanStore* const store_;
  const DiagnosisServiceOptions options_;
};

}  // namespace hoptrace
