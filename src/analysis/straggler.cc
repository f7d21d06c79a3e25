// The straggler in a fan-out.
//
// For every parent: its children, by start, are grouped into clusters of overlapping intervals
// (a child joins the cluster when it starts before the cluster's latest end). A cluster is a
// fan-out when at least min_parallel_children of its children run at the same time, and it is
// joined when the parent ends at or after the cluster's latest end (the parent waited; children
// that outlive their parent are fire-and-forget, not a join). The child ending last gates the
// join; it is a straggler when its duration is at least min_ratio x the median duration of the
// other children of the cluster and the parent waited on it alone (its end minus the
// second-latest end) at least min_wait_ns.

#include <algorithm>
#include <cstdio>
#include <deque>

#include "analysis/analysis.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

int MaxConcurrency(const TraceIndex& t, const std::vector<int>& members) {
  std::vector<std::pair<uint64_t, int>> events;
  events.reserve(members.size() * 2);
  for (int m : members) {
    events.emplace_back(t.span(m).start_unix_nano, 1);
    events.emplace_back(t.span(m).end_unix_nano, -1);
  }
  std::sort(events.begin(), events.end());  // ends (-1) before starts (+1) at the same time
  int cur = 0, best = 0;
  for (auto& e : events) best = std::max(best, cur += e.second);
  return best;
}

int64_t Median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::vector<Finding> FindStragglers(std::span<const Span> trace, const StragglerOptions& options) {
  TraceIndex t(trace);
  std::vector<Finding> findings;
  const size_t min_children = static_cast<size_t>(std::max(2, options.min_parallel_children));
  for (int p : t.by_start()) {
    auto kids = t.children(p);
    if (kids.size() < min_children) continue;
    const Span& parent = t.span(p);
    size_t i = 0;
    while (i < kids.size()) {
      std::vector<int> cluster{kids[i]};
      uint64_t cluster_end = t.span(kids[i]).end_unix_nano;
      size_t j = i + 1;
      while (j < kids.size() && t.span(kids[j]).start_unix_nano < cluster_end) {
        cluster.push_back(kids[j]);
        cluster_end = std::max(cluster_end, t.span(kids[j]).end_unix_nano);
        ++j;
      }
      i = j;
      if (cluster.size() < min_children) continue;
      if (MaxConcurrency(t, cluster) < static_cast<int>(min_children)) continue;
      if (parent.end_unix_nano < cluster_end) continue;  // no join
      // The gating child: latest end (ties: the longest).
      int gate = cluster[0];
      for (int c : cluster) {
        const Span& s = t.span(c);
        const Span& g = t.span(gate);
        if (s.end_unix_nano > g.end_unix_nano ||
            (s.end_unix_nano == g.end_unix_nano && s.duration_ns() > g.duration_ns()))
          gate = c;
      }
      std::vector<int64_t> others;
      uint64_t second_end = 0;
      uint64_t earliest_start = t.span(gate).start_unix_nano;
      for (int c : cluster) {
        earliest_start = std::min(earliest_start, t.span(c).start_unix_nano);
        if (c == gate) continue;
        others.push_back(t.span(c).duration_ns());
        second_end = std::max(second_end, t.span(c).end_unix_nano);
      }
      const Span& g = t.span(gate);
      const int64_t median = Median(others);
      const int64_t duration = g.duration_ns();
      if (median <= 0
              ? duration <= 0
              : static_cast<double>(duration) < options.min_ratio * static_cast<double>(median))
        continue;
      const int64_t wait =
          static_cast<int64_t>(g.end_unix_nano - std::max(second_end, g.start_unix_nano));
      if (wait < options.min_wait_ns || wait <= 0) continue;
      const double ratio =
          median > 0 ? static_cast<double>(duration) / static_cast<double>(median) : 0;
      Finding f;
      f.kind = FindingKind::kStraggler;
      f.severity = Severity::kWarning;
      f.trace_id = t.trace_id();
      // The agent doing the slow work: the first agent span beneath the straggler, else its own.
      f.agent = g.derived.agent;
      {
        std::deque<int> queue{gate};
        while (!queue.empty()) {
          int q = queue.front();
          queue.pop_front();
          if (t.span(q).derived.operation == kOpAgent) {
            f.agent = t.span(q).derived.agent;
            break;
          }
          for (int k : t.children(q)) queue.push_back(k);
        }
      }
      f.span_ids = {g.span_id, parent.span_id};
      f.key = "straggler:" + SpanHex(g.span_id);
      char ratio_text[32];
      std::snprintf(ratio_text, sizeof(ratio_text), "%.1f", ratio);
      f.summary = "In a fan-out of " + std::to_string(cluster.size()) + " parallel calls under '" +
                  parent.name + "', '" + g.name + "' took " + DurationText(duration) + ", " +
                  ratio_text + "x the median of its siblings (" + DurationText(median) +
                  "); the parent waited " + DurationText(wait) + " on it alone.";
      AnyValue siblings = AnyValue::Array({});
      for (int c : cluster) {
        if (c != gate) siblings.array_value.push_back(AnyValue::String(SpanHex(t.span(c).span_id)));
      }
      f.evidence = {
          {"parent_span_id", AnyValue::String(SpanHex(parent.span_id))},
          {"straggler_span_id", AnyValue::String(SpanHex(g.span_id))},
          {"fan_out", AnyValue::Int(static_cast<int64_t>(cluster.size()))},
          {"duration_ns", AnyValue::Int(duration)},
          {"median_sibling_ns", AnyValue::Int(median)},
          {"ratio", AnyValue::Double(ratio)},
          {"skew_ns", AnyValue::Int(duration - median)},
          {"parent_wait_ns", AnyValue::Int(wait)},
          {"fan_out_start_unix_nano", AnyValue::String(NanosText(earliest_start))},
          {"join_unix_nano", AnyValue::String(NanosText(cluster_end))},
          {"sibling_span_ids", std::move(siblings)},
      };
      findings.push_back(std::move(f));
    }
  }
  return findings;
}

}  // namespace hoptrace::analysis
