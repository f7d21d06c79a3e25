#include "storage/embedded/part_overlay.h"

#include "storage/embedded/derived_patch.h"

#include <algorithm>
#include <numeric>

namespace hoptrace {
namespace {
const std::string& DictValue(const AgentFields& a, int col) {
  switch (col) {
    case kDictService:
      return a.service;
    case kDictAgent:
      return a.agent;
    case kDictOperation:
      return a.operation;
    case kDictModel:
      return a.model;
    case kDictProvider:
      return a.provider;
    default:
      return a.tool;
  }
}
}  // namespace

PatchSet::PatchSet(const Part& base, std::vector<RowPatch> patches) {
  std::sort(patches.begin(), patches.end(),
            [](const RowPatch& a, const RowPatch& b) { return a.row < b.row; });
  for (int c = 0; c < kNumDictColumns; ++c) base_size_[c] = base.DictSize(c);
  rows_.reserve(patches.size());
  derived_.reserve(patches.size());
  ids_.reserve(patches.size());
  for (RowPatch& p : patches) {
    std::array<uint32_t, kPatchedDicts> ids{};
    for (int c = 0; c < kPatchedDicts; ++c) {
      const std::string& v = DictValue(p.derived, c);
      uint32_t id;
      if (base.DictFind(c, v, &id) && id < base_size_[c]) {
        ids[c] = id;
        continue;
      }
      auto it = extra_ids_[c].find(v);
      if (it == extra_ids_[c].end()) {
        it = extra_ids_[c].emplace(v, base_size_[c] + static_cast<uint32_t>(extra_[c].size())).first;
        extra_[c].push_back(v);
      }
      ids[c] = it->second;
    }
    rows_.push_back(p.row);
    ids_.push_back(ids);
    traces_.insert(p.trace_id);
    derived_.push_back(std::move(p.derived));
  }
}

ptrdiff_t PatchSet::Find(uint64_t row) const {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), row);
  if (it == rows_.end() || *it != row) return -1;
  return it - rows_.begin();
}

size_t PatchSet::LowerBound(uint64_t row) const {
  return static_cast<size_t>(std::lower_bound(rows_.begin(), rows_.end(), row) - rows_.begin());
}

bool PatchSet::DictFind(const Part& base, int col, std::string_view s, uint32_t* id) const {
  if (base.DictFind(col, s, id) && *id < base_size_[col]) return true;
  auto it = extra_ids_[col].find(s);
  if (it == extra_ids_[col].end()) return false;
  *id = it->second;
  return true;
}

std::string PatchSet::DictGet(const Part& base, int col, uint32_t id) const {
  if (id < base_size_[col]) return base.DictGet(col, id);
  return extra_[col][id - base_size_[col]];
}

uint32_t PatchSet::DictSize(int col) const {
  return base_size_[col] + static_cast<uint32_t>(extra_[col].size());
}

Status PatchedPart::Scan(ColumnMask mask, uint64_t min_start, uint64_t max_start,
                         const std::function<Status(uint64_t, const ColumnView&)>& fn) const {
  const PatchSet& ps = *patches_;
  return base_->Scan(mask, min_start, max_start, [&](uint64_t first, const ColumnView& v) {
    size_t lo = ps.LowerBound(first);
    if (lo == ps.size() || ps.row(lo) >= first + v.n) return fn(first, v);
    size_t hi = ps.LowerBound(first + v.n);
    // Copies of the columns the patches touch, for this run only.
    ColumnView pv = v;
    std::vector<uint8_t> flags;
    std::vector<uint32_t> dict[kDictName];
    std::vector<int64_t> input, output, total;
    std::vector<double> cost;
    if (v.flags) {
      flags.assign(v.flags, v.flags + v.n);
      pv.flags = flags.data();
    }
    for (int c = 0; c < kDictName; ++c) {
      if (!v.dict[c]) continue;
      dict[c].assign(v.dict[c], v.dict[c] + v.n);
      pv.dict[c] = dict[c].data();
    }
    auto copy = [&](const int64_t* src, std::vector<int64_t>* dst, const int64_t** out) {
      if (!src) return;
      dst->assign(src, src + v.n);
      *out = dst->data();
    };
    copy(v.input_tokens, &input, &pv.input_tokens);
    copy(v.output_tokens, &output, &pv.output_tokens);
    copy(v.total_tokens, &total, &pv.total_tokens);
    if (v.cost) {
      cost.assign(v.cost, v.cost + v.n);
      pv.cost = cost.data();
    }
    for (size_t i = lo; i < hi; ++i) {
      const size_t r = ps.row(i) - first;
      const AgentFields& a = ps.derived(i);
      if (v.flags) flags[r] = WithCounted(flags[r], a.usage_counted);
      for (int c = 0; c < kDictName; ++c)
        if (v.dict[c]) dict[c][r] = ps.dict_id(i, c);
      if (v.input_tokens) input[r] = a.input_tokens;
      if (v.output_tokens) output[r] = a.output_tokens;
      if (v.total_tokens) total[r] = a.total_tokens;
      if (v.cost) cost[r] = a.cost_usd;
    }
    return fn(first, pv);
  });
}

Status PatchedPart::ReadSpans(const std::vector<uint64_t>& rows, std::vector<Span>* out) const {
  const size_t at = out->size();
  HT_RETURN_IF_ERROR(base_->ReadSpans(rows, out));
  for (size_t k = 0; k < rows.size() && at + k < out->size(); ++k) {
    ptrdiff_t i = patches_->Find(rows[k]);
    if (i >= 0) (*out)[at + k].derived = patches_->derived(static_cast<size_t>(i));
  }
  return Status::Ok();
}

void AddToTracePartial(const Span& s, TracePartial* p) {
  const uint64_t start = s.start_unix_nano;
  p->min_start = std::min(p->min_start, start);
  p->max_end = std::max(p->max_end, start + static_cast<uint64_t>(s.duration_ns()));
  ++p->spans;
  if (s.status_code == StatusCodeValue::kError) ++p->errors;
  const AgentFields& a = s.derived;
  if (a.usage_counted) {
    p->input_tokens += a.input_tokens;
    p->output_tokens += a.output_tokens;
    p->total_tokens += a.total_tokens;
    p->cost += a.cost_usd;
  }
  if (s.is_root() && (!p->has_root || start < p->root_start)) {
    p->has_root = true;
    p->root_start = start;
    p->root_name = s.name;
    p->root_service = a.service;
  }
  if (start < p->first_start) {
    p->first_start = start;
    p->first_name = s.name;
    p->first_service = a.service;
  }
  if (!a.agent.empty() && std::find(p->agents.begin(), p->agents.end(), a.agent) == p->agents.end())
    p->agents.push_back(a.agent);
}

bool PatchedPart::GetTracePartial(const TraceId& id, TracePartial* out) const {
  if (!patches_->HasTrace(id)) return base_->GetTracePartial(id, out);
  // A patched trace: recomputed from its (patched) spans.
  std::vector<uint64_t> rows;
  std::vector<Span> spans;
  if (!base_->FindTrace(id, &rows).ok() || rows.empty() || !ReadSpans(rows, &spans).ok())
    return base_->GetTracePartial(id, out);
  for (const Span& s : spans) AddToTracePartial(s, out);
  return true;
}

}  // namespace hoptrace
