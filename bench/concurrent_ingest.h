// Concurrent ingest for W1 (store_bench --writers N): one producer thread hands batches of spans
// through a bounded queue to N writer threads, each calling W1System::Ingest. Only for systems
// whose supports_concurrent_ingest() is true.
//
// Errors: the first error of any writer wins; after it the writers stop taking batches, queued
// batches are dropped, Submit returns it at once (never blocks on a queue no one drains), and
// Close returns it. Every writer thread is joined by Close or, on an early return, by the
// destructor.
//
// Thread-safety: Submit and Close are called from one (producer) thread; spans_stored() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "w1_system.h"

namespace hoptrace::bench {

class ConcurrentIngester {
 public:
  // Starts `writers` (>= 1) threads storing into `system`, which must outlive this object. At
  // most `queue_batches` (>= 1) batches wait in the queue; Submit blocks while it is full.
  ConcurrentIngester(W1System* system, int writers, size_t queue_batches);
  // Joins the writers; batches still queued (if Close was not called) are dropped unstored.
  ~ConcurrentIngester();
  ConcurrentIngester(const ConcurrentIngester&) = delete;
  ConcurrentIngester& operator=(const ConcurrentIngester&) = delete;

  // Queues `batch`, blocking while the queue is full. Returns the first writer error, if any
  // writer has failed (the batch is then dropped).
  Status Submit(std::vector<Span> batch);
  // Waits until every queued batch is stored and joins the writers. Returns the first writer
  // error, or OK. Call at most once; Submit must not be called after it.
  Status Close();

  // Spans stored so far by successful Ingest calls.
  uint64_t spans_stored() const { return spans_stored_.load(std::memory_order_relaxed); }

 private:
  void WriterLoop();
  void JoinAll();

  W1System* const system_;
  const size_t queue_batches_;
  std::mutex mu_;
  std::condition_variable not_empty_;    // a batch was queued, or closing_/error
  std::condition_variable not_full_;     // a batch was taken, or error
  std::deque<std::vector<Span>> queue_;  // guarded by mu_
  bool closing_ = false;                 // guarded by mu_: no more batches will come
  Status first_error_;                   // guarded by mu_
  std::atomic<uint64_t> spans_stored_{0};
  std::vector<std::thread> threads_;  // producer thread only
};

}  // namespace hoptrace::bench
