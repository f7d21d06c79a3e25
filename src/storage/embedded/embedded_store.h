// The embedded span store: hoptrace's own engine (DESIGN.md §5, docs/storage-format.md).
//
//   Append ─► WAL (checksummed records, group commit, fsync) ─► memtable (visible at once)
//   memtable full ─► frozen ─► background flush ─► immutable columnar block (zstd, checksummed,
//   footer with time range and trace-id index) + content-addressed blob area for large values
//   ─► WAL segments covered by the block are deleted.
//
// Thread-safety: EmbeddedStore is thread-safe (see SpanStore). Open() takes an exclusive lock
// on the data directory, so one process at a time uses it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/file_system.h"
#include "storage/span_store.h"

namespace hoptrace {

struct EmbeddedStoreOptions {
  // Data directory; created if missing.
  std::string dir;
  // All file I/O goes through this (tests inject faults). Not owned; must outlive the store.
  FileSystem* fs = DefaultFileSystem();
  // The in-memory recent part is frozen and written to a block when its encoded size reaches this.
  size_t memtable_bytes = 64 << 20;
  // At most this many frozen memtables wait for their flush; appends wait beyond it.
  int max_frozen_memtables = 2;
  // Attribute values of at least this many bytes go to the content-addressed blob area.
  size_t large_value_threshold = 4096;
  // zstd level for block chunks and blobs. Level 1: ingest_bench measured 171k -> 184k spans/s
  // end to end (the flush thread's zstd work is the server's largest CPU share) for 219 -> 245
  // bytes per span on disk.
  int compression_level = 1;
  // Target uncompressed size of a row group (the unit q1 reads and decompresses).
  size_t row_group_bytes = 16 << 10;
  // Rows per column chunk (the unit scans decompress).
  size_t column_chunk_rows = 65536;
  // Retention applied in the background every `retention_interval_ms` (0: never in background).
  RetentionPolicy retention;
  uint64_t retention_interval_ms = 60'000;
  // Background flush thread. When false, Flush() must be called to write blocks (tests).
  bool background_flush = true;
  // Decompressed-blob cache (shared prompts are read often).
  size_t blob_cache_bytes = 32 << 20;
  // Format of the blocks written (kBlockFormatVersion); older formats only for upgrade tests.
  // Blocks of every supported format are read whatever this says.
  uint32_t block_format_version = 2;
};

class EmbeddedStore : public SpanStore {
 public:
  // Opens (creating or recovering) the store in options.dir: replays the WAL (truncating a torn
  // tail with a log line), quarantines corrupt blocks into dir/quarantine/, and deletes WAL
  // segments whose data is already in blocks.
  static StatusOr<std::unique_ptr<EmbeddedStore>> Open(const EmbeddedStoreOptions& options);

  // Freezes the memtable and waits until everything appended so far is in blocks.
  virtual Status Flush() = 0;
};

// What `hoptrace store verify` reports.
struct VerifyReport {
  uint64_t wal_segments = 0, wal_records = 0, wal_spans = 0, wal_torn_bytes = 0;
  uint64_t blocks = 0, block_chunks = 0, block_spans = 0;
  uint64_t block_bytes = 0, row_group_bytes = 0, column_bytes = 0;  // footers = the rest
  uint64_t id_column_bytes = 0;  // of column_bytes: the span id and parent span id columns
  std::map<uint32_t, uint64_t> block_formats;  // format version -> blocks
  uint64_t blob_files = 0, blobs = 0;
  uint64_t patch_records = 0, patch_updates = 0, patch_torn_bytes = 0;  // patches.log
  uint64_t quarantined = 0;           // files already in quarantine/
  std::vector<std::string> problems;  // one line per corrupt chunk, record or file
  bool ok() const { return problems.empty(); }
};

// Reads every file of a store directory (not opened by a running store) and checks every
// checksum. Does not modify anything.
StatusOr<VerifyReport> VerifyStore(const std::string& dir, FileSystem* fs = DefaultFileSystem());

}  // namespace hoptrace
