#include "server/auto_diagnosis.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "common/clock.h"
#include "common/log.h"

namespace hoptrace {
AutoDiagnoser::AutoDiagnoser(const DiagnosisService* diagnosis, FindingsStore* findings,
                             ServerMetrics* metrics, AutoDiagnosisOptions options)
    : diagnosis_(diagnosis), findings_(findings), metrics_(metrics), options_(options) {
  if (options_.background) worker_ = std::thread([this] { Run(); });
}

AutoDiagnoser::~AutoDiagnoser() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void AutoDiagnoser::Touch(const std::vector<TraceId>& traces) {
  const auto now = std::chrono::steady_clock::now();
  size_t skipped = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const TraceId& t : traces) last_touch_[t] = now;
    if (last_touch_.size() > options_.max_pending) {
      // Drop the least recently touched down to 90% of the bound, so the sort is amortised.
      std::vector<std::pair<std::chrono::steady_clock::time_point, TraceId>> by_age;
      by_age.reserve(last_touch_.size());
      for (const auto& [t, at] : last_touch_) by_age.emplace_back(at, t);
      skipped = last_touch_.size() - options_.max_pending * 9 / 10;
      std::nth_element(by_age.begin(), by_age.begin() + static_cast<ptrdiff_t>(skipped),
                       by_age.end());
      for (size_t i = 0; i < skipped; ++i) last_touch_.erase(by_age[i].second);
    }
  }
  if (skipped > 0) metrics_->CountAutoDiagnosis("skipped", skipped);
}

size_t AutoDiagnoser::pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_touch_.size();
}

size_t AutoDiagnoser::DiagnoseQuiet(std::chrono::steady_clock::time_point now) {
  std::vector<TraceId> quiet;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = last_touch_.begin(); it != last_touch_.end();) {
      if (now - it->second >= options_.quiet) {
        quiet.push_back(it->first);
        it = last_touch_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const TraceId& t : quiet) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) break;
    }
    auto d = diagnosis_->Diagnose(t);
    if (!d.ok()) {
      // NotFound: dropped by retention meanwhile; anything else is worth a line.
      if (d.status().code() != StatusCode::kNotFound)
        Log(LogLevel::kWarning, "diagnosis",
            "diagnosing trace " + ToHex(t) + ": " + d.status().message());
      metrics_->CountAutoDiagnosis("failed");
      continue;
    }
    metrics_->CountAutoDiagnosis("diagnosed");
    RecordFindings(findings_, metrics_, t, d->findings, NowUnixNano(), /*log_new=*/true);
  }
  return quiet.size();
}

void AutoDiagnoser::Run() {
  // The lowest priority for this thread only (Linux: nice values are per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    wake_.wait_for(l, options_.tick, [this] { return stop_; });
    if (stop_) break;
    l.unlock();
    DiagnoseQuiet(std::chrono::steady_clock::now());
    l.lock();
  }
}

}  // namespace hoptrace
