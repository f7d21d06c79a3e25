#include "server/cost_watcher.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/log.h"
#include "normalize/normalize.h"

namespace hoptrace {

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
    Settle(std::chrono::steady_clock::now());
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

void CostWatcher::Settle(std::chrono::steady_clock::time_point now) {
  for (auto it = unsettled_.begin(); it != unsettled_.end();) {
    if (now - it->second.seen < options_.baseline_quiet) {
      ++it;
      continue;
    }
    AddToBaseline(std::move(it->second.cost));
    it = unsettled_.erase(it);
  }
}

void CostWatcher::AddToBaseline(analysis::TraceCost cost) {
  if (options_.baseline_traces_per_root == 0 || options_.baseline_roots == 0) return;
  auto [it, added] = windows_.try_emplace(cost.root_name);
  Window& w = it->second;
  w.touched = ++window_tick_;
  w.baseline.reset();
  auto same = std::find_if(w.recent.begin(), w.recent.end(), [&](const analysis::TraceCost& c) {
    return c.trace_id == cost.trace_id;
  });
  if (same != w.recent.end()) w.recent.erase(same);  // counted once, with its latest cost
  w.recent.push_back(std::move(cost));
  while (w.recent.size() > options_.baseline_traces_per_root) w.recent.pop_front();
  if (added && windows_.size() > options_.baseline_roots) {
    auto lru = windows_.end();
    for (auto i = windows_.begin(); i != windows_.end(); ++i)
      if (i != it && (lru == windows_.end() || i->second.touched < lru->second.touched)) lru = i;
    if (lru != windows_.end()) windows_.erase(lru);
  }
}

const analysis::CostBaseline* CostWatcher::BaselineFor(
    const analysis::TraceCost& cost, std::optional<analysis::CostBaseline>* storage) {
  if (cost.root_name.empty()) return nullptr;
  auto it = windows_.find(cost.root_name);
  if (it == windows_.end() || it->second.recent.empty()) return nullptr;
  Window& w = it->second;
  w.touched = ++window_tick_;
  const bool self = std::any_of(w.recent.begin(), w.recent.end(), [&](const auto& c) {
    return c.trace_id == cost.trace_id;
  });
  if (!self) {
    if (!w.baseline) {
      std::vector<analysis::TraceCost> recent(w.recent.begin(), w.recent.end());
      w.baseline = analysis::ComputeCostBaseline(recent);
    }
    return &*w.baseline;
  }
  std::vector<analysis::TraceCost> others;
  others.reserve(w.recent.size());
  for (const analysis::TraceCost& c : w.recent)
    if (c.trace_id != cost.trace_id) others.push_back(c);
  if (others.empty()) return nullptr;
  *storage = analysis::ComputeCostBaseline(others);
  return &**storage;
}

void CostWatcher::Evaluate(const TraceId& trace, std::span<const Span> spans) {
  analysis::TraceCost cost = analysis::SummarizeCost(spans);
  std::optional<analysis::CostBaseline> storage;
  const analysis::CostBaseline* baseline = BaselineFor(cost, &storage);
  const std::vector<analysis::Finding> found =
      analysis::EvaluateCost(spans, options_.budgets, baseline, /*in_progress=*/true);
  if (!cost.root_name.empty()) {
    const auto now = std::chrono::steady_clock::now();
    unsettled_[trace] = Unsettled{std::move(cost), now};
    if (unsettled_.size() > options_.baseline_unsettled) {
      // Too many traces in progress: the least recently seen settle early.
      auto oldest = std::min_element(unsettled_.begin(), unsettled_.end(),
                                     [](const auto& a, const auto& b) {
                                       return a.second.seen < b.second.seen;
                                     });
      AddToBaseline(std::move(oldest->second.cost));
      unsettled_.erase(oldest);
    }
  }
  RecordFindings(findings_, metrics_, trace, found, NowUnixNano(), /*log_new=*/true);
}

}  // namespace hoptrace
