// Conformance cases about storing: lossless round trips, large values, duplicates,
// read-your-writes, and concurrent appends and queries. Query semantics are in
// span_store_conformance_queries.cc.
#include "storage/testing/span_store_conformance.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include "common/file_system.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SpanStoreConformanceTest);

std::string SpanStoreBackendName(const ::testing::TestParamInfo<SpanStoreBackend>& info) {
  conformance_internal::LinkQueryCases();
  conformance_internal::LinkUpdateCases();
  conformance_internal::LinkNarrowCases();
  return info.param.name;
}

void PrintTo(const SpanStoreBackend& backend, std::ostream* os) { *os << backend.name; }

void SpanStoreConformanceTest::SetUp() {
  auto made = MakeTempDir("hoptrace-conformance-");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  dir_ = *made;
  store_ = GetParam().factory(dir_);
  ASSERT_NE(store_, nullptr) << "backend " << GetParam().name << " failed to open " << dir_;
}

void SpanStoreConformanceTest::TearDown() {
  store_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void SpanStoreConformanceTest::Flush() {
  if (GetParam().flush) GetParam().flush(store_.get());
}

void SpanStoreConformanceTest::Reopen() {
  if (!GetParam().persistent) return;
  store_.reset();
  store_ = GetParam().factory(dir_);
  ASSERT_NE(store_, nullptr) << "backend " << GetParam().name << " failed to reopen " << dir_;
}

void SpanStoreConformanceTest::InEveryState(const std::function<void()>& check) {
  {
    SCOPED_TRACE("before flush");
    check();
  }
  Flush();
  {
    SCOPED_TRACE("after flush");
    check();
  }
  if (GetParam().persistent) {
    Reopen();
    if (store_ == nullptr) return;
    SCOPED_TRACE("after reopen");
    check();
  }
}

AppendResult SpanStoreConformanceTest::Append(std::vector<Span> spans) {
  auto r = store_->Append(std::move(spans));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : AppendResult{};
}

std::vector<Span> SpanStoreConformanceTest::Trace(const TraceId& id) {
  auto r = store_->GetTrace(id);
  EXPECT_TRUE(r.ok()) << "GetTrace " << ToHex(id) << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<Span>{};
}

std::vector<TraceSummary> SpanStoreConformanceTest::Traces(const SpanFilter& filter, size_t limit) {
  auto r = store_->SearchTraces(filter, limit);
  EXPECT_TRUE(r.ok()) << "SearchTraces " << DebugString(filter) << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<TraceSummary>{};
}

std::vector<Span> SpanStoreConformanceTest::Spans(const SpanFilter& filter, SpanOrder order,
                                                  size_t limit) {
  auto r = store_->SearchSpans(filter, order, limit);
  EXPECT_TRUE(r.ok()) << "SearchSpans " << DebugString(filter) << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<Span>{};
}

std::vector<AggregateRow> SpanStoreConformanceTest::Rows(const AggregateRequest& request) {
  auto r = store_->Aggregate(request);
  EXPECT_TRUE(r.ok()) << "Aggregate " << DebugString(request) << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<AggregateRow>{};
}

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

void ExpectResult(const AppendResult& r, uint64_t stored, uint64_t duplicates) {
  EXPECT_EQ(r.stored, stored);
  EXPECT_EQ(r.duplicates, duplicates);
}

// Deterministic, not very compressible text of `n` bytes.
std::string BigText(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (char& c : s) c = static_cast<char>('!' + rng() % 90);
  return s;
}

TEST_P(SpanStoreConformanceTest, EmptyAppendStoresNothing) {
  ExpectResult(Append({}), 0, 0);
  EXPECT_EQ(store()->GetStats().spans, 0u);
}

TEST_P(SpanStoreConformanceTest, RoundTripsEveryFieldLosslessly) {
  std::vector<Span> rich;
  for (int v = 0; v < 3; ++v) rich.push_back(EveryFieldSpan(1, 10 + v, v));
  Span minimal;  // every field at its default, times zero
  minimal.trace_id = TestTraceId(2);
  minimal.span_id = TestSpanId(1);
  ExpectResult(Append(rich), 3, 0);
  ExpectResult(Append({minimal}), 1, 0);
  InEveryState([&] {
    std::vector<Span> got = Trace(TestTraceId(1));
    EXPECT_TRUE(SpansEqual(got, rich));
    if (!got.empty()) {
      const AnyValue* z = FindAttribute(got[0].attributes, "dbl_neg_zero");
      ASSERT_NE(z, nullptr);
      EXPECT_TRUE(std::signbit(z->double_value)) << "-0.0 came back as +0.0";
      const AnyValue* nan = FindAttribute(got[0].attributes, "dbl_nan");
      ASSERT_NE(nan, nullptr);
      EXPECT_TRUE(std::isnan(nan->double_value));
    }
    EXPECT_TRUE(SpansEqual(Trace(TestTraceId(2)), {minimal}));
    SpanFilter by_name;
    by_name.name = rich[1].name;
    EXPECT_TRUE(SpansEqual(Spans(by_name, SpanOrder::kNewestFirst), {rich[1]}));
  });
}

TEST_P(SpanStoreConformanceTest, KeepsEachSpansOwnResourceAndScope) {
  std::vector<Span> spans;
  for (int i = 0; i < 30; ++i) {
    Span s = MakeSpan(3, 1 + i, i == 0 ? 0 : 1, "op" + std::to_string(i), kBase + i * kMs, kMs);
    s.resource.attributes = {{"service.name", AnyValue::String("svc" + std::to_string(i % 5))},
                             {"pid", AnyValue::Int(i % 5)}};
    s.resource.schema_url = i % 2 ? "https://a" : "";
    s.scope.name = "scope" + std::to_string(i % 3);
    s.scope.version = std::to_string(i % 3);
    s.derived.service = "svc" + std::to_string(i % 5);
    spans.push_back(s);
  }
  ExpectResult(Append({spans.begin(), spans.begin() + 13}), 13, 0);
  Flush();
  ExpectResult(Append({spans.begin() + 13, spans.end()}), 17, 0);
  InEveryState([&] { EXPECT_TRUE(SpansEqual(Trace(TestTraceId(3)), spans)); });
}

TEST_P(SpanStoreConformanceTest, LargeValueRepeatedOnThousandSpansComesBackWhole) {
  const std::string big = BigText(20 << 10, 1);
  const std::string other = BigText(20 << 10, 2);
  std::vector<std::vector<Span>> traces(10);
  for (int t = 0; t < 10; ++t) {
    std::vector<Span> batch;
    for (int i = 0; i < 100; ++i) {
      Span s = MakeSpan(100 + t, 1 + i, i == 0 ? 0 : 1, "llm", kBase + t * 1000 * kMs + i * kMs,
                        2 * kMs);
      s.attributes = {{"gen_ai.prompt", AnyValue::String(i == 50 ? other : big)},
                      {"i", AnyValue::Int(i)}};
      s.events = {{s.start_unix_nano, "completion", {{"text", AnyValue::Bytes(big)}}, 0}};
      batch.push_back(s);
    }
    traces[t] = batch;
    ExpectResult(Append(std::move(batch)), 100, 0);
  }
  InEveryState([&] {
    for (int t = 0; t < 10; ++t) EXPECT_TRUE(SpansEqual(Trace(TestTraceId(100 + t)), traces[t]));
    std::vector<Span> all = Spans(SpanFilter{}, SpanOrder::kNewestFirst, 2000);
    ASSERT_EQ(all.size(), 1000u);
    for (const Span& s : all) {
      const AnyValue* v = FindAttribute(s.attributes, "gen_ai.prompt");
      ASSERT_NE(v, nullptr);
      ASSERT_EQ(v->string_value.size(), big.size());
      ASSERT_TRUE(v->string_value == big || v->string_value == other);
      ASSERT_EQ(s.events.size(), 1u);
      ASSERT_EQ(s.events[0].attributes[0].value.string_value, big);
    }
  });
}

TEST_P(SpanStoreConformanceTest, DuplicatesInOneBatchAreCountedOnceFirstCopyWins) {
  Span a = MakeSpan(5, 1, 0, "a", kBase, kMs);
  Span b = MakeSpan(5, 2, 1, "b", kBase + kMs, kMs);
  Span a2 = a;
  a2.name = "a-resent";
  Span other_trace_same_span_id = MakeSpan(6, 1, 0, "c", kBase, kMs);  // not a duplicate
  ExpectResult(Append({a, b, a2, other_trace_same_span_id, b}), 3, 2);
  InEveryState([&] {
    EXPECT_TRUE(SpansEqual(Trace(TestTraceId(5)), {a, b}));
    EXPECT_TRUE(SpansEqual(Trace(TestTraceId(6)), {other_trace_same_span_id}));
    EXPECT_EQ(store()->GetStats().spans, 3u);
  });
}

TEST_P(SpanStoreConformanceTest, DuplicatesAcrossBatchesFlushesAndReopens) {
  Span a = MakeSpan(7, 1, 0, "a", kBase, 10 * kMs);
  Span b = MakeSpan(7, 2, 1, "b", kBase + kMs, kMs);
  Span c = MakeSpan(7, 3, 1, "c", kBase + 2 * kMs, kMs);
  Span d = MakeSpan(7, 4, 1, "d", kBase + 3 * kMs, kMs);
  ExpectResult(Append({b, a}), 2, 0);
  ExpectResult(Append({b, c}), 1, 1);
  ExpectResult(Append({a, b, c}), 0, 3);
  Flush();
  ExpectResult(Append({a, b, c}), 0, 3);
  Reopen();
  ASSERT_NE(store(), nullptr);
  ExpectResult(Append({c, d, a}), 1, 2);
  Flush();
  ExpectResult(Append({d}), 0, 1);
  InEveryState([&] {
    EXPECT_TRUE(SpansEqual(Trace(TestTraceId(7)), {a, b, c, d}));
    std::vector<TraceSummary> t = Traces(SpanFilter{});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].span_count, 4u);
    AggregateRequest all;
    std::vector<AggregateRow> rows = Rows(all);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].spans, 4u);
    EXPECT_EQ(store()->GetStats().spans, 4u);
  });
  ExpectResult(Append({a, b, c, d}), 0, 4);
}

// Re-sent spans must be recognised wherever the first copy currently lives (recent in-memory
// part, a part being written out, long-term storage), also while data moves between them.
TEST_P(SpanStoreConformanceTest, DuplicatesDetectedWhileDataMovesToLongTermStorage) {
  constexpr int kBatches = 150, kPerBatch = 12;
  std::vector<std::vector<Span>> batches;
  std::mt19937 rng(7);
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Span> batch;
    for (int i = 0; i < kPerBatch; ++i) {
      Span s = MakeSpan(200 + b / 3, 1 + (b % 3) * kPerBatch + i, 0, "fill",
                        kBase + (b * kPerBatch + i) * kMs, kMs);
      s.attributes = {{"pad", AnyValue::String(BigText(400, b * kPerBatch + i))}};
      batch.push_back(std::move(s));
    }
    batches.push_back(batch);
    SCOPED_TRACE("batch " + std::to_string(b));
    ExpectResult(Append(batch), kPerBatch, 0);
    if (b > 0) ExpectResult(Append(batches[b - 1]), 0, kPerBatch);
    ExpectResult(Append(batches[rng() % batches.size()]), 0, kPerBatch);
    if (HasFailure()) return;
  }
  InEveryState([&] {
    EXPECT_EQ(store()->GetStats().spans, uint64_t{kBatches * kPerBatch});
    ExpectResult(Append(batches[rng() % batches.size()]), 0, kPerBatch);
  });
}

TEST_P(SpanStoreConformanceTest, ReadsItsOwnWrites) {
  for (int i = 0; i < 60; ++i) {
    SCOPED_TRACE("append #" + std::to_string(i));
    uint64_t trace = 20 + i % 7;
    Span s = MakeSpan(trace, 1 + i, i < 7 ? 0 : 1 + i % 7, "ryw" + std::to_string(i),
                      kBase + i * kMs, kMs);
    ExpectResult(Append({s}), 1, 0);
    std::vector<Span> got = Trace(TestTraceId(trace));
    EXPECT_EQ(static_cast<int>(got.size()), i / 7 + 1);
    SpanFilter f;
    f.name = s.name;
    EXPECT_TRUE(SpansEqual(Spans(f, SpanOrder::kNewestFirst), {s}));
    std::vector<TraceSummary> t = Traces(f);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].trace_id, s.trace_id);
    std::vector<AggregateRow> rows = Rows(AggregateRequest{});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].spans, static_cast<uint64_t>(i + 1));
    if (i % 10 == 9) Flush();
  }
}

TEST_P(SpanStoreConformanceTest, GetTraceOrdersByStartThenSpanIdAndReportsNotFound) {
  auto missing = store()->GetTrace(TestTraceId(30));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  Span s1 = MakeSpan(30, 1, 0, "root", kBase + 5 * kMs, 10 * kMs);
  Span s2 = MakeSpan(30, 2, 1, "x", kBase + 6 * kMs, kMs);
  Span s3 = MakeSpan(30, 3, 1, "y", kBase + 6 * kMs, kMs);  // same start as s2
  Span s4 = MakeSpan(30, 4, 1, "early", kBase, kMs);        // starts before its parent
  ExpectResult(Append({s3}), 1, 0);
  Flush();
  ExpectResult(Append({s2, s1}), 2, 0);
  ExpectResult(Append({s4}), 1, 0);
  InEveryState([&] {
    EXPECT_TRUE(SpansEqual(Trace(TestTraceId(30)), {s4, s1, s2, s3}));
    auto none = store()->GetTrace(TestTraceId(31));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  });
}

TEST_P(SpanStoreConformanceTest, RetentionWithoutLimitsDropsNothing) {
  ExpectResult(Append({MakeSpan(40, 1, 0, "r", kBase, kMs)}), 1, 0);
  Flush();
  auto r = store()->ApplyRetention(RetentionPolicy{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spans_dropped, 0u);
  EXPECT_EQ(Trace(TestTraceId(40)).size(), 1u);
}

// Concurrency: appender threads each append whole traces (one trace per batch, its span count
// encoded in the trace id), query threads check they never see part of a batch.
constexpr int kAppenders = 4;
constexpr int kQueriers = 2;
constexpr int kMaxBatchesPerAppender = 250;
constexpr auto kConcurrencyBudget = std::chrono::milliseconds(2500);

uint64_t ConcTraceN(int thread, int i, int size) {
  return (uint64_t{1} << 40) + ((uint64_t(thread) * 100000 + i) << 4) + size;
}
int ConcSize(int thread, int i) { return 1 + (i * 7 + thread) % 9; }
int ConcSizeOf(const TraceId& id) { return id[15] & 15; }

std::vector<Span> ConcBatch(int thread, int i) {
  int size = ConcSize(thread, i);
  uint64_t trace = ConcTraceN(thread, i, size);
  std::vector<Span> batch;
  for (int j = 0; j < size; ++j) {
    Span s = MakeSpan(trace, 1 + j, j == 0 ? 0 : 1, j == 0 ? "conc-root" : "conc-child",
                      kBase + (uint64_t(i) * 10 + j) * kMs, (1 + j) * kMs);
    s.derived.service = "conc";
    s.derived.agent = "agent" + std::to_string(thread);
    s.derived.input_tokens = 1;
    s.attributes = {{"batch_size", AnyValue::Int(size)}};
    if (j == 1 && i % 5 == 0) s.attributes.push_back({"blob", AnyValue::String(BigText(5000, i))});
    batch.push_back(std::move(s));
  }
  return batch;
}

TEST_P(SpanStoreConformanceTest, ConcurrentAppendsAndQueriesSeeWholeBatches) {
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<int> appended(kAppenders, 0);
  auto deadline = std::chrono::steady_clock::now() + kConcurrencyBudget;
  auto fail = [&](const std::string& what) {
    if (failures.fetch_add(1) < 20) ADD_FAILURE() << what;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kMaxBatchesPerAppender && std::chrono::steady_clock::now() < deadline;
           ++i) {
        std::vector<Span> batch = ConcBatch(t, i);
        const TraceId id = batch[0].trace_id;
        auto r = store()->Append(std::move(batch));
        if (!r.ok() || r->stored != static_cast<uint64_t>(ConcSize(t, i))) {
          fail("append " + std::to_string(t) + "/" + std::to_string(i) + ": " +
               (r.ok() ? "stored " + std::to_string(r->stored) : r.status().ToString()));
          return;
        }
        appended[t] = i + 1;
        if (i % 4 == 0) {
          auto got = store()->GetTrace(id);
          if (!got.ok() || static_cast<int>(got->size()) != ConcSize(t, i)) {
            fail("read-your-writes of " + ToHex(id) + ": " +
                 (got.ok() ? std::to_string(got->size()) + " spans" : got.status().ToString()));
          }
        }
      }
    });
  }
  for (int q = 0; q < kQueriers; ++q) {
    threads.emplace_back([&, q] {
      SpanFilter conc;
      conc.service = "conc";
      uint64_t last_total = 0;
      int round = 0;
      while (!done.load() && failures.load() == 0) {
        ++round;
        auto traces = store()->SearchTraces(conc, 50);
        if (!traces.ok()) return fail("SearchTraces: " + traces.status().ToString());
        for (const TraceSummary& t : *traces) {
          if (static_cast<int>(t.span_count) != ConcSizeOf(t.trace_id)) {
            fail("partial batch in SearchTraces: " + DebugString(t));
          }
        }
        if (!traces->empty()) {
          const TraceId& id = (*traces)[(round + q) % traces->size()].trace_id;
          auto got = store()->GetTrace(id);
          if (!got.ok() || static_cast<int>(got->size()) != ConcSizeOf(id)) {
            fail("partial batch in GetTrace " + ToHex(id));
          }
        }
        AggregateRequest by_size;
        by_size.filter = conc;
        by_size.group_by = {{GroupField::kAttribute, "batch_size"}};
        by_size.with_percentiles = round % 2 == 0;
        auto rows = store()->Aggregate(by_size);
        if (!rows.ok()) return fail("Aggregate: " + rows.status().ToString());
        uint64_t total = 0;
        for (const AggregateRow& r : *rows) {
          uint64_t size = r.key.size() == 1 ? std::stoull("0" + r.key[0]) : 0;
          if (size == 0 || r.spans % size != 0 || r.input_tokens != static_cast<int64_t>(r.spans)) {
            fail("partial batch in Aggregate: " + DebugString(r));
          }
          total += r.spans;
        }
        if (total < last_total) fail("span total went backwards");
        last_total = total;
        auto spans = store()->SearchSpans(conc, SpanOrder::kLongestFirst, 20);
        if (!spans.ok()) return fail("SearchSpans: " + spans.status().ToString());
      }
    });
  }
  for (int t = 0; t < kAppenders; ++t) threads[t].join();
  done = true;
  for (size_t t = kAppenders; t < threads.size(); ++t) threads[t].join();
  ASSERT_EQ(failures.load(), 0);

  InEveryState([&] {
    uint64_t expected_total = 0;
    for (int t = 0; t < kAppenders; ++t) {
      for (int i = 0; i < appended[t]; ++i) {
        std::vector<Span> want = ConcBatch(t, i);
        expected_total += want.size();
        ASSERT_TRUE(SpansEqual(Trace(want[0].trace_id), want)) << "batch " << t << "/" << i;
      }
    }
    AggregateRequest all;
    all.filter.service = "conc";
    std::vector<AggregateRow> rows = Rows(all);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].spans, expected_total);
    EXPECT_EQ(store()->GetStats().spans, expected_total);
  });
}

}  // namespace
}  // namespace hoptrace
