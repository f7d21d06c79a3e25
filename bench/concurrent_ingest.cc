#include "concurrent_ingest.h"

#include <utility>

namespace hoptrace::bench {

ConcurrentIngester::ConcurrentIngester(W1System* system, int writers, size_t queue_batches)
    : system_(system), queue_batches_(queue_batches < 1 ? 1 : queue_batches) {
  threads_.reserve(writers);
  for (int i = 0; i < writers; ++i) threads_.emplace_back([this] { WriterLoop(); });
}

ConcurrentIngester::~ConcurrentIngester() {
  std::deque<std::vector<Span>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    dropped.swap(queue_);  // not stored: the run is abandoned
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  JoinAll();
}

Status ConcurrentIngester::Submit(std::vector<Span> batch) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [this] { return queue_.size() < queue_batches_ || !first_error_.ok(); });
    if (!first_error_.ok()) return first_error_;
    queue_.push_back(std::move(batch));
  }
  not_empty_.notify_one();
  return Status::Ok();
}

Status ConcurrentIngester::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  not_empty_.notify_all();
  JoinAll();
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

void ConcurrentIngester::WriterLoop() {
  for (;;) {
    std::vector<Span> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      not_empty_.wait(lock, [this] { return !queue_.empty() || closing_ || !first_error_.ok(); });
      // After an error, or when closing with nothing left, this writer is done.
      if (!first_error_.ok() || queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    not_full_.notify_one();
    const size_t n = batch.size();
    Status status = system_->Ingest(std::move(batch));
    if (status.ok()) {
      spans_stored_.fetch_add(n, std::memory_order_relaxed);
      continue;
    }
    std::deque<std::vector<Span>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (first_error_.ok()) first_error_ = status.WithContext("ingest");  // first error wins
      dropped.swap(queue_);
    }
    // Wake the other writers (they stop) and a producer blocked on a full queue (it fails).
    not_empty_.notify_all();
    not_full_.notify_all();
    return;
  }
}

void ConcurrentIngester::JoinAll() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace hoptrace::bench
