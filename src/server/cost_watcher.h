// Runaway cost on ingest (issue 6 point 5): after each successful ingest the traces it touched
// are queued; a worker thread re-reads each one, evaluates analysis::EvaluateCost over it (as a
// trace possibly still in progress) and upserts the runaway_cost findings into the findings
// store. A new finding is logged (one line) and counted in hoptrace_findings_total{kind}.
//
// Never delays an ingest answer: Notify only queues (a trace already queued is queued once).
// Findings are visible through GET /api/v1/findings as soon as the worker has evaluated the
// trace, typically milliseconds after the ingest that caused them.
//
// Thread-safety: Notify and Drain from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "analysis/analysis.h"
#include "server/findings_store.h"
#include "server/metrics.h"
#include "storage/span_store.h"

namespace hoptrace {

struct CostWatcherOptions {
  analysis::CostBudgets budgets;  // the defaults of CostBudgets unless `hoptrace serve` flags say
};

class CostWatcher {
 public:
  // None owned; all must outlive the watcher.
  CostWatcher(SpanStore* store, FindingsStore* findings, ServerMetrics* metrics,
              CostWatcherOptions options = {});
  ~CostWatcher();  // stops the worker (queued traces not yet evaluated are dropped)
  CostWatcher(const CostWatcher&) = delete;
  CostWatcher& operator=(const CostWatcher&) = delete;

  // Queues the traces for evaluation; returns at once.
  void Notify(const std::vector<TraceId>& traces);
  // Waits until every trace queued so far has been evaluated (for tests and shutdown).
  void Drain();

 private:
  void Run();
  void Evaluate(const TraceId& trace);

  SpanStore* const store_;
  FindingsStore* const findings_;
  ServerMetrics* const metrics_;
  const CostWatcherOptions options_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::set<TraceId> pending_;  // guarded by mu_
  bool busy_ = false;          // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread worker_;
};

}  // namespace hoptrace
