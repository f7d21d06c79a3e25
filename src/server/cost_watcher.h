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
#include <map>
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
  bool busy_ = false;          // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread worker_;
};

}  // namespace hoptrace
