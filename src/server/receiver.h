// What every ingest listener (HTTP and gRPC) shares: the ingest pipeline, the self metrics, and
// admission control that keeps the work in flight bounded, so a saturated server answers
// "retry later" (HTTP 503 with Retry-After, gRPC UNAVAILABLE) instead of queueing without end.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>

#include "server/findings_store.h"
#include "server/ingest.h"
#include "server/metrics.h"

namespace hoptrace {

struct ReceiverOptions {
  size_t max_body_bytes = 64 << 20;       // per request, after decompression
  size_t max_inflight_bytes = 512 << 20;  // bodies being read, decoded or stored, all requests
  int max_inflight_requests = 32;         // requests being read, decoded or stored
  int admit_wait_ms = 250;                // how long a request may wait for room before a 503
};

class Receiver {
 public:
  Receiver(SpanStore* store, const PriceTable* prices, ReceiverOptions options = {})
      : store_(store), ingester_(store, prices), options_(options) {}

  // Room for one request, held until destroyed.
  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept : r_(o.r_), bytes_(o.bytes_) { o.r_ = nullptr; }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    friend class Receiver;
    Ticket(Receiver* r, size_t bytes) : r_(r), bytes_(bytes) {}
    Receiver* r_;
    size_t bytes_;
  };

  // Reserves room for a request whose body is about `bytes` long (the declared length, or a
  // guess when it is not known), waiting up to `wait_ms` (default: options().admit_wait_ms).
  // nullopt when the server stays saturated: answer "retry later".
  std::optional<Ticket> Admit(size_t bytes, int wait_ms = -1);

  // Ingests a decompressed body and counts it in the metrics.
  StatusOr<IngestOutcome> Ingest(WireFormat format, std::string_view body);

  // Called after every successful ingest with the traces it touched, as they stand after it
  // (IngestOutcome::traces: skeletons, resolved), from the ingesting thread: must return
  // quickly. REQUIRES: set before any listener serves.
  using IngestObserver = std::function<void(std::vector<std::vector<Span>>)>;
  void SetIngestObserver(IngestObserver observer) {
    observer_ = std::move(observer);
    ingester_.set_keep_traces(observer_ != nullptr);
  }
  // Where findings are recorded and listed (GET /api/v1/findings); null: not recorded.
  // REQUIRES: set before any listener serves. Not owned.
  void SetFindingsStore(FindingsStore* findings) { findings_ = findings; }
  FindingsStore* findings() const { return findings_; }

  SpanStore* store() const { return store_; }
  const PriceTable* prices() const { return ingester_.prices(); }
  ServerMetrics& metrics() { return metrics_; }
  const ReceiverOptions& options() const { return options_; }

 private:
  void Release(size_t bytes);

  SpanStore* const store_;
  IngestObserver observer_;
  FindingsStore* findings_ = nullptr;
  Ingester ingester_;
  ServerMetrics metrics_;
  const ReceiverOptions options_;
  std::mutex mu_;
  std::condition_variable room_;
  size_t inflight_bytes_ = 0;  // guarded by mu_
  int inflight_requests_ = 0;  // guarded by mu_
};

}  // namespace hoptrace
