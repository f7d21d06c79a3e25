// EmbeddedStore retention: whole blocks are dropped by age (newest span end) or, oldest first, by
// size; memtables are never touched; blob files no block references any more are deleted while
// values still referenced (by blocks or by memtables) stay readable; background retention runs
// beside appends.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/file_system.h"
#include "common/log.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/embedded_store.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr uint64_t kHour = 3'600'000'000'000ULL;
constexpr uint64_t kNow = 1'800'000'000'000'000'000ULL;
constexpr int kSpansPerTrace = 4;

std::string Large(char c) { return std::string(6000, c) + "-large"; }

// Trace t's spans, ending around `end`; with `value` (if set) as a large attribute.
std::vector<Span> TraceAt(uint64_t t, uint64_t end, const std::string& value = "") {
  std::vector<Span> out;
  for (uint64_t k = 0; k < kSpansPerTrace; ++k) {
    Span s = MakeSpan(t, t * 100 + k, k == 0 ? 0 : t * 100, "step", end - 1'000'000 + k, 1000);
    s.attributes = {{"k", AnyValue::Int(static_cast<int64_t>(k))}};
    if (!value.empty()) s.attributes.push_back({"prompt", AnyValue::String(value)});
    out.push_back(std::move(s));
  }
  return out;
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_retention_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
    previous_sink_ = SetLogSink([](LogLevel, std::string_view, std::string_view) {});
  }
  void TearDown() override {
    SetLogSink(previous_sink_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  EmbeddedStoreOptions Options() const {
    EmbeddedStoreOptions o;
    o.dir = dir_;
    o.background_flush = false;
    return o;
  }
  std::unique_ptr<EmbeddedStore> Open(const EmbeddedStoreOptions& o) {
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::unique_ptr<EmbeddedStore> Open() { return Open(Options()); }
  void AppendFlush(EmbeddedStore* store, const std::vector<Span>& spans) {
    ASSERT_TRUE(store->Append(spans).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  uint64_t Size(const std::string& sub, const std::string& name) {
    return fs_->GetFileSize(JoinPath(JoinPath(dir_, sub), name)).value();
  }
  std::vector<std::string> Blocks() {
    auto names = fs_->GetChildren(JoinPath(dir_, "blocks")).value();
    std::sort(names.begin(), names.end());
    return names;
  }
  bool HasBlob(uint64_t n) {
    return fs_->FileExists(JoinPath(JoinPath(dir_, "blobs"), BlobFileName(n)));
  }
  static RetentionPolicy ByAge() {
    RetentionPolicy p;
    p.max_age_ns = kHour;
    p.now_unix_nano = kNow;
    return p;
  }
  static RetentionPolicy BySize(uint64_t bytes) {
    RetentionPolicy p;
    p.max_bytes = bytes;
    p.now_unix_nano = kNow;
    return p;
  }
  // The spans of trace t read back exactly (NotFound when `present` is false).
  void ExpectTrace(EmbeddedStore* store, uint64_t t, const std::vector<Span>& want,
                   bool present = true) {
    auto got = store->GetTrace(TestTraceId(t));
    if (!present) {
      EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << "trace " << t;
      return;
    }
    ASSERT_TRUE(got.ok()) << "trace " << t << ": " << got.status().ToString();
    EXPECT_TRUE(SpansEqual(*got, want)) << "trace " << t;
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_;
  LogSink previous_sink_;
};

TEST_F(RetentionTest, ByAgeDropsWholeOldBlocksButNeverTheMemtable) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const auto old1 = TraceAt(1, kNow - 10 * kHour), old2 = TraceAt(2, kNow - 9 * kHour);
  const auto fresh = TraceAt(3, kNow - 60'000'000'000ULL);
  const auto old_in_memory = TraceAt(4, kNow - 20 * kHour);
  std::vector<Span> olds = old1;
  olds.insert(olds.end(), old2.begin(), old2.end());
  AppendFlush(store.get(), olds);
  AppendFlush(store.get(), fresh);
  ASSERT_TRUE(store->Append(old_in_memory).ok());
  ASSERT_EQ(Blocks().size(), 2u);
  const uint64_t old_block_size = Size("blocks", Blocks()[0]);

  auto r = store->ApplyRetention(ByAge());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->units_dropped, 1u);
  EXPECT_EQ(r->spans_dropped, 2u * kSpansPerTrace);
  EXPECT_GE(r->bytes_freed, old_block_size);
  ExpectTrace(store.get(), 1, {}, false);
  ExpectTrace(store.get(), 2, {}, false);
  ExpectTrace(store.get(), 3, fresh);
  ExpectTrace(store.get(), 4, old_in_memory);  // too old, but in the memtable
  EXPECT_EQ(store->GetStats().blocks, 1u);
  EXPECT_EQ(store->GetStats().spans, 2u * kSpansPerTrace);
  SpanFilter all;
  auto found = store->SearchTraces(all, 100);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 2u);
  EXPECT_EQ(Blocks().size(), 1u);

  auto again = store->ApplyRetention(ByAge());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->units_dropped, 0u);
  EXPECT_EQ(again->spans_dropped, 0u);

  // Once flushed, the old memtable data is an old block like any other.
  ASSERT_TRUE(store->Flush().ok());
  auto later = store->ApplyRetention(ByAge());
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->units_dropped, 1u);
  EXPECT_EQ(later->spans_dropped, 1u * kSpansPerTrace);
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ExpectTrace(store.get(), 4, {}, false);
  ExpectTrace(store.get(), 3, fresh);
}

TEST_F(RetentionTest, BySizeDropsOldestBlocksUntilUnderTheLimit) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<std::vector<Span>> traces;
  for (uint64_t t = 1; t <= 3; ++t) {
    traces.push_back(TraceAt(t, kNow - (4 - t) * kHour));  // trace 1 oldest
    AppendFlush(store.get(), traces.back());
  }
  const auto memory = TraceAt(9, kNow - 30 * kHour);
  ASSERT_TRUE(store->Append(memory).ok());
  auto names = Blocks();
  ASSERT_EQ(names.size(), 3u);
  const uint64_t s1 = Size("blocks", names[0]), s2 = Size("blocks", names[1]),
                 s3 = Size("blocks", names[2]);

  auto r = store->ApplyRetention(BySize(s2 + s3));  // exactly fits the two newest
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->units_dropped, 1u);
  EXPECT_EQ(r->spans_dropped, 1u * kSpansPerTrace);
  EXPECT_EQ(r->bytes_freed, s1);
  ExpectTrace(store.get(), 1, {}, false);
  ExpectTrace(store.get(), 2, traces[1]);
  ExpectTrace(store.get(), 3, traces[2]);

  r = store->ApplyRetention(BySize(s3 + s2 - 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->units_dropped, 1u);
  ExpectTrace(store.get(), 2, {}, false);
  ExpectTrace(store.get(), 3, traces[2]);

  r = store->ApplyRetention(BySize(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->units_dropped, 1u);
  EXPECT_EQ(store->GetStats().blocks, 0u);
  ExpectTrace(store.get(), 3, {}, false);
  ExpectTrace(store.get(), 9, memory);
}

// The size limit counts the blob area. Dropping the oldest block also frees the blob file only it
// references, so that one drop is enough here: the newer blocks must stay.
TEST_F(RetentionTest, BySizeCountsTheBlobBytesADroppedBlockFrees) {
  std::vector<std::string> values;
  for (int i = 0; i < 8; ++i) {
    std::string v(40000, '\0');
    uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
    for (auto& c : v) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c = static_cast<char>(x);
    }
    values.push_back(v);  // incompressible: ~320 KB of blobs, only for block 1
  }
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    std::vector<Span> old = TraceAt(1, kNow - 5 * kHour);
    for (size_t i = 0; i < values.size(); ++i) {
      std::string key = "v";
      key.push_back(static_cast<char>('0' + i));
      old[i % old.size()].attributes.push_back({key, AnyValue::Bytes(values[i])});
    }
    AppendFlush(store.get(), old);
  }
  auto store = Open();  // a new session: block 1's blob file is no longer the active one
  ASSERT_NE(store, nullptr);
  const auto t2 = TraceAt(2, kNow - 4 * kHour), t3 = TraceAt(3, kNow - 3 * kHour);
  AppendFlush(store.get(), t2);
  AppendFlush(store.get(), t3);
  auto names = Blocks();
  ASSERT_EQ(names.size(), 3u);
  const uint64_t blob1 = Size("blobs", BlobFileName(1));
  ASSERT_GT(blob1, 300000u);
  const uint64_t limit = Size("blocks", names[1]) + Size("blocks", names[2]) + 4096;

  auto r = store->ApplyRetention(BySize(limit));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(HasBlob(1));
  EXPECT_EQ(r->units_dropped, 1u)
      << "dropped newer blocks although dropping the oldest freed enough";
  ExpectTrace(store.get(), 1, {}, false);
  ExpectTrace(store.get(), 2, t2);
  ExpectTrace(store.get(), 3, t3);
}

// Blocks 1 and 2 are old; block 3 is new and shares value X with block 1. Retention drops
// blocks 1 and 2: blob file 2 (value Z, only block 2) goes, blob file 1 (X) stays for block 3,
// and Z stays readable for a memtable span that references it, also after its flush.
TEST_F(RetentionTest, UnreferencedBlobFilesAreDeletedAndReferencedValuesStayReadable) {
  const std::string x = Large('x'), y = Large('y'), z = Large('z');
  const auto t1 = TraceAt(1, kNow - 10 * kHour, x), t2 = TraceAt(2, kNow - 10 * kHour, z);
  const auto t3 = [&] {
    auto a = TraceAt(3, kNow - kHour / 2, y);
    a[1].attributes.back().value = AnyValue::String(x);
    return a;
  }();
  const auto t4 = TraceAt(4, kNow - kHour / 4, z);
  // One blob file per session: a store appends to one blob file until it is reopened.
  for (const auto* t : {&t1, &t2}) {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    AppendFlush(store.get(), *t);
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AppendFlush(store.get(), t3);
  ASSERT_TRUE(HasBlob(1) && HasBlob(2) && HasBlob(3));
  ASSERT_TRUE(store->Append(t4).ok());  // in the memtable, referencing Z
  const uint64_t blob2 = Size("blobs", BlobFileName(2));

  auto r = store->ApplyRetention(ByAge());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->units_dropped, 2u);
  EXPECT_EQ(r->spans_dropped, 2u * kSpansPerTrace);
  EXPECT_TRUE(HasBlob(1)) << "still referenced by block 3";
  EXPECT_FALSE(HasBlob(2)) << "no block references it";
  EXPECT_TRUE(HasBlob(3));
  EXPECT_GT(r->bytes_freed, blob2);
  ExpectTrace(store.get(), 3, t3);
  ExpectTrace(store.get(), 4, t4);

  ASSERT_TRUE(store->Flush().ok());  // Z must be written to the blob area again
  ExpectTrace(store.get(), 4, t4);
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  ExpectTrace(store.get(), 1, {}, false);
  ExpectTrace(store.get(), 3, t3);
  ExpectTrace(store.get(), 4, t4);
  EXPECT_EQ(store->GetStats().quarantined_blocks, 0u);
  store.reset();
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->problems);
}

TEST_F(RetentionTest, BackgroundRetentionRunsBesideAppends) {
  const uint64_t now =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  EmbeddedStoreOptions o = Options();
  o.background_flush = true;
  o.memtable_bytes = 8 << 10;
  o.retention.max_age_ns = kHour;
  o.retention_interval_ms = 10;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  for (uint64_t t = 1; t <= 20; ++t) ASSERT_TRUE(store->Append(TraceAt(t, now - 5 * kHour)).ok());
  ASSERT_TRUE(store->Flush().ok());

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> worst_ms{0};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (uint64_t t = 1000 + w * 100000; !stop; ++t) {
        auto start = std::chrono::steady_clock::now();
        auto r = store->Append(TraceAt(t, now));
        int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
        if (!r.ok()) ++failures;
        appended += r.ok() ? r->stored : 0;
        for (int64_t cur = worst_ms; ms > cur && !worst_ms.compare_exchange_weak(cur, ms);) {
        }
      }
    });
  }
  // Background retention drops the old blocks while the writers keep going.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool dropped = false;
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bool all_gone = true;
    for (uint64_t t = 1; t <= 20 && all_gone; ++t) {
      all_gone = store->GetTrace(TestTraceId(t)).status().code() == StatusCode::kNotFound;
    }
    dropped = all_gone;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_TRUE(dropped) << "background retention never dropped the old blocks";
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LT(worst_ms.load(), 2000) << "an append waited behind retention";
  EXPECT_GT(appended.load(), 100u);
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(store->GetStats().spans, appended.load()) << "fresh spans were dropped";
}

}  // namespace
}  // namespace hoptrace
