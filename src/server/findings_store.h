// The findings store: findings of every trace (issue 6), upserted by (trace id, Finding::key),
// kept in memory for listing and persisted in one append-only log in the data directory,
// replayed at open.
//
// Log format (docs/api.md "Findings log"; do not change: persisted), file `findings.log`:
//   record  := fixed32 payload_length | fixed32 Checksum32(payload) | payload
//   payload := fixed64 first_seen_unix_nano | fixed64 updated_unix_nano
//              | lp(trace_id hex) | lp(key) | lp(kind) | lp(agent) | lp(finding JSON)
// (little-endian; lp = varint length + bytes). A later record with the same (trace id, key)
// replaces an earlier one. Each record is synced before Upsert returns. At open, replay stops
// at the first truncated or corrupt record (a torn write at a crash) and the file is cut back
// to the last good record. The log is not compacted (findings change rarely: an unchanged
// finding is not rewritten).
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.h"
#include "common/file_system.h"
#include "common/status.h"
#include "server/metrics.h"

namespace hoptrace {

struct FindingRecord {
  std::string trace_id;  // hex
  std::string key;
  std::string kind;
  std::string agent;
  std::string json;  // analysis::AppendFindingJson
  uint64_t first_seen_unix_nano = 0;
  uint64_t updated_unix_nano = 0;
};

struct FindingsQuery {
  uint64_t since_unix_nano = 0;  // updated at or after
  std::string kind;              // empty: any
  std::string agent;             // empty: any
  std::string trace_id;          // hex; empty: any
  size_t limit = 100;
};

class FindingsStore {
 public:
  // Opens (creating if needed) `dir`/findings.log and replays it.
  static StatusOr<std::unique_ptr<FindingsStore>> Open(const std::string& dir,
                                                       FileSystem* fs = DefaultFileSystem());

  enum class UpsertResult { kNew, kChanged, kUnchanged };
  // Records `finding` as seen at `now`. A finding whose JSON is unchanged is not rewritten.
  StatusOr<UpsertResult> Upsert(const analysis::Finding& finding, uint64_t now_unix_nano);

  // Matching findings, most recently updated first.
  std::vector<FindingRecord> List(const FindingsQuery& query) const;

  size_t size() const;

 private:
  FindingsStore(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  static std::string Encode(const FindingRecord& r);
  // Rewrites the log with the live records only (tmp file, fsync, rename, directory fsync) when
  // superseded records outnumber live ones (and there are at least kCompactFrom records).
  Status MaybeCompactLocked();

  static constexpr uint64_t kCompactFrom = 1024;
  FileSystem* const fs_;
  const std::string dir_;
  mutable std::mutex mu_;
  std::unique_ptr<WritableFile> log_;                                   // guarded by mu_
  uint64_t records_in_log_ = 0;                                         // guarded by mu_
  std::map<std::pair<std::string, std::string>, FindingRecord> by_key_;  // guarded by mu_
};

// {"findings":[Finding + "first_seen_unix_nano","updated_unix_nano"]} from stored records.
std::string FindingRecordsJson(const std::vector<FindingRecord>& records);

// Upserts `findings` of `trace` into `store` (null: none kept) at `now_unix_nano`; each new one is
// counted in hoptrace_findings_total{kind} and, with `log_new`, written as one WARN line. Errors
// are logged, never returned: a finding that cannot be recorded must not fail what found it.
void RecordFindings(FindingsStore* store, ServerMetrics* metrics, const TraceId& trace,
                    const std::vector<analysis::Finding>& findings, uint64_t now_unix_nano,
                    bool log_new);

}  // namespace hoptrace
