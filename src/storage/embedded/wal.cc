#include "storage/embedded/wal.h"

#include <cstdio>

#include "common/coding.h"
#include "common/hash.h"
#include "storage/embedded/file_names.h"

namespace hoptrace {

std::string WalSegmentName(uint64_t seq) { return NumberedFileName("wal-", seq, 16, ".log"); }

bool ParseWalSegmentName(const std::string& name, uint64_t* seq) {
  return ParseNumberedFileName(name, "wal-", 16, ".log", seq);
}

void AppendWalRecord(std::string* out, uint8_t type, std::string_view payload) {
  size_t header_at = out->size();
  out->resize(header_at + kWalHeaderSize);
  out->append(payload);
  char* h = out->data() + header_at;
  EncodeFixed32(h, static_cast<uint32_t>(payload.size()));
  h[8] = static_cast<char>(type);
  EncodeFixed32(h + 4,
                Checksum32Seeded(std::string_view(h + 8, 1 + payload.size()), payload.size()));
}

size_t BeginWalRecord(std::string* out) {
  size_t at = out->size();
  out->resize(at + kWalHeaderSize);
  return at;
}

void FinishWalRecord(std::string* out, size_t header_at, uint8_t type) {
  char* h = out->data() + header_at;
  size_t len = out->size() - header_at - kWalHeaderSize;
  EncodeFixed32(h, static_cast<uint32_t>(len));
  h[8] = static_cast<char>(type);
  EncodeFixed32(h + 4, Checksum32Seeded(std::string_view(h + 8, 1 + len), len));
}

namespace {
// True when a complete record with a valid checksum starts at `pos`.
bool ValidRecordAt(const std::string& data, size_t pos) {
  if (pos + kWalHeaderSize > data.size()) return false;
  const char* h = data.data() + pos;
  uint32_t len = DecodeFixed32(h);
  if (len > kWalMaxRecord || pos + kWalHeaderSize + len > data.size()) return false;
  return Checksum32Seeded(std::string_view(h + 8, 1 + len), len) == DecodeFixed32(h + 4);
}
}  // namespace

StatusOr<WalReadResult> ReadWalSegment(FileSystem* fs, const std::string& path,
                                       const std::function<Status(uint8_t, std::string_view)>& fn) {
  std::string data;
  HT_RETURN_IF_ERROR(fs->ReadFileToString(path, &data));
  WalReadResult r;
  size_t pos = 0;
  while (pos + kWalHeaderSize <= data.size()) {
    const char* h = data.data() + pos;
    uint32_t len = DecodeFixed32(h);
    if (len > kWalMaxRecord || pos + kWalHeaderSize + len > data.size()) break;
    if (Checksum32Seeded(std::string_view(h + 8, 1 + len), len) != DecodeFixed32(h + 4)) break;
    HT_RETURN_IF_ERROR(fn(static_cast<uint8_t>(h[8]), std::string_view(h + kWalHeaderSize, len)));
    pos += kWalHeaderSize + len;
    ++r.records;
  }
  r.valid_bytes = pos;
  r.dropped_bytes = data.size() - pos;
  // A torn tail is the prefix of one record cut short by a crash. If a complete, valid record
  // starts anywhere after the bad one, the segment was damaged instead (bounded search).
  uint64_t budget = 256ull << 20;
  for (size_t p = pos + 1; r.dropped_bytes > 0 && p + kWalHeaderSize <= data.size() && budget > 0;
       ++p) {
    uint32_t len = DecodeFixed32(data.data() + p);
    if (len <= kWalMaxRecord && p + kWalHeaderSize + len <= data.size())
      budget -= std::min<uint64_t>(budget, len + 1);
    if (ValidRecordAt(data, p)) {
      r.corrupt = true;
      break;
    }
  }
  return r;
}

}  // namespace hoptrace
