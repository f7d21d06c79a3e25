#include "storage/embedded/memtable.h"

#include <algorithm>
#include <mutex>

#include "model/span_codec.h"
#include "storage/embedded/derived_patch.h"

namespace hoptrace {
namespace {
uint64_t SpanKey(const SpanId& s) {
  uint64_t k;
  std::memcpy(&k, s.data(), 8);
  return k * 0x9e3779b97f4a7c15ULL;  // span ids may be sequential in tests: spread them
}

// Finds (trace, span) in the slot table; returns the slot index where it is or where it would go.
size_t ProbeSpan(const MemTable::Frozen& d, const TraceId& t, const SpanId& s, bool* found) {
  const size_t mask = d.span_slots.size() - 1;
  for (size_t i = (SpanKey(s) >> 20) & mask;; i = (i + 1) & mask) {
    uint32_t slot = d.span_slots[i];
    if (slot == 0) {
      *found = false;
      return i;
    }
    if (d.span[slot - 1] == s && d.trace[slot - 1] == t) {
      *found = true;
      return i;
    }
  }
}

void GrowSpanSlots(MemTable::Frozen* d) {
  std::vector<uint32_t> old = std::move(d->span_slots);
  d->span_slots.assign(std::max<size_t>(1024, old.size() * 2), 0);
  const size_t mask = d->span_slots.size() - 1;
  for (uint32_t slot : old) {
    if (slot == 0) continue;
    size_t i = (SpanKey(d->span[slot - 1]) >> 20) & mask;
    while (d->span_slots[i] != 0) i = (i + 1) & mask;
    d->span_slots[i] = slot;
  }
}
}  // namespace

EncodedSpan EncodeForStore(const Span& s, const LargeValueSink& sink, EncodeCache* cache) {
  EncodedSpan e;
  e.trace_id = s.trace_id;
  e.span_id = s.span_id;
  e.parent_span_id = s.parent_span_id;
  LargeValueSink collect = sink;
  collect.store = [&](const Hash128& h, std::string_view v) {
    e.large_values.push_back(h);
    if (sink.store) sink.store(h, v);
  };
  EncodeSpanBody(s, &e.body, &collect);
  if (cache) {
    if (!cache->resource || !(*cache->resource == s.resource)) {
      cache->resource_bytes.clear();
      EncodeResource(s.resource, &cache->resource_bytes);
      cache->resource = &s.resource;
    }
    if (!cache->scope || !(*cache->scope == s.scope)) {
      cache->scope_bytes.clear();
      EncodeScope(s.scope, &cache->scope_bytes);
      cache->scope = &s.scope;
    }
    e.resource = cache->resource_bytes;
    e.scope = cache->scope_bytes;
  } else {
    EncodeResource(s.resource, &e.resource);
    EncodeScope(s.scope, &e.scope);
  }
  e.start = s.start_unix_nano;
  e.duration = s.duration_ns();
  e.flags = RowFlags(s);
  const AgentFields& a = s.derived;
  e.dict_values[kDictService] = a.service;
  e.dict_values[kDictAgent] = a.agent;
  e.dict_values[kDictOperation] = a.operation;
  e.dict_values[kDictModel] = a.model;
  e.dict_values[kDictProvider] = a.provider;
  e.dict_values[kDictTool] = a.tool;
  e.dict_values[kDictName] = s.name;
  e.input_tokens = a.input_tokens;
  e.output_tokens = a.output_tokens;
  e.total_tokens = a.total_tokens;
  e.cost = a.cost_usd;
  e.attributes = &s.attributes;
  return e;
}

Status DecodeStoredSpan(std::string_view body, std::string_view resource, std::string_view scope,
                        const LargeValueSource& source, Span* out) {
  HT_RETURN_IF_ERROR(DecodeSpanBody(body, out, &source));
  HT_RETURN_IF_ERROR(DecodeResource(resource, &out->resource));
  return DecodeScope(scope, &out->scope);
}

MemTable::InsertMark MemTable::Mark() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return InsertMark{data_.trace.size(), bytes_, data_.min_start, data_.max_start};
}

void MemTable::Publish() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  visible_rows_ = data_.trace.size();
}

void MemTable::Rollback(const InsertMark& mark) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  Frozen& d = data_;
  if (d.trace.size() <= mark.rows) return;
  for (size_t r = d.trace.size(); r-- > mark.rows;) {
    auto it = d.by_trace.find(d.trace[r]);
    it->second.pop_back();  // a trace's rows are in increasing order: the newest are last
    if (it->second.empty()) d.by_trace.erase(it);
  }
  const size_t n = mark.rows;
  d.trace.resize(n);
  d.span.resize(n);
  d.parent.resize(n);
  d.start.resize(n);
  d.duration.resize(n);
  d.flags.resize(n);
  for (auto& col : d.dict) col.resize(n);
  d.input.resize(n);
  d.output.resize(n);
  d.total.resize(n);
  d.cost.resize(n);
  d.body.resize(n);
  d.resource.resize(n);
  d.scope.resize(n);
  // Linear probing cannot delete in place: rebuild the span index.
  std::fill(d.span_slots.begin(), d.span_slots.end(), 0);
  const size_t mask = d.span_slots.size() - 1;
  for (size_t r = 0; r < n; ++r) {
    size_t i = (SpanKey(d.span[r]) >> 20) & mask;
    while (d.span_slots[i] != 0) i = (i + 1) & mask;
    d.span_slots[i] = static_cast<uint32_t>(r + 1);
  }
  // Dictionary entries, attribute keys and large values added meanwhile stay: unused entries are
  // harmless (they only make a skip test less sharp).
  bytes_ = mark.bytes;
  d.min_start = mark.min_start;
  d.max_start = mark.max_start;
  visible_rows_ = std::min(visible_rows_, n);
}

uint64_t MemTable::InsertPending(std::vector<EncodedSpan>* spans,
                                 std::unordered_map<Hash128, std::string, Hash128Hasher>* values) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  Frozen& d = data_;
  for (auto& [h, v] : *values) {
    if (!d.values.count(h)) {
      bytes_ += v.size() + 64;
      d.values.emplace(h, std::move(v));
    }
  }
  uint64_t added = 0;
  std::string keys;
  for (EncodedSpan& e : *spans) {
    if ((d.trace.size() + 1) * 2 > d.span_slots.size()) GrowSpanSlots(&d);
    bool dup = false;
    size_t at = ProbeSpan(d, e.trace_id, e.span_id, &dup);
    if (dup) continue;
    uint32_t row = static_cast<uint32_t>(d.trace.size());
    d.by_trace[e.trace_id].push_back(row);
    d.span_slots[at] = row + 1;
    d.trace.push_back(e.trace_id);
    d.span.push_back(e.span_id);
    d.parent.push_back(e.parent_span_id);
    d.start.push_back(e.start);
    d.duration.push_back(e.duration);
    d.flags.push_back(e.flags);
    for (int c = 0; c < kNumDictColumns; ++c) {
      // Consecutive spans mostly repeat service, agent, model...: compare before hashing.
      if (d.dict[c].empty() || d.dicts[c].Get(d.dict[c].back()) != e.dict_values[c]) {
        d.dict[c].push_back(d.dicts[c].Intern(e.dict_values[c]));
      } else {
        d.dict[c].push_back(d.dict[c].back());
      }
    }
    d.input.push_back(e.input_tokens);
    d.output.push_back(e.output_tokens);
    d.total.push_back(e.total_tokens);
    d.cost.push_back(e.cost);
    if (d.resource.empty() || e.resource != d.last_resource) {
      d.last_resource_id = d.resources.Intern(e.resource);
      d.last_resource = e.resource;
    }
    d.resource.push_back(d.last_resource_id);
    if (d.scope.empty() || e.scope != d.last_scope) {
      d.last_scope_id = d.scopes.Intern(e.scope);
      d.last_scope = e.scope;
    }
    d.scope.push_back(d.last_scope_id);
    if (e.attributes) {
      keys.clear();
      for (const auto& kv : *e.attributes) {
        keys += kv.key;
        keys.push_back('\0');
      }
      if (keys != d.last_keys) {
        for (const auto& kv : *e.attributes) d.attribute_keys.Intern(kv.key);
        d.last_keys = keys;
      }
    }
    for (const auto& h : e.large_values) d.value_refs.insert(h);
    d.min_start = std::min(d.min_start, e.start);
    d.max_start = std::max(d.max_start, e.start);
    bytes_ += e.body.size() + 120;
    d.body.push_back(std::move(e.body));
    ++added;
  }
  return added;
}

bool MemTable::Contains(const TraceId& t, const SpanId& s) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (data_.span_slots.empty()) return false;
  bool found;
  ProbeSpan(data_, t, s, &found);
  return found;
}

bool MemTable::FindVisibleRow(const TraceId& t, const SpanId& s, uint64_t* row) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (data_.span_slots.empty()) return false;
  bool found;
  size_t at = ProbeSpan(data_, t, s, &found);
  if (!found) return false;
  uint32_t r = data_.span_slots[at] - 1;
  if (r >= visible_rows_) return false;
  *row = r;
  return true;
}

Status MemTable::UpdateDerived(uint64_t row, const AgentFields& a) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  Frozen& d = data_;
  if (row >= visible_rows_) return InvalidArgumentError("memtable row out of range");
  HT_RETURN_IF_ERROR(ReplaceDerivedInBody(&d.body[row], a));
  const std::string_view values[] = {a.service, a.agent, a.operation, a.model, a.provider, a.tool};
  for (int c = 0; c < kDictName; ++c) d.dict[c][row] = d.dicts[c].Intern(values[c]);
  d.flags[row] = WithCounted(d.flags[row], a.usage_counted);
  d.input[row] = a.input_tokens;
  d.output[row] = a.output_tokens;
  d.total[row] = a.total_tokens;
  d.cost[row] = a.cost_usd;
  updated_[static_cast<uint32_t>(row)] = a;
  return Status::Ok();
}

std::vector<DerivedUpdate> MemTable::InPlaceUpdates() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<DerivedUpdate> out;
  out.reserve(updated_.size());
  for (const auto& [row, a] : updated_) out.push_back({data_.trace[row], data_.span[row], a});
  return out;
}

bool MemTable::has_in_place_updates() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return !updated_.empty();
}

bool MemTable::HasLargeValue(const Hash128& h) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return data_.values.count(h) != 0;
}

uint64_t MemTable::rows() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return visible_rows_;
}
size_t MemTable::bytes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return bytes_;
}
uint64_t MemTable::wal_last_seq() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return wal_last_seq_;
}
void MemTable::set_wal_last_seq(uint64_t seq) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  wal_last_seq_ = seq;
}

Status MemTable::GetLargeValue(const Hash128& h, uint64_t size, std::string* out) const {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = data_.values.find(h);
    if (it != data_.values.end()) {
      *out = it->second;
      return Status::Ok();
    }
  }
  return blobs_->Get(h, size, out);
}

class MemPart final : public Part {
 public:
  MemPart(std::shared_ptr<const MemTable> mem, uint64_t n, uint64_t min_start, uint64_t max_start)
      : mem_(std::move(mem)), n_(n), min_start_(min_start), max_start_(max_start) {}
  uint64_t rows() const override { return n_; }
  uint64_t min_start() const override { return min_start_; }
  uint64_t max_start() const override { return max_start_; }
  bool DictFind(int col, std::string_view s, uint32_t* id) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    return mem_->data_.dicts[col].Find(s, id);
  }
  std::string DictGet(int col, uint32_t id) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    return mem_->data_.dicts[col].Get(id);
  }
  uint32_t DictSize(int col) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    return static_cast<uint32_t>(mem_->data_.dicts[col].size());
  }
  Status Scan(ColumnMask mask, uint64_t, uint64_t,
              const std::function<Status(uint64_t, const ColumnView&)>& fn) const override {
    if (n_ == 0) return Status::Ok();
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    const auto& d = mem_->data_;
    ColumnView v;
    v.n = n_;
    if (mask & ColumnBit(kColStart)) v.start = d.start.data();
    if (mask & ColumnBit(kColDuration)) v.duration = d.duration.data();
    if (mask & ColumnBit(kColFlags)) v.flags = d.flags.data();
    for (int c = 0; c < kNumDictColumns; ++c)
      if (mask & ColumnBit(kColDictFirst + c)) v.dict[c] = d.dict[c].data();
    if (mask & ColumnBit(kColInputTokens)) v.input_tokens = d.input.data();
    if (mask & ColumnBit(kColOutputTokens)) v.output_tokens = d.output.data();
    if (mask & ColumnBit(kColTotalTokens)) v.total_tokens = d.total.data();
    if (mask & ColumnBit(kColCost)) v.cost = d.cost.data();
    if (mask & ColumnBit(kColSpanId)) v.span_id = d.span.data();
    if (mask & ColumnBit(kColParentId)) v.parent_id = d.parent.data();
    return fn(0, v);
  }
  TraceId TraceOfRow(uint64_t row, uint64_t* run_end) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    *run_end = row + 1;
    return mem_->data_.trace[row];
  }
  Status SpanIds(const std::vector<uint64_t>& rows, std::vector<SpanId>* out) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    for (uint64_t r : rows) out->push_back(mem_->data_.span[r]);
    return Status::Ok();
  }
  Status ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const override {
    LargeValueSource source = [this](const Hash128& h, uint64_t size, std::string* v) {
      return mem_->GetLargeValue(h, size, v);
    };
    for (uint64_t r : rows) {
      std::string body, resource, scope;
      {
        std::shared_lock<std::shared_mutex> lock(mem_->mu_);
        const auto& d = mem_->data_;
        body = d.body[r];
        resource = d.resources.Get(d.resource[r]);
        scope = d.scopes.Get(d.scope[r]);
      }
      Span s;
      HT_RETURN_IF_ERROR(DecodeStoredSpan(body, resource, scope, source, &s));
      out->push_back(std::move(s));
    }
    return Status::Ok();
  }
  Status FindTrace(const TraceId& id, std::vector<uint64_t>* rows) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    auto it = mem_->data_.by_trace.find(id);
    if (it == mem_->data_.by_trace.end()) return Status::Ok();
    for (uint32_t r : it->second)
      if (r < n_) rows->push_back(r);
    return Status::Ok();
  }
  void ForEachTrace(
      const std::function<void(const TraceId&, uint64_t, uint64_t)>& fn) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    const auto& d = mem_->data_;
    for (const auto& [id, rows] : d.by_trace) {
      uint64_t n = 0, min_start = UINT64_MAX;
      for (uint32_t r : rows) {
        if (r >= n_) continue;
        ++n;
        min_start = std::min(min_start, d.start[r]);
      }
      if (n > 0) fn(id, n, min_start);
    }
  }
  bool HasNarrowColumns() const override { return true; }
  bool GetTracePartial(const TraceId& id, TracePartial* p) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    const auto& d = mem_->data_;
    auto it = d.by_trace.find(id);
    if (it == d.by_trace.end()) return false;
    bool any = false;
    for (uint32_t r : it->second) {
      if (r >= n_) continue;
      any = true;
      uint64_t end = d.start[r] + static_cast<uint64_t>(d.duration[r]);
      p->min_start = std::min(p->min_start, d.start[r]);
      p->max_end = std::max(p->max_end, end);
      ++p->spans;
      if (FlagsStatus(d.flags[r]) == StatusCodeValue::kError) ++p->errors;
      if (d.flags[r] & kFlagCounted) {
        p->input_tokens += d.input[r];
        p->output_tokens += d.output[r];
        p->total_tokens += d.total[r];
        p->cost += d.cost[r];
      }
      if ((d.flags[r] & kFlagRoot) && (!p->has_root || d.start[r] < p->root_start)) {
        p->has_root = true;
        p->root_start = d.start[r];
        p->root_name = d.dicts[kDictName].Get(d.dict[kDictName][r]);
        p->root_service = d.dicts[kDictService].Get(d.dict[kDictService][r]);
      }
      if (d.start[r] < p->first_start) {
        p->first_start = d.start[r];
        p->first_name = d.dicts[kDictName].Get(d.dict[kDictName][r]);
        p->first_service = d.dicts[kDictService].Get(d.dict[kDictService][r]);
      }
      const std::string& agent = d.dicts[kDictAgent].Get(d.dict[kDictAgent][r]);
      if (!agent.empty() &&
          std::find(p->agents.begin(), p->agents.end(), agent) == p->agents.end()) {
        p->agents.push_back(agent);
      }
    }
    return any;
  }
  bool MayHaveAttribute(std::string_view key) const override {
    std::shared_lock<std::shared_mutex> lock(mem_->mu_);
    uint32_t id;
    return mem_->data_.attribute_keys.Find(key, &id);
  }

 private:
  std::shared_ptr<const MemTable> mem_;
  uint64_t n_;
  uint64_t min_start_, max_start_;
};

std::shared_ptr<const Part> MemTable::Snapshot(const std::shared_ptr<const MemTable>& self) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::make_shared<MemPart>(self, visible_rows_, data_.min_start, data_.max_start);
}

}  // namespace hoptrace
