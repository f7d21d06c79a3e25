#include "analysis/trace_index.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace hoptrace::analysis {

uint64_t SpanKey(const SpanId& id) {
  uint64_t v;
  std::memcpy(&v, id.data(), sizeof(v));
  return v;
}

TraceIndex::TraceIndex(std::span<const Span> trace) {
  if (trace.empty()) {
    child_begin_.push_back(0);
    return;
  }
  trace_id_ = trace.front().trace_id;
  spans_.reserve(trace.size());
  ids_.reserve(trace.size());
  for (const Span& s : trace) {
    if (s.trace_id != trace_id_) continue;
    ids_.emplace_back(SpanKey(s.span_id), static_cast<int>(spans_.size()));
    spans_.push_back(&s);
  }
  // Sorted by key, then input order: the first of duplicate ids wins.
  std::sort(ids_.begin(), ids_.end());
  {
    std::vector<const Span*> kept;
    std::vector<bool> drop(spans_.size(), false);
    bool any = false;
    for (size_t k = 1; k < ids_.size(); ++k) {
      if (ids_[k].first == ids_[k - 1].first &&
          spans_[ids_[k].second]->span_id == spans_[ids_[k - 1].second]->span_id) {
        drop[ids_[k].second] = true;
        any = true;
      }
    }
    if (any) {
      for (size_t i = 0; i < spans_.size(); ++i)
        if (!drop[i]) kept.push_back(spans_[i]);
      spans_ = std::move(kept);
      ids_.clear();
      for (size_t i = 0; i < spans_.size(); ++i) ids_.emplace_back(SpanKey(spans_[i]->span_id), i);
      std::sort(ids_.begin(), ids_.end());
    }
  }
  const int n = static_cast<int>(spans_.size());
  parent_.assign(n, -1);
  std::vector<int> count(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    const Span& s = *spans_[i];
    if (s.is_root()) continue;
    int p = Find(s.parent_span_id);
    if (p == i) p = -1;
    parent_[i] = p;
  }
  // Break parent-link cycles: a span on a cycle loses its parent link.
  {
    std::vector<uint8_t> state(n, 0);  // 0 unvisited, 1 on path, 2 done
    std::vector<int> path;
    for (int i = 0; i < n; ++i) {
      if (state[i]) continue;
      path.clear();
      int j = i;
      while (j >= 0 && state[j] == 0) {
        state[j] = 1;
        path.push_back(j);
        j = parent_[j];
      }
      if (j >= 0 && state[j] == 1) parent_[j] = -1;  // cycle closes at j
      for (int p : path) state[p] = 2;
    }
  }
  for (int i = 0; i < n; ++i)
    if (parent_[i] >= 0) ++count[parent_[i] + 1];
  child_begin_.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) child_begin_[i + 1] = child_begin_[i] + count[i + 1];
  child_list_.assign(child_begin_[n], 0);
  std::vector<int> fill(child_begin_.begin(), child_begin_.end() - 1);
  by_start_.resize(n);
  for (int i = 0; i < n; ++i) by_start_[i] = i;
  auto earlier = [this](int a, int b) {
    const Span& x = *spans_[a];
    const Span& y = *spans_[b];
    if (x.start_unix_nano != y.start_unix_nano) return x.start_unix_nano < y.start_unix_nano;
    if (x.end_unix_nano != y.end_unix_nano) return x.end_unix_nano < y.end_unix_nano;
    return a < b;
  };
  std::sort(by_start_.begin(), by_start_.end(), earlier);
  for (int i : by_start_) {
    if (parent_[i] >= 0) {
      child_list_[fill[parent_[i]]++] = i;
    } else {
      roots_.push_back(i);
    }
  }
}

int TraceIndex::Find(const SpanId& id) const {
  uint64_t key = SpanKey(id);
  auto it = std::lower_bound(ids_.begin(), ids_.end(), std::make_pair(key, -1));
  for (; it != ids_.end() && it->first == key; ++it) {
    if (spans_[it->second]->span_id == id) return it->second;
  }
  return -1;
}

bool TraceIndex::IsAncestor(int ancestor, int i) const {
  for (int j = i, steps = 0; j >= 0 && steps <= static_cast<int>(spans_.size());
       j = parent_[j], ++steps)
    if (j == ancestor) return true;
  return false;
}

int TraceIndex::MainRoot() const {
  int best = -1;
  for (int r : roots_) {
    if (best < 0 || spans_[r]->end_unix_nano > spans_[best]->end_unix_nano ||
        (spans_[r]->end_unix_nano == spans_[best]->end_unix_nano &&
         spans_[r]->start_unix_nano < spans_[best]->start_unix_nano)) {
      best = r;
    }
  }
  return best;
}

std::string AttrText(const Span& s, std::string_view key) {
  const AnyValue* v = FindAttribute(s.attributes, key);
  if (v == nullptr) return {};
  if (v->type == AnyValue::Type::kString) return v->string_value;
  return v->ToText();
}

std::string TraceHex(const TraceId& id) { return ToHex(id); }
std::string SpanHex(const SpanId& id) { return ToHex(id); }
std::string NanosText(uint64_t nanos) { return std::to_string(nanos); }

std::string DurationText(int64_t ns) {
  char buf[64];
  double v = static_cast<double>(ns);
  if (ns >= 60'000'000'000) {
    std::snprintf(buf, sizeof(buf), "%.1f min", v / 60e9);
  } else if (ns >= 1'000'000'000) {
    std::snprintf(buf, sizeof(buf), "%.2f s", v / 1e9);
  } else if (ns >= 1'000'000) {
    std::snprintf(buf, sizeof(buf), "%.0f ms", v / 1e6);
  } else if (ns >= 1'000) {
    std::snprintf(buf, sizeof(buf), "%.0f us", v / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld ns", static_cast<long long>(ns));
  }
  return buf;
}

std::string CostText(double usd) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), usd >= 0.01 ? "$%.2f" : "$%.4f", usd);
  return buf;
}

}  // namespace hoptrace::analysis
