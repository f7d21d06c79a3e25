// Updates of stored spans' derived fields (SpanStore::UpdateDerived): their encoding, the
// rewrite of an encoded span body, and the patches log that makes them durable
// (docs/storage-format.md §Patches log).
//
//   DIR/patches.log   records framed like WAL records ([u32 len][u32 checksum][u8 type][payload]),
//                     type 1 = a batch of updates, in the order they were applied.
//
// Thread-safety: PatchLog is not thread-safe; the store serialises its use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/file_system.h"
#include "storage/embedded/columns.h"
#include "model/span_codec.h"
#include "storage/span_store.h"

namespace hoptrace {

// Replaces the derived fields at the end of an encoded span body (large-value references are
// kept as they are). DataLoss when the body does not decode.
Status ReplaceDerivedInBody(std::string* body, const AgentFields& derived);

// The flags column byte with its usage-counted bit set to `counted`.
inline uint8_t WithCounted(uint8_t flags, bool counted) {
  return static_cast<uint8_t>((flags & ~kFlagCounted) | (counted ? kFlagCounted : 0));
}

inline constexpr uint8_t kPatchRecordBatch = 1;  // Do not change: persisted.
inline constexpr char kPatchLogName[] = "patches.log";

// Payload of one patches-log record: varint n, n × (16B trace id | 8B span id | derived fields).
void EncodePatchRecord(const std::vector<DerivedUpdate>& updates, std::string* out);
Status DecodePatchRecord(std::string_view payload, std::vector<DerivedUpdate>* out);

struct PatchLogReadResult {
  std::vector<DerivedUpdate> updates;  // every update of the valid prefix, in order
  uint64_t records = 0;
  uint64_t valid_bytes = 0;
  uint64_t dropped_bytes = 0;  // torn tail or damage after the valid prefix
  bool corrupt = false;        // a complete record failed its checksum or did not decode
};
// Reads dir/patches.log (an absent file reads as empty). Does not modify anything.
StatusOr<PatchLogReadResult> ReadPatchLog(FileSystem* fs, const std::string& dir);

// The append side of dir/patches.log.
class PatchLog {
 public:
  PatchLog(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  // Recovers the log: removes a leftover patches.log.tmp, truncates a torn or damaged tail (a
  // damaged file is first copied to `quarantine_dir`), and returns the updates to replay.
  StatusOr<std::vector<DerivedUpdate>> Open(const std::string& quarantine_dir);
  // Appends one record and fsyncs. After a failure the file is reopened before the next append
  // (its tail is unknown): a torn record there is truncated at the next Open.
  Status Append(const std::vector<DerivedUpdate>& updates);
  // Replaces the log by one holding only `live` (tmp file, fsync, rename, fsync dir).
  Status Rewrite(const std::vector<DerivedUpdate>& live);
  uint64_t bytes() const { return bytes_; }

 private:
  Status Reopen();
  FileSystem* const fs_;
  const std::string dir_;
  std::unique_ptr<WritableFile> file_;
  bool broken_ = false;
  uint64_t bytes_ = 0;
};

}  // namespace hoptrace
