// One 20 KiB system prompt shared by 10,000 spans is stored once: in the WAL once per segment,
// in the memtable once, and after a flush once in the blob area; every span still reads back
// the full value, before and after a flush and after reopening.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/log.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/embedded_store.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr int kTraces = 100;
constexpr int kSpansPerTrace = 100;
constexpr uint64_t kSpans = kTraces * kSpansPerTrace;
constexpr size_t kPromptBytes = 20 << 10;
constexpr uint64_t kAllCopies = kSpans * kPromptBytes;  // ~200 MiB if stored per span
constexpr char kKey[] = "gen_ai.system_prompt";

// Text-like but not trivially compressible.
std::string Prompt() {
  static const char* kWords[] = {"You",   "are",    "a",         "helpful", "agent", "that",
                                 "plans", "tools",  "carefully", "and",     "never", "guesses",
                                 "when",  "unsure", "ask",       "the",     "user"};
  std::mt19937 rng(7);
  std::string s;
  while (s.size() < kPromptBytes) {
    s += kWords[rng() % 17];
    s += (rng() % 9 == 0) ? ".\n" : " ";
    if (rng() % 50 == 0) s += std::to_string(rng());
  }
  s.resize(kPromptBytes);
  return s;
}

class LargeValueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_large_value_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
    previous_sink_ = SetLogSink([](LogLevel, std::string_view, std::string_view) {});
    prompt_ = Prompt();
  }
  void TearDown() override {
    SetLogSink(previous_sink_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<EmbeddedStore> Open() {
    EmbeddedStoreOptions o;
    o.dir = dir_;
    o.background_flush = false;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  Span MakePromptSpan(uint64_t t, uint64_t k) const {
    Span s = MakeSpan(t, t * 1000 + k, k == 0 ? 0 : t * 1000, "chat",
                      1'700'000'000'000'000'000ULL + t * 1'000'000'000 + k * 1000, 500);
    s.attributes = {{"gen_ai.request.model", AnyValue::String("gpt-4o")},
                    {kKey, AnyValue::String(prompt_)},
                    {"k", AnyValue::Int(static_cast<int64_t>(k))}};
    return s;
  }
  uint64_t BlobAreaBytes() {
    uint64_t total = 0;
    auto names = fs_->GetChildren(JoinPath(dir_, "blobs"));
    EXPECT_TRUE(names.ok());
    if (!names.ok()) return 0;
    for (const auto& n : *names)
      total += fs_->GetFileSize(JoinPath(JoinPath(dir_, "blobs"), n)).value();
    return total;
  }
  // Every span is present and carries the whole prompt.
  void ExpectEverySpanHasPrompt(EmbeddedStore* store) {
    auto all = store->SearchSpans(SpanFilter{}, SpanOrder::kNewestFirst, 2 * kSpans);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), kSpans);
    size_t wrong = 0;
    for (const auto& s : *all) {
      const AnyValue* v = FindAttribute(s.attributes, kKey);
      if (!v || v->type != AnyValue::Type::kString || v->string_value != prompt_) ++wrong;
    }
    EXPECT_EQ(wrong, 0u) << "spans without the full prompt";
    auto trace = store->GetTrace(TestTraceId(42));
    ASSERT_TRUE(trace.ok()) << trace.status().ToString();
    ASSERT_EQ(trace->size(), static_cast<size_t>(kSpansPerTrace));
    EXPECT_EQ(SpanDiff((*trace)[0], MakePromptSpan(42, 0)), "") << "spans are ordered by start";
    EXPECT_EQ(SpanDiff(trace->back(), MakePromptSpan(42, kSpansPerTrace - 1)), "");
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_, prompt_;
  LogSink previous_sink_;
};

TEST_F(LargeValueTest, SharedPromptIsStoredOnceAndReadBackEverywhere) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (int t = 1; t <= kTraces; t += 5) {
    std::vector<Span> batch;
    for (int u = t; u < t + 5; ++u)
      for (int k = 0; k < kSpansPerTrace; ++k) batch.push_back(MakePromptSpan(u, k));
    auto r = store->Append(std::move(batch));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->stored, 5u * kSpansPerTrace);
  }
  StoreStats before = store->GetStats();
  EXPECT_EQ(before.spans, kSpans);
  EXPECT_LT(before.wal_bytes_unflushed, kAllCopies / 50)
      << "the WAL holds the prompt once per segment";
  EXPECT_LT(before.memory_bytes, kAllCopies / 20) << "the memtable holds the prompt once";
  ExpectEverySpanHasPrompt(store.get());

  ASSERT_TRUE(store->Flush().ok());
  StoreStats after = store->GetStats();
  EXPECT_EQ(after.spans, kSpans);
  EXPECT_EQ(after.blocks, 1u);
  EXPECT_EQ(after.wal_bytes_unflushed, 0u) << "the flushed WAL segments are deleted";
  EXPECT_LT(after.bytes_on_disk, kAllCopies / 100);
  const uint64_t blob_bytes = BlobAreaBytes();
  EXPECT_GT(blob_bytes, 0u);
  EXPECT_LT(blob_bytes, kPromptBytes + kBlobRecordHeader + 64)
      << "more than one copy in the blob area";
  ExpectEverySpanHasPrompt(store.get());

  store.reset();
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->problems);
  EXPECT_EQ(report->blobs, 1u);
  EXPECT_EQ(report->block_spans, kSpans);

  store = Open();
  ASSERT_NE(store, nullptr);
  ExpectEverySpanHasPrompt(store.get());
  EXPECT_EQ(BlobAreaBytes(), blob_bytes);
  // Re-sending the spans stores nothing new.
  std::vector<Span> again;
  for (int k = 0; k < kSpansPerTrace; ++k) again.push_back(MakePromptSpan(7, k));
  auto r = store->Append(std::move(again));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stored, 0u);
  EXPECT_EQ(r->duplicates, static_cast<uint64_t>(kSpansPerTrace));
}

}  // namespace
}  // namespace hoptrace
