// PatchedPart: a Part (block or frozen memtable) seen through updates of its rows' derived fields
// (SpanStore::UpdateDerived) that could not be written into the part itself. Everything a query
// reads is patched — scan columns, dictionaries, full spans and per-trace figures — so
// query_engine.cc needs no knowledge of updates. Parts without updates are never wrapped: the
// scan fast path stays as it is.
//
// Dictionary columns: a patched string that the base part's dictionary lacks gets an id past the
// base dictionary (base DictSize + k); DictFind and DictGet know both.
//
// Thread-safety: PatchSet and PatchedPart are immutable after construction.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/embedded/memtable.h"
#include "storage/embedded/part.h"

namespace hoptrace {

struct RowPatch {
  uint64_t row = 0;
  TraceId trace_id{};
  AgentFields derived;
};

// The updates of one base part, resolved against its dictionaries.
class PatchSet {
 public:
  // REQUIRES: each row at most once, every row < base.rows(), `base` immutable (a block or a
  // frozen memtable: its dictionaries no longer grow).
  PatchSet(const Part& base, std::vector<RowPatch> patches);

  size_t size() const { return rows_.size(); }
  // Index of `row` among the patched rows, or -1.
  ptrdiff_t Find(uint64_t row) const;
  // First patched row index with row >= `row`.
  size_t LowerBound(uint64_t row) const;
  uint64_t row(size_t i) const { return rows_[i]; }
  const AgentFields& derived(size_t i) const { return derived_[i]; }
  uint32_t dict_id(size_t i, int col) const { return ids_[i][col]; }
  bool HasTrace(const TraceId& id) const { return traces_.count(id) != 0; }

  bool DictFind(const Part& base, int col, std::string_view s, uint32_t* id) const;
  std::string DictGet(const Part& base, int col, uint32_t id) const;
  uint32_t DictSize(int col) const;

 private:
  static constexpr int kPatchedDicts = kDictName;  // service .. tool; never the span name
  std::vector<uint64_t> rows_;  // sorted
  std::vector<AgentFields> derived_;
  std::vector<std::array<uint32_t, kPatchedDicts>> ids_;
  uint32_t base_size_[kNumDictColumns] = {};
  std::vector<std::string> extra_[kNumDictColumns];  // id base_size_ + k
  std::unordered_map<std::string, uint32_t, TransparentStringHash, std::equal_to<>>
      extra_ids_[kNumDictColumns];
  std::unordered_set<TraceId, TraceIdHasher> traces_;
};

class PatchedPart final : public Part {
 public:
  PatchedPart(std::shared_ptr<const Part> base, std::shared_ptr<const PatchSet> patches)
      : base_(std::move(base)), patches_(std::move(patches)) {}

  uint64_t rows() const override { return base_->rows(); }
  uint64_t min_start() const override { return base_->min_start(); }
  uint64_t max_start() const override { return base_->max_start(); }
  bool DictFind(int col, std::string_view s, uint32_t* id) const override {
    return patches_->DictFind(*base_, col, s, id);
  }
  std::string DictGet(int col, uint32_t id) const override {
    return patches_->DictGet(*base_, col, id);
  }
  uint32_t DictSize(int col) const override { return patches_->DictSize(col); }
  Status Scan(ColumnMask mask, uint64_t min_start, uint64_t max_start,
              const std::function<Status(uint64_t, const ColumnView&)>& fn) const override;
  TraceId TraceOfRow(uint64_t row, uint64_t* run_end) const override {
    return base_->TraceOfRow(row, run_end);
  }
  Status SpanIds(const std::vector<uint64_t>& rows, std::vector<SpanId>* out) const override {
    return base_->SpanIds(rows, out);
  }
  Status ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const override;
  Status FindTrace(const TraceId& id, std::vector<uint64_t>* rows) const override {
    return base_->FindTrace(id, rows);
  }
  void ForEachTrace(
      const std::function<void(const TraceId&, uint64_t, uint64_t)>& fn) const override {
    base_->ForEachTrace(fn);  // updates change no start and no trace's rows
  }
  bool HasNarrowColumns() const override { return base_->HasNarrowColumns(); }
  bool GetTracePartial(const TraceId& id, TracePartial* out) const override;
  bool MayHaveAttribute(std::string_view key) const override {
    return base_->MayHaveAttribute(key);
  }

 private:
  std::shared_ptr<const Part> base_;
  std::shared_ptr<const PatchSet> patches_;
};

// Adds one span to per-trace figures, as a part computes them from its columns.
void AddToTracePartial(const Span& s, TracePartial* p);

}  // namespace hoptrace
