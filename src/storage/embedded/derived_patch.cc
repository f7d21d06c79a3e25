#include "storage/embedded/derived_patch.h"

#include <cstring>

#include "common/log.h"
#include "model/span_codec.h"
#include "storage/embedded/wal.h"

namespace hoptrace {

Status ReplaceDerivedInBody(std::string* body, const AgentFields& derived) {
  // The derived fields end the body; their old length comes from decoding it. Large values are
  // not needed for that: references decode to empty strings here.
  LargeValueSource skip = [](const Hash128&, uint64_t, std::string* out) {
    out->clear();
    return Status::Ok();
  };
  Span old;
  HT_RETURN_IF_ERROR(DecodeSpanBody(*body, &old, &skip));
  std::string tail;
  EncodeDerivedFields(old.derived, &tail);
  if (tail.size() > body->size() ||
      body->compare(body->size() - tail.size(), tail.size(), tail) != 0) {
    return DataLossError("span body does not end with its derived fields");
  }
  body->resize(body->size() - tail.size());
  EncodeDerivedFields(derived, body);
  return Status::Ok();
}

void EncodePatchRecord(const std::vector<DerivedUpdate>& updates, std::string* out) {
  PutVarint64(out, updates.size());
  for (const auto& u : updates) {
    out->append(reinterpret_cast<const char*>(u.trace_id.data()), u.trace_id.size());
    out->append(reinterpret_cast<const char*>(u.span_id.data()), u.span_id.size());
    EncodeDerivedFields(u.derived, out);
  }
}

Status DecodePatchRecord(std::string_view payload, std::vector<DerivedUpdate>* out) {
  Decoder d(payload);
  uint64_t n;
  if (!d.GetVarint64(&n) || n > d.remaining()) return DataLossError("bad patch record header");
  for (uint64_t i = 0; i < n; ++i) {
    DerivedUpdate u;
    std::string_view t, s;
    if (!d.GetBytes(u.trace_id.size(), &t) || !d.GetBytes(u.span_id.size(), &s) ||
        !DecodeDerivedFields(&d, &u.derived)) {
      return DataLossError("bad patch record entry " + std::to_string(i));
    }
    std::memcpy(u.trace_id.data(), t.data(), t.size());
    std::memcpy(u.span_id.data(), s.data(), s.size());
    out->push_back(std::move(u));
  }
  if (d.remaining() != 0) return DataLossError("trailing bytes in patch record");
  return Status::Ok();
}

StatusOr<PatchLogReadResult> ReadPatchLog(FileSystem* fs, const std::string& dir) {
  PatchLogReadResult r;
  const std::string path = JoinPath(dir, kPatchLogName);
  if (!fs->FileExists(path)) return r;
  HT_ASSIGN_OR_RETURN(WalReadResult w,
                      ReadWalSegment(fs, path, [&](uint8_t type, std::string_view payload) {
                        if (type != kPatchRecordBatch)
                          return DataLossError("unknown patch record type " +
                                               std::to_string(type));
                        return DecodePatchRecord(payload, &r.updates);
                      }));
  r.records = w.records;
  r.valid_bytes = w.valid_bytes;
  r.dropped_bytes = w.dropped_bytes;
  r.corrupt = w.corrupt;
  return r;
}

StatusOr<std::vector<DerivedUpdate>> PatchLog::Open(const std::string& quarantine_dir) {
  const std::string path = JoinPath(dir_, kPatchLogName);
  const std::string tmp = path + ".tmp";
  if (fs_->FileExists(tmp)) HT_RETURN_IF_ERROR(fs_->RemoveFile(tmp));  // an unfinished rewrite
  auto read = ReadPatchLog(fs_, dir_);
  if (!read.ok()) return read.status().WithContext("reading " + path);
  if (read->dropped_bytes > 0) {
    if (read->corrupt) {
      std::string bytes;
      HT_RETURN_IF_ERROR(fs_->ReadFileToString(path, &bytes));
      const std::string copy = JoinPath(quarantine_dir, kPatchLogName);
      HT_ASSIGN_OR_RETURN(auto out, fs_->NewWritableFile(copy));
      HT_RETURN_IF_ERROR(out->Append(bytes));
      HT_RETURN_IF_ERROR(out->Sync());
      HT_RETURN_IF_ERROR(out->Close());
      HT_RETURN_IF_ERROR(fs_->SyncDir(quarantine_dir));
      Log(LogLevel::kError, "storage",
          std::string(kPatchLogName) + " is damaged after " + std::to_string(read->records) +
              " records: " + std::to_string(read->dropped_bytes) +
              " bytes cannot be replayed; the original is kept in " + copy);
    } else {
      Log(LogLevel::kWarning, "storage",
          std::string(kPatchLogName) + ": truncating a torn tail of " +
              std::to_string(read->dropped_bytes) + " bytes after " +
              std::to_string(read->records) + " records");
    }
    HT_RETURN_IF_ERROR(fs_->Truncate(path, read->valid_bytes));
  }
  bytes_ = read->valid_bytes;
  HT_RETURN_IF_ERROR(Reopen());
  return std::move(read->updates);
}

Status PatchLog::Reopen() {
  const std::string path = JoinPath(dir_, kPatchLogName);
  if (file_) file_->Close().IgnoreError();
  file_.reset();
  broken_ = true;
  const bool existed = fs_->FileExists(path);
  // Whatever a failed append left after the last good record is cut off first: a later good
  // record after a torn one would make the log look damaged.
  if (existed) HT_RETURN_IF_ERROR(fs_->Truncate(path, bytes_));
  HT_ASSIGN_OR_RETURN(file_, fs_->NewAppendableFile(path));
  if (!existed) HT_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  broken_ = false;
  return Status::Ok();
}

Status PatchLog::Append(const std::vector<DerivedUpdate>& updates) {
  if (broken_ || !file_) HT_RETURN_IF_ERROR(Reopen());
  std::string buf;
  size_t at = BeginWalRecord(&buf);
  EncodePatchRecord(updates, &buf);
  FinishWalRecord(&buf, at, kPatchRecordBatch);
  Status s = file_->Append(buf);
  if (s.ok()) s = file_->Sync();
  if (!s.ok()) {
    broken_ = true;
    return s.WithContext("patches log");
  }
  bytes_ += buf.size();
  return Status::Ok();
}

Status PatchLog::Rewrite(const std::vector<DerivedUpdate>& live) {
  const std::string path = JoinPath(dir_, kPatchLogName);
  const std::string tmp = path + ".tmp";
  std::string buf;
  // Records of at most 4096 updates, so no record comes near the WAL record size limit.
  for (size_t i = 0; i < live.size(); i += 4096) {
    std::vector<DerivedUpdate> part(live.begin() + static_cast<ptrdiff_t>(i),
                                    live.begin() + static_cast<ptrdiff_t>(
                                                       std::min(live.size(), i + 4096)));
    size_t at = BeginWalRecord(&buf);
    EncodePatchRecord(part, &buf);
    FinishWalRecord(&buf, at, kPatchRecordBatch);
  }
  {
    HT_ASSIGN_OR_RETURN(auto f, fs_->NewWritableFile(tmp));
    HT_RETURN_IF_ERROR(f->Append(buf));
    HT_RETURN_IF_ERROR(f->Sync());
    HT_RETURN_IF_ERROR(f->Close());
  }
  if (file_) file_->Close().IgnoreError();
  file_.reset();
  broken_ = true;  // reopened on the next append (or below)
  HT_RETURN_IF_ERROR(fs_->RenameFile(tmp, path));
  bytes_ = buf.size();  // the file at `path` is the new one now (the old one after a crash
                        // until the directory is synced: a superset, just as good)
  HT_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return Reopen();
}

}  // namespace hoptrace
