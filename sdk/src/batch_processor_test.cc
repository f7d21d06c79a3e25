#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "hoptrace/hoptrace.h"

namespace hoptrace {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// An exporter that can be slowed down or blocked, recording what it got.
class TestExporter final : public SpanExporter {
 public:
  std::atomic<int> delay_ms{0};
  std::atomic<bool> block{false};  // Export waits until unblocked (or Shutdown)

  ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                      Deadline) noexcept override {
    std::unique_lock lock(mu_);
    batches_.push_back(spans.size());
    for (const auto& s : spans) names_.push_back(s->name);
    cv_.wait_for(lock, milliseconds(delay_ms.load()), [&] { return shut_; });
    cv_.wait(lock, [&] { return !block.load() || shut_; });
    return ExportResult::kSuccess;
  }
  bool Shutdown(Deadline) noexcept override {
    std::lock_guard lock(mu_);
    shut_ = true;
    cv_.notify_all();
    ++shutdowns_;
    return true;
  }
  void Unblock() {
    std::lock_guard lock(mu_);
    block = false;
    cv_.notify_all();
  }
  std::size_t exported() {
    std::lock_guard lock(mu_);
    return names_.size();
  }
  std::vector<std::size_t> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mu_);
    return names_;
  }
  int shutdowns() {
    std::lock_guard lock(mu_);
    return shutdowns_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::size_t> batches_;
  std::vector<std::string> names_;
  bool shut_ = false;
  int shutdowns_ = 0;
};

std::unique_ptr<SpanData> Sampled(std::string name) {
  auto s = std::make_unique<SpanData>();
  s->name = std::move(name);
  s->context = SpanContext(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                           *SpanId::FromHex("00f067aa0ba902b7"), TraceFlags::kSampled, false);
  return s;
}

TEST(BatchSpanProcessorTest, NothingLostBelowCapacityAndBatchesAreBounded) {
  auto exporter = std::make_shared<TestExporter>();
  BatchSpanProcessorOptions o;
  o.max_queue_size = 1000;
  o.max_export_batch_size = 64;
  o.schedule_delay = milliseconds(5000);
  BatchSpanProcessor p(exporter, o);
  for (int i = 0; i < 900; ++i) p.OnEnd(Sampled(std::to_string(i)));
  EXPECT_TRUE(p.ForceFlush(DeadlineAfter(std::chrono::seconds(10))));
  EXPECT_EQ(exporter->exported(), 900u);
  for (std::size_t b : exporter->batches()) EXPECT_LE(b, 64u);
  auto names = exporter->names();
  for (int i = 0; i < 900; ++i) EXPECT_EQ(names[static_cast<std::size_t>(i)], std::to_string(i));
  EXPECT_EQ(p.stats().dropped_spans, 0u);
  EXPECT_EQ(p.stats().exported_spans, 900u);
}

TEST(BatchSpanProcessorTest, FullQueueDropsAndCounts) {
  auto exporter = std::make_shared<TestExporter>();
  exporter->block = true;  // the worker gets stuck in its first export
  BatchSpanProcessorOptions o;
  o.max_queue_size = 100;
  o.max_export_batch_size = 10;
  o.schedule_delay = milliseconds(1);
  BatchSpanProcessor p(exporter, o);
  p.OnEnd(Sampled("first"));
  // Wait until the worker has taken "first" and is blocked in Export.
  for (int i = 0; i < 2000 && exporter->batches().empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(exporter->batches().size(), 1u);
  for (int i = 0; i < 150; ++i) p.OnEnd(Sampled("x"));
  EXPECT_EQ(p.dropped_spans(), 50u);
  EXPECT_EQ(p.stats().queue_size, 100u);
  exporter->Unblock();
  EXPECT_TRUE(p.ForceFlush(DeadlineAfter(std::chrono::seconds(10))));
  EXPECT_EQ(exporter->exported(), 101u);
  EXPECT_EQ(p.stats().dropped_spans, 50u);
}

TEST(BatchSpanProcessorTest, ManyThreadsUnderPressure) {
  auto exporter = std::make_shared<TestExporter>();
  exporter->delay_ms = 2;
  BatchSpanProcessorOptions o;
  o.max_queue_size = 256;
  o.max_export_batch_size = 64;
  o.schedule_delay = milliseconds(1);
  BatchSpanProcessor p(exporter, o);
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) p.OnEnd(Sampled("s"));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(p.Shutdown(DeadlineAfter(std::chrono::seconds(20))));
  // Every span is either exported or counted as dropped: none vanish.
  EXPECT_EQ(exporter->exported() + p.dropped_spans(),
            static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_GT(p.dropped_spans(), 0u);  // the slow exporter could not keep up
}

TEST(BatchSpanProcessorTest, ScheduleDelayExportsWithoutAFlush) {
  auto exporter = std::make_shared<TestExporter>();
  BatchSpanProcessorOptions o;
  o.schedule_delay = milliseconds(20);
  BatchSpanProcessor p(exporter, o);
  p.OnEnd(Sampled("a"));
  for (int i = 0; i < 2000 && exporter->exported() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(exporter->exported(), 1u);
}

TEST(BatchSpanProcessorTest, UnsampledSpansAreNotQueued) {
  auto exporter = std::make_shared<TestExporter>();
  BatchSpanProcessor p(exporter, {});
  auto s = Sampled("u");
  s->context = SpanContext(s->context.trace_id(), s->context.span_id(), 0, false);
  p.OnEnd(std::move(s));
  EXPECT_EQ(p.stats().queue_size, 0u);
}

TEST(BatchSpanProcessorTest, ForceFlushHonoursItsDeadlineWithASlowExporter) {
  auto exporter = std::make_shared<TestExporter>();
  exporter->delay_ms = 600;
  BatchSpanProcessorOptions o;
  o.schedule_delay = milliseconds(60000);
  BatchSpanProcessor p(exporter, o);
  p.OnEnd(Sampled("slow"));
  auto start = Clock::now();
  EXPECT_FALSE(p.ForceFlush(DeadlineAfter(milliseconds(100))));
  auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, milliseconds(1000));
}

TEST(BatchSpanProcessorTest, ShutdownHonoursItsDeadlineWithAStuckExporter) {
  auto exporter = std::make_shared<TestExporter>();
  exporter->block = true;
  BatchSpanProcessorOptions o;
  o.schedule_delay = milliseconds(1);
  o.export_timeout = milliseconds(60000);
  auto p = std::make_unique<BatchSpanProcessor>(exporter, o);
  p->OnEnd(Sampled("stuck"));
  for (int i = 0; i < 2000 && exporter->batches().empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  auto start = Clock::now();
  EXPECT_FALSE(p->Shutdown(DeadlineAfter(milliseconds(150))));
  auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(exporter->shutdowns(), 1);  // told to stop (which unblocks it here)
  p->OnEnd(Sampled("after"));
  EXPECT_EQ(p->dropped_spans(), 1u);
  EXPECT_TRUE(p->Shutdown(DeadlineAfter(milliseconds(10))) || true);  // idempotent, no crash
  p.reset();  // destroying it after a late shutdown is safe (the worker was detached)
}

TEST(BatchSpanProcessorTest, ShutdownDrainsTheQueue) {
  auto exporter = std::make_shared<TestExporter>();
  BatchSpanProcessorOptions o;
  o.schedule_delay = milliseconds(60000);
  BatchSpanProcessor p(exporter, o);
  for (int i = 0; i < 10; ++i) p.OnEnd(Sampled("q"));
  EXPECT_TRUE(p.Shutdown(DeadlineAfter(std::chrono::seconds(5))));
  EXPECT_EQ(exporter->exported(), 10u);
  EXPECT_EQ(exporter->shutdowns(), 1);
  EXPECT_TRUE(p.Shutdown(DeadlineAfter(milliseconds(10))));
  EXPECT_EQ(exporter->shutdowns(), 1);
}

TEST(BatchSpanProcessorTest, ProviderDestructorFlushes) {
  auto exporter = std::make_shared<TestExporter>();
  {
    TracerProviderOptions o;
    BatchSpanProcessorOptions bo;
    bo.schedule_delay = milliseconds(60000);
    o.processors.push_back(std::make_shared<BatchSpanProcessor>(exporter, bo));
    auto provider = TracerProvider::Create(std::move(o));
    Tracer tracer = provider->GetTracer("t");
    for (int i = 0; i < 5; ++i) tracer.StartSpan("x");
  }
  EXPECT_EQ(exporter->exported(), 5u);
}

}  // namespace
}  // namespace hoptrace
