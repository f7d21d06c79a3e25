// Step 2 of normalize.h: the rules that need the parent links of a trace.

#include <cstring>
#include <deque>
#include <unordered_map>

#include "normalize/normalize.h"

namespace hoptrace {

namespace {

struct SpanIdHash {
  size_t operator()(const SpanId& id) const {
    uint64_t v;
    std::memcpy(&v, id.data(), sizeof(v));
    return static_cast<size_t>(v ^ (v >> 29));
  }
};

bool HasUsage(const AgentFields& d) {
  return d.input_tokens > 0 || d.output_tokens > 0 || d.total_tokens > 0 || d.cost_usd > 0;
}

// parent[i]: index of span i's parent among `spans`, or -1.
std::vector<int> LinkParents(std::span<Span* const> spans, ResolveReport* report) {
  std::unordered_map<SpanId, int, SpanIdHash> by_id;
  by_id.reserve(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) by_id.emplace(spans[i]->span_id, static_cast<int>(i));
  std::vector<int> parent(spans.size(), -1);
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = *spans[i];
    if (s.is_root()) continue;
    auto it = by_id.find(s.parent_span_id);
    if (it == by_id.end() || spans[it->second]->trace_id != s.trace_id ||
        it->second == static_cast<int>(i)) {
      ++report->missing_parents;
      continue;
    }
    parent[i] = it->second;
  }
  return parent;
}

// Rule a: a span without an agent takes its nearest ancestor's.
void InheritAgents(std::span<Span* const> spans, const std::vector<int>& parent,
                   ResolveReport* report) {
  enum : uint8_t { kUnvisited, kOnPath, kDone };
  std::vector<uint8_t> state(spans.size(), kUnvisited);
  std::vector<int> path;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (state[i] == kDone || !spans[i]->derived.agent.empty()) continue;
    path.clear();
    int j = static_cast<int>(i);
    // Walk up until a span with an agent, a resolved span, a missing parent or a cycle.
    while (j >= 0 && state[j] == kUnvisited && spans[j]->derived.agent.empty()) {
      state[j] = kOnPath;
      path.push_back(j);
      j = parent[j];
    }
    const std::string* agent = nullptr;
    if (j >= 0 && state[j] != kOnPath && !spans[j]->derived.agent.empty()) {
      agent = &spans[j]->derived.agent;
    }
    for (int p : path) {
      state[p] = kDone;
      if (agent != nullptr) {
        spans[p]->derived.agent = *agent;
        ++report->agents_inherited;
      }
    }
  }
}

// Rule b: a span with usage over descendants with counted usage is a wrapper.
void UncountWrappers(std::span<Span* const> spans, const std::vector<int>& parent,
                     ResolveReport* report) {
  std::vector<int> pending(spans.size(), 0);  // children not yet processed
  for (int p : parent) {
    if (p >= 0) ++pending[p];
  }
  std::vector<bool> counted_below(spans.size(), false);
  std::deque<int> ready;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (pending[i] == 0) ready.push_back(static_cast<int>(i));
  }
  // Children before parents; spans on a parent-link cycle never become ready.
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    AgentFields& d = spans[i]->derived;
    bool has_usage = HasUsage(d);
    if (has_usage && d.usage_counted && counted_below[i]) {
      d.usage_counted = false;
      ++report->usage_uncounted;
    }
    int p = parent[i];
    if (p < 0) continue;
    if (counted_below[i] || (has_usage && d.usage_counted)) counted_below[p] = true;
    if (--pending[p] == 0) ready.push_back(p);
  }
}

}  // namespace

ResolveReport ResolveTrace(std::span<Span* const> spans) {
  ResolveReport report;
  std::vector<int> parent = LinkParents(spans, &report);
  InheritAgents(spans, parent, &report);
  UncountWrappers(spans, parent, &report);
  return report;
}

ResolveReport ResolveTrace(std::vector<Span>* spans) {
  std::vector<Span*> ptrs;
  ptrs.reserve(spans->size());
  for (Span& s : *spans) ptrs.push_back(&s);
  return ResolveTrace(std::span<Span* const>(ptrs));
}

}  // namespace hoptrace
