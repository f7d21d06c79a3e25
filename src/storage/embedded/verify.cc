// VerifyStore: reads every file of a store directory and checks every checksum.
#include <algorithm>

#include "common/coding.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/block.h"
#include "storage/embedded/chunk.h"
#include "storage/embedded/derived_patch.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/wal.h"

namespace hoptrace {
namespace {

void VerifyWal(FileSystem* fs, const std::string& dir, VerifyReport* r) {
  auto names = fs->GetChildren(dir);
  if (!names.ok()) return;
  std::sort(names->begin(), names->end());
  for (const auto& name : *names) {
    uint64_t seq;
    if (!ParseWalSegmentName(name, &seq)) continue;
    ++r->wal_segments;
    auto res = ReadWalSegment(fs, JoinPath(dir, name), [&](uint8_t, std::string_view payload) {
      Decoder d(payload);
      uint64_t nvalues, nspans;
      if (!d.GetVarint64(&nvalues)) return DataLossError("bad batch header");
      for (uint64_t i = 0; i < nvalues; ++i) {
        uint64_t lo, hi;
        std::string_view v;
        if (!d.GetFixed64(&lo) || !d.GetFixed64(&hi) || !d.GetLengthPrefixed(&v))
          return DataLossError("bad batch value");
      }
      if (!d.GetVarint64(&nspans)) return DataLossError("bad batch span count");
      r->wal_spans += nspans;
      return Status::Ok();
    });
    if (!res.ok()) {
      r->problems.push_back("wal/" + name + ": " + res.status().message());
      continue;
    }
    r->wal_records += res->records;
    r->wal_torn_bytes += res->dropped_bytes;
    if (res->corrupt) {
      r->problems.push_back("wal/" + name + ": corrupt record after " +
                            std::to_string(res->records) + " records; " +
                            std::to_string(res->dropped_bytes) + " bytes unreadable");
    }
  }
}

void VerifyBlobs(FileSystem* fs, const std::string& dir, VerifyReport* r) {
  auto names = fs->GetChildren(dir);
  if (!names.ok()) return;
  std::sort(names->begin(), names->end());
  for (const auto& name : *names) {
    uint64_t n;
    if (!ParseBlobFileName(name, &n)) continue;
    ++r->blob_files;
    std::string data;
    Status s = fs->ReadFileToString(JoinPath(dir, name), &data);
    if (!s.ok()) {
      r->problems.push_back("blobs/" + name + ": " + s.message());
      continue;
    }
    size_t pos = 0;
    while (pos < data.size()) {
      if (data.size() - pos < kBlobRecordHeader || DecodeFixed32(data.data() + pos) != kBlobMagic) {
        r->problems.push_back("blobs/" + name + ": bad record header at offset " +
                              std::to_string(pos));
        break;
      }
      size_t len;
      s = VerifyChunk(std::string_view(data).substr(pos + kBlobRecordHeader), &len);
      if (!s.ok()) {
        r->problems.push_back("blobs/" + name + " at offset " + std::to_string(pos) + ": " +
                              s.message());
        break;
      }
      ++r->blobs;
      pos += kBlobRecordHeader + len;
    }
  }
}

}  // namespace

StatusOr<VerifyReport> VerifyStore(const std::string& dir, FileSystem* fs) {
  if (!fs->FileExists(dir)) return NotFoundError("no store at " + dir);
  if (!fs->FileExists(JoinPath(dir, "wal")) && !fs->FileExists(JoinPath(dir, "blocks"))) {
    return NotFoundError(dir + " is not a hoptrace data directory (no wal/ or blocks/)");
  }
  VerifyReport r;
  VerifyWal(fs, JoinPath(dir, "wal"), &r);
  VerifyBlobs(fs, JoinPath(dir, "blobs"), &r);
  BlobStore no_blobs(fs, JoinPath(dir, "blobs"), 3, 0);
  std::string block_dir = JoinPath(dir, "blocks");
  auto names = fs->GetChildren(block_dir);
  if (names.ok()) {
    std::sort(names->begin(), names->end());
    for (const auto& name : *names) {
      uint64_t seq;
      if (!ParseBlockFileName(name, &seq)) continue;
      ++r.blocks;
      auto b = BlockReader::Open(fs, JoinPath(block_dir, name), &no_blobs);
      if (!b.ok()) {
        r.problems.push_back("blocks/" + name + ": " + b.status().message());
        continue;
      }
      auto checked = (*b)->VerifyAllChunks();
      if (!checked.ok()) {
        r.problems.push_back("blocks/" + name + ": " + checked.status().message());
        continue;
      }
      // What narrow reads trust instead of the rows: the id, kind and end columns.
      Status narrow = (*b)->VerifyNarrowColumns();
      if (!narrow.ok()) {
        r.problems.push_back("blocks/" + name + ": " + narrow.message());
        continue;
      }
      ++r.block_formats[(*b)->format_version()];
      r.block_chunks += *checked;
      r.block_spans += (*b)->rows();
      r.block_bytes += (*b)->file_size();
      r.row_group_bytes += (*b)->row_group_bytes();
      for (int c = 0; c < kNumColumns; ++c) r.column_bytes += (*b)->column_bytes(c);
      r.id_column_bytes += (*b)->column_bytes(kColSpanId) + (*b)->column_bytes(kColParentId);
    }
  }
  auto patches = ReadPatchLog(fs, dir);
  if (!patches.ok()) {
    r.problems.push_back(std::string(kPatchLogName) + ": " + patches.status().message());
  } else {
    r.patch_records = patches->records;
    r.patch_updates = patches->updates.size();
    r.patch_torn_bytes = patches->dropped_bytes;
    if (patches->corrupt) {
      r.problems.push_back(std::string(kPatchLogName) + ": corrupt record after " +
                           std::to_string(patches->records) + " records; " +
                           std::to_string(patches->dropped_bytes) + " bytes unreadable");
    }
  }
  auto q = fs->GetChildren(JoinPath(dir, "quarantine"));
  if (q.ok()) r.quarantined = q->size();
  return r;
}

}  // namespace hoptrace
