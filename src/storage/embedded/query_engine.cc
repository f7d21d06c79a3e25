#include "storage/embedded/query_engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "common/thread_pool.h"
#include "storage/embedded/memtable.h"

namespace hoptrace {
namespace {

// A SpanFilter resolved against one part's dictionaries.
struct PartFilter {
  bool impossible = false;
  bool has_eq[kNumDictColumns] = {};
  uint32_t eq[kNumDictColumns] = {};
  ColumnMask mask = 0;
  bool needs_decode = false;  // attribute predicates
  bool check_time = false;    // the time range does not cover the whole part
  bool match_all = false;     // no row-level predicate at all
};

PartFilter Resolve(const Part& part, const SpanFilter& f) {
  PartFilter pf;
  const std::pair<int, const std::string*> fields[] = {
      {kDictService, &f.service}, {kDictAgent, &f.agent}, {kDictModel, &f.model},
      {kDictTool, &f.tool},       {kDictName, &f.name},   {kDictOperation, &f.operation}};
  for (const auto& [col, value] : fields) {
    if (value->empty()) continue;
    pf.has_eq[col] = true;
    pf.mask |= ColumnBit(kColDictFirst + col);
    if (!part.DictFind(col, *value, &pf.eq[col])) pf.impossible = true;
  }
  if (f.start_min_unix_nano > part.min_start() || f.start_max_unix_nano < part.max_start()) {
    pf.mask |= ColumnBit(kColStart);
    pf.check_time = true;
    if (part.max_start() < f.start_min_unix_nano || part.min_start() > f.start_max_unix_nano)
      pf.impossible = true;
  }
  if (f.status) pf.mask |= ColumnBit(kColFlags);
  if (f.min_duration_ns || f.max_duration_ns) pf.mask |= ColumnBit(kColDuration);
  for (const auto& [key, value] : f.attributes) {
    pf.needs_decode = true;
    if (!part.MayHaveAttribute(key)) pf.impossible = true;
  }
  if (part.rows() == 0) pf.impossible = true;
  pf.match_all = pf.mask == 0;
  return pf;
}

bool MatchRow(const PartFilter& pf, const SpanFilter& f, const ColumnView& v, size_t i) {
  if (pf.check_time && (v.start[i] < f.start_min_unix_nano || v.start[i] > f.start_max_unix_nano))
    return false;
  for (int c = 0; c < kNumDictColumns; ++c) {
    if (pf.has_eq[c] && v.dict[c][i] != pf.eq[c]) return false;
  }
  if (f.status && FlagsStatus(v.flags[i]) != *f.status) return false;
  if (f.min_duration_ns && v.duration[i] < *f.min_duration_ns) return false;
  if (f.max_duration_ns && v.duration[i] > *f.max_duration_ns) return false;
  return true;
}

bool MatchAttributes(const SpanFilter& f, const Span& s) {
  for (const auto& [key, value] : f.attributes) {
    const AnyValue* v = FindAttribute(s.attributes, key);
    if (!v || v->ToText() != value) return false;
  }
  return true;
}

// Calls fn(first_row, view, matched rows within the view) for every run of rows of `part`
// matching `f`, with the columns of `extra` decoded too. If `want_spans`, also passes the decoded
// spans of the matched rows (always decoded when the filter has attribute predicates).
using MatchFn =
    std::function<Status(uint64_t first, const ColumnView& v, const std::vector<uint32_t>& idx,
                         const std::vector<Span>* spans)>;
Status ScanMatches(const Part& part, const SpanFilter& f, ColumnMask extra, bool want_spans,
                   const MatchFn& fn) {
  PartFilter pf = Resolve(part, f);
  if (pf.impossible) return Status::Ok();
  thread_local std::vector<uint32_t> idx;
  std::vector<uint64_t> rows;
  std::vector<Span> spans;
  return part.Scan(pf.mask | extra, f.start_min_unix_nano, f.start_max_unix_nano,
                   [&](uint64_t first, const ColumnView& v) -> Status {
                     idx.clear();
                     if (pf.match_all) {
                       idx.resize(v.n);
                       for (size_t i = 0; i < v.n; ++i) idx[i] = static_cast<uint32_t>(i);
                     } else {
                       for (size_t i = 0; i < v.n; ++i)
                         if (MatchRow(pf, f, v, i)) idx.push_back(static_cast<uint32_t>(i));
                     }
                     if (idx.empty()) return Status::Ok();
                     if (!pf.needs_decode && !want_spans) return fn(first, v, idx, nullptr);
                     rows.clear();
                     for (uint32_t i : idx) rows.push_back(first + i);
                     spans.clear();
                     HT_RETURN_IF_ERROR(part.ReadSpans(rows, &spans));
                     if (pf.needs_decode) {
                       size_t out = 0;
                       for (size_t k = 0; k < idx.size(); ++k) {
                         if (!MatchAttributes(f, spans[k])) continue;
                         idx[out] = idx[k];
                         if (out != k) spans[out] = std::move(spans[k]);
                         ++out;
                       }
                       idx.resize(out);
                       spans.resize(out);
                       if (idx.empty()) return Status::Ok();
                     }
                     return fn(first, v, idx, &spans);
                   });
}

bool SpanLess(const Span& a, const Span& b) {
  if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano < b.start_unix_nano;
  return a.span_id < b.span_id;
}

}  // namespace

StatusOr<std::vector<Span>> QueryTrace(const PartList& parts, const TraceId& id) {
  std::vector<Span> out;
  std::vector<uint64_t> rows;
  for (const auto& p : parts) {
    rows.clear();
    HT_RETURN_IF_ERROR(p->FindTrace(id, &rows));
    if (!rows.empty()) HT_RETURN_IF_ERROR(p->ReadSpans(rows, &out));
  }
  if (out.empty()) return NotFoundError("trace " + ToHex(id) + " not found");
  // A block returns its rows in order already; a memtable's trace needs sorting. Sort a
  // permutation, then move each span once (sorting the spans themselves moved each of them
  // log n times: half the time of a 100,000-span trace read).
  if (!std::is_sorted(out.begin(), out.end(), SpanLess)) {
    std::vector<uint32_t> order(out.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::sort(order.begin(), order.end(),
              [&out](uint32_t a, uint32_t b) { return SpanLess(out[a], out[b]); });
    std::vector<Span> sorted;
    sorted.reserve(out.size());
    for (uint32_t i : order) sorted.push_back(std::move(out[i]));
    out = std::move(sorted);
  }
  return out;
}

StatusOr<bool> QueryContainsSpan(const PartList& parts, const TraceId& trace, const SpanId& span) {
  std::vector<uint64_t> rows;
  std::vector<SpanId> ids;
  for (const auto& p : parts) {
    rows.clear();
    HT_RETURN_IF_ERROR(p->FindTrace(trace, &rows));
    if (rows.empty()) continue;
    ids.clear();
    HT_RETURN_IF_ERROR(p->SpanIds(rows, &ids));
    if (std::find(ids.begin(), ids.end(), span) != ids.end()) return true;
  }
  return false;
}

Status QueryMatchingTraces(const PartList& parts, const SpanFilter& filter,
                           std::unordered_set<TraceId, TraceIdHasher>* matched) {
  for (const auto& p : parts) {
    HT_RETURN_IF_ERROR(ScanMatches(*p, filter, 0, false,
                                   [&](uint64_t first, const ColumnView&,
                                       const std::vector<uint32_t>& idx, const std::vector<Span>*) {
                                     uint64_t run_end = 0;
                                     for (uint32_t i : idx) {
                                       uint64_t row = first + i;
                                       if (row < run_end) continue;
                                       matched->insert(p->TraceOfRow(row, &run_end));
                                     }
                                     return Status::Ok();
                                   }));
  }
  return Status::Ok();
}

StatusOr<std::vector<TraceSummary>> QuerySearchTraces(const PartList& parts,
                                                      const SpanFilter& filter, size_t limit) {
  std::unordered_set<TraceId, TraceIdHasher> matched;
  HT_RETURN_IF_ERROR(QueryMatchingTraces(parts, filter, &matched));
  std::vector<TraceSummary> out;
  out.reserve(matched.size());
  for (const TraceId& id : matched) {
    TracePartial t;
    for (const auto& p : parts) p->GetTracePartial(id, &t);
    TraceSummary s;
    s.trace_id = id;
    s.root_name = t.has_root ? t.root_name : t.first_name;
    s.root_service = t.has_root ? t.root_service : t.first_service;
    s.start_unix_nano = t.min_start;
    s.end_unix_nano = std::max(t.max_end, t.min_start);
    s.span_count = t.spans;
    s.error_count = t.errors;
    s.agents = std::move(t.agents);
    std::sort(s.agents.begin(), s.agents.end());
    s.input_tokens = t.input_tokens;
    s.output_tokens = t.output_tokens;
    s.total_tokens = t.total_tokens;
    s.cost_usd = t.cost;
    out.push_back(std::move(s));
  }
  auto newer = [](const TraceSummary& a, const TraceSummary& b) {
    if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano > b.start_unix_nano;
    return a.trace_id < b.trace_id;
  };
  if (out.size() > limit) {
    std::partial_sort(out.begin(), out.begin() + static_cast<ptrdiff_t>(limit), out.end(), newer);
    out.resize(limit);
  } else {
    std::sort(out.begin(), out.end(), newer);
  }
  return out;
}

StatusOr<std::vector<Span>> QuerySearchSpans(const PartList& parts, const SpanFilter& filter,
                                             SpanOrder order, size_t limit) {
  if (limit == 0) return std::vector<Span>{};
  struct Candidate {
    uint64_t key;
    uint32_t part;
    uint64_t row;
  };
  std::vector<Candidate> cands;
  const ColumnMask mask =
      order == SpanOrder::kNewestFirst ? ColumnBit(kColStart) : ColumnBit(kColDuration);
  auto key_greater = [](const Candidate& a, const Candidate& b) { return a.key > b.key; };
  // Keeps the candidate list bounded: everything tied with the limit-th key is kept, so the
  // exact tie-break by (trace id, span id) below sees all contenders.
  auto prune = [&]() {
    if (cands.size() <= 4 * limit + 1024) return;
    std::nth_element(cands.begin(), cands.begin() + static_cast<ptrdiff_t>(limit - 1), cands.end(),
                     key_greater);
    uint64_t kth = cands[limit - 1].key;
    cands.erase(
        std::remove_if(cands.begin(), cands.end(), [&](const Candidate& c) { return c.key < kth; }),
        cands.end());
  };
  for (uint32_t pi = 0; pi < parts.size(); ++pi) {
    HT_RETURN_IF_ERROR(ScanMatches(*parts[pi], filter, mask, false,
                                   [&](uint64_t first, const ColumnView& v,
                                       const std::vector<uint32_t>& idx, const std::vector<Span>*) {
                                     for (uint32_t i : idx) {
                                       uint64_t key = order == SpanOrder::kNewestFirst
                                                          ? v.start[i]
                                                          : static_cast<uint64_t>(std::max<int64_t>(
                                                                0, v.duration[i]));
                                       cands.push_back({key, pi, first + i});
                                     }
                                     prune();
                                     return Status::Ok();
                                   }));
  }
  if (cands.size() > limit) {
    std::nth_element(cands.begin(), cands.begin() + static_cast<ptrdiff_t>(limit - 1), cands.end(),
                     key_greater);
    uint64_t kth = cands[limit - 1].key;
    cands.erase(
        std::remove_if(cands.begin(), cands.end(), [&](const Candidate& c) { return c.key < kth; }),
        cands.end());
  }
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.part != b.part ? a.part < b.part : a.row < b.row;
  });
  std::vector<Span> spans;
  std::vector<uint64_t> rows;
  for (size_t i = 0; i < cands.size();) {
    size_t j = i;
    rows.clear();
    for (; j < cands.size() && cands[j].part == cands[i].part; ++j) rows.push_back(cands[j].row);
    HT_RETURN_IF_ERROR(parts[cands[i].part]->ReadSpans(rows, &spans));
    i = j;
  }
  auto key_of = [&](const Span& s) {
    return order == SpanOrder::kNewestFirst ? s.start_unix_nano
                                            : static_cast<uint64_t>(s.duration_ns());
  };
  std::sort(spans.begin(), spans.end(), [&](const Span& a, const Span& b) {
    uint64_t ka = key_of(a), kb = key_of(b);
    if (ka != kb) return ka > kb;
    if (a.trace_id != b.trace_id) return a.trace_id < b.trace_id;
    return a.span_id < b.span_id;
  });
  if (spans.size() > limit) spans.resize(limit);
  return spans;
}

namespace {

struct Acc {
  uint64_t spans = 0, errors = 0;
  int64_t input = 0, output = 0, total = 0;
  double cost = 0;
  std::vector<int64_t> durations;
  void Merge(Acc&& o) {
    spans += o.spans;
    errors += o.errors;
    input += o.input;
    output += o.output;
    total += o.total;
    cost += o.cost;
    durations.insert(durations.end(), o.durations.begin(), o.durations.end());
  }
};

double Percentile(std::vector<int64_t>* d, double q) {
  if (d->empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(d->size())));
  if (rank == 0) rank = 1;
  std::nth_element(d->begin(), d->begin() + static_cast<ptrdiff_t>(rank - 1), d->end());
  return static_cast<double>((*d)[rank - 1]) / 1e6;
}

using GroupMap = std::map<std::vector<std::string>, Acc>;

int DictOf(GroupField f) {
  switch (f) {
    case GroupField::kAgent:
      return kDictAgent;
    case GroupField::kModel:
      return kDictModel;
    case GroupField::kProvider:
      return kDictProvider;
    case GroupField::kTool:
      return kDictTool;
    case GroupField::kService:
      return kDictService;
    case GroupField::kOperation:
      return kDictOperation;
    case GroupField::kName:
      return kDictName;
    default:
      return -1;
  }
}

void AddRow(Acc& a, const ColumnView& v, uint32_t i, bool with_percentiles) {
  ++a.spans;
  if (FlagsStatus(v.flags[i]) == StatusCodeValue::kError) ++a.errors;
  if (v.flags[i] & kFlagCounted) {
    a.input += v.input_tokens[i];
    a.output += v.output_tokens[i];
    if (v.total_tokens) a.total += v.total_tokens[i];
    if (v.cost) a.cost += v.cost[i];
  }
  if (with_percentiles) a.durations.push_back(v.duration[i]);
}

// Aggregates one part into `global`. Fast path: a single dictionary or status key, with
// accumulators indexed by the part's dictionary id.
Status AggregatePart(const std::shared_ptr<const Part>& part, const AggregateRequest& req,
                     ColumnMask mask, bool want_spans, GroupMap* global_out) {
  GroupMap& global = *global_out;
  const size_t k = req.group_by.size();
  if (k == 1 && req.group_by[0].field != GroupField::kAttribute) {
    const int dict = DictOf(req.group_by[0].field);
    std::vector<Acc> accs;
    HT_RETURN_IF_ERROR(ScanMatches(*part, req.filter, mask, false,
                                   [&](uint64_t, const ColumnView& v,
                                       const std::vector<uint32_t>& idx, const std::vector<Span>*) {
                                     const uint32_t* ids = dict >= 0 ? v.dict[dict] : nullptr;
                                     for (uint32_t i : idx) {
                                       uint32_t id = ids ? ids[i] : (v.flags[i] & 3u);
                                       if (id >= accs.size()) accs.resize(id + 1);
                                       AddRow(accs[id], v, i, req.with_percentiles);
                                     }
                                     return Status::Ok();
                                   }));
    for (uint32_t id = 0; id < accs.size(); ++id) {
      if (accs[id].spans == 0) continue;
      std::string key = dict >= 0 ? part->DictGet(dict, id)
                                  : std::string(StatusCodeText(static_cast<StatusCodeValue>(id)));
      global[{std::move(key)}].Merge(std::move(accs[id]));
    }
    return Status::Ok();
  }
  // Local ids: dictionary ids of this part; attribute values interned per part.
  std::vector<StringDict> attr_values(k);
  std::unordered_map<uint64_t, Acc> local;
  std::unordered_map<std::string, uint64_t> tuple_ids;
  std::vector<std::vector<uint32_t>> tuples;
  std::vector<uint32_t> ids(k);
  std::vector<int> dicts(k);  // dictionary column of each key, -1 for status and attributes
  for (size_t g = 0; g < k; ++g) dicts[g] = DictOf(req.group_by[g].field);
  HT_RETURN_IF_ERROR(ScanMatches(
      *part, req.filter, mask, want_spans,
      [&](uint64_t, const ColumnView& v, const std::vector<uint32_t>& idx,
          const std::vector<Span>* spans) {
        for (size_t m = 0; m < idx.size(); ++m) {
          uint32_t i = idx[m];
          for (size_t g = 0; g < k; ++g) {
            if (dicts[g] >= 0) {
              ids[g] = v.dict[dicts[g]][i];
            } else if (req.group_by[g].field == GroupField::kStatus) {
              ids[g] = v.flags[i] & 3;
            } else {
              const AnyValue* a = FindAttribute((*spans)[m].attributes, req.group_by[g].attribute);
              ids[g] = attr_values[g].Intern(a ? a->ToText() : std::string());
            }
          }
          uint64_t tk;
          if (k == 0) {
            tk = 0;
          } else if (k == 1) {
            tk = ids[0];
          } else if (k == 2) {
            tk = static_cast<uint64_t>(ids[0]) << 32 | ids[1];
          } else {
            std::string s(reinterpret_cast<const char*>(ids.data()), 4 * k);
            auto [it, inserted] = tuple_ids.emplace(s, tuples.size());
            if (inserted) tuples.push_back(ids);
            tk = it->second;
          }
          AddRow(local[tk], v, i, req.with_percentiles);
        }
        return Status::Ok();
      }));
  for (auto& [tk, acc] : local) {
    std::vector<uint32_t> t(k);
    if (k == 1) {
      t[0] = static_cast<uint32_t>(tk);
    } else if (k == 2) {
      t[0] = static_cast<uint32_t>(tk >> 32);
      t[1] = static_cast<uint32_t>(tk);
    } else if (k > 2) {
      t = tuples[tk];
    }
    std::vector<std::string> key(k);
    for (size_t g = 0; g < k; ++g) {
      if (dicts[g] >= 0) {
        key[g] = part->DictGet(dicts[g], t[g]);
      } else if (req.group_by[g].field == GroupField::kStatus) {
        key[g] = std::string(StatusCodeText(static_cast<StatusCodeValue>(t[g])));
      } else {
        key[g] = attr_values[g].Get(t[g]);
      }
    }
    global[std::move(key)].Merge(std::move(acc));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<AggregateRow>> QueryAggregate(const PartList& parts,
                                                   const AggregateRequest& req) {
  const size_t k = req.group_by.size();
  ColumnMask mask = ColumnBit(kColFlags) | ColumnBit(kColInputTokens) | ColumnBit(kColOutputTokens);
  if (req.with_cost) mask |= ColumnBit(kColTotalTokens) | ColumnBit(kColCost);
  if (req.with_percentiles) mask |= ColumnBit(kColDuration);
  bool want_spans = false;
  for (const auto& g : req.group_by) {
    int dict = DictOf(g.field);
    if (dict >= 0) mask |= ColumnBit(kColDictFirst + dict);
    if (g.field == GroupField::kAttribute) want_spans = true;
  }
  // Parts are aggregated on two threads when there is enough to share.
  uint64_t total_rows = 0;
  for (const auto& p : parts) total_rows += p->rows();
  ThreadPool& pool = ThreadPool::Shared();
  const size_t threads = total_rows >= 200'000 && parts.size() > 1 ? 1 + pool.size() : 1;
  std::vector<GroupMap> maps(threads);
  std::vector<Status> statuses(threads);
  auto work = [&](size_t t) {
    for (size_t i = t; i < parts.size(); i += threads) {
      Status st = AggregatePart(parts[i], req, mask, want_spans, &maps[t]);
      if (!st.ok()) {
        statuses[t] = st;
        return;
      }
    }
  };
  std::vector<std::future<void>> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.push_back(pool.Submit([&work, t] { work(t); }));
  work(0);
  for (auto& h : helpers) h.get();
  for (const auto& st : statuses) HT_RETURN_IF_ERROR(st);
  GroupMap global = std::move(maps[0]);
  for (size_t t = 1; t < threads; ++t) {
    for (auto& [key, acc] : maps[t]) global[key].Merge(std::move(acc));
  }
  if (k == 0 && global.empty()) global[{}];  // no group keys: always one row, as SQL does
  std::vector<AggregateRow> rows;
  rows.reserve(global.size());
  for (auto& [key, acc] : global) {
    AggregateRow r;
    r.key = key;
    r.spans = acc.spans;
    r.errors = acc.errors;
    r.input_tokens = acc.input;
    r.output_tokens = acc.output;
    r.total_tokens = acc.total;
    r.cost_usd = acc.cost;
    if (req.with_percentiles) {
      r.p50_ms = Percentile(&acc.durations, 0.50);
      r.p95_ms = Percentile(&acc.durations, 0.95);
      r.p99_ms = Percentile(&acc.durations, 0.99);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace hoptrace
