// The span record pool (span_pool.h), the sampler shortcuts, and the batch processor's lock-free
// queue under pressure.
#include "span_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <thread>

#include "hoptrace/hoptrace.h"
#include "internal.h"

namespace hoptrace {
namespace {

using internal::AcquireSpanData;
using internal::GetSpanPoolCounts;
using internal::RecycleSpanData;

const std::string kLongKey = "gen_ai.usage.output_tokens";  // longer than the short-string buffer

TEST(SpanPoolTest, RecycledRecordIsResetAndKeepsCapacity) {
  std::unique_ptr<SpanData> s = AcquireSpanData();
  s->name = "a name that does not fit in the short string buffer";
  s->context = SpanContext(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                           *SpanId::FromHex("00f067aa0ba902b7"), TraceFlags::kSampled, false);
  s->parent_span_id = *SpanId::FromHex("00f067aa0ba902b8");
  s->parent_is_remote = true;
  s->kind = SpanKind::kServer;
  s->start_unix_nano = 1;
  s->end_unix_nano = 2;
  for (int i = 0; i < 6; ++i) s->attributes.push_back({kLongKey + std::to_string(i), i});
  s->dropped_attributes_count = 3;
  s->events.push_back({"e", 5, {}, 0});
  s->dropped_events_count = 1;
  s->links.push_back({SpanContext(), {}, 0});
  s->dropped_links_count = 1;
  s->status_code = StatusCode::kError;
  s->status_message = "bad";
  Resource resource;
  s->resource = &resource;
  SpanData* address = s.get();
  const std::size_t attribute_capacity = s->attributes.capacity();

  internal::SpanPoolCounts before = GetSpanPoolCounts();
  RecycleSpanData(std::move(s));
  EXPECT_EQ(GetSpanPoolCounts().local, before.local + 1);

  std::unique_ptr<SpanData> again = AcquireSpanData();
  ASSERT_EQ(again.get(), address);  // the same record, last in first out
  SpanData fresh;
  EXPECT_EQ(again->context, fresh.context);
  EXPECT_EQ(again->parent_span_id, fresh.parent_span_id);
  EXPECT_FALSE(again->parent_is_remote);
  EXPECT_TRUE(again->name.empty());
  EXPECT_EQ(again->kind, SpanKind::kInternal);
  EXPECT_EQ(again->start_unix_nano, 0u);
  EXPECT_EQ(again->end_unix_nano, 0u);
  EXPECT_TRUE(again->attributes.empty());
  EXPECT_EQ(again->attributes.capacity(), attribute_capacity);
  EXPECT_EQ(again->dropped_attributes_count, 0u);
  EXPECT_TRUE(again->events.empty());
  EXPECT_EQ(again->dropped_events_count, 0u);
  EXPECT_TRUE(again->links.empty());
  EXPECT_EQ(again->dropped_links_count, 0u);
  EXPECT_EQ(again->status_code, StatusCode::kUnset);
  EXPECT_TRUE(again->status_message.empty());
  EXPECT_EQ(again->resource, nullptr);

  // The six long keys became spare keys, which new attribute keys reuse.
  internal::SpanPoolCounts counts = GetSpanPoolCounts();
  EXPECT_GE(counts.spare_keys, 6u);
  std::string key = internal::MakeAttributeKey("gen_ai.request.model");
  EXPECT_EQ(key, "gen_ai.request.model");
  EXPECT_GE(key.capacity(), kLongKey.size() + 1);
  EXPECT_EQ(GetSpanPoolCounts().spare_keys, counts.spare_keys - 1);
  EXPECT_EQ(internal::MakeAttributeKey("short"), "short");  // short keys need no spare
  EXPECT_EQ(GetSpanPoolCounts().spare_keys, counts.spare_keys - 1);
}

TEST(SpanPoolTest, OversizedRecordsAreFreedNotPooled) {
  std::unique_ptr<SpanData> s = AcquireSpanData();
  s->attributes.reserve(1000);
  internal::SpanPoolCounts before = GetSpanPoolCounts();
  RecycleSpanData(std::move(s));
  internal::SpanPoolCounts after = GetSpanPoolCounts();
  EXPECT_EQ(after.local, before.local);
  EXPECT_EQ(after.global, before.global);
}

// Records recycled by one thread (the processor's) are taken by others, and a thread's cache goes
// back to the shared pool when the thread exits: nothing stays behind with a dead thread.
TEST(SpanPoolTest, RecordsMoveBetweenThreadsAndAThreadsCacheOutlivesIt) {
  std::vector<std::unique_ptr<SpanData>> batch;
  std::vector<SpanData*> addresses;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(std::make_unique<SpanData>());
    addresses.push_back(batch.back().get());
  }
  const std::size_t global_before = GetSpanPoolCounts().global;
  std::thread([&] { RecycleSpanData(&batch); }).join();  // as the processor's worker does
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(GetSpanPoolCounts().global, global_before + 10);

  std::size_t taken_local = 0;
  std::size_t reused = 0;
  std::thread([&] {
    std::vector<std::unique_ptr<SpanData>> mine;
    for (int i = 0; i < 10; ++i) mine.push_back(AcquireSpanData());
    for (const auto& s : mine) {
      reused += std::count(addresses.begin(), addresses.end(), s.get());
    }
    for (auto& s : mine) RecycleSpanData(std::move(s));  // into this thread's cache
    taken_local = GetSpanPoolCounts().local;
  }).join();  // the thread's cache returns to the shared pool here
  EXPECT_EQ(reused, 10u);
  EXPECT_GE(taken_local, 10u);
  EXPECT_GE(GetSpanPoolCounts().global, global_before + 10);
}

// Counts and drops what it is given; can be held closed.
class GateExporter final : public SpanExporter {
 public:
  std::atomic<bool> closed{false};
  ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                      Deadline deadline) noexcept override {
    while (closed.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (const auto& s : spans) {
      if (s->attributes.size() != 2 || s->name != "w") bad.fetch_add(1);
    }
    count.fetch_add(spans.size());
    return ExportResult::kSuccess;
  }
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> bad{0};
};

void Produce(const Tracer& tracer, int n) {
  for (int i = 0; i < n; ++i) {
    Span span = tracer.StartSpan("w");
    span.SetAttribute("gen_ai.usage.input_tokens", i);
    span.SetAttribute("gen_ai.operation.name", "chat");
  }
}

// Two producers through a real provider: below the queue's capacity nothing is dropped, however
// far the worker lags, and every span arrives intact (records are recycled while others fill).
TEST(SpanPoolTest, BatchProcessorUnderTwoThreadPressureDropsNothingBelowCapacity) {
  auto exporter = std::make_shared<GateExporter>();
  BatchSpanProcessorOptions o;
  o.max_queue_size = 65536;
  o.max_export_batch_size = 512;
  auto processor = std::make_shared<BatchSpanProcessor>(exporter, o);
  auto provider = TracerProvider::Create({.sampler = AlwaysOnSampler(), .processors = {processor}});
  Tracer tracer = provider->GetTracer("pressure");
  constexpr int kRounds = 5;
  constexpr int kPerThread = 30000;  // 2 x 30,000 < 65,536 per round
  for (int round = 0; round < kRounds; ++round) {
    std::barrier start(2);
    auto run = [&] {
      start.arrive_and_wait();
      Produce(tracer, kPerThread);
    };
    std::thread a(run), b(run);
    a.join();
    b.join();
    ASSERT_TRUE(processor->ForceFlush(DeadlineAfter(std::chrono::seconds(60))));
    EXPECT_EQ(processor->stats().dropped_spans, 0u) << "round " << round;
  }
  EXPECT_EQ(exporter->count.load(), 2u * kPerThread * kRounds);
  EXPECT_EQ(exporter->bad.load(), 0u);
  EXPECT_EQ(processor->stats().exported_spans, 2u * kPerThread * kRounds);
}

// With the exporter stuck, exactly max_queue_size spans fit (a capacity that is not a power of
// two), from two threads at once; the next is dropped and counted.
TEST(SpanPoolTest, QueueHoldsExactlyItsCapacityFromTwoThreads) {
  auto exporter = std::make_shared<GateExporter>();
  exporter->closed = true;
  BatchSpanProcessorOptions o;
  o.max_queue_size = 1000;
  o.max_export_batch_size = 1000;  // the worker takes nothing before the queue is full
  o.schedule_delay = std::chrono::milliseconds(60000);
  BatchSpanProcessor p(exporter, o);
  auto make = [] {
    auto s = std::make_unique<SpanData>();
    s->name = "w";
    s->attributes = {{"a", 1}, {"b", 2}};
    s->context = SpanContext(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                             *SpanId::FromHex("00f067aa0ba902b7"), TraceFlags::kSampled, false);
    return s;
  };
  std::barrier start(2);
  auto run = [&] {
    start.arrive_and_wait();
    for (int i = 0; i < 499; ++i) p.OnEnd(make());
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  EXPECT_EQ(p.stats().queue_size, 998u);
  p.OnEnd(make());
  p.OnEnd(make());
  EXPECT_EQ(p.stats().dropped_spans, 0u);
  // The queue is full now (the worker may already be exporting, which it cannot finish).
  exporter->closed = false;
  ASSERT_TRUE(p.ForceFlush(DeadlineAfter(std::chrono::seconds(20))));
  EXPECT_EQ(exporter->count.load(), 1000u);
  EXPECT_EQ(p.stats().dropped_spans, 0u);

  exporter->closed = true;
  for (int i = 0; i < 1000; ++i) p.OnEnd(make());  // fills it; the worker takes one batch
  for (int i = 0; i < 2000 && p.stats().queue_size != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // The worker holds the batch in its stuck export: the queue is empty again, and fills to
  // exactly 1,000 before dropping.
  for (int i = 0; i < 1001; ++i) p.OnEnd(make());
  EXPECT_EQ(p.stats().queue_size, 1000u);
  EXPECT_EQ(p.stats().dropped_spans, 1u);
  exporter->closed = false;
  ASSERT_TRUE(p.ForceFlush(DeadlineAfter(std::chrono::seconds(20))));
  EXPECT_EQ(exporter->count.load(), 3000u);
  EXPECT_EQ(exporter->bad.load(), 0u);
}

// After Shutdown the shared pool keeps nothing of the provider: once its owners let go, the
// exporter is destroyed.
TEST(SpanPoolTest, ProviderShutdownPurgesItsRecords) {
  std::weak_ptr<GateExporter> weak;
  {
    auto exporter = std::make_shared<GateExporter>();
    weak = exporter;
    auto provider = TracerProvider::Create(
        {.sampler = AlwaysOnSampler(),
         .processors = {std::make_shared<BatchSpanProcessor>(exporter,
                                                             BatchSpanProcessorOptions{})}});
    Tracer tracer = provider->GetTracer("purge");
    // Produce on a thread of its own, whose cache returns to the shared pool when it exits.
    std::thread([&] { Produce(tracer, 1000); }).join();  // below the default queue of 2,048
    EXPECT_TRUE(provider->ForceFlush());
    EXPECT_EQ(exporter->count.load(), 1000u);
    EXPECT_GT(GetSpanPoolCounts().global, 0u);
    EXPECT_TRUE(provider->Shutdown());
  }
  EXPECT_TRUE(weak.expired());
}

// The tracer's scope reference: recycled records of the same tracer keep it, another tracer's
// span gets its own.
TEST(SpanPoolTest, RecycledRecordsCarryTheRightScope) {
  auto exporter = std::make_shared<InMemorySpanExporter>();
  auto provider = TracerProvider::Create(
      {.processors = {std::make_shared<SimpleSpanProcessor>(exporter)}});
  Tracer a = provider->GetTracer("a");
  Tracer b = provider->GetTracer("b", "2");
  for (int i = 0; i < 100; ++i) {
    (i % 3 == 0 ? b : a).StartSpan("x").SetAttribute("gen_ai.request.temperature", 0.5);
  }
  std::vector<SpanData> spans = exporter->GetFinishedSpans();
  ASSERT_EQ(spans.size(), 100u);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    ASSERT_NE(spans[i].scope, nullptr);
    EXPECT_EQ(spans[i].scope->name, i % 3 == 0 ? "b" : "a");
    EXPECT_EQ(spans[i].scope->version, i % 3 == 0 ? "2" : "");
    EXPECT_EQ(spans[i].resource, &provider->resource());
    ASSERT_EQ(spans[i].attributes.size(), 1u);
    EXPECT_EQ(spans[i].attributes[0].key, "gen_ai.request.temperature");
  }
}

TEST(SamplerShortcutTest, BuiltInSamplersAreDecidedWithoutACall) {
  using internal::SamplerShortcut;
  constexpr auto kOn = SamplerShortcut::kRecordAndSample;
  constexpr auto kOff = SamplerShortcut::kDrop;
  constexpr auto kCall = SamplerShortcut::kCall;
  using S = internal::SamplerShortcuts;
  EXPECT_EQ(internal::ShortcutsOf(*AlwaysOnSampler()), (S{kOn, kOn, kOn, kOn, kOn}));
  EXPECT_EQ(internal::ShortcutsOf(*AlwaysOffSampler()), (S{kOff, kOff, kOff, kOff, kOff}));
  EXPECT_EQ(internal::ShortcutsOf(*TraceIdRatioBasedSampler(1.0)), (S{kOn, kOn, kOn, kOn, kOn}));
  EXPECT_EQ(internal::ShortcutsOf(*TraceIdRatioBasedSampler(0.5)),
            (S{kCall, kCall, kCall, kCall, kCall}));
  EXPECT_EQ(internal::ShortcutsOf(*ParentBasedSampler(AlwaysOnSampler())),
            (S{kOn, kOn, kOff, kOn, kOff}));
  EXPECT_EQ(internal::ShortcutsOf(*ParentBasedSampler(TraceIdRatioBasedSampler(0.25),
                                                      {.local_parent_not_sampled =
                                                           AlwaysOnSampler()})),
            (S{kCall, kOn, kOff, kOn, kOn}));

  // Index of each kind of parent.
  auto ctx = [](bool remote, bool sampled) {
    return SpanContext(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                       *SpanId::FromHex("00f067aa0ba902b7"), sampled ? TraceFlags::kSampled : 0,
                       remote);
  };
  EXPECT_EQ(internal::ParentKindIndex(SpanContext()), 0u);
  EXPECT_EQ(internal::ParentKindIndex(ctx(true, true)), 1u);
  EXPECT_EQ(internal::ParentKindIndex(ctx(true, false)), 2u);
  EXPECT_EQ(internal::ParentKindIndex(ctx(false, true)), 3u);
  EXPECT_EQ(internal::ParentKindIndex(ctx(false, false)), 4u);
}

}  // namespace
}  // namespace hoptrace
