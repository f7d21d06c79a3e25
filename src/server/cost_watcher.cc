#include "server/cost_watcher.h"

#include <algorithm>
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

void CostWatcher::Offer(std::vector<std::vector<Span>> traces) {
  if (traces.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (auto& t : traces) {
      if (t.empty()) continue;
      const TraceId id = t.front().trace_id;
      pending_spans_[id].push_back(std::move(t));
    }
  }
  wake_.notify_one();
}

const std::vector<Span>& CostWatcher::Merge(const TraceId& trace, std::vector<Span>* offered) {
  Known& k = known_[trace];
  k.touched = ++tick_;
  for (Span& s : *offered) {
    auto [it, added] = k.index.emplace(s.span_id, k.spans.size());
    if (added) {
      k.spans.push_back(std::move(s));
      ++known_spans_;
    } else {
      k.spans[it->second] = std::move(s);
    }
  }
  return k.spans;
}

void CostWatcher::Forget() {
  if (known_spans_ <= kMaxKnownSpans) return;
  // Drop the least recently offered traces until half the budget is left.
  std::vector<std::pair<uint64_t, TraceId>> by_age;
  by_age.reserve(known_.size());
  for (const auto& [id, k] : known_) by_age.emplace_back(k.touched, id);
  std::sort(by_age.begin(), by_age.end());
  for (const auto& [touched, id] : by_age) {
    if (known_spans_ <= kMaxKnownSpans / 2) break;
    auto it = known_.find(id);
    known_spans_ -= it->second.spans.size();
    known_.erase(it);
  }
}

void CostWatcher::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] {
    return stop_ || (pending_.empty() && pending_spans_.empty() && !busy_);
  });
}

void CostWatcher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty() || !pending_spans_.empty(); });
    if (stop_) break;
    std::set<TraceId> batch;
    batch.swap(pending_);
    std::map<TraceId, std::vector<std::vector<Span>>> offered;
    offered.swap(pending_spans_);
    busy_ = true;
    lock.unlock();
    for (const TraceId& t : batch) Evaluate(t);
    for (auto& [t, offers] : offered) {
      const std::vector<Span>* merged = nullptr;
      for (auto& spans : offers) merged = &Merge(t, &spans);
      Evaluate(t, *merged);
    }
    Forget();
    lock.lock();
    busy_ = false;
    if (pending_.empty() && pending_spans_.empty()) idle_.notify_all();
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
  Evaluate(trace, *spans);
}

void CostWatcher::Evaluate(const TraceId& trace, std::span<const Span> spans) {
  const std::vector<analysis::Finding> found =
      analysis::EvaluateCost(spans, options_.budgets, nullptr, /*in_progress=*/true);
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
