// SimpleSpanProcessor and BatchSpanProcessor.
#include <algorithm>
#include <bit>
#include <condition_variable>
#include <thread>

#include "hoptrace/export.h"
#include "internal.h"
#include "span_pool.h"

namespace hoptrace {

// ---------------------------------------------------------------------------------------------
// SimpleSpanProcessor

SimpleSpanProcessor::SimpleSpanProcessor(std::shared_ptr<SpanExporter> exporter)
    : exporter_(std::move(exporter)) {}

SimpleSpanProcessor::~SimpleSpanProcessor() { Shutdown(DeadlineAfter(std::chrono::seconds(5))); }

void SimpleSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) noexcept {
  if (span->context.IsSampled() && exporter_ != nullptr) {
    std::lock_guard lock(mu_);
    const std::unique_ptr<SpanData>* one = &span;
    if (!shutdown_ && exporter_->Export({one, 1}, DeadlineAfter(std::chrono::seconds(30))) !=
                          ExportResult::kSuccess) {
      internal::Log(LogLevel::kWarning, "span export failed (simple processor)");
    }
  }
  internal::RecycleSpanData(std::move(span));  // outside the lock
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
// The queue is a bounded lock-free multi-producer, single-consumer ring (Vyukov's bounded
// queue): OnEnd claims a ticket with one compare-and-swap and publishes the span in that slot;
// the worker reads slots in ticket order. The mutex only guards the worker's sleep, flush and
// shutdown requests. A producer wakes the worker when a full batch is waiting and the worker is
// asleep (`worker_waiting`, ordered with the ticket counter by seq_cst: either the producer sees
// the worker waiting, or the worker's predicate sees the new span).
//
// After an export the worker hands the spans back to the span pool (span_pool.h): nothing is
// freed on the worker thread, and producers reuse the records.

struct BatchSpanProcessor::State {
  struct Slot {
    std::atomic<std::uint64_t> seq{0};  // == ticket: free for it; == ticket + 1: published
    SpanData* span = nullptr;
  };

  std::shared_ptr<SpanExporter> exporter;
  BatchSpanProcessorOptions options;

  std::unique_ptr<Slot[]> slots;
  std::uint64_t capacity = 0;  // a power of two >= max_queue_size
  alignas(64) std::atomic<std::uint64_t> head{0};  // next ticket (producers)
  alignas(64) std::atomic<std::uint64_t> tail{0};  // next ticket to read (the worker writes it)
  alignas(64) std::atomic<bool> worker_waiting{false};
  std::atomic<bool> closed{false};  // Shutdown was called: OnEnd drops

  std::mutex mu;
  std::condition_variable wake_worker;
  std::condition_variable progress;  // flush generations completed, worker exit
  std::uint64_t flush_requested = 0;
  std::uint64_t flush_completed = 0;
  Deadline drain_deadline = Deadline::max();  // set by ForceFlush/Shutdown callers
  bool shutdown = false;
  bool worker_done = false;

  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> exported{0};
  std::atomic<std::uint64_t> failed{0};

  std::thread worker;  // joined by Shutdown when it finishes in time, else detached

  explicit State(const BatchSpanProcessorOptions& o) : options(o) {
    capacity = std::bit_ceil(static_cast<std::uint64_t>(o.max_queue_size));
    slots = std::make_unique<Slot[]>(capacity);
    for (std::uint64_t i = 0; i < capacity; ++i) slots[i].seq.store(i, std::memory_order_relaxed);
  }
  ~State() {
    // Spans ended concurrently with Shutdown, after the worker's last drain.
    for (std::uint64_t t = tail.load(); t != head.load(); ++t) {
      Slot& slot = slots[t & (capacity - 1)];
      if (slot.seq.load(std::memory_order_acquire) == t + 1) delete slot.span;
    }
  }

  std::size_t Size() const noexcept {
    return static_cast<std::size_t>(head.load(std::memory_order_seq_cst) -
                                    tail.load(std::memory_order_acquire));
  }
  bool Push(SpanData* span) noexcept;
  SpanData* PopUntil(std::uint64_t target) noexcept;
  void Run() noexcept;
};

bool BatchSpanProcessor::State::Push(SpanData* span) noexcept {
  std::uint64_t pos = head.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t read = tail.load(std::memory_order_acquire);
    if (pos < read) {  // stale ticket
      pos = head.load(std::memory_order_relaxed);
      continue;
    }
    if (pos - read >= options.max_queue_size) return false;
    Slot& slot = slots[pos & (capacity - 1)];
    const std::uint64_t seq = slot.seq.load(std::memory_order_acquire);
    if (seq == pos) {
      // seq_cst: pairs with worker_waiting (see the comment at the top).
      if (head.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                     std::memory_order_relaxed)) {
        slot.span = span;
        slot.seq.store(pos + 1, std::memory_order_release);
        return true;
      }
    } else if (seq < pos) {
      return false;  // the slot's previous span has not been read yet: full
    } else {
      pos = head.load(std::memory_order_relaxed);
    }
  }
}

// The next span if its ticket is below `target`, else null. A ticket that is claimed but not yet
// published (its producer is between the two steps of Push) is waited for.
SpanData* BatchSpanProcessor::State::PopUntil(std::uint64_t target) noexcept {
  const std::uint64_t pos = tail.load(std::memory_order_relaxed);
  if (pos >= target) return nullptr;
  Slot& slot = slots[pos & (capacity - 1)];
  while (slot.seq.load(std::memory_order_acquire) != pos + 1) std::this_thread::yield();
  SpanData* span = slot.span;
  slot.seq.store(pos + capacity, std::memory_order_release);
  tail.store(pos + 1, std::memory_order_release);
  return span;
}

void BatchSpanProcessor::State::Run() noexcept {
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.reserve(options.max_export_batch_size);
  std::uint64_t reported_drops = 0;
  std::unique_lock lock(mu);
  for (;;) {
    worker_waiting.store(true, std::memory_order_seq_cst);
    wake_worker.wait_for(lock, options.schedule_delay, [&] {
      return shutdown || flush_requested > flush_completed ||
             Size() >= options.max_export_batch_size;
    });
    worker_waiting.store(false, std::memory_order_relaxed);
    const std::uint64_t flush_generation = flush_requested;
    const bool stopping = shutdown;
    const Deadline drain_until = drain_deadline;
    // Everything ended before this point (in particular before a flush request) has a ticket
    // below `target`.
    const std::uint64_t target = head.load(std::memory_order_seq_cst);
    lock.unlock();

    for (;;) {
      while (batch.size() < options.max_export_batch_size) {
        SpanData* span = PopUntil(target);
        if (span == nullptr) break;
        batch.emplace_back(span);  // reserved: no allocation
      }
      if (batch.empty()) break;
      const std::size_t n = batch.size();
      Deadline deadline = std::min(DeadlineAfter(options.export_timeout), drain_until);
      ExportResult r = exporter->Export({batch.data(), n}, deadline);
      (r == ExportResult::kSuccess ? exported : failed).fetch_add(n, std::memory_order_relaxed);
      if (r != ExportResult::kSuccess) {
        internal::Log(LogLevel::kWarning,
                      "export of " + std::to_string(n) + " spans failed; they are dropped");
      }
      internal::RecycleSpanData(&batch);  // leaves `batch` empty, capacity kept
    }
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
    if (stopping && Size() == 0) break;
  }
  worker_done = true;
  progress.notify_all();
}

BatchSpanProcessor::BatchSpanProcessor(std::shared_ptr<SpanExporter> exporter,
                                       BatchSpanProcessorOptions options) {
  if (options.max_queue_size == 0) options.max_queue_size = 1;
  options.max_export_batch_size =
      std::clamp<std::size_t>(options.max_export_batch_size, 1, options.max_queue_size);
  if (options.schedule_delay.count() <= 0) options.schedule_delay = std::chrono::milliseconds(1);
  state_ = std::make_shared<State>(options);
  state_->exporter = std::move(exporter);
  if (state_->exporter == nullptr) {
    state_->worker_done = true;
    state_->shutdown = true;
    state_->closed = true;
    return;
  }
  // The worker owns a reference to the state, so it may outlive this object (see Shutdown).
  state_->worker = std::thread([state = state_] { state->Run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  Shutdown(DeadlineAfter(state_->options.export_timeout));
}

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) noexcept {
  if (!span->context.IsSampled()) {
    internal::RecycleSpanData(std::move(span));
    return;
  }
  State& s = *state_;
  if (s.closed.load(std::memory_order_relaxed) || !s.Push(span.get())) {
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    internal::RecycleSpanData(std::move(span));
    return;
  }
  span.release();  // the queue owns it now
  // Wake the worker if it sleeps and a full batch is waiting; the first producer to see that
  // does it. Taking the mutex orders the notify after the worker's predicate check.
  if (s.worker_waiting.load(std::memory_order_seq_cst) &&
      s.Size() >= s.options.max_export_batch_size &&
      s.worker_waiting.exchange(false, std::memory_order_seq_cst)) {
    { std::lock_guard lock(s.mu); }
    s.wake_worker.notify_one();
  }
}

bool BatchSpanProcessor::ForceFlush(Deadline deadline) noexcept {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  if (s.worker_done) return s.Size() == 0;
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
    s.closed.store(true, std::memory_order_relaxed);
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
  st.queue_size = state_->Size();
  return st;
}

}  // namespace hoptrace
