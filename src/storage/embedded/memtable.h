// The in-memory recent part: spans appended since the last freeze, in encoded form plus
// decoded scan columns. Append-only; frozen when full and then written to a block.
//
// Thread-safety: thread-safe. Insert takes an exclusive lock; readers a shared one. Rows are
// never removed or reordered after insertion (only their derived fields may be rewritten in
// place, see UpdateDerived), so a reader that noted rows() sees a stable prefix.
#pragma once

#include <cstring>
#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "common/hash.h"
#include "model/span_codec.h"
#include "storage/embedded/blob_store.h"
#include "storage/embedded/part.h"
#include "storage/span_store.h"

namespace hoptrace {

struct TraceIdHasher {
  size_t operator()(const TraceId& t) const {
    uint64_t a, b;
    std::memcpy(&a, t.data(), 8);
    std::memcpy(&b, t.data() + 8, 8);
    return static_cast<size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
  }
};

// A span ready to insert: its encoded body (large values replaced by references) and the
// fields the memtable keeps decoded. The string_views point into the Span it was encoded from,
// which must outlive the insert.
struct EncodedSpan {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};
  std::string body;
  std::string resource;  // EncodeResource bytes
  std::string scope;     // EncodeScope bytes
  uint64_t start = 0;
  int64_t duration = 0;
  uint8_t flags = 0;
  std::string_view dict_values[kNumDictColumns];
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost = 0;
  const Attributes* attributes = nullptr;  // for the attribute-key list
  std::vector<Hash128> large_values;       // referenced by body
};
// Encodes a span for the store. `cache` (optional) remembers the last resource and scope
// encodings, so the spans of one resource do not re-encode it. Thread-safety: EncodeForStore is
// thread-safe; an EncodeCache belongs to one thread.
struct EncodeCache {
  const Resource* resource = nullptr;
  std::string resource_bytes;
  const Scope* scope = nullptr;
  std::string scope_bytes;
};
EncodedSpan EncodeForStore(const Span& span, const LargeValueSink& sink,
                           EncodeCache* cache = nullptr);

class MemTable {
 public:
  MemTable(uint64_t wal_first_seq, const BlobStore* blobs)
      : wal_first_seq_(wal_first_seq), wal_last_seq_(wal_first_seq), blobs_(blobs) {}

  // Inserts spans not present yet; returns how many were new. `values` supplies large values
  // referenced by the spans that the blob store does not hold yet.
  uint64_t Insert(std::vector<EncodedSpan>* spans,
                  std::unordered_map<Hash128, std::string, Hash128Hasher>* values) {
    uint64_t n = InsertPending(spans, values);
    Publish();
    return n;
  }

  // Two-phase insert, so the memtable work of a group commit overlaps its fsync:
  // InsertPending adds rows that queries do not see yet (but duplicate checks do); Publish makes
  // every pending row visible; Rollback(mark) removes the rows added since Mark().
  // REQUIRES: one inserting thread at a time (the store's group-commit leader).
  struct InsertMark {
    size_t rows = 0;
    size_t bytes = 0;
    uint64_t min_start = 0, max_start = 0;
  };
  InsertMark Mark() const;
  uint64_t InsertPending(std::vector<EncodedSpan>* spans,
                         std::unordered_map<Hash128, std::string, Hash128Hasher>* values);
  void Publish();
  void Rollback(const InsertMark& mark);

  bool Contains(const TraceId& t, const SpanId& s) const;
  // The row of a published (visible) span; false when there is none.
  bool FindVisibleRow(const TraceId& t, const SpanId& s, uint64_t* row) const;

  // Rewrites the derived fields of a visible row in place: its scan columns and its encoded body,
  // so the block later written from this memtable holds the new values. Remembers the update
  // (InPlaceUpdates) until the memtable is gone. REQUIRES: the memtable is not frozen (a flush
  // may be reading it) and `row` is visible.
  Status UpdateDerived(uint64_t row, const AgentFields& derived);
  // Every row updated by UpdateDerived, with its latest derived fields.
  std::vector<DerivedUpdate> InPlaceUpdates() const;
  bool has_in_place_updates() const;
  bool HasLargeValue(const Hash128& h) const;

  uint64_t rows() const;  // visible rows
  size_t bytes() const;
  uint64_t wal_first_seq() const { return wal_first_seq_; }
  uint64_t wal_last_seq() const;
  void set_wal_last_seq(uint64_t seq);

  // A Part over rows [0, rows()) as of now.
  std::shared_ptr<const Part> Snapshot(const std::shared_ptr<const MemTable>& self) const;

  // For the flush (REQUIRES: frozen, i.e. no more Insert calls).
  struct Frozen;
  const Frozen& frozen() const { return data_; }

  struct Frozen {
    std::vector<TraceId> trace;
    std::vector<SpanId> span;
    std::vector<SpanId> parent;
    std::vector<uint64_t> start;
    std::vector<int64_t> duration;
    std::vector<uint8_t> flags;
    std::vector<uint32_t> dict[kNumDictColumns];
    std::vector<int64_t> input, output, total;
    std::vector<double> cost;
    std::vector<std::string> body;
    std::vector<uint32_t> resource, scope;
    StringDict dicts[kNumDictColumns];
    StringDict resources, scopes, attribute_keys;
    // Insert-time shortcuts: consecutive spans mostly share resource, scope and key list.
    std::string last_resource, last_scope, last_keys;
    uint32_t last_resource_id = 0, last_scope_id = 0;
    std::unordered_map<TraceId, std::vector<uint32_t>, TraceIdHasher> by_trace;
    // Open-addressing index of rows by span id (slot = row + 1, 0 = empty), for duplicates.
    std::vector<uint32_t> span_slots;
    std::unordered_map<Hash128, std::string, Hash128Hasher>
        values;                                             // large values not in the blob store
    std::unordered_set<Hash128, Hash128Hasher> value_refs;  // every large value referenced
    uint64_t min_start = UINT64_MAX, max_start = 0;
  };

  // Resolves a large value for reading.
  Status GetLargeValue(const Hash128& h, uint64_t size, std::string* out) const;

 private:
  friend class MemPart;
  mutable std::shared_mutex mu_;
  Frozen data_;              // guarded by mu_
  size_t visible_rows_ = 0;  // guarded by mu_: rows [0, visible_rows_) are published
  size_t bytes_ = 0;
  std::unordered_map<uint32_t, AgentFields> updated_;  // guarded by mu_: row -> derived
  const uint64_t wal_first_seq_;
  uint64_t wal_last_seq_;
  const BlobStore* blobs_;
};

// Decodes one stored row (body + resource + scope bytes) into a full span.
Status DecodeStoredSpan(std::string_view body, std::string_view resource, std::string_view scope,
                        const LargeValueSource& source, Span* out);

}  // namespace hoptrace
