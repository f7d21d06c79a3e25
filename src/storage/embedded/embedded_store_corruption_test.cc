// EmbeddedStore with files damaged while it was closed: a flipped byte in a block's row group or
// column chunk, a truncated block, a damaged WAL segment or blob file. Damaged blocks go to
// quarantine/ (at Open or at the first read), queries keep answering from the other data, and
// VerifyStore reports every kind of damage while reporting a healthy store as OK.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/coding.h"
#include "common/file_system.h"
#include "common/log.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/block.h"
#include "storage/embedded/block_format.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/wal.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr int kSpansPerTrace = 4;

// Trace t, span k: every fourth span sets every field, with large (blob) values.
Span TestSpan(uint64_t t, uint64_t k) {
  uint64_t id = t * 1000 + k;
  if (k % 4 == 0) return EveryFieldSpan(t, id, static_cast<int>(t % 3));
  Span s = MakeSpan(t, id, t * 1000, "chat",
                    1'700'000'000'000'000'000ULL + t * 1'000'000 + k * 1000, 1000 + k);
  s.attributes = {{"text", AnyValue::String(std::string(300, static_cast<char>('a' + k)))}};
  return s;
}

std::vector<Span> Traces(uint64_t first, uint64_t last) {
  std::vector<Span> out;
  for (uint64_t t = first; t <= last; ++t)
    for (uint64_t k = 0; k < kSpansPerTrace; ++k) out.push_back(TestSpan(t, k));
  return out;
}

class EmbeddedStoreCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_store_corrupt_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
    previous_sink_ = SetLogSink([this](LogLevel, std::string_view, std::string_view m) {
      std::lock_guard<std::mutex> l(log_mu_);
      log_.emplace_back(m);
    });
    // Block A: traces 1-10; block B: traces 11-20; WAL only: traces 21-25.
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(Traces(1, 10)).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Append(Traces(11, 20)).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Append(Traces(21, 25)).ok());
    ASSERT_EQ(store->GetStats().blocks, 2u);
    store.reset();
    blocks_ = Children("blocks");
    ASSERT_EQ(blocks_.size(), 2u);
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
    o.row_group_bytes = 2 << 10;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::vector<std::string> Children(const std::string& sub) {
    auto names = fs_->GetChildren(JoinPath(dir_, sub));
    if (!names.ok()) return {};
    std::sort(names->begin(), names->end());
    return *names;
  }
  std::string Path(const std::string& sub, const std::string& name) {
    return JoinPath(JoinPath(dir_, sub), name);
  }
  std::string Read(const std::string& path) {
    std::string data;
    EXPECT_TRUE(fs_->ReadFileToString(path, &data).ok());
    return data;
  }
  void Write(const std::string& path, const std::string& data) {
    auto f = fs_->NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  void FlipByte(const std::string& path, uint64_t at) {
    std::string data = Read(path);
    ASSERT_LT(at, data.size());
    data[at] = static_cast<char>(data[at] ^ 0x10);
    Write(path, data);
  }
  BlockReader::Footer Footer(const std::string& path) {
    std::string data = Read(path);
    uint64_t at = DecodeFixed64(data.data() + data.size() - 24),
             len = DecodeFixed64(data.data() + data.size() - 16);
    std::string raw;
    EXPECT_TRUE(ReadChunk(std::string_view(data).substr(at, len), &raw).ok());
    BlockReader::Footer f;
    EXPECT_TRUE(f.Decode(raw).ok());
    return f;
  }
  bool Logged(const std::string& needle) {
    std::lock_guard<std::mutex> l(log_mu_);
    for (const auto& m : log_)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }
  // The store answers with exactly the spans of traces [first, last] (plus `extra`).
  void ExpectHolds(EmbeddedStore* store, std::vector<Span> want) {
    auto got = store->SearchSpans(SpanFilter{}, SpanOrder::kNewestFirst, 100000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto by_id = [](const Span& a, const Span& b) {
      return std::tie(a.trace_id, a.span_id) < std::tie(b.trace_id, b.span_id);
    };
    std::sort(got->begin(), got->end(), by_id);
    std::sort(want.begin(), want.end(), by_id);
    EXPECT_TRUE(SpansEqual(*got, want));
  }
  std::vector<Span> Concat(std::vector<Span> a, const std::vector<Span>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_;
  std::vector<std::string> blocks_;  // [block A, block B]
  std::mutex log_mu_;
  std::vector<std::string> log_;
  LogSink previous_sink_;
};

TEST_F(EmbeddedStoreCorruptionTest, FlippedRowGroupByteQuarantinesBlockAtFirstRead) {
  const std::string a = Path("blocks", blocks_[0]);
  auto f = Footer(a);
  ASSERT_FALSE(f.row_groups.empty());
  FlipByte(a, f.row_groups[0].offset + f.row_groups[0].length / 2);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetStats().quarantined_blocks, 0u)
      << "the footer is intact: found at the first read";
  // Trace 1 lives only in block A's first row group.
  auto t1 = store->GetTrace(TestTraceId(1));
  EXPECT_EQ(t1.status().code(), StatusCode::kNotFound) << t1.status().ToString();
  StoreStats st = store->GetStats();
  EXPECT_EQ(st.quarantined_blocks, 1u);
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_EQ(Children("quarantine"), std::vector<std::string>{blocks_[0]});
  EXPECT_EQ(Children("blocks"), std::vector<std::string>{blocks_[1]});
  EXPECT_TRUE(Logged("quarantining block " + blocks_[0]));
  ExpectHolds(store.get(), Traces(11, 25));
  auto t15 = store->GetTrace(TestTraceId(15));
  ASSERT_TRUE(t15.ok());
  EXPECT_EQ(t15->size(), static_cast<size_t>(kSpansPerTrace));
  // A reopen does not read the quarantined block again.
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetStats().blocks, 1u);
  ExpectHolds(store.get(), Traces(11, 25));
}

TEST_F(EmbeddedStoreCorruptionTest, TruncatedBlockIsQuarantinedAtOpen) {
  const std::string a = Path("blocks", blocks_[0]);
  std::string data = Read(a);
  Write(a, data.substr(0, data.size() / 2));
  auto store = Open();
  ASSERT_NE(store, nullptr);
  StoreStats st = store->GetStats();
  EXPECT_EQ(st.quarantined_blocks, 1u);
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_TRUE(Logged("quarantining block " + blocks_[0]));
  EXPECT_EQ(Children("quarantine"), std::vector<std::string>{blocks_[0]});
  EXPECT_EQ(store->GetTrace(TestTraceId(3)).status().code(), StatusCode::kNotFound);
  ExpectHolds(store.get(), Traces(11, 25));
  EXPECT_TRUE(store->Append({TestSpan(3, 50)}).ok()) << "the store stays writable";
}

TEST_F(EmbeddedStoreCorruptionTest, FlippedColumnChunkQuarantinesBlockOnScan) {
  const std::string b = Path("blocks", blocks_[1]);
  auto f = Footer(b);
  const auto& c = f.columns[kColStart][0];
  FlipByte(b, c.offset + c.length - 1);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ExpectHolds(store.get(), Concat(Traces(1, 10), Traces(21, 25)));
  EXPECT_EQ(store->GetStats().quarantined_blocks, 1u);
  EXPECT_EQ(Children("quarantine"), std::vector<std::string>{blocks_[1]});
}

// Appending to a trace whose rows sit in a damaged (not yet quarantined) row group must not fail
// forever: the duplicate check reads the damaged row group.
TEST_F(EmbeddedStoreCorruptionTest, AppendToTraceInDamagedBlockSucceeds) {
  const std::string a = Path("blocks", blocks_[0]);
  auto f = Footer(a);
  FlipByte(a, f.row_groups[0].offset + f.row_groups[0].length / 2);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto r = store->Append({TestSpan(1, 77)});
  ASSERT_TRUE(r.ok()) << r.status().ToString()
                      << " (quarantined blocks: " << store->GetStats().quarantined_blocks
                      << "; a retry fails the same way: "
                      << store->Append({TestSpan(1, 77)}).status().ToString() << ")";
  EXPECT_EQ(r->stored, 1u);
  auto t1 = store->GetTrace(TestTraceId(1));
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  EXPECT_EQ(SpanDiff(t1->back(), TestSpan(1, 77)), "");
}

// A damaged blob record makes the spans that reference its value unreadable, but the blocks
// holding those spans are intact: they must not be quarantined, and every other trace in them
// must stay readable.
TEST_F(EmbeddedStoreCorruptionTest, DamagedBlobDoesNotQuarantineHealthyBlocks) {
  const std::string blob = Path("blobs", BlobFileName(1));
  std::string data = Read(blob);
  ASSERT_GT(data.size(), kBlobRecordHeader + kChunkHeaderSize);
  const Hash128 damaged{DecodeFixed64(data.data() + 4), DecodeFixed64(data.data() + 12)};
  const uint32_t stored = DecodeFixed32(data.data() + kBlobRecordHeader + 13);
  FlipByte(blob, kBlobRecordHeader + kChunkHeaderSize + stored / 2);
  // Which EveryFieldSpan variant (t % 3) holds the damaged value.
  int variant = -1;
  for (int v = 0; v < 3; ++v) {
    const Span span = TestSpan(v == 0 ? 3 : v, 0);  // outlives the loops below
    for (const auto& kv : span.attributes) {
      if (kv.key == "large_in_array" &&
          ContentHash(kv.value.array_value[0].string_value) == damaged)
        variant = v;
    }
    for (const auto& kv : span.events[0].attributes) {
      if (kv.value.string_value.size() >= 4096 && ContentHash(kv.value.string_value) == damaged)
        variant = v;
    }
  }
  ASSERT_NE(variant, -1);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int unreadable = 0;
  for (uint64_t t = 1; t <= 20; ++t) {
    auto got = store->GetTrace(TestTraceId(t));
    if (static_cast<int>(t % 3) == variant) {
      if (!got.ok()) {
        ++unreadable;
        EXPECT_EQ(got.status().code(), StatusCode::kDataLoss)
            << "trace " << t << ": " << got.status().ToString();
      }
      continue;
    }
    ASSERT_TRUE(got.ok()) << "trace " << t
                          << " does not use the damaged value: " << got.status().ToString()
                          << " (quarantined blocks: " << store->GetStats().quarantined_blocks
                          << ")";
    std::vector<Span> want;
    for (uint64_t k = 0; k < kSpansPerTrace; ++k) want.push_back(TestSpan(t, k));
    EXPECT_TRUE(SpansEqual(*got, want)) << "trace " << t;
  }
  EXPECT_GT(unreadable, 0) << "the damaged value was read back";
  EXPECT_EQ(store->GetStats().quarantined_blocks, 0u);
  EXPECT_EQ(Children("blocks").size(), 2u);
}

TEST_F(EmbeddedStoreCorruptionTest, DamagedWalSegmentKeepsPrefixAndCopyInQuarantine) {
  // A new segment (this open) with three records; the second one gets damaged.
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (uint64_t t = 26; t <= 28; ++t) ASSERT_TRUE(store->Append(Traces(t, t)).ok());
  }
  std::string last;
  for (const auto& n : Children("wal")) {
    uint64_t seq;
    if (ParseWalSegmentName(n, &seq) && fs_->GetFileSize(Path("wal", n)).value() > 0) last = n;
  }
  ASSERT_FALSE(last.empty());
  const std::string seg = Path("wal", last);
  const uint32_t first_len = DecodeFixed32(Read(seg).data());
  FlipByte(seg, kWalHeaderSize + first_len + kWalHeaderSize + 3);  // inside the second record
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u) << ::testing::PrintToString(report->problems);
  EXPECT_NE(report->problems[0].find("wal/" + last), std::string::npos) << report->problems[0];
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(Logged("is damaged")) << "damage must be logged as such, not as a torn tail";
  EXPECT_TRUE(fs_->FileExists(Path("quarantine", last)));
  ExpectHolds(store.get(), Traces(1, 26));  // the records after the damage cannot be replayed
  store.reset();
  auto again = VerifyStore(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->ok()) << ::testing::PrintToString(again->problems);
}

TEST_F(EmbeddedStoreCorruptionTest, VerifyStoreReportsHealthyStoreAsOk) {
  auto r = VerifyStore(dir_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& p : r->problems) ADD_FAILURE() << p;
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->blocks, 2u);
  EXPECT_EQ(r->block_spans, 20u * kSpansPerTrace);
  EXPECT_EQ(r->wal_spans, 5u * kSpansPerTrace);
  EXPECT_GE(r->blob_files, 1u);
  EXPECT_GE(r->blobs, 3u) << "EveryFieldSpan variants hold distinct large values";
  EXPECT_EQ(r->quarantined, 0u);
  EXPECT_EQ(r->wal_torn_bytes, 0u);
  EXPECT_GT(r->block_chunks, 2u * (1 + kNumColumns));
  EXPECT_EQ(VerifyStore(JoinPath(dir_, "nope")).status().code(), StatusCode::kNotFound);
}

TEST_F(EmbeddedStoreCorruptionTest, VerifyStoreReportsEachKindOfDamageAndChangesNothing) {
  const std::string a = Path("blocks", blocks_[0]), b = Path("blocks", blocks_[1]);
  auto fa = Footer(a);
  FlipByte(a, fa.row_groups.back().offset + fa.row_groups.back().length - 2);
  std::string bdata = Read(b);
  Write(b, bdata.substr(0, bdata.size() - 5));
  std::vector<std::string> blobs = Children("blobs");
  ASSERT_FALSE(blobs.empty());
  const std::string blob = Path("blobs", blobs[0]);
  FlipByte(blob, fs_->GetFileSize(blob).value() - 1);
  const std::string before_a = Read(a), before_blob = Read(blob);

  auto r = VerifyStore(dir_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->ok());
  auto mentions = [&](const std::string& what) {
    for (const auto& p : r->problems)
      if (p.find(what) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(mentions("blocks/" + blocks_[0])) << ::testing::PrintToString(r->problems);
  EXPECT_TRUE(mentions("row group")) << ::testing::PrintToString(r->problems);
  EXPECT_TRUE(mentions("blocks/" + blocks_[1])) << ::testing::PrintToString(r->problems);
  EXPECT_TRUE(mentions("blobs/" + blobs[0])) << ::testing::PrintToString(r->problems);
  EXPECT_EQ(r->problems.size(), 3u) << ::testing::PrintToString(r->problems);
  EXPECT_EQ(Read(a), before_a);
  EXPECT_EQ(Read(blob), before_blob);
  EXPECT_TRUE(Children("quarantine").empty()) << "verify must not move anything";
}

// The narrow read (ReadTraceSpans) over a damaged id column: the block is quarantined. Found
// before any trace was handed out (block A is read first), the read is retried without it;
// found after (block B), the read fails and the next one answers without the block.
std::set<TraceId> TraceIds(uint64_t first, uint64_t last, std::set<TraceId> more = {}) {
  for (uint64_t t = first; t <= last; ++t) more.insert(TestTraceId(t));
  return more;
}

Status NarrowRead(EmbeddedStore* store, std::set<TraceId>* ids) {
  ids->clear();
  return store->ReadTraceSpans(TraceSpansRequest{}, [&](size_t, std::span<Span> spans) {
    ids->insert(spans[0].trace_id);
    return Status::Ok();
  });
}

TEST_F(EmbeddedStoreCorruptionTest, DamagedIdColumnFoundFirstIsQuarantinedAndTheReadRetried) {
  const std::string a = Path("blocks", blocks_[0]);
  auto f = Footer(a);
  ASSERT_EQ(f.version, kBlockFormatVersion);
  const auto& c = f.columns[kColParentId][0];
  FlipByte(a, c.offset + c.length - 1);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::set<TraceId> ids;
  Status st = NarrowRead(store.get(), &ids);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ids, TraceIds(11, 25));
  EXPECT_EQ(store->GetStats().quarantined_blocks, 1u);
  EXPECT_EQ(Children("quarantine"), std::vector<std::string>{blocks_[0]});
}

TEST_F(EmbeddedStoreCorruptionTest, DamagedIdColumnFoundLateFailsTheReadAndIsQuarantined) {
  const std::string b = Path("blocks", blocks_[1]);
  auto f = Footer(b);
  const auto& c = f.columns[kColSpanId][0];
  FlipByte(b, c.offset + c.length - 1);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::set<TraceId> ids;
  Status st = NarrowRead(store.get(), &ids);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_EQ(store->GetStats().quarantined_blocks, 1u);
  EXPECT_EQ(Children("quarantine"), std::vector<std::string>{blocks_[1]});
  ASSERT_TRUE(NarrowRead(store.get(), &ids).ok());
  EXPECT_EQ(ids, TraceIds(1, 10, TraceIds(21, 25)));
}

}  // namespace
}  // namespace hoptrace
