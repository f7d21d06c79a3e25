// EmbeddedStoreImpl: the implementation behind EmbeddedStore::Open, split over
// embedded_store.cc (append, flush, recovery, retention) and derived_update.cc (UpdateDerived,
// the patches log and the per-part overlays). Internal to the embedded store.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/thread_pool.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/block.h"
#include "storage/embedded/derived_patch.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/memtable.h"
#include "storage/embedded/part_overlay.h"
#include "storage/embedded/query_engine.h"

namespace hoptrace {

using ValueMap = std::unordered_map<Hash128, std::string, Hash128Hasher>;

struct Writer {
  std::vector<EncodedSpan> spans;
  std::vector<std::shared_ptr<BlockReader>>
      checked_blocks;  // blocks already searched for duplicates
  ValueMap values;
  Status status;
  uint64_t stored = 0;
  bool done = false;
  std::condition_variable cv;
};

class EmbeddedStoreImpl final : public EmbeddedStore {
 public:
  explicit EmbeddedStoreImpl(const EmbeddedStoreOptions& o)
      : opts_(o),
        fs_(o.fs),
        wal_dir_(JoinPath(o.dir, "wal")),
        block_dir_(JoinPath(o.dir, "blocks")),
        quarantine_dir_(JoinPath(o.dir, "quarantine")),
        blobs_(o.fs, JoinPath(o.dir, "blobs"), o.compression_level, o.blob_cache_bytes) {}

  ~EmbeddedStoreImpl() override {
    {
      std::lock_guard<std::mutex> l(version_mu_);
      stop_ = true;
    }
    flush_cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    // Data still in memtables stays in the WAL and is replayed at the next Open.
  }

  Status Init();

  StatusOr<AppendResult> Append(std::vector<Span> spans) override;
  StatusOr<std::vector<Span>> GetTrace(const TraceId& id) override {
    return WithSnapshot<std::vector<Span>>([&](const PartList& p) { return QueryTrace(p, id); });
  }
  StatusOr<std::vector<TraceSummary>> SearchTraces(const SpanFilter& f, size_t limit) override {
    return WithSnapshot<std::vector<TraceSummary>>(
        [&](const PartList& p) { return QuerySearchTraces(p, f, limit); });
  }
  StatusOr<std::vector<Span>> SearchSpans(const SpanFilter& f, SpanOrder order,
                                          size_t limit) override {
    return WithSnapshot<std::vector<Span>>(
        [&](const PartList& p) { return QuerySearchSpans(p, f, order, limit); });
  }
  Status ReadTraceSpans(const TraceSpansRequest& r, const TraceSpansFn& fn) override {
    // A damaged block is quarantined and the read retried, as WithSnapshot does, but only while
    // nothing was handed out yet (a retry would hand traces out twice).
    std::atomic<bool> delivered{false};
    for (int attempt = 0;; ++attempt) {
      std::vector<std::shared_ptr<BlockReader>> blocks;
      PartList parts = Snapshot(&blocks);
      Status st = QueryTraceSpans(parts, r, fn, &delivered);
      if (st.ok() || st.code() != StatusCode::kDataLoss || attempt > 0) return st;
      bool quarantined = false;
      for (const auto& b : blocks) {
        if (b->damaged()) {
          Quarantine(b, st);
          quarantined = true;
        }
      }
      if (!quarantined || delivered.load()) return st;
    }
  }
  StatusOr<std::vector<AggregateRow>> Aggregate(const AggregateRequest& r) override {
    return WithSnapshot<std::vector<AggregateRow>>(
        [&](const PartList& p) { return QueryAggregate(p, r); });
  }
  Status UpdateDerived(std::vector<DerivedUpdate> updates) override;
  StatusOr<RetentionResult> ApplyRetention(const RetentionPolicy& policy) override;
  StoreStats GetStats() override;
  Status Flush() override;

 private:
  PartList Snapshot(std::vector<std::shared_ptr<BlockReader>>* blocks = nullptr) {
    std::lock_guard<std::mutex> l(version_mu_);
    PartList parts;
    // Parts with updated derived fields are seen through their overlay; the others as they are.
    for (const auto& b : blocks_) parts.push_back(WithOverlayLocked(b.get(), b));
    for (const auto& m : imm_) parts.push_back(WithOverlayLocked(m.get(), m->Snapshot(m)));
    parts.push_back(mem_->Snapshot(mem_));
    if (blocks) *blocks = blocks_;
    return parts;
  }
  std::shared_ptr<const Part> WithOverlayLocked(const void* key,
                                                std::shared_ptr<const Part> part) const {
    if (overlays_.empty()) return part;
    auto it = overlays_.find(key);
    if (it == overlays_.end() || !it->second.set) return part;
    return std::make_shared<PatchedPart>(std::move(part), it->second.set);
  }

  // Runs a query; if it hit a damaged block, quarantines the block and runs it once more.
  template <typename T, typename Fn>
  StatusOr<T> WithSnapshot(Fn fn) {
    for (int attempt = 0;; ++attempt) {
      std::vector<std::shared_ptr<BlockReader>> blocks;
      PartList parts = Snapshot(&blocks);
      StatusOr<T> r = fn(parts);
      if (r.ok() || r.status().code() != StatusCode::kDataLoss || attempt > 0) return r;
      bool quarantined = false;
      for (const auto& b : blocks) {
        if (b->damaged()) {
          Quarantine(b, r.status());
          quarantined = true;
        }
      }
      if (!quarantined) return r;
    }
  }

  void Quarantine(const std::shared_ptr<BlockReader>& b, const Status& why);
  Status OpenWalSegment(uint64_t seq);  // REQUIRES: write_mu_
  // Creates DIR/FORMAT in a new store; refuses a directory written in another format.
  Status CheckFormat();
  Status ReplayWal(uint64_t max_covered);
  Status FreezeLocked(std::unique_lock<std::mutex>* write_lock);  // REQUIRES: write_mu_ held
  // Duplicate checks and pending memtable inserts for a commit group. REQUIRES: the leader.
  void InsertGroup(const std::vector<Writer*>& group);
  Status FlushOne();  // flushes imm_.front(); REQUIRES: flush_mu_
  Status WriteAndInstall(const std::shared_ptr<MemTable>& imm);  // REQUIRES: flush_mu_
  void FlushLoop();
  StatusOr<RetentionResult> RetentionLocked(const RetentionPolicy& policy);  // REQUIRES: flush_mu_
  Status DeleteWalThrough(uint64_t seq);

  // Derived-field updates (derived_update.cc).
  // Opens the patches log and applies the updates it holds. REQUIRES: blocks and WAL loaded.
  Status ReplayPatches();
  // Applies durable updates to the parts holding their spans (in place in the active memtable,
  // else in the overlay of a frozen memtable or block); logs them first when `log`.
  // REQUIRES: patch_mu_.
  Status ApplyUpdates(std::vector<DerivedUpdate> updates, bool log);
  // Moves the overlay of a flushed memtable onto the block written from it.
  // REQUIRES: version_mu_.
  void MoveOverlayLocked(const MemTable* imm, const std::shared_ptr<BlockReader>& block);
  // Rebuilds the PatchSet of an overlay after its entries changed. REQUIRES: version_mu_.
  struct Overlay;
  void RebuildLocked(Overlay* o, const Part& base);
  // Rewrites the patches log with only the updates not yet folded into blocks.
  // REQUIRES: flush_mu_ (so no flush runs meanwhile), not patch_mu_.
  Status CompactPatchLog();

  const EmbeddedStoreOptions opts_;
  FileSystem* const fs_;
  const std::string wal_dir_, block_dir_, quarantine_dir_;
  std::unique_ptr<FileLock> lock_;
  BlobStore blobs_;

  // Version: what queries see.
  std::mutex version_mu_;
  std::shared_ptr<MemTable> mem_;  // guarded by version_mu_ (changed under write_mu_ too)
  std::deque<std::shared_ptr<MemTable>> imm_;         // guarded by version_mu_
  std::vector<std::shared_ptr<BlockReader>> blocks_;  // guarded by version_mu_
  std::condition_variable flush_cv_;                  // flusher: work available
  std::condition_variable flush_done_cv_;             // an imm was flushed
  bool stop_ = false;                                 // guarded by version_mu_
  bool flushing_ = false;                             // a flush (block, then WAL trim) is under way
  Status bg_error_;                                   // guarded by version_mu_
  uint64_t quarantined_ = 0;                          // guarded by version_mu_

  // Group commit.
  std::mutex write_mu_;
  std::deque<Writer*> writers_;        // guarded by write_mu_
  std::unique_ptr<WritableFile> wal_;  // owned by the leader
  uint64_t wal_seq_ = 0;
  std::unordered_set<Hash128, Hash128Hasher> wal_values_;  // large values in the current segment
  bool wal_broken_ = false;

  ThreadPool syncer_{1};  // runs the group commit fsync while the leader inserts
  std::mutex flush_mu_;   // serialises flushes and retention
  std::shared_ptr<const ChunkDictionary> dictionary_;  // guarded by flush_mu_
  int blocks_since_training_ = 0;                      // guarded by flush_mu_
  std::thread flusher_;

  // Derived-field updates. Lock order: flush_mu_, patch_mu_, write_mu_, version_mu_.
  std::mutex patch_mu_;  // serialises updates and rewrites of the patches log
  std::unique_ptr<PatchLog> patch_log_;  // guarded by patch_mu_
  using SpanKey = std::pair<TraceId, SpanId>;
  struct Overlay {
    std::map<SpanKey, RowPatch> by_span;
    std::shared_ptr<const PatchSet> set;  // what queries see; rebuilt when by_span changes
  };
  // Keyed by the BlockReader or frozen MemTable. Guarded by version_mu_.
  std::unordered_map<const void*, Overlay> overlays_;
};

}  // namespace hoptrace
