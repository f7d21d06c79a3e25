#include "server/receiver.h"

#include <algorithm>
#include <chrono>

namespace hoptrace {

Receiver::Ticket::~Ticket() {
  if (r_ != nullptr) r_->Release(bytes_);
}

std::optional<Receiver::Ticket> Receiver::Admit(size_t bytes, int wait_ms) {
  if (wait_ms < 0) wait_ms = options_.admit_wait_ms;
  // A single request larger than the whole budget would never fit: it is charged the budget.
  bytes = std::min(bytes, options_.max_inflight_bytes);
  std::unique_lock lock(mu_);
  auto fits = [&] {
    return inflight_requests_ < options_.max_inflight_requests &&
           inflight_bytes_ + bytes <= options_.max_inflight_bytes;
  };
  if (!room_.wait_for(lock, std::chrono::milliseconds(wait_ms), fits)) {
    metrics_.CountSaturated();
    return std::nullopt;
  }
  ++inflight_requests_;
  inflight_bytes_ += bytes;
  return Ticket(this, bytes);
}

void Receiver::Release(size_t bytes) {
  {
    std::lock_guard lock(mu_);
    --inflight_requests_;
    inflight_bytes_ -= bytes;
  }
  room_.notify_all();
}

StatusOr<IngestOutcome> Receiver::Ingest(WireFormat format, std::string_view body) {
  auto outcome = ingester_.Ingest(format, body);
  if (outcome.ok()) {
    const IngestOutcome& o = *outcome;
    metrics_.CountReceived(o.received);
    metrics_.CountAccepted(o.accepted);
    metrics_.CountDuplicates(o.duplicates);
    metrics_.CountUnpriced(o.unpriced);
    for (const auto& [reason, n] : o.rejected_by_reason) metrics_.CountRejected(reason, n);
    if (observer_ && o.accepted > 0) observer_(std::move(outcome->traces));
  }
  return outcome;
}

}  // namespace hoptrace
