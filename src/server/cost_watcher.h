// Runaway cost on ingest (issue 6 point 5): after each successful ingest the traces it touched
// are queued; a worker thread re-reads each one, evaluates analysis::EvaluateCost over it (as a
// trace possibly still in progress) and upserts the runaway_cost findings into the findings
// store. A new finding is logged (one line) and counted in hoptrace_findings_total{kind}.
//
// Never delays an ingest answer: Notify only queues (a trace already queued is queued once).
// Findings are visible through GET /api/v1/findings as soon as the worker has evaluated the
// trace, typically milliseconds after the ingest that caused them.
//
// The baseline (CostBudgets::baseline_multiplier x the p95 of recent traces with the same root
// name) is kept by the worker in memory: a rolling window of the latest TraceCost of the last
// baseline_traces_per_root traces per root name, for at most baseline_roots root names (the
// least recently used root name is forgotten). A trace is evaluated against the window of its
// root name without itself. Since a trace still in progress must not lower the p95 with a
// partial cost, a trace enters the window only once it has settled: no offer / notification of it
// arrived for baseline_quiet (checked at the start of each worker pass, so a trace settles at
// the first pass after its quiet period); beyond baseline_unsettled unsettled traces the oldest
// settle early. A trace offered again after it settled is unsettled again and, once it settles
// anew, replaces its earlier entry (it counts once, with its latest cost). Traces without a root
// name are not counted. The window starts empty at startup (no seeding from the store), so the
// baseline applies once min_baseline_traces traces of a root name have settled.
//
// Thread-safety: Notify and Drain from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "analysis/analysis.h"
#include "server/findings_store.h"
#include "server/metrics.h"
#include "storage/span_store.h"

namespace hoptrace {

struct CostWatcherOptions {
  analysis::CostBudgets budgets;  // the defaults of CostBudgets unless `hoptrace serve` flags say
  // The baseline's rolling window (see above).
  std::chrono::steady_clock::duration baseline_quiet = std::chrono::seconds(30);
  size_t baseline_traces_per_root = 200;
  size_t baseline_roots = 1000;
  size_t baseline_unsettled = 20'000;
};

class CostWatcher {
 public:
  // None owned; all must outlive the watcher.
  CostWatcher(SpanStore* store, FindingsStore* findings, ServerMetrics* metrics,
              CostWatcherOptions options = {});
  ~CostWatcher();  // stops the worker (queued traces not yet evaluated are dropped)
  CostWatcher(const CostWatcher&) = delete;
  CostWatcher& operator=(const CostWatcher&) = delete;

  // Queues the traces for evaluation; returns at once. Notify: by id (the worker reads each
  // from the store); Offer: as they stand after an ingest (IngestOutcome::traces), evaluated
  // without reading them again (a later offer of a trace replaces one not yet evaluated).
  void Notify(const std::vector<TraceId>& traces);
  void Offer(std::vector<std::vector<Span>> traces);
  // Waits until every trace queued so far has been evaluated (for tests and shutdown).
  void Drain();

 private:
  void Run();
  void Evaluate(const TraceId& trace);
  void Evaluate(const TraceId& trace, std::span<const Span> spans);

  SpanStore* const store_;
  FindingsStore* const findings_;
  ServerMetrics* const metrics_;
  const CostWatcherOptions options_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::set<TraceId> pending_;                          // guarded by mu_: by id
  std::map<TraceId, std::vector<std::vector<Span>>> pending_spans_;  // guarded by mu_: offered

  // Concurrent ingests of one trace each see only what was stored when they read it, so the
  // worker merges every offer of a trace (by span id, the later wins) into what it already
  // knows of it and evaluates the union. Bounded: the least recently offered traces are
  // forgotten beyond kMaxKnownSpans spans. Worker thread only.
  struct Known {
    std::vector<Span> spans;
    std::map<SpanId, size_t> index;
    uint64_t touched = 0;
  };
  static constexpr size_t kMaxKnownSpans = 200'000;
  const std::vector<Span>& Merge(const TraceId& trace, std::vector<Span>* offered);
  void Forget();
  std::map<TraceId, Known> known_;
  size_t known_spans_ = 0;
  uint64_t tick_ = 0;

  // The baseline (worker thread only): traces evaluated but not yet settled, by trace id, and
  // the rolling windows of settled traces by root name.
  struct Unsettled {
    analysis::TraceCost cost;
    std::chrono::steady_clock::time_point seen;
  };
  struct Window {
    std::deque<analysis::TraceCost> recent;  // oldest first, one entry per trace
    uint64_t touched = 0;
    std::optional<analysis::CostBaseline> baseline;  // of all of `recent`, computed on demand
  };
  void Settle(std::chrono::steady_clock::time_point now);
  void AddToBaseline(analysis::TraceCost cost);
  // The baseline for `cost`'s root name without `cost`'s trace; null if none. `storage` holds it
  // when it cannot be the window's cached one.
  const analysis::CostBaseline* BaselineFor(const analysis::TraceCost& cost,
                                            std::optional<analysis::CostBaseline>* storage);
  std::map<TraceId, Unsettled> unsettled_;
  std::map<std::string, Window> windows_;
  uint64_t window_tick_ = 0;

  bool busy_ = false;          // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread worker_;
};

}  // namespace hoptrace
