// Immutable columnar block files (docs/storage-format.md §Blocks).
//
//   "HTBLK001" | row groups (chunks) | column chunks | footer (chunk) | trailer
//   trailer = [u64 footer offset][u64 footer chunk length][u64 magic]
//
// Rows are sorted by (trace id, start, span id), so a trace's spans are contiguous: a trace is
// found through the footer's sorted trace index and read from one or two row groups. Every
// scan column is stored apart, in chunks of `column_chunk_rows` rows, for scans that read only
// the columns they need.
//
// Thread-safety: BlockReader is immutable after Open and safe for concurrent use.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "common/file_system.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/chunk.h"
#include "storage/embedded/memtable.h"
#include "storage/embedded/part.h"

namespace hoptrace {

inline constexpr char kBlockMagic[8] = {'H', 'T', 'B', 'L', 'K', '0', '0', '1'};
inline constexpr uint64_t kBlockTrailerMagic = 0x31304b4c42544821ULL;  // "!HTBLK01"
// Format 2 added the span id and parent span id scan columns and the span kind in the flags
// (docs/storage-format.md); format-1 blocks are still read (narrow reads decode their rows).
inline constexpr uint32_t kBlockFormatVersion = 2;
inline constexpr uint32_t kOldestBlockFormatVersion = 1;

std::string BlockFileName(uint64_t wal_last_seq);
bool ParseBlockFileName(const std::string& name, uint64_t* seq);

struct BlockWriteOptions {
  int compression_level = 3;
  size_t row_group_bytes = 48 << 10;
  size_t column_chunk_rows = 65536;
  // Row groups are compressed with a zstd dictionary of this size trained on the block's rows
  // (0: no dictionary).
  size_t dictionary_bytes = 64 << 10;
  // When set, used instead of training a new dictionary (training costs more than the flush).
  std::shared_ptr<const ChunkDictionary> reuse_dictionary;
  // kOldestBlockFormatVersion..kBlockFormatVersion; older formats only for tests of upgrades.
  uint32_t format_version = kBlockFormatVersion;
};

struct BlockWriteResult {
  std::string path;
  std::shared_ptr<const ChunkDictionary> dictionary;  // the one used, for reuse
};

// Writes the rows of a frozen memtable as dir/blk-<seq>.blk: to a temporary name, fsync,
// rename, fsync dir. `blobs` must already hold every large value the rows reference.
// Returns the final path.
StatusOr<BlockWriteResult> WriteBlock(FileSystem* fs, const std::string& dir, const MemTable& mem,
                                      const BlobStore& blobs, const BlockWriteOptions& options);

class BlockReader final : public Part {
 public:
  // Opens a block and loads its footer; DataLoss when the file is damaged.
  static StatusOr<std::shared_ptr<BlockReader>> Open(FileSystem* fs, const std::string& path,
                                                     const BlobStore* blobs);
  ~BlockReader() override;

  // Checks every chunk's checksum; returns the number of chunks checked or the first problem.
  StatusOr<uint64_t> VerifyAllChunks() const;
  // Format >= 2: checks that the span id, parent span id, kind and irregular-end columns agree
  // with the row bodies (what narrow reads rely on); OK for format 1.
  Status VerifyNarrowColumns() const;

  uint32_t format_version() const;
  const std::string& path() const { return path_; }
  uint64_t file_size() const;
  uint64_t wal_first_seq() const;
  uint64_t wal_last_seq() const;
  uint64_t max_end() const;
  const std::set<uint64_t>& blob_files() const;
  // Bytes of the row groups and of each scan column (for `store verify` and tuning).
  uint64_t row_group_bytes() const;
  uint64_t column_bytes(int column) const;

  uint64_t rows() const override;
  uint64_t min_start() const override;
  uint64_t max_start() const override;
  bool DictFind(int col, std::string_view s, uint32_t* id) const override;
  std::string DictGet(int col, uint32_t id) const override;
  uint32_t DictSize(int col) const override;
  Status Scan(ColumnMask mask, uint64_t min_start, uint64_t max_start,
              const std::function<Status(uint64_t, const ColumnView&)>& fn) const override;
  TraceId TraceOfRow(uint64_t row, uint64_t* run_end) const override;
  Status SpanIds(const std::vector<uint64_t>& rows, std::vector<SpanId>* out) const override;
  Status ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const override;
  Status FindTrace(const TraceId& id, std::vector<uint64_t>* rows) const override;
  void ForEachTrace(
      const std::function<void(const TraceId&, uint64_t, uint64_t)>& fn) const override;
  bool HasNarrowColumns() const override;
  bool GetTracePartial(const TraceId& id, TracePartial* out) const override;
  bool MayHaveAttribute(std::string_view key) const override;

  struct Footer;

  // Set when a read found a damaged chunk; the store then quarantines the block.
  bool damaged() const { return damaged_.load(); }

 private:
  BlockReader() = default;
  // Calls fn(resource index, scope index, body) for each row, in order.
  Status ForRows(const std::vector<uint64_t>& rows,
                 const std::function<Status(uint64_t, uint64_t, std::string_view)>& fn) const;
  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  const BlobStore* blobs_ = nullptr;
  std::unique_ptr<Footer> footer_;
  // For row groups; null when the block has none. Blocks written with the same dictionary share
  // one decoder (less memory, warmer caches).
  std::shared_ptr<const ChunkDictionary> dict_;
  // Bloom filter over the trace ids (16 bits per trace, 4 probes): most lookups of a trace
  // in a block that does not hold it stop here.
  std::vector<uint64_t> bloom_;
  // Resources and scopes decoded once at Open (a block has few), copied into spans.
  std::vector<Resource> resources_;
  std::vector<Scope> scopes_;
  bool MayHaveTrace(const TraceId& id) const;
  mutable std::atomic<bool> damaged_{false};
  Status Damaged(Status s) const {
    if (s.code() == StatusCode::kDataLoss) damaged_ = true;
    return s;
  }
};

}  // namespace hoptrace
