// SimpleSpanProcessor and BatchSpanProcessor.
#include <algorithm>
#include <condition_variable>
#include <thread>

#include "hoptrace/export.h"
#include "internal.h"

namespace hoptrace {

// ---------------------------------------------------------------------------------------------
// SimpleSpanProcessor

SimpleSpanProcessor::SimpleSpanProcessor(std::shared_ptr<SpanExporter> exporter)
    : exporter_(std::move(exporter)) {}

SimpleSpanProcessor::~SimpleSpanProcessor() { Shutdown(DeadlineAfter(std::chrono::seconds(5))); }

void SimpleSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) noexcept {
  if (!span->context.IsSampled() || exporter_ == nullptr) return;
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  const std::unique_ptr<SpanData>* one = &span;
  if (exporter_->Export({one, 1}, DeadlineAfter(std::chrono::seconds(30))) !=
      ExportResult::kSuccess) {
    internal::Log(LogLevel::kWarning, "span export failed (simple processor)");
  }
}

bool SimpleSpanProcessor::ForceFlush(Deadline deadline) noexcept {
  return exporter_ == nullptr || exporter_->ForceFlush(deadline);
}

bool SimpleSpanProcessor::Shutdown(Deadline deadline) noexcept {
  std::lock_guard lock(mu_);
  if (shutdown_) return true;
  shutdown_ = true;
  return exporter_ == nullptr || exporter_->Shutdown(deadline);
}

// ---------------------------------------------------------------------------------------------
// BatchSpanProcessor
//
// The queue is a vector guarded by a mutex; the worker swaps it with a spare (double buffering)
// and exports the spare in chunks of max_export_batch_size without holding the lock. OnEnd only
// takes the lock for a push_back and wakes the worker when a full batch is waiting.

struct BatchSpanProcessor::State {
  std::shared_ptr<SpanExporter> exporter;
  BatchSpanProcessorOptions options;

  std::mutex mu;
  std::condition_variable wake_worker;
  std::condition_variable progress;  // flush generations completed, worker exit
  std::vector<std::unique_ptr<SpanData>> queue;
  std::uint64_t flush_requested = 0;
  std::uint64_t flush_completed = 0;
  Deadline drain_deadline = Deadline::max();  // set by ForceFlush/Shutdown callers
  bool shutdown = false;
  bool worker_done = false;

  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> exported{0};
  std::atomic<std::uint64_t> failed{0};

  std::thread worker;  // joined by Shutdown when it finishes in time, else detached

  void Run() noexcept;
};

void BatchSpanProcessor::State::Run() noexcept {
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.reserve(options.max_queue_size);
  std::uint64_t reported_drops = 0;
  std::unique_lock lock(mu);
  for (;;) {
    wake_worker.wait_for(lock, options.schedule_delay, [&] {
      return shutdown || flush_requested > flush_completed ||
             queue.size() >= options.max_export_batch_size;
    });
    const std::uint64_t flush_generation = flush_requested;
    const bool stopping = shutdown;
    const Deadline drain_until = drain_deadline;
    batch.swap(queue);
    lock.unlock();

    for (std::size_t i = 0; i < batch.size(); i += options.max_export_batch_size) {
      std::size_t n = std::min(options.max_export_batch_size, batch.size() - i);
      Deadline deadline = std::min(DeadlineAfter(options.export_timeout), drain_until);
      ExportResult r = exporter->Export({batch.data() + i, n}, deadline);
      (r == ExportResult::kSuccess ? exported : failed).fetch_add(n, std::memory_order_relaxed);
      if (r != ExportResult::kSuccess) {
        internal::Log(LogLevel::kWarning,
                      "export of " + std::to_string(n) + " spans failed; they are dropped");
      }
    }
    batch.clear();
    std::uint64_t drops = dropped.load(std::memory_order_relaxed);
    if (drops != reported_drops) {
      internal::Log(LogLevel::kWarning,
                    "batch span processor dropped " + std::to_string(drops - reported_drops) +
                        " spans (queue full at " + std::to_string(options.max_queue_size) +
                        ", or ended after shutdown)");
      reported_drops = drops;
    }

    lock.lock();
    flush_completed = std::max(flush_completed, flush_generation);
    progress.notify_all();
    if (stopping && queue.empty()) break;
  }
  worker_done = true;
  progress.notify_all();
}

BatchSpanProcessor::BatchSpanProcessor(std::shared_ptr<SpanExporter> exporter,
                                       BatchSpanProcessorOptions options)
    : state_(std::make_shared<State>()) {
  if (options.max_queue_size == 0) options.max_queue_size = 1;
  options.max_export_batch_size =
      std::clamp<std::size_t>(options.max_export_batch_size, 1, options.max_queue_size);
  if (options.schedule_delay.count() <= 0) options.schedule_delay = std::chrono::milliseconds(1);
  state_->exporter = std::move(exporter);
  state_->options = options;
  state_->queue.reserve(options.max_queue_size);
  if (state_->exporter == nullptr) {
    state_->worker_done = true;
    state_->shutdown = true;
    return;
  }
  // The worker owns a reference to the state, so it may outlive this object (see Shutdown).
  state_->worker = std::thread([state = state_] { state->Run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  Shutdown(DeadlineAfter(state_->options.export_timeout));
}

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) noexcept {
  if (!span->context.IsSampled()) return;
  State& s = *state_;
  bool wake = false;
  {
    std::lock_guard lock(s.mu);
    if (!s.shutdown && s.queue.size() < s.options.max_queue_size) {
      s.queue.push_back(std::move(span));
      wake = s.queue.size() == s.options.max_export_batch_size;
    } else {
      s.dropped.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // `span` (if dropped) is freed here, outside the lock.
  if (wake) s.wake_worker.notify_one();
}

bool BatchSpanProcessor::ForceFlush(Deadline deadline) noexcept {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  if (s.worker_done) return s.queue.empty();
  const std::uint64_t generation = ++s.flush_requested;
  s.drain_deadline = deadline;
  s.wake_worker.notify_one();
  bool done = s.progress.wait_until(
      lock, deadline, [&] { return s.flush_completed >= generation || s.worker_done; });
  s.drain_deadline = Deadline::max();
  lock.unlock();
  if (!done) return false;
  return s.exporter == nullptr || s.exporter->ForceFlush(deadline);
}

bool BatchSpanProcessor::Shutdown(Deadline deadline) noexcept {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  const bool first = !s.shutdown;
  if (first) {
    s.shutdown = true;
    s.drain_deadline = deadline;
    s.wake_worker.notify_one();
  }
  bool done = s.progress.wait_until(lock, deadline, [&] { return s.worker_done; });
  lock.unlock();
  if (!first) return done;
  if (s.worker.joinable()) {
    if (done) {
      s.worker.join();
    } else {
      s.worker.detach();
    }
  }
  if (s.exporter == nullptr) return true;
  // On time: the exporter gets what is left of the deadline. Late: the worker is stuck in an
  // export; shutting the exporter down interrupts its retries, and the detached worker finishes
  // on its own.
  bool exporter_ok = s.exporter->Shutdown(deadline);
  if (!done) {
    internal::Log(LogLevel::kWarning,
                  "batch span processor shutdown deadline passed; queued spans may be lost");
  }
  return done && exporter_ok;
}

BatchSpanProcessorStats BatchSpanProcessor::stats() const noexcept {
  BatchSpanProcessorStats st;
  st.dropped_spans = state_->dropped.load(std::memory_order_relaxed);
  st.exported_spans = state_->exported.load(std::memory_order_relaxed);
  st.failed_spans = state_->failed.load(std::memory_order_relaxed);
  std::lock_guard lock(state_->mu);
  st.queue_size = state_->queue.size();
  return st;
}

}  // namespace hoptrace
