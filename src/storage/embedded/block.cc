#include "storage/embedded/block.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <numeric>

#include "common/coding.h"
#include "common/hash.h"
#include "model/span_codec.h"
#include "storage/embedded/block_format.h"
#include "storage/embedded/chunk.h"
#include "storage/embedded/file_names.h"

namespace hoptrace {

std::string BlockFileName(uint64_t seq) { return NumberedFileName("blk-", seq, 16, ".blk"); }

bool ParseBlockFileName(const std::string& name, uint64_t* seq) {
  return ParseNumberedFileName(name, "blk-", 16, ".blk", seq);
}

namespace {

// Buffers a block file's bytes and writes them out in large appends.
class BlockSink {
 public:
  explicit BlockSink(WritableFile* f) : f_(f) {}
  uint64_t offset() const { return written_ + buf_.size(); }
  std::string* buf() { return &buf_; }
  Status MaybeFlush() {
    if (buf_.size() < (4 << 20)) return Status::Ok();
    return FlushBuf();
  }
  Status FlushBuf() {
    HT_RETURN_IF_ERROR(f_->Append(buf_));
    written_ += buf_.size();
    buf_.clear();
    return Status::Ok();
  }

 private:
  WritableFile* f_;
  std::string buf_;
  uint64_t written_ = 0;
};

constexpr size_t kDictSampleBytes = 2u << 20;  // training sample per block
uint64_t ZigZagValue(int64_t v) { return ZigZag(v); }
static_assert(sizeof(SpanId) == 8);
uint64_t IdValue(const SpanId& id) {
  uint64_t v;
  std::memcpy(&v, id.data(), 8);  // little-endian host: the column holds the id's bytes in order
  return v;
}

}  // namespace

StatusOr<BlockWriteResult> WriteBlock(FileSystem* fs, const std::string& dir, const MemTable& mem,
                                      const BlobStore& blobs, const BlockWriteOptions& options) {
  if (options.format_version < kOldestBlockFormatVersion ||
      options.format_version > kBlockFormatVersion) {
    return InvalidArgumentError("WriteBlock: unknown block format version " +
                                std::to_string(options.format_version));
  }
  const MemTable::Frozen& d = mem.frozen();
  const size_t n = d.trace.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int c = std::memcmp(d.trace[a].data(), d.trace[b].data(), 16);
    if (c != 0) return c < 0;
    if (d.start[a] != d.start[b]) return d.start[a] < d.start[b];
    return std::memcmp(d.span[a].data(), d.span[b].data(), 8) < 0;
  });

  const std::string final_path = JoinPath(dir, BlockFileName(mem.wal_last_seq()));
  const std::string tmp_path = final_path + ".tmp";
  HT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewWritableFile(tmp_path));
  BlockSink sink(file.get());
  sink.buf()->append(kBlockMagic, 8);

  BlockReader::Footer f;
  f.version = options.format_version;
  f.wal_first_seq = mem.wal_first_seq();
  f.wal_last_seq = mem.wal_last_seq();
  f.rows = n;
  f.min_start = n ? d.min_start : 0;
  f.max_start = n ? d.max_start : 0;
  for (int c = 0; c < kNumDictColumns; ++c) {
    for (const auto& s : d.dicts[c].strings()) f.dicts[c].Intern(s);
  }
  f.resources = d.resources.strings();
  f.scopes = d.scopes.strings();

  // The row groups' dictionary, trained on an even sample of rows (at most ~8 MiB).
  std::shared_ptr<const ChunkDictionary> dict = options.reuse_dictionary;
  if (!dict && options.dictionary_bytes > 0 && n > 0) {
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) total += d.body[i].size();
    size_t step = std::max<size_t>(1, total / (kDictSampleBytes));
    std::vector<std::string_view> samples;
    for (size_t i = 0; i < n; i += step) samples.push_back(d.body[order[i]]);
    dict = ChunkDictionary::Train(samples, options.dictionary_bytes, options.compression_level);
  }
  if (dict) {
    f.dict_offset = sink.offset();
    AppendChunk(sink.buf(), dict->bytes(), options.compression_level);
    f.dict_length = sink.offset() - f.dict_offset;
  }

  // Row groups: [varint resource][varint scope][length-prefixed body] per row.
  std::string group;
  uint64_t group_first = 0;
  auto emit_group = [&](uint64_t end_row) -> Status {
    if (end_row == group_first) return Status::Ok();
    uint64_t at = sink.offset();
    AppendChunk(sink.buf(), group, options.compression_level, dict.get());
    f.row_groups.push_back({at, sink.offset() - at, group_first, end_row - group_first});
    group.clear();
    group_first = end_row;
    return sink.MaybeFlush();
  };
  // Groups hold whole traces where they can, so reading a trace decompresses little more than
  // the trace: at a trace boundary the group is cut if the next trace would overflow it; inside
  // a trace only when the group reaches 8x the target (very large traces).
  size_t next_trace_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = order[i];
    if (i == 0 || d.trace[r] != d.trace[order[i - 1]]) {
      next_trace_bytes = 0;
      for (size_t j = i; j < n && d.trace[order[j]] == d.trace[r]; ++j)
        next_trace_bytes += d.body[order[j]].size() + 8;
      if (!group.empty() && group.size() + next_trace_bytes > options.row_group_bytes) {
        HT_RETURN_IF_ERROR(emit_group(i));
      }
    } else if (group.size() >= 8 * options.row_group_bytes) {
      HT_RETURN_IF_ERROR(emit_group(i));
    }
    PutVarint64(&group, d.resource[r]);
    PutVarint64(&group, d.scope[r]);
    PutLengthPrefixed(&group, d.body[r]);
    f.max_end = std::max(f.max_end, d.start[r] + static_cast<uint64_t>(d.duration[r]));
  }
  HT_RETURN_IF_ERROR(emit_group(n));

  // Column chunks, column-major.
  f.chunk_rows = options.column_chunk_rows;
  std::vector<uint64_t> ints;
  std::string raw;
  const uint8_t flags_mask = f.version >= 2 ? 0xff : kFlagsV1Mask;
  for (int c = 0; c < f.num_columns(); ++c) {
    for (size_t first = 0; first < n; first += f.chunk_rows) {
      size_t last = std::min(n, first + f.chunk_rows);
      raw.clear();
      ints.clear();
      uint64_t mn = UINT64_MAX, mx = 0;
      uint64_t prev = 0;
      for (size_t i = first; i < last; ++i) {
        uint32_t r = order[i];
        switch (c) {
          case kColStart:
            ints.push_back(ZigZagValue(static_cast<int64_t>(d.start[r] - prev)));
            prev = d.start[r];
            mn = std::min(mn, d.start[r]);
            mx = std::max(mx, d.start[r]);
            break;
          case kColDuration:
            ints.push_back(ZigZagValue(d.duration[r]));
            break;
          case kColFlags:
            ints.push_back(d.flags[r] & flags_mask);
            break;
          case kColInputTokens:
            ints.push_back(ZigZagValue(d.input[r]));
            break;
          case kColOutputTokens:
            ints.push_back(ZigZagValue(d.output[r]));
            break;
          case kColTotalTokens:
            ints.push_back(ZigZagValue(d.total[r]));
            break;
          case kColCost:
            raw.append(reinterpret_cast<const char*>(&d.cost[r]), 8);
            break;
          case kColSpanId:
            ints.push_back(IdValue(d.span[r]));
            break;
          case kColParentId:
            ints.push_back(IdValue(d.parent[r]));
            break;
          default:
            ints.push_back(d.dict[c - kColDictFirst][r]);
        }
      }
      if (c != kColCost) EncodeIntColumn(ints, &raw);
      uint64_t at = sink.offset();
      AppendChunk(sink.buf(), raw, options.compression_level);
      f.columns[c].push_back({at, sink.offset() - at, mn == UINT64_MAX ? 0 : mn, mx});
      HT_RETURN_IF_ERROR(sink.MaybeFlush());
    }
  }

  // Trace index.
  for (size_t i = 0; i < n;) {
    size_t j = i;
    BlockReader::Footer::TraceEntry t;
    t.id = d.trace[order[i]];
    t.first_row = i;
    t.min_start = UINT64_MAX;
    for (; j < n && d.trace[order[j]] == t.id; ++j) {
      uint32_t r = order[j];
      uint64_t end = d.start[r] + static_cast<uint64_t>(d.duration[r]);
      if (d.start[r] < t.min_start) {
        t.min_start = d.start[r];
        t.first_name = d.dict[kDictName][r];
        t.first_service = d.dict[kDictService][r];
      }
      t.max_end = std::max(t.max_end, end);
      if (FlagsStatus(d.flags[r]) == StatusCodeValue::kError) ++t.errors;
      if (d.flags[r] & kFlagCounted) {
        t.input += d.input[r];
        t.output += d.output[r];
        t.total += d.total[r];
        t.cost += d.cost[r];
      }
      if ((d.flags[r] & kFlagRoot) && (!t.has_root || d.start[r] < t.root_start)) {
        t.has_root = true;
        t.root_start = d.start[r];
        t.root_name = d.dict[kDictName][r];
        t.root_service = d.dict[kDictService][r];
      }
      uint32_t agent = d.dict[kDictAgent][r];
      if (!d.dicts[kDictAgent].Get(agent).empty() &&
          std::find(t.agents.begin(), t.agents.end(), agent) == t.agents.end()) {
        t.agents.push_back(agent);
      }
    }
    t.rows = j - i;
    f.traces.push_back(std::move(t));
    i = j;
  }
  f.attribute_keys = d.attribute_keys.strings();
  std::sort(f.attribute_keys.begin(), f.attribute_keys.end());
  for (const auto& h : d.value_refs) {
    uint64_t file_no = blobs.FileOf(h);
    if (file_no == 0)
      return InternalError("block references large value " + h.ToHex() + " missing from blob area");
    f.blob_files.insert(file_no);
  }

  raw.clear();
  f.Encode(&raw);
  uint64_t footer_at = sink.offset();
  AppendChunk(sink.buf(), raw, options.compression_level);
  uint64_t footer_len = sink.offset() - footer_at;
  PutFixed64(sink.buf(), footer_at);
  PutFixed64(sink.buf(), footer_len);
  PutFixed64(sink.buf(), kBlockTrailerMagic);
  HT_RETURN_IF_ERROR(sink.FlushBuf());
  HT_RETURN_IF_ERROR(file->Sync());
  HT_RETURN_IF_ERROR(file->Close());
  HT_RETURN_IF_ERROR(fs->RenameFile(tmp_path, final_path));
  HT_RETURN_IF_ERROR(fs->SyncDir(dir));
  return BlockWriteResult{final_path, dict};
}

// ---------------------------------------------------------------------------------------------
// BlockReader

BlockReader::~BlockReader() = default;

namespace {
// Dictionaries by content, shared by the open blocks that use the same one.
std::shared_ptr<const ChunkDictionary> SharedDictionary(const std::string& bytes) {
  static std::mutex mu;
  static std::unordered_map<Hash128, std::weak_ptr<const ChunkDictionary>, Hash128Hasher> cache;
  const Hash128 key = ContentHash(bytes);
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(key); it != cache.end()) {
    if (auto live = it->second.lock()) return live;
  }
  std::shared_ptr<const ChunkDictionary> d = ChunkDictionary::FromBytes(bytes, 3);
  if (d) cache[key] = d;
  for (auto it = cache.begin(); it != cache.end();) it = it->second.expired() ? cache.erase(it) : std::next(it);
  return d;
}
}  // namespace

StatusOr<std::shared_ptr<BlockReader>> BlockReader::Open(FileSystem* fs, const std::string& path,
                                                         const BlobStore* blobs) {
  std::shared_ptr<BlockReader> b(new BlockReader());
  b->path_ = path;
  b->blobs_ = blobs;
  HT_ASSIGN_OR_RETURN(b->file_, fs->NewRandomAccessFile(path));
  const uint64_t size = b->file_->Size();
  if (size < 8 + 24) return DataLossError("block " + path + " is truncated");
  std::string buf;
  HT_RETURN_IF_ERROR(b->file_->Read(0, 8, &buf));
  if (buf != std::string_view(kBlockMagic, 8))
    return DataLossError("block " + path + " has a bad magic number");
  HT_RETURN_IF_ERROR(b->file_->Read(size - 24, 24, &buf));
  uint64_t footer_at = DecodeFixed64(buf.data()), footer_len = DecodeFixed64(buf.data() + 8);
  if (DecodeFixed64(buf.data() + 16) != kBlockTrailerMagic || footer_at < 8 ||
      footer_at + footer_len != size - 24) {
    return DataLossError("block " + path + " has a bad trailer");
  }
  HT_RETURN_IF_ERROR(b->file_->Read(footer_at, footer_len, &buf));
  std::string raw;
  Status s = ReadChunk(buf, &raw);
  if (!s.ok()) return s.WithContext("block " + path + " footer");
  b->footer_ = std::make_unique<Footer>();
  s = b->footer_->Decode(raw);
  if (!s.ok()) return s.WithContext("block " + path);
  if (b->footer_->dict_length > 0) {
    const auto& f = *b->footer_;
    if (f.dict_offset + f.dict_length > footer_at)
      return DataLossError("block " + path + ": dictionary out of range");
    HT_RETURN_IF_ERROR(b->file_->Read(f.dict_offset, f.dict_length, &buf));
    s = ReadChunk(buf, &raw);
    if (!s.ok()) return s.WithContext("block " + path + " dictionary");
    b->dict_ = SharedDictionary(raw);
    if (!b->dict_) return DataLossError("block " + path + ": unusable dictionary");
  }
  b->resources_.resize(b->footer_->resources.size());
  for (size_t i = 0; i < b->resources_.size(); ++i) {
    s = DecodeResource(b->footer_->resources[i], &b->resources_[i]);
    if (!s.ok()) return s.WithContext("block " + path + " resource");
  }
  b->scopes_.resize(b->footer_->scopes.size());
  for (size_t i = 0; i < b->scopes_.size(); ++i) {
    s = DecodeScope(b->footer_->scopes[i], &b->scopes_[i]);
    if (!s.ok()) return s.WithContext("block " + path + " scope");
  }
  const size_t bits = std::max<size_t>(64, b->footer_->traces.size() * 16);
  b->bloom_.assign((bits + 63) / 64, 0);
  for (const auto& t : b->footer_->traces) {
    uint64_t h = Checksum64(std::string_view(reinterpret_cast<const char*>(t.id.data()), 16));
    uint64_t step = (h >> 32) | 1;
    for (int k = 0; k < 4; ++k, h += step)
      b->bloom_[(h % (b->bloom_.size() * 64)) / 64] |= 1ULL << (h % 64);
  }
  for (const auto& g : b->footer_->row_groups) {
    if (g.offset + g.length > footer_at)
      return DataLossError("block " + path + ": row group out of range");
  }
  for (const auto& col : b->footer_->columns) {
    for (const auto& c : col) {
      if (c.offset + c.length > footer_at)
        return DataLossError("block " + path + ": column chunk out of range");
    }
  }
  return b;
}

StatusOr<uint64_t> BlockReader::VerifyAllChunks() const {
  uint64_t checked = 0;
  std::string buf;
  auto check = [&](uint64_t offset, uint64_t length, const std::string& what) -> Status {
    HT_RETURN_IF_ERROR(file_->Read(offset, length, &buf));
    size_t stored;
    Status s = VerifyChunk(buf, &stored);
    if (s.ok() && stored != length) s = DataLossError("chunk length mismatch");
    if (!s.ok()) return s.WithContext(path_ + " " + what + " at offset " + std::to_string(offset));
    ++checked;
    return Status::Ok();
  };
  if (footer_->dict_length > 0)
    HT_RETURN_IF_ERROR(check(footer_->dict_offset, footer_->dict_length, "dictionary"));
  for (size_t i = 0; i < footer_->row_groups.size(); ++i) {
    HT_RETURN_IF_ERROR(check(footer_->row_groups[i].offset, footer_->row_groups[i].length,
                             "row group " + std::to_string(i)));
  }
  for (int c = 0; c < kNumColumns; ++c) {
    for (size_t k = 0; k < footer_->columns[c].size(); ++k) {
      const auto& ch = footer_->columns[c][k];
      HT_RETURN_IF_ERROR(check(ch.offset, ch.length,
                               "column " + std::to_string(c) + " chunk " + std::to_string(k)));
    }
  }
  return checked + 1;  // + footer, checked at Open
}

Status BlockReader::VerifyNarrowColumns() const {
  if (!HasNarrowColumns()) return Status::Ok();
  const ColumnMask mask =
      ColumnBit(kColStart) | ColumnBit(kColDuration) | ColumnBit(kColFlags) | kNarrowColumns;
  std::vector<uint64_t> rows;
  return Scan(mask, 0, UINT64_MAX, [&](uint64_t first, const ColumnView& v) -> Status {
    rows.resize(v.n);
    for (size_t i = 0; i < v.n; ++i) rows[i] = first + i;
    size_t i = 0;
    return ForRows(rows, [&](uint64_t, uint64_t, std::string_view body) -> Status {
      const uint64_t row = first + i;
      const size_t k = i++;
      auto bad = [&](const char* what) {
        return DataLossError(path_ + ": row " + std::to_string(row) + ": " + what +
                             " column disagrees with the row");
      };
      // The body's header (docs/storage-format.md "Span encoding").
      Decoder d(body);
      uint8_t version, kind, status;
      std::string_view ids, skip;
      uint32_t span_flags;
      uint64_t start, end;
      if (!d.GetByte(&version) || !d.GetBytes(32, &ids) || !d.GetVarint32(&span_flags) ||
          !d.GetLengthPrefixed(&skip) || !d.GetLengthPrefixed(&skip) || !d.GetByte(&kind) ||
          !d.GetFixed64(&start) || !d.GetFixed64(&end) || !d.GetByte(&status)) {
        return DataLossError(path_ + ": row " + std::to_string(row) + ": malformed span body");
      }
      SpanId span, parent;
      std::memcpy(span.data(), ids.data() + 16, 8);
      std::memcpy(parent.data(), ids.data() + 24, 8);
      const uint8_t flags = v.flags[k];
      const bool irregular = (flags & kFlagIrregular) != 0;
      if (span != v.span_id[k]) return bad("span id");
      if (parent != v.parent_id[k]) return bad("parent span id");
      if (((flags & kFlagRoot) != 0) != IsZeroId(parent)) return bad("root flag");
      if (static_cast<uint8_t>(FlagsStatus(flags)) != status) return bad("status");
      if (start != v.start[k]) return bad("start");
      if (irregular != (end < start)) return bad("irregular flag");
      if (!irregular && (static_cast<uint8_t>(FlagsKind(flags)) != kind ||
                         start + static_cast<uint64_t>(v.duration[k]) != end)) {
        return bad("kind or duration");
      }
      return Status::Ok();
    });
  });
}

uint64_t BlockReader::file_size() const { return file_->Size(); }
uint64_t BlockReader::wal_first_seq() const { return footer_->wal_first_seq; }
uint64_t BlockReader::wal_last_seq() const { return footer_->wal_last_seq; }
uint64_t BlockReader::max_end() const { return footer_->max_end; }
const std::set<uint64_t>& BlockReader::blob_files() const { return footer_->blob_files; }
uint64_t BlockReader::row_group_bytes() const {
  uint64_t b = 0;
  for (const auto& g : footer_->row_groups) b += g.length;
  return b;
}
uint64_t BlockReader::column_bytes(int column) const {
  uint64_t b = 0;
  for (const auto& c : footer_->columns[column]) b += c.length;
  return b;
}
uint64_t BlockReader::rows() const { return footer_->rows; }
uint64_t BlockReader::min_start() const { return footer_->min_start; }
uint64_t BlockReader::max_start() const { return footer_->max_start; }

bool BlockReader::DictFind(int col, std::string_view s, uint32_t* id) const {
  return footer_->dicts[col].Find(s, id);
}
std::string BlockReader::DictGet(int col, uint32_t id) const { return footer_->dicts[col].Get(id); }
uint32_t BlockReader::DictSize(int col) const {
  return static_cast<uint32_t>(footer_->dicts[col].size());
}

Status BlockReader::Scan(ColumnMask mask, uint64_t min_start, uint64_t max_start,
                         const std::function<Status(uint64_t, const ColumnView&)>& fn) const {
  const Footer& f = *footer_;
  if (mask >> f.num_columns()) {
    return InvalidArgumentError(path_ + ": block format " + std::to_string(f.version) +
                                " has no such scan column");
  }
  if (f.rows == 0 || max_start < f.min_start || min_start > f.max_start) return Status::Ok();
  // Per-thread scratch, reused across scans: fresh multi-megabyte buffers per query cost more
  // in page faults than the decoding itself.
  struct Scratch {
    std::string stored, raw;
    std::vector<uint64_t> start;
    std::vector<int64_t> duration, input, output, total;
    std::vector<uint8_t> flags;
    std::vector<uint32_t> dict[kNumDictColumns];
    std::vector<double> cost;
    std::vector<uint64_t> ids;
    std::vector<SpanId> span, parent;
    bool in_use = false;
  };
  thread_local Scratch tls;
  Scratch local;  // when a callback scans another block on this thread
  Scratch& sc = tls.in_use ? local : tls;
  sc.in_use = true;
  struct Release {
    Scratch& s;
    ~Release() { s.in_use = false; }
  } release{sc};
  std::string& stored = sc.stored;
  std::string& raw = sc.raw;
  auto& start = sc.start;
  auto& duration = sc.duration;
  auto& input = sc.input;
  auto& output = sc.output;
  auto& total = sc.total;
  auto& flags = sc.flags;
  auto& dict = sc.dict;
  auto& cost = sc.cost;
  auto& ids = sc.ids;
  const size_t chunks = f.columns[kColStart].size();
  for (size_t k = 0; k < chunks; ++k) {
    const auto& start_chunk = f.columns[kColStart][k];
    if (start_chunk.max < min_start || start_chunk.min > max_start) continue;
    const uint64_t first = k * f.chunk_rows;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(f.chunk_rows, f.rows - first));
    ColumnView v;
    v.n = n;
    for (int c = 0; c < kNumColumns; ++c) {
      if (!(mask & ColumnBit(c))) continue;
      const auto& ch = f.columns[c][k];
      HT_RETURN_IF_ERROR(file_->Read(ch.offset, ch.length, &stored));
      Status s = ReadChunk(stored, &raw);
      if (!s.ok()) return Damaged(s.WithContext(path_ + " column " + std::to_string(c)));
      if (c == kColCost) {
        if (raw.size() != n * 8) return Damaged(DataLossError(path_ + ": malformed cost column"));
        cost.resize(n);
        std::memcpy(cost.data(), raw.data(), n * 8);
        v.cost = cost.data();
        continue;
      }
      switch (c) {
        case kColStart: {
          start.resize(n);
          s = DecodeIntColumnAs(raw, n, true, start.data());
          uint64_t prev = 0;
          for (size_t i = 0; i < n; ++i) prev = start[i] = prev + start[i];
          v.start = start.data();
          break;
        }
        case kColDuration:
          duration.resize(n);
          s = DecodeIntColumnAs(raw, n, true, duration.data());
          v.duration = duration.data();
          break;
        case kColFlags:
          flags.resize(n);
          s = DecodeIntColumnAs(raw, n, false, flags.data());
          v.flags = flags.data();
          break;
        case kColInputTokens:
          input.resize(n);
          s = DecodeIntColumnAs(raw, n, true, input.data());
          v.input_tokens = input.data();
          break;
        case kColOutputTokens:
          output.resize(n);
          s = DecodeIntColumnAs(raw, n, true, output.data());
          v.output_tokens = output.data();
          break;
        case kColTotalTokens:
          total.resize(n);
          s = DecodeIntColumnAs(raw, n, true, total.data());
          v.total_tokens = total.data();
          break;
        case kColSpanId:
        case kColParentId: {
          std::vector<SpanId>& out = c == kColSpanId ? sc.span : sc.parent;
          ids.resize(n);
          out.resize(n);
          s = DecodeIntColumnAs(raw, n, false, ids.data());
          if (n > 0) std::memcpy(out.data(), ids.data(), n * 8);  // little-endian host
          (c == kColSpanId ? v.span_id : v.parent_id) = out.data();
          break;
        }
        default: {
          int dc = c - kColDictFirst;
          dict[dc].resize(n);
          s = DecodeIntColumnAs(raw, n, false, dict[dc].data());
          const uint32_t limit = static_cast<uint32_t>(f.dicts[dc].size());
          uint32_t max_id = 0;
          for (size_t i = 0; i < n; ++i) max_id = std::max(max_id, dict[dc][i]);
          if (s.ok() && n > 0 && max_id >= limit)
            return Damaged(DataLossError(path_ + ": dictionary id out of range"));
          v.dict[dc] = dict[dc].data();
        }
      }
      if (!s.ok()) return Damaged(s.WithContext(path_ + " column " + std::to_string(c)));
    }
    HT_RETURN_IF_ERROR(fn(first, v));
  }
  return Status::Ok();
}

TraceId BlockReader::TraceOfRow(uint64_t row, uint64_t* run_end) const {
  const auto& t = footer_->traces;
  auto it = std::upper_bound(t.begin(), t.end(), row, [](uint64_t r, const Footer::TraceEntry& e) {
    return r < e.first_row;
  });
  auto e = std::prev(it);
  *run_end = e->first_row + e->rows;
  return e->id;
}

bool BlockReader::MayHaveTrace(const TraceId& id) const {
  uint64_t h = Checksum64(std::string_view(reinterpret_cast<const char*>(id.data()), 16));
  uint64_t step = (h >> 32) | 1;
  const uint64_t nbits = bloom_.size() * 64;
  for (int k = 0; k < 4; ++k, h += step) {
    uint64_t bit = h % nbits;
    if (!(bloom_[bit / 64] & (1ULL << (bit % 64)))) return false;
  }
  return true;
}

namespace {
const BlockReader::Footer::TraceEntry* FindEntry(const BlockReader::Footer& f, const TraceId& id) {
  auto it = std::lower_bound(
      f.traces.begin(), f.traces.end(), id,
      [](const BlockReader::Footer::TraceEntry& e, const TraceId& k) { return e.id < k; });
  if (it == f.traces.end() || it->id != id) return nullptr;
  return &*it;
}
}  // namespace

Status BlockReader::FindTrace(const TraceId& id, std::vector<uint64_t>* rows) const {
  if (!MayHaveTrace(id)) return Status::Ok();
  const auto* e = FindEntry(*footer_, id);
  if (!e) return Status::Ok();
  for (uint64_t r = e->first_row; r < e->first_row + e->rows; ++r) rows->push_back(r);
  return Status::Ok();
}

bool BlockReader::GetTracePartial(const TraceId& id, TracePartial* p) const {
  if (!MayHaveTrace(id)) return false;
  const auto* e = FindEntry(*footer_, id);
  if (!e) return false;
  const Footer& f = *footer_;
  p->max_end = std::max(p->max_end, e->max_end);
  p->spans += e->rows;
  p->errors += e->errors;
  p->input_tokens += e->input;
  p->output_tokens += e->output;
  p->total_tokens += e->total;
  p->cost += e->cost;
  if (e->has_root && (!p->has_root || e->root_start < p->root_start)) {
    p->has_root = true;
    p->root_start = e->root_start;
    p->root_name = f.dicts[kDictName].Get(e->root_name);
    p->root_service = f.dicts[kDictService].Get(e->root_service);
  }
  if (e->min_start < p->first_start) {
    p->first_start = e->min_start;
    p->first_name = f.dicts[kDictName].Get(e->first_name);
    p->first_service = f.dicts[kDictService].Get(e->first_service);
  }
  p->min_start = std::min(p->min_start, e->min_start);
  for (uint32_t a : e->agents) {
    const std::string& name = f.dicts[kDictAgent].Get(a);
    if (std::find(p->agents.begin(), p->agents.end(), name) == p->agents.end())
      p->agents.push_back(name);
  }
  return true;
}

void BlockReader::ForEachTrace(
    const std::function<void(const TraceId&, uint64_t, uint64_t)>& fn) const {
  for (const auto& t : footer_->traces) fn(t.id, t.rows, t.min_start);
}

bool BlockReader::HasNarrowColumns() const { return footer_->version >= 2; }
uint32_t BlockReader::format_version() const { return footer_->version; }

bool BlockReader::MayHaveAttribute(std::string_view key) const {
  return std::binary_search(footer_->attribute_keys.begin(), footer_->attribute_keys.end(), key);
}

Status BlockReader::ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const {
  const Footer& f = *footer_;
  // A large value that cannot be read is the blob area's damage, not this block's: the error is
  // returned for the spans that need it, and the block stays in service.
  bool blob_failed = false;
  LargeValueSource source = [this, &blob_failed](const Hash128& h, uint64_t size, std::string* v) {
    Status st = blobs_->Get(h, size, v);
    if (!st.ok()) blob_failed = true;
    return st;
  };
  out->reserve(out->size() + rows.size());
  return ForRows(rows, [&](uint64_t res, uint64_t scope, std::string_view body) {
    if (res >= f.resources.size() || scope >= f.scopes.size())
      return DataLossError(path_ + ": bad resource index");
    Span& s = out->emplace_back();
    Status st = DecodeSpanBody(body, &s, &source);
    if (!st.ok()) {
      out->pop_back();
      return blob_failed ? st : Damaged(st.WithContext(path_));
    }
    s.resource = resources_[res];
    s.scope = scopes_[scope];
    return Status::Ok();
  });
}

Status BlockReader::SpanIds(const std::vector<uint64_t>& rows, std::vector<SpanId>* out) const {
  return ForRows(rows, [&](uint64_t, uint64_t, std::string_view body) {
    if (body.size() < 25) return DataLossError(path_ + ": span body too short");
    SpanId id;
    std::memcpy(id.data(), body.data() + 17, 8);  // after version byte and trace id
    out->push_back(id);
    return Status::Ok();
  });
}

Status BlockReader::ForRows(
    const std::vector<uint64_t>& rows,
    const std::function<Status(uint64_t, uint64_t, std::string_view)>& fn) const {
  const Footer& f = *footer_;
  // Per-thread buffers (ForRows does not nest on a thread: its callbacks decode, never read rows).
  thread_local std::string stored, raw;
  size_t loaded_group = SIZE_MAX;
  struct Entry {
    uint64_t res, scope;
    std::string_view body;
  };
  std::vector<Entry> entries;  // rows of the loaded group
  for (uint64_t row : rows) {
    if (row >= f.rows) return InvalidArgumentError("row out of range");
    auto it =
        std::upper_bound(f.row_groups.begin(), f.row_groups.end(), row,
                         [](uint64_t r, const Footer::RowGroup& g) { return r < g.first_row; });
    size_t gi = static_cast<size_t>(std::prev(it) - f.row_groups.begin());
    const auto& g = f.row_groups[gi];
    if (gi != loaded_group) {
      HT_RETURN_IF_ERROR(file_->Read(g.offset, g.length, &stored));
      Status s = ReadChunk(stored, &raw, nullptr, dict_.get());
      if (!s.ok()) return Damaged(s.WithContext(path_ + " row group " + std::to_string(gi)));
      entries.clear();
      Decoder dec(raw);
      for (uint64_t i = 0; i < g.rows; ++i) {
        Entry e;
        if (!dec.GetVarint64(&e.res) || !dec.GetVarint64(&e.scope) ||
            !dec.GetLengthPrefixed(&e.body)) {
          return Damaged(DataLossError(path_ + ": malformed row group " + std::to_string(gi)));
        }
        entries.push_back(e);
      }
      loaded_group = gi;
    }
    const Entry& e = entries[row - g.first_row];
    HT_RETURN_IF_ERROR(fn(e.res, e.scope, e.body));
  }
  return Status::Ok();
}

}  // namespace hoptrace
