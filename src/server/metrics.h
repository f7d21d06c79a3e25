// Self metrics of the server, rendered as Prometheus text (GET /metrics).
//
// Thread-safety: thread-safe (atomic counters; the reason map under a mutex).
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "storage/span_store.h"

namespace hoptrace {

class ServerMetrics {
 public:
  void CountReceived(uint64_t n) { received_ += n; }
  void CountAccepted(uint64_t n) { accepted_ += n; }
  void CountDuplicates(uint64_t n) { duplicates_ += n; }
  void CountRejected(const std::string& reason, uint64_t n);
  void CountUnpriced(uint64_t n) { unpriced_ += n; }
  // A request turned away because the server was saturated (answered "retry later").
  void CountSaturated() { saturated_ += 1; }
  // A new finding recorded by the findings store (kind: "comb", "runaway_cost", ...).
  void CountFinding(const std::string& kind);
  // A trace diagnosed in the background once quiet: result "diagnosed", "failed" or "skipped"
  // (dropped unexamined because too many traces were waiting).
  void CountAutoDiagnosis(const std::string& result, uint64_t n = 1);
  // One ingest request's answer and latency; `protocol` is "http" or "grpc", `code` the HTTP
  // status or the gRPC status name.
  void ObserveRequest(const std::string& protocol, const std::string& code, double seconds);

  // Prometheus text exposition format (version 0.0.4), with the store's size figures.
  std::string Render(const StoreStats& store) const;

  // Upper bounds of the request latency histogram, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};

 private:
  std::atomic<uint64_t> received_{0}, accepted_{0}, duplicates_{0}, unpriced_{0},
      saturated_{0};
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> rejected_;               // guarded by mu_
  std::map<std::string, uint64_t> findings_;               // guarded by mu_
  std::map<std::string, uint64_t> auto_diagnosis_;         // guarded by mu_
  std::map<std::pair<std::string, std::string>, uint64_t> responses_;  // guarded by mu_
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};  // guarded by mu_
  uint64_t latency_count_ = 0;                             // guarded by mu_
  double latency_sum_ = 0;                                 // guarded by mu_
};

}  // namespace hoptrace
