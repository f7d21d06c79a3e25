// EmbeddedStore under injected faults (FaultFileSystem over the real file system): failed
// fsyncs, a full disk, torn WAL writes and crashes at random points of appends and flushes.
// After every crash the reopened store must hold exactly the acknowledged spans, plus possibly
// some whose Append failed, each complete and identical to what was sent.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/fault_file_system.h"
#include "common/file_system.h"
#include "common/log.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/wal.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

using Key = std::pair<TraceId, SpanId>;

// The span for (trace, k): a function of its ids, so a re-sent span is identical. Every fourth
// one sets every field, with large values (blob references).
Span TestSpan(uint64_t t, uint64_t k) {
  uint64_t id = t * 1000 + k;
  if (k % 4 == 0) return EveryFieldSpan(t, id, static_cast<int>(t % 3));
  Span s = MakeSpan(t, id, k == 1 ? 0 : t * 1000 + 1, k == 1 ? "invoke_agent" : "chat",
                    1'700'000'000'000'000'000ULL + t * 1'000'000 + k * 1000, 1000 + k);
  s.attributes = {
      {"k", AnyValue::Int(static_cast<int64_t>(k))},
      {"text", AnyValue::String(std::string(200 + k * 10, static_cast<char>('a' + k % 26)))}};
  s.derived.agent = "planner";
  s.derived.input_tokens = static_cast<int64_t>(k);
  return s;
}

std::vector<Span> Batch(uint64_t t, uint64_t first_k, uint64_t n) {
  std::vector<Span> out;
  for (uint64_t k = first_k; k < first_k + n; ++k) out.push_back(TestSpan(t, k));
  return out;
}

// What was sent and what was acknowledged.
struct Ledger {
  std::map<Key, Span> attempted;
  std::set<Key> acked;

  StatusOr<AppendResult> Append(EmbeddedStore* store, const std::vector<Span>& batch) {
    for (const auto& s : batch) attempted[{s.trace_id, s.span_id}] = s;
    auto r = store->Append(batch);
    if (r.ok()) {
      for (const auto& s : batch) acked.insert({s.trace_id, s.span_id});
    }
    return r;
  }
};

// Exactly the acknowledged spans, plus possibly attempted ones, each identical to what was sent.
::testing::AssertionResult HoldsExactly(EmbeddedStore* store, const Ledger& ledger) {
  auto all = store->SearchSpans(SpanFilter{}, SpanOrder::kNewestFirst, 1'000'000);
  if (!all.ok()) return ::testing::AssertionFailure() << "SearchSpans: " << all.status().ToString();
  std::map<TraceId, std::vector<Span>> by_trace;
  std::set<Key> seen;
  for (const auto& s : *all) {
    Key k{s.trace_id, s.span_id};
    if (!seen.insert(k).second)
      return ::testing::AssertionFailure() << "duplicate span " << DebugString(s);
    auto it = ledger.attempted.find(k);
    if (it == ledger.attempted.end())
      return ::testing::AssertionFailure() << "never sent: " << DebugString(s);
    std::string diff = SpanDiff(s, it->second);
    if (!diff.empty())
      return ::testing::AssertionFailure() << "span " << ToHex(s.span_id) << " differs: " << diff;
    by_trace[s.trace_id].push_back(s);
  }
  for (const auto& k : ledger.acked) {
    if (!seen.count(k)) {
      return ::testing::AssertionFailure()
             << "acknowledged span " << ToHex(k.first) << "/" << ToHex(k.second) << " is missing ("
             << seen.size() << " spans present, " << ledger.acked.size() << " acknowledged)";
    }
  }
  for (const auto& [id, spans] : by_trace) {
    auto t = store->GetTrace(id);
    if (!t.ok()) return ::testing::AssertionFailure() << "GetTrace: " << t.status().ToString();
    if (t->size() != spans.size()) {
      return ::testing::AssertionFailure() << "GetTrace " << ToHex(id) << ": " << t->size()
                                           << " spans, search found " << spans.size();
    }
  }
  uint64_t stats = store->GetStats().spans;
  if (stats != seen.size())
    return ::testing::AssertionFailure() << "GetStats().spans " << stats << " != " << seen.size();
  return ::testing::AssertionSuccess();
}

// Crashes the machine (FaultFileSystem::Crash) just before the n-th mutating file operation:
// a deterministic crash point inside appends, flushes and WAL trims.
class CrashPointFileSystem final : public FileSystem {
 public:
  explicit CrashPointFileSystem(FaultFileSystem* fault) : fault_(fault) {}
  void CrashBeforeOp(uint64_t n) { crash_at_ = n; }
  uint64_t ops() const { return ops_; }
  bool crashed() const { return crashed_; }
  void Disarm() {
    crash_at_ = 0;
    crashed_ = false;
    crash_done_ = false;
  }

  StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    Tick();
    return Wrap(fault_->NewWritableFile(p));
  }
  StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p) override {
    Tick();
    return Wrap(fault_->NewAppendableFile(p));
  }
  StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return fault_->NewRandomAccessFile(p);
  }
  bool FileExists(const std::string& p) override { return fault_->FileExists(p); }
  StatusOr<std::vector<std::string>> GetChildren(const std::string& d) override {
    return fault_->GetChildren(d);
  }
  StatusOr<uint64_t> GetFileSize(const std::string& p) override { return fault_->GetFileSize(p); }
  Status RemoveFile(const std::string& p) override {
    Tick();
    return fault_->RemoveFile(p);
  }
  Status RenameFile(const std::string& f, const std::string& t) override {
    Tick();
    return fault_->RenameFile(f, t);
  }
  Status CreateDirs(const std::string& d) override { return fault_->CreateDirs(d); }
  Status SyncDir(const std::string& d) override {
    Tick();
    return fault_->SyncDir(d);
  }
  Status Truncate(const std::string& p, uint64_t n) override {
    Tick();
    return fault_->Truncate(p, n);
  }
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
    return fault_->LockFile(p);
  }

 private:
  class File final : public WritableFile {
   public:
    File(CrashPointFileSystem* fs, std::unique_ptr<WritableFile> base)
        : fs_(fs), base_(std::move(base)) {}
    Status Append(std::string_view d) override {
      fs_->Tick();
      return base_->Append(d);
    }
    Status Sync() override {
      fs_->Tick();
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }

   private:
    CrashPointFileSystem* fs_;
    std::unique_ptr<WritableFile> base_;
  };
  void Tick() {
    const uint64_t n = ++ops_, at = crash_at_;
    if (at == 0 || n < at) return;
    if (n == at) {
      crashed_ = true;  // first: a failure caused by the crash must see crashed() (other threads)
      fault_->Crash();
      crash_done_ = true;
    }
    // Operations numbered after the crash point run after it, even on other threads.
    while (!crash_done_) std::this_thread::yield();
  }
  StatusOr<std::unique_ptr<WritableFile>> Wrap(StatusOr<std::unique_ptr<WritableFile>> f) {
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(*f)));
  }
  FaultFileSystem* fault_;
  std::atomic<uint64_t> ops_{0}, crash_at_{0};
  std::atomic<bool> crashed_{false}, crash_done_{false};
};

class EmbeddedStoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_store_fault_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    root_ = *made;
    previous_sink_ = SetLogSink([this](LogLevel, std::string_view, std::string_view m) {
      std::lock_guard<std::mutex> l(log_mu_);
      log_.emplace_back(m);
    });
  }
  void TearDown() override {
    SetLogSink(previous_sink_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  EmbeddedStoreOptions Options(FileSystem* fs, const std::string& name = "store",
                               bool background = false) {
    EmbeddedStoreOptions o;
    o.dir = JoinPath(root_, name);
    o.fs = fs;
    o.memtable_bytes = 16 << 10;
    o.row_group_bytes = 2 << 10;
    o.background_flush = background;
    return o;
  }
  std::unique_ptr<EmbeddedStore> Open(const EmbeddedStoreOptions& o) {
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  bool Logged(const std::string& needle) {
    std::lock_guard<std::mutex> l(log_mu_);
    for (const auto& m : log_)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string AllLogs() {
    std::lock_guard<std::mutex> l(log_mu_);
    std::string out;
    for (const auto& m : log_) out += m + "\n";
    return out;
  }
  size_t WalSegments(const EmbeddedStoreOptions& o) {
    size_t n = 0;
    uint64_t seq;
    auto names = DefaultFileSystem()->GetChildren(JoinPath(o.dir, "wal"));
    EXPECT_TRUE(names.ok());
    if (!names.ok()) return 0;
    for (const auto& name : *names) n += ParseWalSegmentName(name, &seq) ? 1 : 0;
    return n;
  }

  void RunCrashSeeds(bool background, int seeds);

  std::string root_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  LogSink previous_sink_;
  FaultFileSystem fault_{DefaultFileSystem()};
};

// The memtable work of a group commit overlaps its fsync; when the fsync fails, the rows added
// meanwhile must disappear entirely: not visible, not counted as duplicates of a retry.
TEST_F(EmbeddedStoreFaultTest, FailedFsyncRollsBackSpansAddedToAnExistingTrace) {
  auto o = Options(&fault_);
  o.memtable_bytes = 64 << 20;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Ledger ledger;
  ASSERT_TRUE(ledger.Append(store.get(), Batch(1, 0, 4)).ok());
  fault_.FailNextSyncs(1);
  ASSERT_FALSE(ledger.Append(store.get(), Batch(1, 4, 3)).ok());
  auto t = store->GetTrace(TestTraceId(1));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 4u) << "spans of the failed append are visible";
  AggregateRequest all;
  auto rows = store->Aggregate(all);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->at(0).spans, 4u);
  auto retry = ledger.Append(store.get(), Batch(1, 4, 3));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->stored, 3u) << "a retry after the failure was taken for a duplicate";
  EXPECT_EQ(retry->duplicates, 0u);
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
}

TEST_F(EmbeddedStoreFaultTest, FailedFsyncFailsAppendAndLaterAppendsUseNewSegment) {
  auto o = Options(&fault_);
  o.memtable_bytes = 64 << 20;  // no freeze: every new segment comes from the failure
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Ledger ledger;
  auto a = ledger.Append(store.get(), Batch(1, 0, 6));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->stored, 6u);
  EXPECT_EQ(WalSegments(o), 1u);

  fault_.FailNextSyncs(1);
  auto b = ledger.Append(store.get(), Batch(2, 0, 5));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("write-ahead log"), std::string::npos)
      << b.status().message();
  EXPECT_NE(b.status().message().find("fdatasync"), std::string::npos) << b.status().message();
  EXPECT_EQ(store->GetTrace(TestTraceId(2)).status().code(), StatusCode::kNotFound)
      << "failed batch visible";
  auto trace1 = store->GetTrace(TestTraceId(1));
  ASSERT_TRUE(trace1.ok());
  EXPECT_EQ(trace1->size(), 6u);

  auto c = ledger.Append(store.get(), Batch(3, 0, 5));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->stored, 5u);
  EXPECT_EQ(WalSegments(o), 2u)
      << "the segment with the failed fsync must not be appended to again";
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));

  fault_.Crash();
  store.reset();
  fault_.Reset();
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
  EXPECT_EQ(store->GetTrace(TestTraceId(2)).status().code(), StatusCode::kNotFound)
      << "unsynced bytes of the failed batch survived the crash";
}

TEST_F(EmbeddedStoreFaultTest, FullDiskIsResourceExhaustedAndLosesNothingAcknowledged) {
  const auto o = Options(&fault_);
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Ledger ledger;
  ASSERT_TRUE(ledger.Append(store.get(), Batch(1, 0, 8)).ok());
  fault_.SetSpaceLeft(100);
  auto b = ledger.Append(store.get(), Batch(2, 0, 8));
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted) << b.status().ToString();
  auto b2 = ledger.Append(store.get(), Batch(2, 8, 2));
  EXPECT_EQ(b2.status().code(), StatusCode::kResourceExhausted)
      << "disk still full: " << b2.status().ToString();
  fault_.SetSpaceLeft(-1);
  auto c = ledger.Append(store.get(), Batch(3, 0, 8));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));

  store.reset();  // a clean close: the 100 bytes of the failed batch are a torn tail
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
  EXPECT_TRUE(Logged("torn tail of 100 bytes")) << AllLogs();
  EXPECT_EQ(store->GetTrace(TestTraceId(2)).status().code(), StatusCode::kNotFound);

  fault_.Crash();
  store.reset();
  fault_.Reset();
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
}

TEST_F(EmbeddedStoreFaultTest, TornWalWriteIsTruncatedAtReopen) {
  const auto o = Options(&fault_);
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Ledger ledger;
  ASSERT_TRUE(ledger.Append(store.get(), Batch(1, 0, 8)).ok());
  fault_.TornNextAppend(20);
  auto b = ledger.Append(store.get(), Batch(2, 0, 8));
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable) << b.status().ToString();
  EXPECT_NE(b.status().message().find("torn"), std::string::npos) << b.status().message();
  ASSERT_TRUE(ledger.Append(store.get(), Batch(3, 0, 8)).ok());
  store.reset();
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(Logged("torn tail of 20 bytes")) << AllLogs();
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
  EXPECT_EQ(store->GetTrace(TestTraceId(2)).status().code(), StatusCode::kNotFound);
  // The truncated segment replays cleanly the next time.
  store.reset();
  {
    std::lock_guard<std::mutex> l(log_mu_);
    log_.clear();
  }
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(Logged("torn")) << AllLogs();
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
}

// The blob area's directory fsync fails during a flush; the retried flush then succeeds, writes
// the block and deletes the WAL. Every acknowledged span must survive a crash after that.
TEST_F(EmbeddedStoreFaultTest, FailedBlobDirectorySyncDuringFlushThenCrashKeepsAcknowledgedSpans) {
  class FailBlobDirSync final : public FileSystem {
   public:
    explicit FailBlobDirSync(FaultFileSystem* f) : f_(f) {}
    StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
      return f_->NewWritableFile(p);
    }
    StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p) override {
      return f_->NewAppendableFile(p);
    }
    StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
      return f_->NewRandomAccessFile(p);
    }
    bool FileExists(const std::string& p) override { return f_->FileExists(p); }
    StatusOr<std::vector<std::string>> GetChildren(const std::string& d) override {
      return f_->GetChildren(d);
    }
    StatusOr<uint64_t> GetFileSize(const std::string& p) override { return f_->GetFileSize(p); }
    Status RemoveFile(const std::string& p) override { return f_->RemoveFile(p); }
    Status RenameFile(const std::string& a, const std::string& b) override {
      return f_->RenameFile(a, b);
    }
    Status CreateDirs(const std::string& d) override { return f_->CreateDirs(d); }
    Status SyncDir(const std::string& d) override {
      if (armed && d.size() >= 6 && d.compare(d.size() - 6, 6, "/blobs") == 0) {
        armed = false;
        return UnavailableError("fsync " + d + ": Input/output error (test)");
      }
      return f_->SyncDir(d);
    }
    Status Truncate(const std::string& p, uint64_t n) override { return f_->Truncate(p, n); }
    StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
      return f_->LockFile(p);
    }
    bool armed = false;

   private:
    FaultFileSystem* f_;
  };
  FailBlobDirSync fs(&fault_);
  const auto o = Options(&fs);
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Ledger ledger;
  ASSERT_TRUE(ledger.Append(store.get(), {TestSpan(1, 0), TestSpan(1, 1), TestSpan(2, 4)}).ok());
  fs.armed = true;
  Status first = store->Flush();
  EXPECT_EQ(first.code(), StatusCode::kUnavailable) << first.ToString();
  Status retry = store->Flush();
  ASSERT_TRUE(retry.ok()) << retry.ToString();
  EXPECT_EQ(store->GetStats().blocks, 1u);
  fault_.Crash();
  store.reset();
  fault_.Reset();
  store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(HoldsExactly(store.get(), ledger));
  EXPECT_EQ(store->GetStats().quarantined_blocks, 0u) << AllLogs();
}

// Crashes at random file operations across many appends and flushes, with the flush in the
// background or run by the test; after each crash the store is reopened and checked exactly.
TEST_F(EmbeddedStoreFaultTest, RandomCrashPointsWithForegroundFlush) { RunCrashSeeds(false, 12); }
TEST_F(EmbeddedStoreFaultTest, RandomCrashPointsWithBackgroundFlush) { RunCrashSeeds(true, 12); }

void EmbeddedStoreFaultTest::RunCrashSeeds(bool background, int seeds) {
  auto* t = this;
  uint64_t most_blocks = 0, crashes_in_ops = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) +
                 (background ? " (background flush)" : " (foreground flush)"));
    FaultFileSystem fault(DefaultFileSystem());
    CrashPointFileSystem fs(&fault);
    const auto o =
        t->Options(&fs, "crash-" + std::to_string(seed) + (background ? "-bg" : "-fg"), background);
    std::mt19937_64 rng(seed * 7919 + (background ? 1 : 0));
    Ledger ledger;
    auto store = t->Open(o);
    ASSERT_NE(store, nullptr);
    for (int round = 0; round < 3; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      fs.CrashBeforeOp(fs.ops() + 1 + rng() % 160);
      for (int op = 0; op < 80 && !fs.crashed(); ++op) {
        if (rng() % 8 == 0) {
          store->Flush().IgnoreError();
          continue;
        }
        uint64_t trace = 1 + rng() % 25, first = rng() % 12, n = 1 + rng() % 6;
        auto r = ledger.Append(store.get(), Batch(trace, first, n));
        if (fs.crashed()) continue;
        ASSERT_TRUE(r.ok()) << "append failed without a fault: " << r.status().ToString();
      }
      crashes_in_ops += fs.crashed() ? 1 : 0;
      if (!fs.crashed()) fault.Crash();
      // After the crash nothing can be acknowledged.
      auto late = store->Append(Batch(99, 0, 1));
      EXPECT_FALSE(late.ok()) << "append acknowledged after the crash";
      store.reset();
      fault.Reset();
      fs.Disarm();
      if (rng() % 3 == 0) {
        // Crash again during recovery (WAL truncation, trims, the new segment).
        fs.CrashBeforeOp(fs.ops() + 1 + rng() % 6);
        auto during = EmbeddedStore::Open(o);
        if (during.ok() && !fs.crashed()) store = std::move(*during);
        if (fs.crashed()) fault.Reset();
        fs.Disarm();
      }
      if (!store) store = t->Open(o);
      ASSERT_NE(store, nullptr);
      ASSERT_TRUE(HoldsExactly(store.get(), ledger));
    }
    store.reset();
    store = t->Open(o);  // a clean reopen after recovery changes nothing
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(HoldsExactly(store.get(), ledger));
    most_blocks = std::max(most_blocks, store->GetStats().blocks);
  }
  // The crash points must have landed inside the work, with blocks written (not just WAL).
  EXPECT_GT(most_blocks, 2u);
  EXPECT_GT(crashes_in_ops, static_cast<uint64_t>(seeds));
}

}  // namespace
}  // namespace hoptrace
