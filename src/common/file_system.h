// The file-system interface every on-disk component uses, so tests can inject faults
// (failed fsync, full disk, torn writes, a crash that drops unsynced data).
//
// Thread-safety: FileSystem implementations are thread-safe. A WritableFile is used by one
// thread at a time. RandomAccessFile::Read is safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace hoptrace {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data` at the end of the file (buffered by the OS until Sync).
  virtual Status Append(std::string_view data) = 0;
  // Makes every byte appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file, including appended but unsynced bytes.
  virtual uint64_t Size() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `*out` (resized to what was read; short at EOF).
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
  virtual uint64_t Size() const = 0;
};

// An advisory exclusive lock on a file; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates (or truncates) `path` for writing.
  virtual StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it if missing.
  virtual StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..".
  virtual StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)); durable only after SyncDir of the parent.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status CreateDirs(const std::string& dir) = 0;
  // fsyncs the directory so entries created, renamed or removed in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Reads a whole file.
  Status ReadFileToString(const std::string& path, std::string* out);
};

// The real file system (POSIX). Never destroyed.
FileSystem* DefaultFileSystem();

std::string JoinPath(std::string_view dir, std::string_view name);

// Creates a new, uniquely named directory `<parent>/<prefix><6 random characters>` (parent
// defaults to the system's temporary directory) and returns its path.
StatusOr<std::string> MakeTempDir(std::string_view prefix, const std::string& parent = "");

}  // namespace hoptrace
