#include "server/cost_watcher.h"

#include <chrono>

#include "common/log.h"
#include "normalize/normalize.h"

namespace hoptrace {
namespace {

uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

CostWatcher::CostWatcher(SpanStore* store, FindingsStore* findings, ServerMetrics* metrics,
                         CostWatcherOptions options)
    : store_(store), findings_(findings), metrics_(metrics), options_(std::move(options)) {
  worker_ = std::thread([this] { Run(); });
}

CostWatcher::~CostWatcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void CostWatcher::Notify(const std::vector<TraceId>& traces) {
  if (traces.empty()) return;
  {
    std::lock_guard lock(mu_);
    pending_.insert(traces.begin(), traces.end());
  }
  wake_.notify_one();
}

void CostWatcher::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return stop_ || (pending_.empty() && !busy_); });
}

void CostWatcher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (stop_) break;
    std::set<TraceId> batch;
    batch.swap(pending_);
    busy_ = true;
    lock.unlock();
    for (const TraceId& t : batch) Evaluate(t);
    lock.lock();
    busy_ = false;
    if (pending_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void CostWatcher::Evaluate(const TraceId& trace) {
  auto spans = store_->GetTrace(trace);
  if (!spans.ok()) {
    if (spans.status().code() != StatusCode::kNotFound)
      Log(LogLevel::kWarning, "findings", "cost of trace " + ToHex(trace) + ": " +
                                              spans.status().message());
    return;
  }
  ResolveTrace(&*spans);
  const std::vector<analysis::Finding> found =
      analysis::EvaluateCost(*spans, options_.budgets, nullptr, /*in_progress=*/true);
  for (const analysis::Finding& f : found) {
    auto r = findings_->Upsert(f, NowUnixNano());
    if (!r.ok()) {
      Log(LogLevel::kError, "findings", "recording a finding: " + r.status().message());
      continue;
    }
    if (*r != FindingsStore::UpsertResult::kNew) continue;
    metrics_->CountFinding(std::string(analysis::FindingKindName(f.kind)));
    Log(LogLevel::kWarning, "findings",
        std::string(analysis::FindingKindName(f.kind)) + " in trace " + ToHex(trace) + ": " +
            f.summary);
  }
}

}  // namespace hoptrace
