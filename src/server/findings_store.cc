#include "server/findings_store.h"

#include <algorithm>

#include "common/coding.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/log.h"

namespace hoptrace {
namespace {

constexpr char kLogName[] = "findings.log";
constexpr uint32_t kMaxRecordBytes = 16 << 20;

}  // namespace

std::string FindingsStore::Encode(const FindingRecord& r) {
  std::string payload;
  PutFixed64(&payload, r.first_seen_unix_nano);
  PutFixed64(&payload, r.updated_unix_nano);
  PutLengthPrefixed(&payload, r.trace_id);
  PutLengthPrefixed(&payload, r.key);
  PutLengthPrefixed(&payload, r.kind);
  PutLengthPrefixed(&payload, r.agent);
  PutLengthPrefixed(&payload, r.json);
  std::string record;
  PutFixed32(&record, static_cast<uint32_t>(payload.size()));
  PutFixed32(&record, Checksum32(payload));
  record += payload;
  return record;
}

StatusOr<std::unique_ptr<FindingsStore>> FindingsStore::Open(const std::string& dir,
                                                             FileSystem* fs) {
  HT_RETURN_IF_ERROR(fs->CreateDirs(dir));
  const std::string path = JoinPath(dir, kLogName);
  std::map<std::pair<std::string, std::string>, FindingRecord> by_key;
  uint64_t records_read = 0;
  if (fs->FileExists(path)) {
    std::string data;
    HT_RETURN_IF_ERROR(fs->ReadFileToString(path, &data));
    size_t good = 0;
    uint64_t records = 0;
    Decoder in(data);
    while (in.remaining() > 0) {
      uint32_t length = 0, checksum = 0;
      std::string_view payload;
      if (!in.GetFixed32(&length) || !in.GetFixed32(&checksum) || length > kMaxRecordBytes ||
          !in.GetBytes(length, &payload) || Checksum32(payload) != checksum)
        break;
      Decoder p(payload);
      FindingRecord r;
      std::string_view trace, key, kind, agent, json;
      if (!p.GetFixed64(&r.first_seen_unix_nano) || !p.GetFixed64(&r.updated_unix_nano) ||
          !p.GetLengthPrefixed(&trace) || !p.GetLengthPrefixed(&key) ||
          !p.GetLengthPrefixed(&kind) || !p.GetLengthPrefixed(&agent) ||
          !p.GetLengthPrefixed(&json))
        break;
      r.trace_id = trace;
      r.key = key;
      r.kind = kind;
      r.agent = agent;
      r.json = json;
      by_key[{r.trace_id, r.key}] = std::move(r);
      good = data.size() - in.remaining();
      ++records;
    }
    records_read = records;
    // A torn tail from a crash: cut it so new records follow the last good one.
    if (good < data.size()) HT_RETURN_IF_ERROR(fs->Truncate(path, good));
  }
  HT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> log, fs->NewAppendableFile(path));
  HT_RETURN_IF_ERROR(fs->SyncDir(dir));
  std::unique_ptr<FindingsStore> store(new FindingsStore(fs, dir));
  store->log_ = std::move(log);
  store->by_key_ = std::move(by_key);
  store->records_in_log_ = records_read;
  std::lock_guard lock(store->mu_);
  HT_RETURN_IF_ERROR(store->MaybeCompactLocked());
  return store;
}

Status FindingsStore::MaybeCompactLocked() {
  if (records_in_log_ < kCompactFrom || records_in_log_ < 2 * by_key_.size()) return Status::Ok();
  const std::string path = JoinPath(dir_, kLogName);
  const std::string tmp = path + ".tmp";
  {
    HT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs_->NewWritableFile(tmp));
    std::string buf;
    for (const auto& [key, r] : by_key_) buf += Encode(r);
    HT_RETURN_IF_ERROR(out->Append(buf));
    HT_RETURN_IF_ERROR(out->Sync());
    HT_RETURN_IF_ERROR(out->Close());
  }
  HT_RETURN_IF_ERROR(fs_->RenameFile(tmp, path));
  HT_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  HT_ASSIGN_OR_RETURN(log_, fs_->NewAppendableFile(path));
  records_in_log_ = by_key_.size();
  return Status::Ok();
}

StatusOr<FindingsStore::UpsertResult> FindingsStore::Upsert(const analysis::Finding& finding,
                                                             uint64_t now_unix_nano) {
  FindingRecord r;
  r.trace_id = ToHex(finding.trace_id);
  r.key = finding.key;
  r.kind = std::string(analysis::FindingKindName(finding.kind));
  r.agent = finding.agent;
  analysis::AppendFindingJson(&r.json, finding);
  r.first_seen_unix_nano = now_unix_nano;
  r.updated_unix_nano = now_unix_nano;
  std::lock_guard lock(mu_);
  auto it = by_key_.find({r.trace_id, r.key});
  UpsertResult result = UpsertResult::kNew;
  if (it != by_key_.end()) {
    if (it->second.json == r.json) return UpsertResult::kUnchanged;
    r.first_seen_unix_nano = it->second.first_seen_unix_nano;
    result = UpsertResult::kChanged;
  }
  HT_RETURN_IF_ERROR(log_->Append(Encode(r)));
  HT_RETURN_IF_ERROR(log_->Sync());
  by_key_[{r.trace_id, r.key}] = std::move(r);
  ++records_in_log_;
  // The record is durable; a failed compaction leaves the longer log, which replays the same.
  Status compacted = MaybeCompactLocked();
  (void)compacted;
  return result;
}

std::vector<FindingRecord> FindingsStore::List(const FindingsQuery& q) const {
  std::vector<FindingRecord> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, r] : by_key_) {
      if (r.updated_unix_nano < q.since_unix_nano) continue;
      if (!q.kind.empty() && r.kind != q.kind) continue;
      if (!q.agent.empty() && r.agent != q.agent) continue;
      if (!q.trace_id.empty() && r.trace_id != q.trace_id) continue;
      out.push_back(r);
    }
  }
  std::sort(out.begin(), out.end(), [](const FindingRecord& a, const FindingRecord& b) {
    if (a.updated_unix_nano != b.updated_unix_nano)
      return a.updated_unix_nano > b.updated_unix_nano;
    return std::tie(a.trace_id, a.key) < std::tie(b.trace_id, b.key);
  });
  if (out.size() > q.limit) out.resize(q.limit);
  return out;
}

size_t FindingsStore::size() const {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

std::string FindingRecordsJson(const std::vector<FindingRecord>& records) {
  std::string out = "{\"findings\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    const FindingRecord& r = records[i];
    if (i) out += ",";
    std::string_view json = r.json;
    if (!json.empty() && json.back() == '}') json.remove_suffix(1);
    out += json;
    out += ",\"first_seen_unix_nano\":\"" + std::to_string(r.first_seen_unix_nano) +
           "\",\"updated_unix_nano\":\"" + std::to_string(r.updated_unix_nano) + "\"}";
  }
  out += "]}";
  return out;
}

void RecordFindings(FindingsStore* store, ServerMetrics* metrics, const TraceId& trace,
                    const std::vector<analysis::Finding>& findings, uint64_t now_unix_nano,
                    bool log_new) {
  if (store == nullptr) return;
  for (const analysis::Finding& f : findings) {
    auto r = store->Upsert(f, now_unix_nano);
    if (!r.ok()) {
      Log(LogLevel::kError, "findings", "recording a finding: " + r.status().message());
      continue;
    }
    if (*r != FindingsStore::UpsertResult::kNew) continue;
    const std::string kind(analysis::FindingKindName(f.kind));
    if (metrics != nullptr) metrics->CountFinding(kind);
    if (log_new)
      Log(LogLevel::kWarning, "findings", kind + " in trace " + ToHex(trace) + ": " + f.summary);
  }
}

}  // namespace hoptrace
