// Write-ahead log segments (docs/storage-format.md §WAL).
//
// A segment is a sequence of records: [u32 payload length][u32 checksum][u8 type][payload], the
// checksum (XXH3 low 32 bits) covering the type byte and the payload. Segments are named
// wal-<seq>.log with a 16-digit decimal sequence number.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/file_system.h"

namespace hoptrace {

inline constexpr uint8_t kWalRecordBatch = 1;
inline constexpr size_t kWalHeaderSize = 9;
inline constexpr uint32_t kWalMaxRecord = 1u << 30;

std::string WalSegmentName(uint64_t seq);
// Parses "wal-<seq>.log"; false if `name` is not a segment.
bool ParseWalSegmentName(const std::string& name, uint64_t* seq);

// Appends framed records to `out` (so a group of records is written with one Append).
void AppendWalRecord(std::string* out, uint8_t type, std::string_view payload);
// Or in place: BeginWalRecord reserves the header and returns its offset; the caller appends the
// payload to `out`; FinishWalRecord fills the header in.
size_t BeginWalRecord(std::string* out);
void FinishWalRecord(std::string* out, size_t header_at, uint8_t type);

struct WalReadResult {
  uint64_t records = 0;
  uint64_t valid_bytes = 0;    // length of the valid prefix
  uint64_t dropped_bytes = 0;  // bytes after it (torn tail or corruption)
  bool corrupt = false;        // a complete record failed its checksum (not just a torn tail)
};

// Reads a segment, calling `fn(type, payload)` for each valid record in order, stopping at the
// first torn or corrupt record. `fn` returning an error stops reading and returns that error.
StatusOr<WalReadResult> ReadWalSegment(FileSystem* fs, const std::string& path,
                                       const std::function<Status(uint8_t, std::string_view)>& fn);

}  // namespace hoptrace
