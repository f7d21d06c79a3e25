// A Part is one immutable-for-the-query slice of the store: a memtable snapshot (rows [0, n) of
// a memtable) or a block. Queries (query_engine.cc) run over a list of parts.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/embedded/columns.h"

namespace hoptrace {

class Part {
 public:
  virtual ~Part() = default;
  virtual uint64_t rows() const = 0;
  virtual uint64_t min_start() const = 0;
  virtual uint64_t max_start() const = 0;
  // Dictionary access (by value: memtable dictionaries grow concurrently).
  virtual bool DictFind(int col, std::string_view s, uint32_t* id) const = 0;
  virtual std::string DictGet(int col, uint32_t id) const = 0;
  // Number of ids of a dictionary: every row of the part refers to an id below it.
  virtual uint32_t DictSize(int col) const = 0;
  // Calls fn for consecutive runs of rows with the columns in `mask` decoded; the view is valid
  // only during the call. Runs whose start range cannot intersect [min_start, max_start] may be
  // skipped.
  virtual Status Scan(
      ColumnMask mask, uint64_t min_start, uint64_t max_start,
      const std::function<Status(uint64_t first_row, const ColumnView&)>& fn) const = 0;
  // The trace of `row`; *run_end is set past the last row known to share it (>= row + 1).
  virtual TraceId TraceOfRow(uint64_t row, uint64_t* run_end) const = 0;
  // Span ids of rows, cheaply (no full decode).
  virtual Status SpanIds(const std::vector<uint64_t>& rows, std::vector<SpanId>* out) const = 0;
  // Full spans (resource, scope and large values resolved), in the order of `rows`.
  virtual Status ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const = 0;
  // Rows of a trace (empty when absent).
  virtual Status FindTrace(const TraceId& id, std::vector<uint64_t>* rows) const = 0;
  // Calls fn(trace id, rows of the trace in the part, earliest start among them) once for every
  // trace with rows in the part.
  virtual void ForEachTrace(
      const std::function<void(const TraceId&, uint64_t rows, uint64_t min_start)>& fn) const = 0;
  // True when Scan decodes kColSpanId and kColParentId and the flags carry the span kind (a
  // memtable, a block of format >= 2); false for a format-1 block, read through its row bodies.
  virtual bool HasNarrowColumns() const = 0;
  // Per-trace figures for a trace; false when the part has none of its spans.
  virtual bool GetTracePartial(const TraceId& id, TracePartial* out) const = 0;
  // False only when no span of the part has an attribute named `key`.
  virtual bool MayHaveAttribute(std::string_view key) const = 0;
};

using PartList = std::vector<std::shared_ptr<const Part>>;

}  // namespace hoptrace
