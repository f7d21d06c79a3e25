// The content-addressed blob area for large attribute values (docs/storage-format.md §Blobs).
// Files blobs/blob-<n>.dat hold records:
//   [u32 magic 'HTBL'][u64 hash lo][u64 hash hi][chunk (see chunk.h)]
// Each distinct value is stored once; spans reference it by (hash, length).
//
// Thread-safety: thread-safe. Writes come from the flush thread; reads from any query.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/file_system.h"
#include "common/hash.h"

namespace hoptrace {

inline constexpr uint32_t kBlobMagic = 0x4c425448;  // "HTBL"
inline constexpr size_t kBlobRecordHeader = 20;

std::string BlobFileName(uint64_t n);
bool ParseBlobFileName(const std::string& name, uint64_t* n);

class BlobStore {
 public:
  BlobStore(FileSystem* fs, std::string dir, int compression_level, size_t cache_bytes);

  // Indexes existing blob files; a torn tail (crash during a write) is truncated.
  Status Open();

  bool Contains(const Hash128& h) const;
  // Appends the values not stored yet and makes them durable (fsync file, and dir if new file).
  // Values become readable only when this returns OK.
  Status Put(const std::vector<std::pair<Hash128, std::string_view>>& values);
  Status Get(const Hash128& h, uint64_t size, std::string* out) const;
  // Blob file number holding `h`, or 0 if unknown.
  uint64_t FileOf(const Hash128& h) const;
  // Deletes blob files (except the one being appended to) that hold none of `live`.
  StatusOr<uint64_t> DeleteUnreferencedFiles(const std::set<uint64_t>& live_files);
  uint64_t bytes_on_disk() const;
  std::map<uint64_t, uint64_t> file_sizes() const;  // file number -> bytes
  uint64_t active_file() const;                     // the file being appended to (0: none)
  uint64_t blob_count() const;

 private:
  struct Location {
    uint64_t file = 0;
    uint64_t offset = 0;  // of the chunk
    uint32_t length = 0;  // chunk length
  };
  Status IndexFile(uint64_t n, const std::string& path);
  StatusOr<std::shared_ptr<RandomAccessFile>> Reader(uint64_t file) const;

  FileSystem* const fs_;
  const std::string dir_;
  const int level_;
  const size_t cache_bytes_;

  mutable std::shared_mutex mu_;
  std::unordered_map<Hash128, Location, Hash128Hasher> index_;  // guarded by mu_
  std::unordered_map<uint64_t, uint64_t> file_sizes_;           // guarded by mu_
  mutable std::unordered_map<uint64_t, std::shared_ptr<RandomAccessFile>>
      readers_;                           // guarded by mu_
  std::mutex write_mu_;                   // serialises Put
  std::unique_ptr<WritableFile> active_;  // guarded by write_mu_
  uint64_t active_file_ = 0;              // guarded by write_mu_ (and read under mu_)
  bool active_entry_durable_ = true;  // guarded by write_mu_: the active file's dir entry is synced
  uint64_t next_file_ = 1;

  // LRU cache of decompressed values.
  mutable std::mutex cache_mu_;
  mutable std::list<std::pair<Hash128, std::shared_ptr<const std::string>>> lru_;
  mutable std::unordered_map<Hash128, decltype(lru_)::iterator, Hash128Hasher> cache_;
  mutable size_t cached_bytes_ = 0;
};

}  // namespace hoptrace
