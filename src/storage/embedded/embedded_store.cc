#include "storage/embedded/embedded_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "common/coding.h"
#include "common/log.h"
#include "common/thread_pool.h"
#include "model/span_codec.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/block.h"
#include "storage/embedded/memtable.h"
#include "storage/embedded/query_engine.h"
#include "storage/embedded/wal.h"
#include "storage/embedded/embedded_store_impl.h"

namespace hoptrace {
namespace {

constexpr char kComponent[] = "storage";
constexpr int kRetrainEveryBlocks = 16;
// The store's on-disk format (docs/storage-format.md). Do not change: persisted.
constexpr char kFormatLine[] = "hoptrace-store 1\n";

uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// WAL batch payload: [varint n values]([16B hash][length-prefixed value])* [varint n spans]
// (length-prefixed EncodeSpan bytes)*.
void EncodeBatchPayload(const std::vector<EncodedSpan>& spans,
                        const std::vector<const std::pair<const Hash128, std::string>*>& values,
                        std::string* out) {
  PutVarint64(out, values.size());
  for (const auto* v : values) {
    PutFixed64(out, v->first.lo);
    PutFixed64(out, v->first.hi);
    PutLengthPrefixed(out, v->second);
  }
  PutVarint64(out, spans.size());
  for (const auto& s : spans) {
    size_t framed = 0;
    for (const std::string* part : {&s.body, &s.resource, &s.scope})
      framed += VarintLength(part->size()) + part->size();
    PutVarint64(out, framed);
    PutLengthPrefixed(out, s.body);
    PutLengthPrefixed(out, s.resource);
    PutLengthPrefixed(out, s.scope);
  }
}

// Removes spans already held by `imms` or `blocks` (a re-sent span). Returns how many.
StatusOr<uint64_t> DropKnown(std::vector<EncodedSpan>* spans,
                             const std::deque<std::shared_ptr<MemTable>>& imms,
                             const std::vector<std::shared_ptr<BlockReader>>& blocks) {
  if (imms.empty() && blocks.empty()) return uint64_t{0};
  std::map<TraceId, std::vector<SpanId>> in_blocks;
  std::vector<uint64_t> rows;
  size_t out = 0;
  for (size_t i = 0; i < spans->size(); ++i) {
    EncodedSpan& e = (*spans)[i];
    bool known = false;
    for (const auto& m : imms) known = known || m->Contains(e.trace_id, e.span_id);
    if (!known && !blocks.empty()) {
      auto it = in_blocks.find(e.trace_id);
      if (it == in_blocks.end()) {
        std::vector<SpanId> ids;
        for (const auto& b : blocks) {
          rows.clear();
          HT_RETURN_IF_ERROR(b->FindTrace(e.trace_id, &rows));
          if (!rows.empty()) HT_RETURN_IF_ERROR(b->SpanIds(rows, &ids));
        }
        it = in_blocks.emplace(e.trace_id, std::move(ids)).first;
      }
      known = std::find(it->second.begin(), it->second.end(), e.span_id) != it->second.end();
    }
    if (known) continue;
    if (out != i) (*spans)[out] = std::move(e);
    ++out;
  }
  uint64_t dropped = spans->size() - out;
  spans->resize(out);
  return dropped;
}

}  // namespace

Status EmbeddedStoreImpl::Init() {
  for (const auto& d : {opts_.dir, wal_dir_, block_dir_, quarantine_dir_})
    HT_RETURN_IF_ERROR(fs_->CreateDirs(d));
  HT_ASSIGN_OR_RETURN(lock_, fs_->LockFile(JoinPath(opts_.dir, "LOCK")));
  HT_RETURN_IF_ERROR(CheckFormat());
  HT_RETURN_IF_ERROR(blobs_.Open());

  HT_ASSIGN_OR_RETURN(auto names, fs_->GetChildren(block_dir_));
  std::sort(names.begin(), names.end());
  uint64_t max_covered = 0;
  for (const auto& name : names) {
    std::string path = JoinPath(block_dir_, name);
    uint64_t seq;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      HT_RETURN_IF_ERROR(
          fs_->RemoveFile(path));  // an unfinished flush; its data is still in the WAL
      continue;
    }
    if (!ParseBlockFileName(name, &seq)) continue;
    auto b = BlockReader::Open(fs_, path, &blobs_);
    if (!b.ok()) {
      Log(LogLevel::kError, kComponent, "quarantining block " + name + ": " + b.status().message());
      HT_RETURN_IF_ERROR(fs_->RenameFile(path, JoinPath(quarantine_dir_, name)));
      HT_RETURN_IF_ERROR(fs_->SyncDir(block_dir_));
      ++quarantined_;
      continue;
    }
    max_covered = std::max(max_covered, (*b)->wal_last_seq());
    blocks_.push_back(*b);
  }
  HT_RETURN_IF_ERROR(ReplayWal(max_covered));
  HT_RETURN_IF_ERROR(ReplayPatches());
  if (opts_.background_flush) flusher_ = std::thread([this] { FlushLoop(); });
  return Status::Ok();
}

Status EmbeddedStoreImpl::CheckFormat() {
  const std::string path = JoinPath(opts_.dir, "FORMAT");
  if (fs_->FileExists(path)) {
    std::string text;
    HT_RETURN_IF_ERROR(fs_->ReadFileToString(path, &text));
    if (text != kFormatLine) {
      return FailedPreconditionError("data directory " + opts_.dir + " holds store format '" +
                                     text.substr(0, text.find('\n')) + "', this build reads '" +
                                     std::string(kFormatLine, sizeof(kFormatLine) - 2) + "'");
    }
    return Status::Ok();
  }
  for (const auto& d : {wal_dir_, block_dir_}) {
    HT_ASSIGN_OR_RETURN(auto names, fs_->GetChildren(d));
    if (!names.empty()) {
      return FailedPreconditionError("data directory " + opts_.dir +
                                     " has data but no FORMAT file; not a store of this build");
    }
  }
  HT_ASSIGN_OR_RETURN(auto f, fs_->NewWritableFile(path + ".tmp"));
  HT_RETURN_IF_ERROR(f->Append(kFormatLine));
  HT_RETURN_IF_ERROR(f->Sync());
  HT_RETURN_IF_ERROR(f->Close());
  HT_RETURN_IF_ERROR(fs_->RenameFile(path + ".tmp", path));
  return fs_->SyncDir(opts_.dir);
}

Status EmbeddedStoreImpl::ReplayWal(uint64_t max_covered) {
  HT_ASSIGN_OR_RETURN(auto names, fs_->GetChildren(wal_dir_));
  std::vector<uint64_t> segs;
  for (const auto& n : names) {
    uint64_t seq;
    if (ParseWalSegmentName(n, &seq)) segs.push_back(seq);
  }
  std::sort(segs.begin(), segs.end());
  uint64_t max_seq = max_covered;
  std::vector<uint64_t> replay;
  for (uint64_t seq : segs) {
    max_seq = std::max(max_seq, seq);
    if (seq <= max_covered) {
      HT_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(wal_dir_, WalSegmentName(seq))));
    } else {
      replay.push_back(seq);
    }
  }
  mem_ = std::make_shared<MemTable>(replay.empty() ? max_seq + 1 : replay.front(), &blobs_);
  LargeValueSink sink;
  sink.threshold = opts_.large_value_threshold;
  uint64_t spans = 0;
  for (size_t i = 0; i < replay.size(); ++i) {
    uint64_t seq = replay[i];
    std::string path = JoinPath(wal_dir_, WalSegmentName(seq));
    auto result = ReadWalSegment(fs_, path, [&](uint8_t type, std::string_view payload) -> Status {
      if (type != kWalRecordBatch) return Status::Ok();
      Decoder d(payload);
      uint64_t nvalues, nspans;
      ValueMap values;
      if (!d.GetVarint64(&nvalues)) return DataLossError("bad WAL batch");
      for (uint64_t k = 0; k < nvalues; ++k) {
        Hash128 h;
        std::string_view v;
        if (!d.GetFixed64(&h.lo) || !d.GetFixed64(&h.hi) || !d.GetLengthPrefixed(&v))
          return DataLossError("bad WAL batch");
        values.emplace(h, std::string(v));
      }
      if (!d.GetVarint64(&nspans) || nspans > d.remaining()) return DataLossError("bad WAL batch");
      LargeValueSource source = [&](const Hash128& h, uint64_t size, std::string* out) -> Status {
        auto it = values.find(h);
        if (it != values.end()) {
          *out = it->second;
          return Status::Ok();
        }
        return mem_->GetLargeValue(h, size, out);
      };
      std::vector<EncodedSpan> encoded;
      std::vector<Span> decoded(nspans);  // outlive `encoded`, which points into them
      ValueMap batch_values;
      sink.store = [&](const Hash128& h, std::string_view v) {
        batch_values.emplace(h, std::string(v));
      };
      for (uint64_t k = 0; k < nspans; ++k) {
        std::string_view framed;
        if (!d.GetLengthPrefixed(&framed)) return DataLossError("bad WAL batch");
        HT_RETURN_IF_ERROR(DecodeSpan(framed, &decoded[k], &source));
        encoded.push_back(EncodeForStore(decoded[k], sink));
      }
      HT_ASSIGN_OR_RETURN(uint64_t known, DropKnown(&encoded, imm_, blocks_));
      (void)known;
      spans += mem_->Insert(&encoded, &batch_values);
      return Status::Ok();
    });
    if (!result.ok()) return result.status().WithContext("replaying " + path);
    if (result->dropped_bytes > 0 && result->corrupt) {
      // Damage in the middle of a segment: keep the original for forensics, then go on with
      // the valid prefix (the records after the damage cannot be replayed).
      std::string copy = JoinPath(quarantine_dir_, WalSegmentName(seq));
      std::string bytes;
      HT_RETURN_IF_ERROR(fs_->ReadFileToString(path, &bytes));
      HT_ASSIGN_OR_RETURN(auto out, fs_->NewWritableFile(copy));
      HT_RETURN_IF_ERROR(out->Append(bytes));
      HT_RETURN_IF_ERROR(out->Sync());
      HT_RETURN_IF_ERROR(fs_->SyncDir(quarantine_dir_));
      Log(LogLevel::kError, kComponent,
          "WAL " + WalSegmentName(seq) + " is damaged after " + std::to_string(result->records) +
              " records: " + std::to_string(result->dropped_bytes) +
              " bytes (with later complete records) cannot be replayed; " +
              "the original is kept in " + copy);
      HT_RETURN_IF_ERROR(fs_->Truncate(path, result->valid_bytes));
    } else if (result->dropped_bytes > 0) {
      Log(LogLevel::kWarning, kComponent,
          "WAL " + WalSegmentName(seq) + ": truncating a torn tail of " +
              std::to_string(result->dropped_bytes) + " bytes after " +
              std::to_string(result->records) + " records");
      HT_RETURN_IF_ERROR(fs_->Truncate(path, result->valid_bytes));
    }
    // Freeze only at segment boundaries, so a block never covers part of a segment.
    if (mem_->bytes() >= opts_.memtable_bytes && i + 1 < replay.size()) {
      mem_->set_wal_last_seq(seq);
      imm_.push_back(mem_);
      mem_ = std::make_shared<MemTable>(replay[i + 1], &blobs_);
    }
  }
  if (!replay.empty() && spans == 0 && imm_.empty()) {
    // Nothing to recover (empty or fully torn segments): start clean.
    for (uint64_t seq : replay)
      HT_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(wal_dir_, WalSegmentName(seq))));
    HT_RETURN_IF_ERROR(fs_->SyncDir(wal_dir_));
    mem_ = std::make_shared<MemTable>(max_seq + 1, &blobs_);
  } else if (!replay.empty()) {
    Log(LogLevel::kInfo, kComponent,
        "recovered " + std::to_string(spans) + " spans from " + std::to_string(replay.size()) +
            " WAL segments");
  }
  std::lock_guard<std::mutex> wl(write_mu_);
  return OpenWalSegment(max_seq + 1);
}

Status EmbeddedStoreImpl::OpenWalSegment(uint64_t seq) {
  if (wal_) wal_->Close().IgnoreError();
  wal_.reset();
  wal_values_.clear();
  HT_ASSIGN_OR_RETURN(wal_, fs_->NewWritableFile(JoinPath(wal_dir_, WalSegmentName(seq))));
  Status s = fs_->SyncDir(wal_dir_);
  if (!s.ok()) {
    wal_.reset();
    return s;
  }
  wal_seq_ = seq;
  mem_->set_wal_last_seq(seq);
  wal_broken_ = false;
  return Status::Ok();
}

StatusOr<AppendResult> EmbeddedStoreImpl::Append(std::vector<Span> spans) {
  AppendResult result;
  if (spans.empty()) return result;
  // Duplicates inside the batch and against blocks (memtables are checked at insert time).
  std::vector<std::shared_ptr<BlockReader>> blocks;
  {
    std::lock_guard<std::mutex> l(version_mu_);
    blocks = blocks_;
  }
  PartList block_parts(blocks.begin(), blocks.end());
  std::vector<Span> unique;
  unique.reserve(spans.size());
  {
    struct Key {
      TraceId trace;
      SpanId span;
      bool operator==(const Key&) const = default;
    };
    struct KeyHash {
      size_t operator()(const Key& k) const {
        uint64_t s;
        std::memcpy(&s, k.span.data(), 8);
        return TraceIdHasher()(k.trace) ^ (s * 0x9e3779b97f4a7c15ULL);
      }
    };
    std::unordered_set<Key, KeyHash> seen;
    seen.reserve(spans.size() * 2);
    std::map<TraceId, std::vector<SpanId>> in_blocks;
    for (auto& s : spans) {
      if (!seen.insert(Key{s.trace_id, s.span_id}).second) {
        ++result.duplicates;
        continue;
      }
      if (!block_parts.empty()) {
        auto it = in_blocks.find(s.trace_id);
        if (it == in_blocks.end()) {
          std::vector<SpanId> ids;
          std::vector<uint64_t> rows;
          for (const auto& b : blocks) {
            rows.clear();
            HT_RETURN_IF_ERROR(b->FindTrace(s.trace_id, &rows));
            if (rows.empty()) continue;
            Status st = b->SpanIds(rows, &ids);
            if (!st.ok() && b->damaged()) {
              Quarantine(b, st);  // a damaged block must not block appends forever
              continue;
            }
            HT_RETURN_IF_ERROR(st);
          }
          it = in_blocks.emplace(s.trace_id, std::move(ids)).first;
        }
        if (std::find(it->second.begin(), it->second.end(), s.span_id) != it->second.end()) {
          ++result.duplicates;
          continue;
        }
      }
      unique.push_back(std::move(s));
    }
  }
  Writer w;
  w.checked_blocks = std::move(blocks);
  LargeValueSink sink;
  sink.threshold = opts_.large_value_threshold;
  sink.store = [&](const Hash128& h, std::string_view v) {
    if (!w.values.count(h)) w.values.emplace(h, std::string(v));
  };
  w.spans.reserve(unique.size());
  EncodeCache cache;
  for (const auto& s : unique) w.spans.push_back(EncodeForStore(s, sink, &cache));
  const uint64_t offered = w.spans.size();

  std::unique_lock<std::mutex> lock(write_mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(lock);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    result.stored = w.stored;
    result.duplicates += offered - w.stored;
    return result;
  }

  // This thread leads a group commit for the writers queued now.
  std::vector<Writer*> group;
  size_t group_bytes = 0;
  for (Writer* x : writers_) {
    size_t b = 0;
    for (const auto& s : x->spans) b += s.body.size() + s.resource.size() + s.scope.size();
    if (!group.empty() && group_bytes + b > (64u << 20)) break;
    group.push_back(x);
    group_bytes += b;
  }
  Status s;
  if (wal_broken_ || !wal_) s = OpenWalSegment(wal_seq_ + 1);
  std::string buf;
  std::vector<Hash128> new_values;
  if (s.ok()) {
    buf.reserve(group_bytes + group_bytes / 8 + 1024);
    std::unordered_set<Hash128, Hash128Hasher> in_group;
    for (Writer* x : group) {
      std::vector<const std::pair<const Hash128, std::string>*> values;
      for (const auto& kv : x->values) {
        if (wal_values_.count(kv.first) || in_group.count(kv.first)) continue;
        in_group.insert(kv.first);
        new_values.push_back(kv.first);
        values.push_back(&kv);
      }
      size_t at = BeginWalRecord(&buf);
      EncodeBatchPayload(x->spans, values, &buf);
      FinishWalRecord(&buf, at, kWalRecordBatch);
    }
    WritableFile* wal = wal_.get();
    lock.unlock();
    s = wal->Append(buf);
    if (s.ok()) {
      // The fsync runs on the syncer thread while this thread does the memtable work. The rows
      // stay invisible until the sync succeeds, and are rolled back if it fails. Unlocked: this
      // thread is the leader, the only one that touches mem_ and the WAL until it finishes.
      Status sync_status;
      std::future<void> synced = syncer_.Submit([&] { sync_status = wal->Sync(); });
      const MemTable::InsertMark mark = mem_->Mark();
      InsertGroup(group);
      synced.get();
      s = sync_status;
      if (s.ok()) {
        mem_->Publish();
      } else {
        mem_->Rollback(mark);
      }
    }
    lock.lock();
  }
  if (s.ok()) {
    for (const auto& h : new_values) wal_values_.insert(h);
  } else {
    // The segment's state after a failed write or fsync is unknown: never append to it again.
    wal_broken_ = true;
    Log(LogLevel::kError, kComponent, "append failed: " + s.message());
    s = s.WithContext("write-ahead log");
  }
  if (s.ok() && mem_->bytes() >= opts_.memtable_bytes) {
    Status fs = FreezeLocked(&lock);
    if (!fs.ok()) Log(LogLevel::kWarning, kComponent, "could not freeze memtable: " + fs.message());
  }
  for (Writer* x : group) {
    writers_.pop_front();
    if (x != &w) {
      if (x->status.ok()) x->status = s;
      x->done = true;
      x->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  if (!s.ok()) return s;
  if (!w.status.ok()) return w.status;
  result.stored = w.stored;
  result.duplicates += offered - w.stored;
  return result;
}

void EmbeddedStoreImpl::InsertGroup(const std::vector<Writer*>& group) {
  // Spans that reached a frozen memtable or a block since a writer looked are duplicates too
  // (re-sent while a flush ran).
  std::deque<std::shared_ptr<MemTable>> imms;
  std::vector<std::shared_ptr<BlockReader>> blocks_now;
  {
    std::lock_guard<std::mutex> vl(version_mu_);
    imms = imm_;
    blocks_now = blocks_;
  }
  for (Writer* x : group) {
    std::vector<std::shared_ptr<BlockReader>> fresh;
    for (const auto& b : blocks_now) {
      if (std::find(x->checked_blocks.begin(), x->checked_blocks.end(), b) ==
          x->checked_blocks.end()) {
        fresh.push_back(b);
      }
    }
    auto dropped = DropKnown(&x->spans, imms, fresh);
    if (!dropped.ok()) {
      x->status = dropped.status();
      continue;
    }
    x->stored = mem_->InsertPending(&x->spans, &x->values);
  }
}

Status EmbeddedStoreImpl::FreezeLocked(std::unique_lock<std::mutex>*) {
  {
    std::unique_lock<std::mutex> vl(version_mu_);
    if (opts_.background_flush) {
      // Backpressure: wait for the flusher, unless it is failing.
      while (static_cast<int>(imm_.size()) >= opts_.max_frozen_memtables && !stop_) {
        if (!bg_error_.ok()) return bg_error_;
        flush_done_cv_.wait_for(vl, std::chrono::milliseconds(100));
      }
    }
  }
  uint64_t last = wal_seq_;
  // A new segment for the new memtable; the frozen one covers segments up to `last`.
  auto next = std::make_shared<MemTable>(last + 1, &blobs_);
  std::shared_ptr<MemTable> old;
  {
    std::lock_guard<std::mutex> vl(version_mu_);
    old = mem_;
    old->set_wal_last_seq(last);
    imm_.push_back(old);
    mem_ = next;
  }
  flush_cv_.notify_all();
  Status s = OpenWalSegment(last + 1);
  if (!s.ok()) wal_broken_ = true;
  return s;
}

Status EmbeddedStoreImpl::FlushOne() {
  std::shared_ptr<MemTable> imm;
  {
    std::lock_guard<std::mutex> l(version_mu_);
    if (imm_.empty()) return Status::Ok();
    imm = imm_.front();
    flushing_ = true;
  }
  Status s = WriteAndInstall(imm);
  std::lock_guard<std::mutex> l(version_mu_);
  flushing_ = false;
  flush_done_cv_.notify_all();
  return s;
}

Status EmbeddedStoreImpl::WriteAndInstall(const std::shared_ptr<MemTable>& imm) {
  const MemTable::Frozen& d = imm->frozen();
  // Updates folded into the block (or moved to its overlay) can leave the patches log after it.
  bool had_updates = imm->has_in_place_updates();
  if (d.trace.empty()) {
    std::lock_guard<std::mutex> l(version_mu_);
    overlays_.erase(imm.get());
    imm_.pop_front();
    flush_done_cv_.notify_all();
  } else {
    std::vector<std::pair<Hash128, std::string_view>> values;
    for (const auto& [h, v] : d.values) values.push_back({h, v});
    HT_RETURN_IF_ERROR(blobs_.Put(values));
    BlockWriteOptions bo;
    bo.compression_level = opts_.compression_level;
    bo.row_group_bytes = opts_.row_group_bytes;
    bo.column_chunk_rows = opts_.column_chunk_rows;
    bo.format_version = opts_.block_format_version;
    // Retrain the row-group dictionary now and then, so it follows the data.
    if (blocks_since_training_ < kRetrainEveryBlocks) bo.reuse_dictionary = dictionary_;
    HT_ASSIGN_OR_RETURN(BlockWriteResult written, WriteBlock(fs_, block_dir_, *imm, blobs_, bo));
    blocks_since_training_ = written.dictionary == dictionary_ ? blocks_since_training_ + 1 : 1;
    dictionary_ = written.dictionary;
    HT_ASSIGN_OR_RETURN(auto reader, BlockReader::Open(fs_, written.path, &blobs_));
    Log(LogLevel::kDebug, kComponent,
        "wrote " + written.path + ": " + std::to_string(reader->rows()) + " spans, " +
            std::to_string(reader->file_size()) + " bytes" +
            (written.dictionary ? "" : " (no dictionary)"));
    std::lock_guard<std::mutex> l(version_mu_);
    had_updates = had_updates || overlays_.count(imm.get()) != 0;
    MoveOverlayLocked(imm.get(), reader);
    blocks_.push_back(reader);
    imm_.pop_front();
    flush_done_cv_.notify_all();
  }
  HT_RETURN_IF_ERROR(DeleteWalThrough(imm->wal_last_seq()));
  if (had_updates) {
    // Not fatal: the log then keeps entries whose values blocks hold already (replayed
    // idempotently) until the next rewrite.
    Status s = CompactPatchLog();
    if (!s.ok()) Log(LogLevel::kWarning, kComponent, "could not rewrite patches log: " + s.message());
  }
  return Status::Ok();
}

Status EmbeddedStoreImpl::DeleteWalThrough(uint64_t seq) {
  HT_ASSIGN_OR_RETURN(auto names, fs_->GetChildren(wal_dir_));
  bool removed = false;
  for (const auto& n : names) {
    uint64_t s;
    if (ParseWalSegmentName(n, &s) && s <= seq) {
      HT_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(wal_dir_, n)));
      removed = true;
    }
  }
  if (removed) HT_RETURN_IF_ERROR(fs_->SyncDir(wal_dir_));
  return Status::Ok();
}

void EmbeddedStoreImpl::FlushLoop() {
  auto next_retention =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.retention_interval_ms);
  for (;;) {
    {
      std::unique_lock<std::mutex> l(version_mu_);
      flush_cv_.wait_until(l, next_retention, [&] { return stop_ || !imm_.empty(); });
      if (stop_) return;
    }
    std::lock_guard<std::mutex> fl(flush_mu_);
    Status s = FlushOne();
    {
      std::lock_guard<std::mutex> l(version_mu_);
      bg_error_ = s;
    }
    if (!s.ok()) {
      Log(LogLevel::kError, kComponent, "flush failed (will retry): " + s.message());
      flush_done_cv_.notify_all();
      std::unique_lock<std::mutex> l(version_mu_);
      flush_cv_.wait_for(l, std::chrono::milliseconds(500), [&] { return stop_; });
    }
    bool has_policy = opts_.retention.max_age_ns || opts_.retention.max_bytes;
    if (opts_.retention_interval_ms > 0 && has_policy &&
        std::chrono::steady_clock::now() >= next_retention) {
      auto r = RetentionLocked(opts_.retention);
      if (!r.ok()) Log(LogLevel::kError, kComponent, "retention failed: " + r.status().message());
      next_retention =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.retention_interval_ms);
    } else if (opts_.retention_interval_ms == 0 || !has_policy) {
      next_retention = std::chrono::steady_clock::now() + std::chrono::hours(24);
    }
  }
}

Status EmbeddedStoreImpl::Flush() {
  {
    std::unique_lock<std::mutex> wl(write_mu_);
    // Wait for in-flight group commits to finish so their spans are in the memtable.
    while (!writers_.empty()) {
      wl.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      wl.lock();
    }
    if (mem_->rows() > 0) HT_RETURN_IF_ERROR(FreezeLocked(&wl));
  }
  if (!opts_.background_flush) {
    std::lock_guard<std::mutex> fl(flush_mu_);
    for (;;) {
      {
        std::lock_guard<std::mutex> l(version_mu_);
        if (imm_.empty()) return Status::Ok();
      }
      HT_RETURN_IF_ERROR(FlushOne());
    }
  }
  std::unique_lock<std::mutex> l(version_mu_);
  flush_cv_.notify_all();
  while (!imm_.empty() || flushing_) {
    if (!bg_error_.ok()) return bg_error_;
    flush_done_cv_.wait_for(l, std::chrono::milliseconds(50));
  }
  return Status::Ok();
}

void EmbeddedStoreImpl::Quarantine(const std::shared_ptr<BlockReader>& b, const Status& why) {
  {
    std::lock_guard<std::mutex> l(version_mu_);
    auto it = std::find(blocks_.begin(), blocks_.end(), b);
    if (it == blocks_.end()) return;
    blocks_.erase(it);
    overlays_.erase(b.get());
    ++quarantined_;
  }
  std::string name = b->path().substr(b->path().rfind('/') + 1);
  Log(LogLevel::kError, kComponent, "quarantining block " + name + ": " + why.message());
  Status s = fs_->RenameFile(b->path(), JoinPath(quarantine_dir_, name));
  if (s.ok()) s = fs_->SyncDir(block_dir_);
  if (!s.ok())
    Log(LogLevel::kError, kComponent, "could not move " + name + " to quarantine: " + s.message());
}

StatusOr<RetentionResult> EmbeddedStoreImpl::ApplyRetention(const RetentionPolicy& policy) {
  std::lock_guard<std::mutex> fl(flush_mu_);
  return RetentionLocked(policy);
}

StatusOr<RetentionResult> EmbeddedStoreImpl::RetentionLocked(const RetentionPolicy& policy) {
  RetentionResult r;
  const uint64_t now = policy.now_unix_nano ? policy.now_unix_nano : NowUnixNano();
  std::vector<std::shared_ptr<BlockReader>> drop;
  std::set<uint64_t> live_blob_files;
  bool dropped_updates = false;
  {
    std::lock_guard<std::mutex> l(version_mu_);
    std::vector<std::shared_ptr<BlockReader>> by_age = blocks_;
    std::sort(by_age.begin(), by_age.end(),
              [](const auto& a, const auto& b) { return a->max_end() < b->max_end(); });
    uint64_t total = blobs_.bytes_on_disk();
    for (const auto& b : by_age) total += b->file_size();
    // Blob files live while any block references them; dropping a block may free some.
    const auto blob_sizes = blobs_.file_sizes();
    const uint64_t active_blob = blobs_.active_file();
    std::map<uint64_t, int> blob_refs;
    for (const auto& b : by_age)
      for (uint64_t f : b->blob_files()) ++blob_refs[f];
    for (const auto& b : by_age) {
      bool old =
          policy.max_age_ns && now > *policy.max_age_ns && b->max_end() < now - *policy.max_age_ns;
      bool big = policy.max_bytes && total > *policy.max_bytes;
      if (!old && !big) continue;
      drop.push_back(b);
      total -= b->file_size();
      for (uint64_t f : b->blob_files()) {
        if (--blob_refs[f] == 0 && f != active_blob) {
          auto it = blob_sizes.find(f);
          if (it != blob_sizes.end()) total -= std::min(total, it->second);
        }
      }
    }
    for (const auto& b : drop) {
      blocks_.erase(std::find(blocks_.begin(), blocks_.end(), b));
      dropped_updates = overlays_.erase(b.get()) > 0 || dropped_updates;
    }
    for (const auto& b : blocks_)
      live_blob_files.insert(b->blob_files().begin(), b->blob_files().end());
  }
  for (const auto& b : drop) {
    HT_RETURN_IF_ERROR(fs_->RemoveFile(b->path()));
    ++r.units_dropped;
    r.spans_dropped += b->rows();
    r.bytes_freed += b->file_size();
  }
  if (!drop.empty()) {
    HT_RETURN_IF_ERROR(fs_->SyncDir(block_dir_));
    // Memtables keep their own copies of large values until their block is written, so only
    // blocks hold blob files alive.
    HT_ASSIGN_OR_RETURN(uint64_t freed, blobs_.DeleteUnreferencedFiles(live_blob_files));
    r.bytes_freed += freed;
    if (dropped_updates) {
      // Updates of dropped spans must not apply to a span re-sent later with the same ids.
      Status s = CompactPatchLog();
      if (!s.ok())
        Log(LogLevel::kWarning, kComponent, "could not rewrite patches log: " + s.message());
    }
    Log(LogLevel::kInfo, kComponent,
        "retention dropped " + std::to_string(r.units_dropped) + " blocks (" +
            std::to_string(r.spans_dropped) + " spans, " + std::to_string(r.bytes_freed) +
            " bytes)");
  }
  return r;
}

StoreStats EmbeddedStoreImpl::GetStats() {
  StoreStats st;
  {
    std::lock_guard<std::mutex> l(version_mu_);
    for (const auto& b : blocks_) {
      st.spans += b->rows();
      st.bytes_on_disk += b->file_size();
    }
    for (const auto& m : imm_) {
      st.spans += m->rows();
      st.memory_bytes += m->bytes();
    }
    st.spans += mem_->rows();
    st.memory_bytes += mem_->bytes();
    st.blocks = blocks_.size();
    st.quarantined_blocks = quarantined_;
  }
  st.bytes_on_disk += blobs_.bytes_on_disk();
  auto names = fs_->GetChildren(wal_dir_);
  if (names.ok()) {
    for (const auto& n : *names) {
      auto size = fs_->GetFileSize(JoinPath(wal_dir_, n));
      if (size.ok()) st.wal_bytes_unflushed += *size;
    }
  }
  st.bytes_on_disk += st.wal_bytes_unflushed;
  auto patches = fs_->GetFileSize(JoinPath(opts_.dir, kPatchLogName));
  if (patches.ok()) st.bytes_on_disk += *patches;
  return st;
}

StatusOr<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(const EmbeddedStoreOptions& options) {
  if (options.dir.empty()) return InvalidArgumentError("embedded store: data directory not set");
  if (options.block_format_version < kOldestBlockFormatVersion ||
      options.block_format_version > kBlockFormatVersion) {
    return InvalidArgumentError("embedded store: unknown block format version " +
                                std::to_string(options.block_format_version));
  }
  auto store = std::make_unique<EmbeddedStoreImpl>(options);
  Status s = store->Init();
  if (!s.ok()) return s.WithContext("opening store in " + options.dir);
  return std::unique_ptr<EmbeddedStore>(std::move(store));
}

}  // namespace hoptrace
