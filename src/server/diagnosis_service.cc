#include "server/diagnosis_service.h"

#include <algorithm>
#include <limits>
#include <set>

#include "normalize/normalize.h"

namespace hoptrace {

using analysis::AgentGraph;
using analysis::Diagnosis;
using analysis::Finding;
using analysis::FindingKind;
using analysis::StitchGroup;
using analysis::TraceForStitching;

StatusOr<std::vector<Span>> DiagnosisService::ResolvedTrace(const TraceId& trace_id) const {
  HT_ASSIGN_OR_RETURN(std::vector<Span> spans, store_->GetTrace(trace_id));
  ResolveTrace(&spans);
  return spans;
}

StatusOr<std::vector<TraceForStitching>> DiagnosisService::Candidates(
    const TraceId& trace_id, const std::vector<Span>& trace) const {
  uint64_t first = std::numeric_limits<uint64_t>::max(), last = 0;
  for (const Span& s : trace) {
    first = std::min(first, s.start_unix_nano);
    last = std::max({last, s.end_unix_nano, s.start_unix_nano});
  }
  std::vector<TraceForStitching> out;
  out.push_back({trace_id, trace});
  if (trace.empty() || options_.max_stitch_candidates <= 1) return out;
  SpanFilter window;
  window.start_min_unix_nano =
      first > options_.stitch_margin_ns ? first - options_.stitch_margin_ns : 0;
  window.start_max_unix_nano = last > std::numeric_limits<uint64_t>::max() -
                                          options_.stitch_margin_ns
                                   ? std::numeric_limits<uint64_t>::max()
                                   : last + options_.stitch_margin_ns;
  HT_ASSIGN_OR_RETURN(std::vector<TraceSummary> near,
                      store_->SearchTraces(window, options_.max_stitch_candidates));
  for (const TraceSummary& t : near) {
    if (t.trace_id == trace_id) continue;
    if (out.size() >= options_.max_stitch_candidates) break;
    auto spans = store_->GetTrace(t.trace_id);
    if (!spans.ok()) {
      if (spans.status().code() == StatusCode::kNotFound) continue;  // dropped since the search
      return spans.status();
    }
    ResolveTrace(&*spans);
    out.push_back({t.trace_id, std::move(*spans)});
  }
  return out;
}

namespace {

bool Contains(const std::vector<TraceId>& ids, const TraceId& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

StatusOr<Diagnosis> DiagnosisService::Diagnose(const TraceId& trace_id) const {
  HT_ASSIGN_OR_RETURN(std::vector<Span> trace, ResolvedTrace(trace_id));
  Diagnosis d = analysis::Diagnose(trace, options_.diagnose);
  // Ordered by severity (critical first) like the rest.
  auto insert = [&d](Finding f) {
    auto at = std::find_if(d.findings.begin(), d.findings.end(),
                           [&](const Finding& x) { return x.severity < f.severity; });
    d.findings.insert(at, std::move(f));
  };
  for (Finding& f : analysis::EvaluateCost(trace, options_.cost, nullptr, /*in_progress=*/false))
    insert(std::move(f));
  HT_ASSIGN_OR_RETURN(std::vector<TraceForStitching> candidates, Candidates(trace_id, trace));
  if (candidates.size() < 2) return d;
  std::vector<Finding> groups =
      analysis::FindBrokenPropagation(candidates, options_.diagnose.propagation);
  for (Finding& g : groups) {
    if (!Contains(g.trace_ids, trace_id)) continue;
    // An in-trace orphan finding about a root this group stitches says the same thing: keep
    // the group, which names the caller.
    std::set<SpanId> stitched(g.span_ids.begin(), g.span_ids.end());
    std::erase_if(d.findings, [&](const Finding& f) {
      return f.kind == FindingKind::kBrokenPropagation && !f.span_ids.empty() &&
             stitched.count(f.span_ids.front());
    });
    insert(std::move(g));
    break;  // a trace is in one group
  }
  return d;
}

StatusOr<StitchedGroup> DiagnosisService::Stitch(const TraceId& trace_id) const {
  HT_ASSIGN_OR_RETURN(std::vector<Span> trace, ResolvedTrace(trace_id));
  HT_ASSIGN_OR_RETURN(std::vector<TraceForStitching> candidates, Candidates(trace_id, trace));
  StitchedGroup out;
  if (candidates.size() >= 2) {
    for (StitchGroup& g : analysis::StitchTraces(candidates, options_.diagnose.propagation)) {
      if (!Contains(g.trace_ids, trace_id)) continue;
      out.group = std::move(g);
      break;
    }
  }
  if (out.group.trace_ids.empty()) {
    out.spans = std::move(candidates.front().spans);
    return out;
  }
  // Spans of the group, caller's trace first, in the group's order.
  for (const TraceId& id : out.group.trace_ids) {
    for (TraceForStitching& c : candidates) {
      if (c.trace_id != id) continue;
      for (Span& s : c.spans) out.spans.push_back(std::move(s));
    }
  }
  return out;
}

StatusOr<AgentGraph> DiagnosisService::TraceGraph(const TraceId& trace_id,
                                                  bool include_tools) const {
  HT_ASSIGN_OR_RETURN(std::vector<Span> trace, ResolvedTrace(trace_id));
  analysis::GraphOptions options;
  options.include_tools = include_tools;
  return analysis::BuildAgentGraph(trace, options);
}

SpanProjection DiagnosisService::GraphProjection() {
  SpanProjection p;
  p.attribute_keys = {std::string(analysis::kGraphHandoffTargetKey)};
  p.attribute_operations = {std::string(analysis::kGraphHandoffOperation)};
  return p;
}

StatusOr<AgentGraph> DiagnosisService::Graph(const SpanFilter& filter, size_t limit,
                                             bool include_tools) const {
  analysis::GraphOptions options;
  options.include_tools = include_tools;
  TraceSpansRequest request;
  request.filter = filter;
  request.limit = limit;
  request.projection = GraphProjection();
  request.max_workers = kGraphWorkers;
  struct PerWorker {
    analysis::AgentGraphBuilder builder;
    std::vector<Span*> ptrs;
  };
  std::vector<PerWorker> workers;
  for (size_t w = 0; w < kGraphWorkers; ++w)
    workers.push_back({analysis::AgentGraphBuilder(options), {}});
  HT_RETURN_IF_ERROR(store_->ReadTraceSpans(request, [&](size_t w, std::span<Span> spans) {
    PerWorker& pw = workers[w];
    pw.ptrs.clear();
    for (Span& s : spans) pw.ptrs.push_back(&s);
    ResolveTrace(std::span<Span* const>(pw.ptrs));
    pw.builder.Add(spans);
    return Status::Ok();
  }));
  analysis::AgentGraphBuilder total(options);
  for (PerWorker& pw : workers) total.Add(pw.builder.Finish());
  return total.Finish();
}

StatusOr<AgentGraph> DiagnosisService::GraphFromFullTraces(const SpanFilter& filter, size_t limit,
                                                           bool include_tools) const {
  analysis::GraphOptions options;
  options.include_tools = include_tools;
  analysis::AgentGraphBuilder builder(options);
  HT_ASSIGN_OR_RETURN(std::vector<TraceSummary> traces, store_->SearchTraces(filter, limit));
  for (const TraceSummary& t : traces) {
    auto spans = store_->GetTrace(t.trace_id);
    if (!spans.ok()) {
      if (spans.status().code() == StatusCode::kNotFound) continue;
      return spans.status();
    }
    ResolveTrace(&*spans);
    builder.Add(*spans);
  }
  return builder.Finish();
}

}  // namespace hoptrace
