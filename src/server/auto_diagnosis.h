// Diagnosis of every trace once it has gone quiet (issue 6/7): so GET /api/v1/findings, the trace
// list's finding badges and the findings page cover every trace, not only the ones someone
// opened. Each ingest touches its traces (Touch: a map insert, never delaying the answer); a
// worker thread diagnoses a trace (DiagnosisService::Diagnose: every detector, runaway cost by
// the absolute budgets and the peer rule, broken propagation across nearby traces) once no span
// of it arrived for `quiet`, and records the findings in the findings store. A trace touched
// again later is diagnosed again when it is quiet again (findings are upserted by key).
//
// Bounded: at most `max_pending` traces wait; beyond that the least recently touched one is
// dropped undiagnosed and counted (hoptrace_auto_diagnosis_total{result="skipped"}; it is still
// diagnosed on demand by /diagnosis). The worker runs at the lowest CPU priority, so under a
// heavy ingest it yields to it.
//
// Thread-safety: Touch and DiagnoseQuiet from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "server/diagnosis_service.h"
#include "server/findings_store.h"
#include "server/metrics.h"

namespace hoptrace {

struct AutoDiagnosisOptions {
  std::chrono::steady_clock::duration quiet = std::chrono::seconds(10);
  size_t max_pending = 20'000;
  std::chrono::steady_clock::duration tick = std::chrono::milliseconds(500);
  bool background = true;  // false: no worker thread (tests call DiagnoseQuiet)
};

class AutoDiagnoser {
 public:
  // None owned; all must outlive the diagnoser.
  AutoDiagnoser(const DiagnosisService* diagnosis, FindingsStore* findings, ServerMetrics* metrics,
                AutoDiagnosisOptions options = {});
  ~AutoDiagnoser();  // stops the worker; traces still waiting are not diagnosed
  AutoDiagnoser(const AutoDiagnoser&) = delete;
  AutoDiagnoser& operator=(const AutoDiagnoser&) = delete;

  void Touch(const std::vector<TraceId>& traces);
  // Diagnoses every waiting trace quiet at `now`; returns how many were diagnosed.
  size_t DiagnoseQuiet(std::chrono::steady_clock::time_point now);
  size_t pending() const;

 private:
  void Run();

  const DiagnosisService* const diagnosis_;
  FindingsStore* const findings_;
  ServerMetrics* const metrics_;
  const AutoDiagnosisOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<TraceId, std::chrono::steady_clock::time_point> last_touch_;  // guarded by mu_
  bool stop_ = false;                                                     // guarded by mu_
  std::thread worker_;
};

}  // namespace hoptrace
