// SpanStore::ReadTraceSpans over a list of parts: the narrow read behind the aggregate agent
// graph. Three steps:
//
//  1. Selection, from the parts' trace lists (block footers, memtable trace maps): every trace's
//     row count over all parts and earliest start; the traces matching the filter (a column
//     scan, or all of them for an empty filter); the newest `limit` of them, exactly as
//     SearchTraces picks them.
//  2. Each part holding selected traces goes to one worker (fixed assignment, largest parts
//     first), which reads it through its scan columns (Part::Scan: start, duration, flags, the
//     dictionary ids, tokens, cost, span id, parent span id), never through the row bodies,
//     except for the few rows that need them: an "irregular" row (end before start, so its end
//     and kind are not in the columns) and a row whose requested attributes are wanted (its
//     operation is one of projection.attribute_operations). A format-1 block has no id columns:
//     its rows are decoded and projected (ProjectSpanInto). Patched parts (part_overlay.h)
//     answer Scan with their patched columns, so updated derived fields come out as they are.
//     Spans gather per trace in reused buffers; a trace is handed to the callback as soon as its
//     last row (by the row counts of step 1) is in.
//  3. Traces with rows in parts of different workers are completed after every worker is done,
//     merged in worker order and handed out on worker 0, by trace id.

#include <algorithm>
#include <future>
#include <map>
#include <unordered_map>

#include "common/thread_pool.h"
#include "storage/embedded/query_engine.h"

namespace hoptrace {
namespace {

struct TraceInfo {
  uint64_t rows = 0;  // over every part
  uint64_t min_start = UINT64_MAX;
  bool selected = false;
};
using TraceMap = std::unordered_map<TraceId, TraceInfo, TraceIdHasher>;

bool MatchesEverything(const SpanFilter& f) {
  return f.start_min_unix_nano == 0 && f.start_max_unix_nano == UINT64_MAX && f.service.empty() &&
         f.agent.empty() && f.model.empty() && f.tool.empty() && f.name.empty() &&
         f.operation.empty() && !f.status && !f.min_duration_ns && !f.max_duration_ns &&
         f.attributes.empty();
}

bool SpanLess(const Span& a, const Span& b) {
  if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano < b.start_unix_nano;
  return a.span_id < b.span_id;
}

// The spans of one trace being gathered. Buffers are reused from trace to trace: spans past
// `n` keep their strings' capacity.
struct Gather {
  TraceId id{};
  uint64_t expected = 0;  // rows over every part
  size_t n = 0;
  size_t pending_fixups = 0;  // rows waiting for their body
  std::vector<Span> spans;
  Span& Next() {
    if (n == spans.size()) {
      spans.emplace_back();
    } else {
      ClearUnprojectedFields(&spans[n]);
    }
    return spans[n++];
  }
  bool complete() const { return n == expected && pending_fixups == 0; }
};

constexpr size_t kFixupBatch = 1024;    // rows read from bodies at once
constexpr size_t kRowReadBatch = 4096;  // format-1 blocks: rows decoded at once

constexpr ColumnMask kReadMask =
    ColumnBit(kColStart) | ColumnBit(kColDuration) | ColumnBit(kColFlags) |
    ColumnBit(kColDictFirst + kDictService) | ColumnBit(kColDictFirst + kDictAgent) |
    ColumnBit(kColDictFirst + kDictOperation) | ColumnBit(kColDictFirst + kDictModel) |
    ColumnBit(kColDictFirst + kDictProvider) | ColumnBit(kColDictFirst + kDictTool) |
    ColumnBit(kColDictFirst + kDictName) | ColumnBit(kColInputTokens) |
    ColumnBit(kColOutputTokens) | ColumnBit(kColTotalTokens) | ColumnBit(kColCost) | kNarrowColumns;

class Worker {
 public:
  Worker(size_t index, const TraceMap& traces, const SpanProjection& projection,
         const TraceSpansFn& fn, std::atomic<bool>* delivered, std::atomic<bool>* stop)
      : index_(index),
        traces_(traces),
        projection_(projection),
        fn_(fn),
        delivered_(delivered),
        stop_(stop) {}

  // True when this worker gave up because another one failed (its status is not the cause).
  bool stopped() const { return stopped_; }

  // Reads the selected traces' rows of `part`; rows starting before `min_start` belong to no
  // selected trace.
  Status ReadPart(const Part& part, uint64_t min_start) {
    return part.HasNarrowColumns() ? ReadByColumns(part, min_start) : ReadByRows(part);
  }

  // The traces not complete when this worker's parts are done.
  std::vector<Gather*> Incomplete() const {
    std::vector<Gather*> out;
    for (const auto& [id, g] : open_) out.push_back(g);
    return out;
  }

 private:
  Gather* Open(const TraceId& id, uint64_t expected) {
    auto [it, fresh] = open_.emplace(id, nullptr);
    if (!fresh) return it->second;
    Gather* g;
    if (!free_.empty()) {
      g = free_.back();
      free_.pop_back();
    } else {
      g = owned_.emplace_back(std::make_unique<Gather>()).get();
    }
    g->id = id;
    g->expected = expected;
    g->n = 0;
    g->pending_fixups = 0;
    it->second = g;
    return g;
  }

  Status Emit(Gather* g) {
    if (stop_->load(std::memory_order_relaxed)) {
      stopped_ = true;
      return Status(StatusCode::kCancelled, "narrow read stopped");
    }
    std::span<Span> spans(g->spans.data(), g->n);
    if (!std::is_sorted(spans.begin(), spans.end(), SpanLess))
      std::sort(spans.begin(), spans.end(), SpanLess);
    open_.erase(g->id);
    free_.push_back(g);
    delivered_->store(true, std::memory_order_relaxed);
    Status st = fn_(index_, spans);
    if (!st.ok()) stop_->store(true, std::memory_order_relaxed);
    return st;
  }

  // Per-part dictionary strings (by id), extended when a row names an id past them (a memtable's
  // dictionaries grow; a patched part's extra ids are below its DictSize).
  const std::string& Dict(const Part& part, int col, uint32_t id) {
    std::vector<std::string>& d = dicts_[col];
    if (id >= d.size()) {
      const uint32_t size = std::max(part.DictSize(col), id + 1);
      for (uint32_t k = static_cast<uint32_t>(d.size()); k < size; ++k)
        d.push_back(part.DictGet(col, k));
      if (col == kDictOperation) {
        for (size_t k = wants_attrs_.size(); k < d.size(); ++k)
          wants_attrs_.push_back(part_has_keys_ && projection_.WantsAttributesOf(d[k]));
      }
    }
    return d[id];
  }

  Status ReadByColumns(const Part& part, uint64_t min_start) {
    for (auto& d : dicts_) d.clear();
    wants_attrs_.clear();
    part_has_keys_ = false;
    for (const std::string& key : projection_.attribute_keys)
      part_has_keys_ = part_has_keys_ || part.MayHaveAttribute(key);
    for (int c = 0; c < kNumDictColumns; ++c) {
      if (part.DictSize(c) > 0) Dict(part, c, part.DictSize(c) - 1);
    }
    uint64_t run_end = 0;
    Gather* cur = nullptr;
    Status scanned = part.Scan(
        kReadMask, min_start, UINT64_MAX, [&](uint64_t first, const ColumnView& v) -> Status {
          for (size_t i = 0; i < v.n; ++i) {
            const uint64_t row = first + i;
            if (row >= run_end) {
              const TraceId id = part.TraceOfRow(row, &run_end);
              auto it = traces_.find(id);
              cur =
                  it != traces_.end() && it->second.selected ? Open(id, it->second.rows) : nullptr;
            }
            if (cur == nullptr) continue;
            Span& s = cur->Next();
            const uint8_t flags = v.flags[i];
            s.trace_id = cur->id;
            s.span_id = v.span_id[i];
            s.parent_span_id = v.parent_id[i];
            s.name = Dict(part, kDictName, v.dict[kDictName][i]);
            s.kind = FlagsKind(flags);
            s.start_unix_nano = v.start[i];
            s.end_unix_nano = v.start[i] + static_cast<uint64_t>(v.duration[i]);
            s.status_code = FlagsStatus(flags);
            AgentFields& a = s.derived;
            a.service = Dict(part, kDictService, v.dict[kDictService][i]);
            a.agent = Dict(part, kDictAgent, v.dict[kDictAgent][i]);
            const uint32_t op = v.dict[kDictOperation][i];
            a.operation = Dict(part, kDictOperation, op);
            a.model = Dict(part, kDictModel, v.dict[kDictModel][i]);
            a.provider = Dict(part, kDictProvider, v.dict[kDictProvider][i]);
            a.tool = Dict(part, kDictTool, v.dict[kDictTool][i]);
            a.input_tokens = v.input_tokens[i];
            a.output_tokens = v.output_tokens[i];
            a.total_tokens = v.total_tokens[i];
            a.cost_usd = v.cost[i];
            a.usage_counted = (flags & kFlagCounted) != 0;
            const bool irregular = (flags & kFlagIrregular) != 0;
            const bool attrs = wants_attrs_[op];
            if (irregular || attrs) {
              fixups_.push_back({cur, cur->n - 1, row, irregular, attrs});
              ++cur->pending_fixups;
              if (fixups_.size() >= kFixupBatch) HT_RETURN_IF_ERROR(ApplyFixups(part));
            }
            if (cur->complete()) {
              Gather* done = cur;
              cur = nullptr;  // every row of the trace is in: the run is over too
              HT_RETURN_IF_ERROR(Emit(done));
            }
          }
          return ApplyFixups(part);
        });
    HT_RETURN_IF_ERROR(scanned);
    return ApplyFixups(part);
  }

  // Reads the bodies of the rows that need them; emits the traces they completed.
  Status ApplyFixups(const Part& part) {
    if (fixups_.empty()) return Status::Ok();
    rows_.clear();
    for (const Fixup& f : fixups_) rows_.push_back(f.row);
    full_.clear();
    HT_RETURN_IF_ERROR(part.ReadSpans(rows_, &full_));
    if (full_.size() != fixups_.size()) return InternalError("narrow read: row bodies missing");
    std::vector<Fixup> fixups = std::move(fixups_);
    fixups_.clear();
    for (size_t k = 0; k < fixups.size(); ++k) {
      const Fixup& f = fixups[k];
      Span& s = f.gather->spans[f.index];
      const Span& body = full_[k];
      if (f.irregular) {
        s.kind = body.kind;
        s.end_unix_nano = body.end_unix_nano;
      }
      if (f.attributes) {
        for (const KeyValue& kv : body.attributes) {
          if (std::find(projection_.attribute_keys.begin(), projection_.attribute_keys.end(),
                        kv.key) != projection_.attribute_keys.end()) {
            s.attributes.push_back(kv);
          }
        }
      }
      --f.gather->pending_fixups;
    }
    for (const Fixup& f : fixups) {
      // A trace whose last fixup this was, and whose rows are all in (once: it leaves open_).
      if (f.gather->complete() && open_.count(f.gather->id) && open_[f.gather->id] == f.gather)
        HT_RETURN_IF_ERROR(Emit(f.gather));
    }
    return Status::Ok();
  }

  // A block of format 1: the rows of its selected traces, decoded and projected.
  Status ReadByRows(const Part& part) {
    std::vector<std::pair<TraceId, size_t>> batch;  // trace, rows
    rows_.clear();
    auto flush = [&]() -> Status {
      if (rows_.empty()) return Status::Ok();
      full_.clear();
      HT_RETURN_IF_ERROR(part.ReadSpans(rows_, &full_));
      if (full_.size() != rows_.size()) return InternalError("narrow read: rows missing");
      size_t k = 0;
      for (const auto& [id, n] : batch) {
        Gather* g = Open(id, traces_.at(id).rows);
        for (size_t j = 0; j < n; ++j) ProjectSpanInto(full_[k++], projection_, &g->Next());
        if (g->complete()) HT_RETURN_IF_ERROR(Emit(g));
      }
      batch.clear();
      rows_.clear();
      return Status::Ok();
    };
    std::vector<TraceId> ids;
    part.ForEachTrace([&](const TraceId& id, uint64_t, uint64_t) {
      auto it = traces_.find(id);
      if (it != traces_.end() && it->second.selected) ids.push_back(id);
    });
    std::vector<uint64_t> trace_rows;
    for (const TraceId& id : ids) {
      trace_rows.clear();
      HT_RETURN_IF_ERROR(part.FindTrace(id, &trace_rows));
      batch.emplace_back(id, trace_rows.size());
      rows_.insert(rows_.end(), trace_rows.begin(), trace_rows.end());
      if (rows_.size() >= kRowReadBatch) HT_RETURN_IF_ERROR(flush());
    }
    return flush();
  }

  struct Fixup {
    Gather* gather;
    size_t index;
    uint64_t row;
    bool irregular;
    bool attributes;
  };

  const size_t index_;
  const TraceMap& traces_;
  const SpanProjection& projection_;
  const TraceSpansFn& fn_;
  std::atomic<bool>* delivered_;
  std::atomic<bool>* stop_;
  bool stopped_ = false;
  std::unordered_map<TraceId, Gather*, TraceIdHasher> open_;
  std::vector<std::unique_ptr<Gather>> owned_;
  std::vector<Gather*> free_;
  std::vector<std::string> dicts_[kNumDictColumns];
  std::vector<bool> wants_attrs_;  // by operation dictionary id
  bool part_has_keys_ = false;
  std::vector<Fixup> fixups_;
  std::vector<uint64_t> rows_;
  std::vector<Span> full_;
};

}  // namespace

Status QueryTraceSpans(const PartList& parts, const TraceSpansRequest& request,
                       const TraceSpansFn& fn, std::atomic<bool>* delivered) {
  // 1. Selection.
  TraceMap traces;
  for (const auto& p : parts) {
    p->ForEachTrace([&](const TraceId& id, uint64_t rows, uint64_t min_start) {
      TraceInfo& t = traces[id];
      t.rows += rows;
      t.min_start = std::min(t.min_start, min_start);
    });
  }
  std::vector<std::pair<uint64_t, TraceId>> matched;  // (start, id)
  if (MatchesEverything(request.filter)) {
    matched.reserve(traces.size());
    for (const auto& [id, t] : traces) matched.emplace_back(t.min_start, id);
  } else {
    std::unordered_set<TraceId, TraceIdHasher> ids;
    HT_RETURN_IF_ERROR(QueryMatchingTraces(parts, request.filter, &ids));
    matched.reserve(ids.size());
    for (const TraceId& id : ids) {
      auto it = traces.find(id);
      if (it != traces.end()) matched.emplace_back(it->second.min_start, id);
    }
  }
  if (matched.size() > request.limit) {
    // SearchTraces' order: newest start first, then trace id.
    auto newer = [](const std::pair<uint64_t, TraceId>& a, const std::pair<uint64_t, TraceId>& b) {
      if (a.first != b.first) return a.first > b.first;
      return a.second < b.second;
    };
    std::nth_element(matched.begin(), matched.begin() + static_cast<ptrdiff_t>(request.limit),
                     matched.end(), newer);
    matched.resize(request.limit);
  }
  if (matched.empty()) return Status::Ok();
  uint64_t min_start = UINT64_MAX;
  for (const auto& [start, id] : matched) {
    traces[id].selected = true;
    min_start = std::min(min_start, start);
  }

  // 2. Parts to workers: largest first, each to the least loaded worker.
  std::vector<std::pair<uint64_t, size_t>> work;  // (selected rows, part)
  for (size_t i = 0; i < parts.size(); ++i) {
    uint64_t rows = 0;
    parts[i]->ForEachTrace([&](const TraceId& id, uint64_t n, uint64_t) {
      auto it = traces.find(id);
      if (it != traces.end() && it->second.selected) rows += n;
    });
    if (rows == 0) continue;
    work.emplace_back(rows, i);
  }
  const size_t workers = std::max<size_t>(1, std::min(request.max_workers, work.size()));
  std::sort(work.begin(), work.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::vector<size_t>> assigned(workers);
  std::vector<uint64_t> load(workers, 0);
  for (const auto& [rows, part] : work) {
    size_t w = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    assigned[w].push_back(part);
    load[w] += rows;
  }
  std::atomic<bool> stop{false};  // set by the first failure: the other workers give up
  std::vector<std::unique_ptr<Worker>> state;
  for (size_t w = 0; w < workers; ++w) {
    std::sort(assigned[w].begin(), assigned[w].end());
    state.push_back(std::make_unique<Worker>(w, traces, request.projection, fn, delivered, &stop));
  }
  std::vector<Status> statuses(workers);
  auto run = [&](size_t w) {
    for (size_t part : assigned[w]) {
      statuses[w] = state[w]->ReadPart(*parts[part], min_start);
      if (!statuses[w].ok()) {
        stop.store(true, std::memory_order_relaxed);
        return;
      }
    }
  };
  std::vector<std::future<void>> helpers;
  ThreadPool& pool = ThreadPool::Shared();
  for (size_t w = 1; w < workers; ++w) helpers.push_back(pool.Submit([&run, w] { run(w); }));
  run(0);
  for (auto& h : helpers) h.get();
  for (size_t w = 0; w < workers; ++w) {
    if (!statuses[w].ok() && !state[w]->stopped()) return statuses[w];
  }

  // 3. Traces split over the parts of several workers.
  std::map<TraceId, std::vector<Gather*>> split;
  for (const auto& w : state) {
    for (Gather* g : w->Incomplete()) split[g->id].push_back(g);
  }
  std::vector<Span> spans;
  for (auto& [id, pieces] : split) {
    spans.clear();
    for (Gather* g : pieces) {
      for (size_t k = 0; k < g->n; ++k) spans.push_back(std::move(g->spans[k]));
    }
    if (spans.size() != traces.at(id).rows) {
      return InternalError("narrow read: trace " + ToHex(id) + " has " +
                           std::to_string(spans.size()) + " of its " +
                           std::to_string(traces.at(id).rows) + " rows");
    }
    std::sort(spans.begin(), spans.end(), SpanLess);
    delivered->store(true, std::memory_order_relaxed);
    HT_RETURN_IF_ERROR(fn(0, std::span<Span>(spans)));
  }
  return Status::Ok();
}

}  // namespace hoptrace
