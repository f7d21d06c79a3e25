// A FileSystem wrapper for tests that injects faults: failed fsync, a full disk (ENOSPC),
// torn appends, and a crash that drops every byte not yet made durable.
//
// Thread-safety: thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "common/file_system.h"

namespace hoptrace {

class FaultFileSystem final : public FileSystem {
 public:
  explicit FaultFileSystem(FileSystem* base) : base_(base) {}

  // The next `n` Sync/SyncDir calls fail (like fsync returning EIO).
  void FailNextSyncs(int n);
  // After `bytes` more bytes are appended in total, appends fail with ResourceExhausted (ENOSPC),
  // writing the part that still fits. Negative: no limit.
  void SetSpaceLeft(int64_t bytes);
  // The next Append writes only its first `keep` bytes, then fails.
  void TornNextAppend(size_t keep);
  // Simulates power loss: every file is cut back to its last synced size, files created since
  // their directory was last synced are removed, and every later write or sync fails until Reset().
  void Crash();
  // Clears all injected faults (and the crashed state).
  void Reset();
  int sync_calls() const;

  StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_->GetChildren(dir);
  }
  StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    return base_->GetFileSize(path);
  }
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status SyncDir(const std::string& dir) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

 private:
  friend class FaultWritableFile;
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = true;  // false until the parent dir is synced after creation
  };
  Status CheckWritable();  // REQUIRES: mu_ held
  Status OnAppend(const std::string& path, std::string_view data, WritableFile* base);
  Status OnSync(const std::string& path, WritableFile* base);
  StatusOr<std::unique_ptr<WritableFile>> Wrap(const std::string& path,
                                               StatusOr<std::unique_ptr<WritableFile>> f,
                                               bool truncated);

  FileSystem* const base_;
  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;  // guarded by mu_
  int fail_syncs_ = 0;
  int64_t space_left_ = -1;
  int64_t torn_keep_ = -1;
  bool crashed_ = false;
  int sync_calls_ = 0;
};

}  // namespace hoptrace
