#include "storage/embedded/blob_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/coding.h"
#include "common/fault_file_system.h"
#include "common/file_system.h"

namespace hoptrace {
namespace {

std::string Value(char c, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, c);
  for (size_t i = 0; i < n; i += 3) s[i] = static_cast<char>('a' + rng() % 26);
  return s;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_blobs_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    root_ = *made;
    dir_ = JoinPath(root_, "blobs");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  std::unique_ptr<BlobStore> OpenStore(FileSystem* fs = nullptr) {
    auto b = std::make_unique<BlobStore>(fs ? fs : fs_, dir_, 3, 1 << 20);
    Status s = b->Open();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return b;
  }
  std::string FilePath(uint64_t n) const { return JoinPath(dir_, BlobFileName(n)); }
  uint64_t FileSize(uint64_t n) { return fs_->GetFileSize(FilePath(n)).value(); }
  static std::string Get(const BlobStore& b, const std::string& v) {
    std::string out;
    Status s = b.Get(ContentHash(v), v.size(), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string root_, dir_;
};

TEST(BlobFileNameTest, FormatsAndParses) {
  EXPECT_EQ(BlobFileName(7), "blob-0000000007.dat");
  uint64_t n = 0;
  ASSERT_TRUE(ParseBlobFileName("blob-0000000007.dat", &n));
  EXPECT_EQ(n, 7u);
  EXPECT_FALSE(ParseBlobFileName("blob-7.dat", &n));
  EXPECT_FALSE(ParseBlobFileName("blob-000000000x.dat", &n));
  EXPECT_FALSE(ParseBlobFileName("blob-0000000007.dat.tmp", &n));
}

TEST_F(BlobStoreTest, SameValueIsStoredOnce) {
  auto b = OpenStore();
  const std::string v = Value('p', 20000, 1);
  const Hash128 h = ContentHash(v);
  ASSERT_TRUE(b->Put({{h, v}, {h, v}}).ok());
  EXPECT_EQ(b->blob_count(), 1u);
  const uint64_t once = b->bytes_on_disk();
  EXPECT_GT(once, kBlobRecordHeader);
  EXPECT_EQ(once, FileSize(1));
  ASSERT_TRUE(b->Put({{h, v}}).ok());
  EXPECT_EQ(b->blob_count(), 1u);
  EXPECT_EQ(b->bytes_on_disk(), once);
  EXPECT_EQ(FileSize(1), once);
  EXPECT_TRUE(b->Contains(h));
  EXPECT_EQ(b->FileOf(h), 1u);
  EXPECT_EQ(Get(*b, v), v);
}

TEST_F(BlobStoreTest, ManyValuesReadBackAndCompress) {
  auto b = OpenStore();
  std::vector<std::string> values;
  std::vector<std::pair<Hash128, std::string_view>> put;
  for (uint32_t i = 0; i < 20; ++i) values.push_back(Value('a' + i % 26, 5000 + i * 100, i));
  for (const auto& v : values) put.push_back({ContentHash(v), v});
  ASSERT_TRUE(b->Put(put).ok());
  EXPECT_EQ(b->blob_count(), values.size());
  size_t raw = 0;
  for (const auto& v : values) {
    raw += v.size();
    EXPECT_EQ(Get(*b, v), v);
    EXPECT_EQ(Get(*b, v), v) << "second read (cached)";
  }
  EXPECT_LT(b->bytes_on_disk(), raw) << "values are zstd-compressed";
  ASSERT_TRUE(b->Put({}).ok());
  EXPECT_EQ(b->blob_count(), values.size());
}

TEST_F(BlobStoreTest, UnknownHashOrWrongSizeIsDataLoss) {
  auto b = OpenStore();
  const std::string v = Value('x', 5000, 2);
  ASSERT_TRUE(b->Put({{ContentHash(v), v}}).ok());
  std::string out;
  Status s = b->Get(ContentHash("other"), 5, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.message();
  auto fresh = OpenStore();  // no cached copy
  EXPECT_EQ(fresh->Get(ContentHash(v), v.size() + 1, &out).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(b->Contains(ContentHash("other")));
  EXPECT_EQ(b->FileOf(ContentHash("other")), 0u);
}

TEST_F(BlobStoreTest, ReopenIndexesExistingValues) {
  const std::string v1 = Value('a', 8000, 3), v2 = Value('b', 9000, 4);
  uint64_t bytes;
  {
    auto b = OpenStore();
    ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());
    ASSERT_TRUE(b->Put({{ContentHash(v2), v2}}).ok());
    bytes = b->bytes_on_disk();
  }
  auto b = OpenStore();
  EXPECT_EQ(b->blob_count(), 2u);
  EXPECT_EQ(b->bytes_on_disk(), bytes);
  EXPECT_EQ(Get(*b, v1), v1);
  EXPECT_EQ(Get(*b, v2), v2);
  // Putting a known value after reopening writes nothing.
  ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());
  EXPECT_EQ(b->bytes_on_disk(), bytes);
  // A new value goes to a new file (files are never appended to across opens).
  const std::string v3 = Value('c', 7000, 5);
  ASSERT_TRUE(b->Put({{ContentHash(v3), v3}}).ok());
  EXPECT_EQ(b->FileOf(ContentHash(v3)), 2u);
  EXPECT_EQ(b->blob_count(), 3u);
}

TEST_F(BlobStoreTest, TornTailIsTruncatedAtOpenAndEarlierBlobsStayReadable) {
  const std::string v1 = Value('a', 8000, 6), v2 = Value('b', 6000, 7), torn = Value('t', 9000, 8);
  std::string torn_record;  // a complete record for `torn`, as written to a file
  {
    auto b = OpenStore();
    ASSERT_TRUE(b->Put({{ContentHash(v1), v1}, {ContentHash(v2), v2}}).ok());
  }
  {
    BlobStore other(fs_, JoinPath(root_, "other"), 3, 0);
    ASSERT_TRUE(other.Open().ok());
    ASSERT_TRUE(other.Put({{ContentHash(torn), torn}}).ok());
    ASSERT_TRUE(
        fs_->ReadFileToString(JoinPath(JoinPath(root_, "other"), BlobFileName(1)), &torn_record)
            .ok());
  }
  const uint64_t good = FileSize(1);
  // Cut points: inside the record header, inside the chunk header, inside the chunk body, and
  // one byte short of complete.
  for (size_t cut :
       {size_t{3}, kBlobRecordHeader + 5, torn_record.size() / 2, torn_record.size() - 1}) {
    {
      auto f = fs_->NewAppendableFile(FilePath(1));
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->Append(torn_record.substr(0, cut)).ok());
    }
    ASSERT_EQ(FileSize(1), good + cut);
    auto b = OpenStore();
    EXPECT_EQ(FileSize(1), good) << "torn tail of " << cut << " bytes not truncated";
    EXPECT_EQ(b->blob_count(), 2u);
    EXPECT_FALSE(b->Contains(ContentHash(torn)));
    EXPECT_EQ(Get(*b, v1), v1);
    EXPECT_EQ(Get(*b, v2), v2);
  }
  auto b = OpenStore();
  ASSERT_TRUE(b->Put({{ContentHash(torn), torn}}).ok());
  EXPECT_EQ(Get(*b, torn), torn);
}

// Damage inside a record in the middle of a file (its magic, or the stored length in its chunk
// header) is not a torn tail: Open must not truncate the intact records after it away.
TEST_F(BlobStoreTest, DamagedMiddleRecordHeaderDoesNotTruncateLaterBlobs) {
  const std::string v1 = Value('a', 8000, 15), v2 = Value('b', 8000, 16), v3 = Value('c', 8000, 17);
  for (size_t field : {size_t{0}, kBlobRecordHeader + 14}) {  // magic; a stored-length byte
    SCOPED_TRACE("damaged byte " + std::to_string(field) + " of the second record");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    uint64_t second = 0;
    {
      auto b = OpenStore();
      ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());
      second = b->bytes_on_disk();
      ASSERT_TRUE(b->Put({{ContentHash(v2), v2}}).ok());
      ASSERT_TRUE(b->Put({{ContentHash(v3), v3}}).ok());
    }
    const uint64_t size = FileSize(1);
    std::string data;
    ASSERT_TRUE(fs_->ReadFileToString(FilePath(1), &data).ok());
    data[second + field] = static_cast<char>(data[second + field] ^ 0x04);
    {
      auto f = fs_->NewWritableFile(FilePath(1));
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->Append(data).ok());
    }
    auto b = OpenStore();
    EXPECT_EQ(FileSize(1), size) << "Open truncated intact blobs after a damaged record";
    EXPECT_EQ(Get(*b, v1), v1);
    std::string out;
    Status s = b->Get(ContentHash(v3), v3.size(), &out);
    EXPECT_TRUE(s.ok()) << "intact blob after the damaged one lost: " << s.ToString();
  }
}

TEST_F(BlobStoreTest, DeleteUnreferencedFilesKeepsLiveAndActiveFiles) {
  const std::string v1 = Value('a', 8000, 9), v2 = Value('b', 8000, 10), v3 = Value('c', 8000, 11);
  {
    auto b = OpenStore();
    ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());  // file 1
  }
  {
    auto b = OpenStore();
    ASSERT_TRUE(b->Put({{ContentHash(v2), v2}}).ok());  // file 2
  }
  auto b = OpenStore();
  EXPECT_EQ(Get(*b, v1), v1);                         // cached now
  ASSERT_TRUE(b->Put({{ContentHash(v3), v3}}).ok());  // file 3, the active one
  ASSERT_EQ(b->FileOf(ContentHash(v3)), 3u);
  const uint64_t size1 = FileSize(1), size2 = FileSize(2), size3 = FileSize(3);
  auto freed = b->DeleteUnreferencedFiles({2});
  ASSERT_TRUE(freed.ok()) << freed.status().ToString();
  EXPECT_EQ(*freed, size1);
  EXPECT_FALSE(fs_->FileExists(FilePath(1)));
  EXPECT_TRUE(fs_->FileExists(FilePath(2)));
  EXPECT_TRUE(fs_->FileExists(FilePath(3))) << "the file being appended to is never deleted";
  EXPECT_FALSE(b->Contains(ContentHash(v1)));
  std::string out;
  EXPECT_EQ(b->Get(ContentHash(v1), v1.size(), &out).code(), StatusCode::kDataLoss)
      << "served from the cache";
  EXPECT_EQ(Get(*b, v2), v2);
  EXPECT_EQ(Get(*b, v3), v3);
  EXPECT_EQ(b->blob_count(), 2u);
  EXPECT_EQ(b->bytes_on_disk(), size2 + size3);
  // Putting v1 again stores it anew.
  ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());
  EXPECT_EQ(Get(*b, v1), v1);
  auto none = b->DeleteUnreferencedFiles({2, 3});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

TEST_F(BlobStoreTest, FailedSyncAcknowledgesNothingAndNextPutUsesNewFile) {
  FaultFileSystem fault(fs_);
  auto b = OpenStore(&fault);
  const std::string v1 = Value('a', 8000, 12), v2 = Value('b', 8000, 13);
  ASSERT_TRUE(b->Put({{ContentHash(v1), v1}}).ok());
  fault.FailNextSyncs(1);
  Status s = b->Put({{ContentHash(v2), v2}});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("blob store"), std::string::npos) << s.message();
  EXPECT_FALSE(b->Contains(ContentHash(v2)));
  ASSERT_TRUE(b->Put({{ContentHash(v2), v2}}).ok());
  EXPECT_EQ(b->FileOf(ContentHash(v2)), 2u);
  fault.Crash();
  b.reset();
  fault.Reset();
  auto reopened = OpenStore(&fault);
  EXPECT_EQ(Get(*reopened, v1), v1);
  EXPECT_EQ(Get(*reopened, v2), v2);
}

// Passes everything to a FaultFileSystem, but fails the next SyncDir once (the file syncs
// still succeed, which FaultFileSystem::FailNextSyncs cannot express).
class FailDirSyncOnce final : public FileSystem {
 public:
  explicit FailDirSyncOnce(FaultFileSystem* base) : base_(base) {}
  StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return base_->NewWritableFile(p);
  }
  StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p) override {
    return base_->NewAppendableFile(p);
  }
  StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return base_->NewRandomAccessFile(p);
  }
  bool FileExists(const std::string& p) override { return base_->FileExists(p); }
  StatusOr<std::vector<std::string>> GetChildren(const std::string& d) override {
    return base_->GetChildren(d);
  }
  StatusOr<uint64_t> GetFileSize(const std::string& p) override { return base_->GetFileSize(p); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  Status RenameFile(const std::string& f, const std::string& t) override {
    return base_->RenameFile(f, t);
  }
  Status CreateDirs(const std::string& d) override { return base_->CreateDirs(d); }
  Status SyncDir(const std::string& d) override {
    if (fail_next_) {
      fail_next_ = false;
      return UnavailableError("fsync " + d + ": Input/output error (test)");
    }
    return base_->SyncDir(d);
  }
  Status Truncate(const std::string& p, uint64_t n) override { return base_->Truncate(p, n); }
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
    return base_->LockFile(p);
  }

 private:
  FaultFileSystem* base_;
  bool fail_next_ = true;
};

// A Put that returned OK must survive a crash. The first Put of a new file fails at the
// directory fsync; the retry appends to the same file and must sync the directory too. (It once
// returned OK without, so a crash removed the file and the acknowledged value, after the store
// had already written a block referencing it and deleted the WAL.)
TEST_F(BlobStoreTest, AcknowledgedPutSurvivesCrashAfterFailedDirectorySync) {
  FaultFileSystem fault(fs_);
  FailDirSyncOnce fs(&fault);
  const std::string v = Value('a', 8000, 14);
  {
    BlobStore store(&fs, dir_, 3, 0);
    ASSERT_TRUE(store.Open().ok());
    Status first = store.Put({{ContentHash(v), v}});
    ASSERT_EQ(first.code(), StatusCode::kUnavailable) << first.ToString();
    Status retry = store.Put({{ContentHash(v), v}});
    ASSERT_TRUE(retry.ok()) << retry.ToString();
    ASSERT_TRUE(store.Contains(ContentHash(v)));
    fault.Crash();
  }
  fault.Reset();
  auto after = OpenStore();
  std::string out;
  Status s = after->Get(ContentHash(v), v.size(), &out);
  EXPECT_TRUE(s.ok()) << "acknowledged blob lost after crash: " << s.ToString();
}

}  // namespace
}  // namespace hoptrace
