// EmbeddedStoreImpl: UpdateDerived, the patches log and the per-part overlays.
//
// Where an update goes:
//  - span in the active memtable: rewritten in place (columns and body), so the block written
//    from the memtable holds the new values;
//  - span in a frozen memtable (a flush may be reading it) or in a block: into the part's
//    overlay, a PatchSet that queries see through a PatchedPart. When a frozen memtable becomes a
//    block, its overlay moves onto the block.
// Durability: every update is appended to DIR/patches.log (fsync) before it is applied; at open
// the log is replayed after the blocks and the WAL. After a flush folded updates into a block,
// the log is rewritten with only the updates still needed (overlays and unflushed memtables).
#include <algorithm>
#include <map>

#include "common/log.h"
#include "storage/embedded/embedded_store_impl.h"

namespace hoptrace {
namespace {

constexpr char kComponent[] = "storage";
constexpr int kMaxApplyRounds = 4;

// Keeps the last update of each span, in the order of those last updates.
std::vector<DerivedUpdate> LastPerSpan(std::vector<DerivedUpdate> updates) {
  std::map<std::pair<TraceId, SpanId>, size_t> last;
  for (size_t i = 0; i < updates.size(); ++i) last[{updates[i].trace_id, updates[i].span_id}] = i;
  if (last.size() == updates.size()) return updates;
  std::vector<DerivedUpdate> out;
  out.reserve(last.size());
  for (size_t i = 0; i < updates.size(); ++i) {
    if (last[{updates[i].trace_id, updates[i].span_id}] == i) out.push_back(std::move(updates[i]));
  }
  return out;
}

// Where a span is stored.
struct Location {
  std::shared_ptr<MemTable> mem;       // active or frozen memtable
  std::shared_ptr<BlockReader> block;  // or block
  uint64_t row = 0;
};

// Finds spans in a version of the store: memtables by their span index, blocks through the trace
// index (one lookup per trace, shared by the trace's updates).
class Locator {
 public:
  Locator(std::shared_ptr<MemTable> mem, std::deque<std::shared_ptr<MemTable>> imms,
          std::vector<std::shared_ptr<BlockReader>> blocks)
      : mem_(std::move(mem)), imms_(std::move(imms)), blocks_(std::move(blocks)) {}

  // False when the span is not stored (or its block is damaged: then it is skipped).
  bool Find(const TraceId& t, const SpanId& s, Location* loc) {
    if (mem_->FindVisibleRow(t, s, &loc->row)) {
      loc->mem = mem_;
      return true;
    }
    for (const auto& m : imms_) {
      if (m->FindVisibleRow(t, s, &loc->row)) {
        loc->mem = m;
        return true;
      }
    }
    auto it = in_blocks_.find(t);
    if (it == in_blocks_.end()) {
      std::vector<Entry> entries;
      std::vector<uint64_t> rows;
      std::vector<SpanId> ids;
      for (const auto& b : blocks_) {
        rows.clear();
        ids.clear();
        if (!b->FindTrace(t, &rows).ok() || rows.empty()) continue;
        if (!b->SpanIds(rows, &ids).ok()) continue;  // damaged: the next query quarantines it
        for (size_t k = 0; k < rows.size() && k < ids.size(); ++k)
          entries.push_back({ids[k], b, rows[k]});
      }
      it = in_blocks_.emplace(t, std::move(entries)).first;
    }
    for (const Entry& e : it->second) {
      if (e.span == s) {
        loc->block = e.block;
        loc->row = e.row;
        return true;
      }
    }
    return false;
  }

 private:
  struct Entry {
    SpanId span;
    std::shared_ptr<BlockReader> block;
    uint64_t row;
  };
  std::shared_ptr<MemTable> mem_;
  std::deque<std::shared_ptr<MemTable>> imms_;
  std::vector<std::shared_ptr<BlockReader>> blocks_;
  std::map<TraceId, std::vector<Entry>> in_blocks_;
};

}  // namespace

Status EmbeddedStoreImpl::UpdateDerived(std::vector<DerivedUpdate> updates) {
  if (updates.empty()) return Status::Ok();
  std::lock_guard<std::mutex> pl(patch_mu_);
  return ApplyUpdates(LastPerSpan(std::move(updates)), /*log=*/true);
}

Status EmbeddedStoreImpl::ReplayPatches() {
  std::lock_guard<std::mutex> pl(patch_mu_);
  patch_log_ = std::make_unique<PatchLog>(fs_, opts_.dir);
  HT_ASSIGN_OR_RETURN(std::vector<DerivedUpdate> updates, patch_log_->Open(quarantine_dir_));
  if (updates.empty()) return Status::Ok();
  const size_t n = updates.size();
  HT_RETURN_IF_ERROR(ApplyUpdates(LastPerSpan(std::move(updates)), /*log=*/false));
  Log(LogLevel::kInfo, kComponent,
      "replayed " + std::to_string(n) + " derived-field updates from " + kPatchLogName);
  return Status::Ok();
}

Status EmbeddedStoreImpl::ApplyUpdates(std::vector<DerivedUpdate> updates, bool log) {
  for (int round = 0; round < kMaxApplyRounds && !updates.empty(); ++round) {
    // Find the spans (reads blocks: without holding the version lock).
    std::shared_ptr<MemTable> mem;
    std::deque<std::shared_ptr<MemTable>> imms;
    std::vector<std::shared_ptr<BlockReader>> blocks;
    {
      std::lock_guard<std::mutex> l(version_mu_);
      mem = mem_;
      imms = imm_;
      blocks = blocks_;
    }
    Locator locator(mem, imms, blocks);
    std::vector<DerivedUpdate> found;
    std::vector<Location> where;
    for (auto& u : updates) {
      Location loc;
      if (!locator.Find(u.trace_id, u.span_id, &loc)) continue;  // not stored: ignored
      found.push_back(std::move(u));
      where.push_back(std::move(loc));
    }
    updates.clear();
    if (found.empty()) return Status::Ok();
    // Durable first. Only spans found are logged, so a replay never applies an update to a span
    // appended after it.
    if (log && round == 0) HT_RETURN_IF_ERROR(patch_log_->Append(found));

    // Apply where the spans still are; a span that moved meanwhile (its memtable was frozen or
    // flushed) is looked up again in the next round.
    // mem_ changes only under write_mu_ (and version_mu_): holding write_mu_, the active memtable
    // cannot be frozen while its rows are rewritten. version_mu_ is not held for that, so queries
    // can take snapshots meanwhile (the rewrite waits for scans of the memtable to end).
    std::lock_guard<std::mutex> wl(write_mu_);
    Status status;
    std::vector<size_t> others;
    for (size_t i = 0; i < found.size(); ++i) {
      if (where[i].mem && where[i].mem == mem_) {
        Status s = mem_->UpdateDerived(where[i].row, found[i].derived);
        if (!s.ok() && status.ok()) status = s;
      } else {
        others.push_back(i);
      }
    }
    std::lock_guard<std::mutex> vl(version_mu_);
    std::vector<std::pair<Overlay*, std::shared_ptr<const Part>>> touched;
    auto overlay_of = [&](const void* key, std::shared_ptr<const Part> base) -> Overlay* {
      Overlay* o = &overlays_[key];
      for (const auto& t : touched)
        if (t.first == o) return o;
      touched.push_back({o, std::move(base)});
      return o;
    };
    for (size_t i : others) {
      const DerivedUpdate& u = found[i];
      const Location& loc = where[i];
      const RowPatch patch{loc.row, u.trace_id, u.derived};
      if (loc.mem && std::find(imm_.begin(), imm_.end(), loc.mem) != imm_.end()) {
        overlay_of(loc.mem.get(), loc.mem->Snapshot(loc.mem))
            ->by_span[{u.trace_id, u.span_id}] = patch;
      } else if (loc.block &&
                 std::find(blocks_.begin(), blocks_.end(), loc.block) != blocks_.end()) {
        overlay_of(loc.block.get(), loc.block)->by_span[{u.trace_id, u.span_id}] = patch;
      } else {
        updates.push_back(u);  // moved (or dropped by retention: then not found again)
      }
    }
    for (auto& [o, base] : touched) RebuildLocked(o, *base);
    HT_RETURN_IF_ERROR(status);
  }
  if (!updates.empty()) {
    Log(LogLevel::kWarning, kComponent,
        std::to_string(updates.size()) + " derived-field updates kept moving; applied at next open");
  }
  return Status::Ok();
}

void EmbeddedStoreImpl::RebuildLocked(Overlay* o, const Part& base) {
  std::vector<RowPatch> patches;
  patches.reserve(o->by_span.size());
  for (const auto& [key, p] : o->by_span) patches.push_back(p);
  o->set = std::make_shared<const PatchSet>(base, std::move(patches));
}

void EmbeddedStoreImpl::MoveOverlayLocked(const MemTable* imm,
                                          const std::shared_ptr<BlockReader>& block) {
  auto it = overlays_.find(imm);
  if (it == overlays_.end()) return;
  Overlay from = std::move(it->second);
  overlays_.erase(it);
  // The block holds the memtable's rows in another order: find them again (rare: only updates
  // that arrived while the memtable waited for its flush).
  Overlay& to = overlays_[block.get()];
  std::map<TraceId, std::pair<std::vector<uint64_t>, std::vector<SpanId>>> traces;
  for (auto& [key, patch] : from.by_span) {
    auto t = traces.find(key.first);
    if (t == traces.end()) {
      t = traces.emplace(key.first, std::pair<std::vector<uint64_t>, std::vector<SpanId>>{}).first;
      if (block->FindTrace(key.first, &t->second.first).ok())
        block->SpanIds(t->second.first, &t->second.second).IgnoreError();
    }
    const auto& [rows, ids] = t->second;
    for (size_t k = 0; k < rows.size() && k < ids.size(); ++k) {
      if (ids[k] != key.second) continue;
      patch.row = rows[k];
      to.by_span[key] = patch;
      break;
    }
  }
  if (to.by_span.empty()) {
    overlays_.erase(block.get());
    return;
  }
  RebuildLocked(&to, *block);
}

Status EmbeddedStoreImpl::CompactPatchLog() {
  std::lock_guard<std::mutex> pl(patch_mu_);
  std::vector<DerivedUpdate> live;
  {
    // In-place updates happen under patch_mu_ (held), so mem_ and imm_ are enough to lock.
    std::lock_guard<std::mutex> vl(version_mu_);
    // In-place updates first: an overlay of the same memtable is always newer.
    for (const auto& m : imm_) {
      auto u = m->InPlaceUpdates();
      live.insert(live.end(), u.begin(), u.end());
    }
    auto u = mem_->InPlaceUpdates();
    live.insert(live.end(), u.begin(), u.end());
    for (const auto& [part, o] : overlays_) {
      for (const auto& [key, patch] : o.by_span)
        live.push_back({key.first, key.second, patch.derived});
    }
  }
  return patch_log_->Rewrite(live);
}

}  // namespace hoptrace
