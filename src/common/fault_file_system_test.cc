#include "common/fault_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/file_system.h"

namespace hoptrace {
namespace {

class FaultFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_fault_fs_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return JoinPath(dir_, name); }
  // Contents as the real file system has them.
  std::string Contents(const std::string& name) {
    std::string out;
    Status s = base_->ReadFileToString(Path(name), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // Creates `name` with `data`, synced, and its directory entry synced.
  void MakeDurable(const std::string& name, const std::string& data) {
    auto f = fs_.NewWritableFile(Path(name));
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
    ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  }

  FileSystem* base_ = DefaultFileSystem();
  FaultFileSystem fs_{DefaultFileSystem()};
  std::string dir_;
};

TEST_F(FaultFileSystemTest, PassesThroughWithoutFaults) {
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("hello ").ok());
  ASSERT_TRUE((*f)->Append("world").ok());
  EXPECT_EQ((*f)->Size(), 11u);
  ASSERT_TRUE((*f)->Sync().ok());
  EXPECT_EQ(Contents("a"), "hello world");
  EXPECT_EQ(fs_.sync_calls(), 1);
}

TEST_F(FaultFileSystemTest, FailNextSyncsFailsExactlyThatMany) {
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("x").ok());
  fs_.FailNextSyncs(2);
  Status s1 = (*f)->Sync();
  EXPECT_EQ(s1.code(), StatusCode::kUnavailable);
  EXPECT_NE(s1.message().find("fdatasync"), std::string::npos) << s1.message();
  Status s2 = fs_.SyncDir(dir_);  // directory syncs count too
  EXPECT_EQ(s2.code(), StatusCode::kUnavailable);
  EXPECT_NE(s2.message().find("fsync"), std::string::npos) << s2.message();
  EXPECT_TRUE((*f)->Sync().ok());
  EXPECT_TRUE(fs_.SyncDir(dir_).ok());
  EXPECT_EQ(fs_.sync_calls(), 4);
}

TEST_F(FaultFileSystemTest, FailedSyncDoesNotMakeDataDurable) {
  MakeDurable("a", "synced|");
  auto f = fs_.NewAppendableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("unsynced").ok());
  fs_.FailNextSyncs(1);
  EXPECT_EQ((*f)->Sync().code(), StatusCode::kUnavailable);
  fs_.Crash();
  EXPECT_EQ(Contents("a"), "synced|");
}

TEST_F(FaultFileSystemTest, SpaceLeftWritesWhatFitsThenResourceExhausted) {
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  fs_.SetSpaceLeft(8);
  ASSERT_TRUE((*f)->Append("0123").ok());
  Status s = (*f)->Append("456789");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  EXPECT_EQ(Contents("a"), "01234567");
  EXPECT_EQ((*f)->Size(), 8u);
  // The disk stays full, for every file.
  EXPECT_EQ((*f)->Append("z").code(), StatusCode::kResourceExhausted);
  auto g = fs_.NewWritableFile(Path("b"));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->Append("z").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Contents("a"), "01234567");
  EXPECT_EQ(Contents("b"), "");
  fs_.SetSpaceLeft(-1);
  EXPECT_TRUE((*f)->Append("89").ok());
  EXPECT_EQ(Contents("a"), "0123456789");
}

TEST_F(FaultFileSystemTest, TornAppendKeepsPrefixAndFailsOnce) {
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  fs_.TornNextAppend(3);
  Status s = (*f)->Append("abcdef");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("torn"), std::string::npos) << s.message();
  EXPECT_EQ(Contents("a"), "abc");
  EXPECT_TRUE((*f)->Append("XYZ").ok());
  EXPECT_EQ(Contents("a"), "abcXYZ");
}

TEST_F(FaultFileSystemTest, TornAppendOfZeroBytesWritesNothing) {
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  fs_.TornNextAppend(0);
  EXPECT_EQ((*f)->Append("abc").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Contents("a"), "");
}

TEST_F(FaultFileSystemTest, CrashDropsUnsyncedBytes) {
  MakeDurable("a", "");
  auto f = fs_.NewAppendableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("durable").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Append("-lost").ok());
  EXPECT_EQ(Contents("a"), "durable-lost");
  fs_.Crash();
  EXPECT_EQ(Contents("a"), "durable");
}

TEST_F(FaultFileSystemTest, CrashRemovesFilesWhoseDirectoryWasNeverSynced) {
  auto f = fs_.NewWritableFile(Path("new"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("synced data").ok());
  ASSERT_TRUE((*f)->Sync().ok());  // the data is durable, the directory entry is not
  fs_.Crash();
  EXPECT_FALSE(base_->FileExists(Path("new")));
}

TEST_F(FaultFileSystemTest, DirectorySyncMakesNewFileSurviveCrash) {
  auto f = fs_.NewWritableFile(Path("new"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  ASSERT_TRUE((*f)->Append("abc").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  fs_.Crash();
  EXPECT_EQ(Contents("new"), "abc");
}

TEST_F(FaultFileSystemTest, FailedDirectorySyncLeavesEntryNonDurable) {
  auto f = fs_.NewWritableFile(Path("new"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Sync().ok());
  fs_.FailNextSyncs(1);
  EXPECT_EQ(fs_.SyncDir(dir_).code(), StatusCode::kUnavailable);
  fs_.Crash();
  EXPECT_FALSE(base_->FileExists(Path("new")));
}

TEST_F(FaultFileSystemTest, RenameNotDirSyncedIsUndoneByCrash) {
  MakeDurable("blk.tmp", "block bytes");
  ASSERT_TRUE(fs_.RenameFile(Path("blk.tmp"), Path("blk")).ok());
  EXPECT_TRUE(base_->FileExists(Path("blk")));
  fs_.Crash();
  EXPECT_FALSE(base_->FileExists(Path("blk")));
}

TEST_F(FaultFileSystemTest, RenameThenDirSyncSurvivesCrash) {
  MakeDurable("blk.tmp", "block bytes");
  ASSERT_TRUE(fs_.RenameFile(Path("blk.tmp"), Path("blk")).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  fs_.Crash();
  EXPECT_EQ(Contents("blk"), "block bytes");
  EXPECT_FALSE(base_->FileExists(Path("blk.tmp")));
}

TEST_F(FaultFileSystemTest, ExistingFileOpenedForAppendIsDurableUpToItsSize) {
  ASSERT_TRUE(base_->NewWritableFile(Path("old")).value()->Append("previous run").ok());
  auto f = fs_.NewAppendableFile(Path("old"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append(" + new").ok());
  fs_.Crash();
  EXPECT_EQ(Contents("old"), "previous run");
}

TEST_F(FaultFileSystemTest, TruncateLowersTheSyncedSize) {
  MakeDurable("a", "0123456789");
  ASSERT_TRUE(fs_.NewAppendableFile(Path("a")).ok());  // tracked, durable at 10 bytes
  ASSERT_TRUE(fs_.Truncate(Path("a"), 4).ok());
  auto f = fs_.NewAppendableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("xy").ok());
  fs_.Crash();
  EXPECT_EQ(Contents("a"), "0123");
}

TEST_F(FaultFileSystemTest, EveryWriteFailsAfterCrashUntilReset) {
  MakeDurable("a", "abc");
  auto f = fs_.NewAppendableFile(Path("a"));
  ASSERT_TRUE(f.ok());
  fs_.Crash();
  EXPECT_EQ((*f)->Append("x").code(), StatusCode::kUnavailable);
  EXPECT_EQ((*f)->Sync().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.SyncDir(dir_).code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.NewWritableFile(Path("b")).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.NewAppendableFile(Path("a")).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.RenameFile(Path("a"), Path("c")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.RemoveFile(Path("a")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_.Truncate(Path("a"), 0).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(base_->FileExists(Path("b")));
  EXPECT_EQ(Contents("a"), "abc");
  // Reads still work: that is how a test inspects the "rebooted" machine.
  std::string data;
  EXPECT_TRUE(fs_.ReadFileToString(Path("a"), &data).ok());
  EXPECT_EQ(data, "abc");
}

TEST_F(FaultFileSystemTest, ResetClearsEveryFault) {
  fs_.FailNextSyncs(5);
  fs_.SetSpaceLeft(0);
  fs_.TornNextAppend(1);
  fs_.Crash();
  fs_.Reset();
  auto f = fs_.NewWritableFile(Path("a"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE((*f)->Append("full write").ok());
  EXPECT_TRUE((*f)->Sync().ok());
  EXPECT_TRUE(fs_.SyncDir(dir_).ok());
  EXPECT_EQ(Contents("a"), "full write");
}

}  // namespace
}  // namespace hoptrace
