// The critical path: from the root's end, back through the last-finishing child that started
// before the cursor; that child's window is clipped to the cursor (async children that outlive
// their parent count only up to where the parent's path needs them); the parent's own time
// between children is its contribution. Iterative (deep traces do not recurse).

#include <algorithm>

#include "analysis/analysis.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {

std::vector<CriticalPathStep> CriticalPath(std::span<const Span> trace) {
  TraceIndex t(trace);
  std::vector<CriticalPathStep> path;
  int root = t.MainRoot();
  if (root < 0) return path;
  const int n = static_cast<int>(t.size());
  std::vector<int64_t> contribution(n, 0);
  std::vector<int> order;  // spans in the order they join the path

  struct Frame {
    int span;
    uint64_t lo, hi;          // the window of this span on the path
    uint64_t cursor;          // walking back from hi
    std::vector<int> by_end;  // children, latest end first
    size_t next = 0;
  };
  auto make = [&](int s, uint64_t lo, uint64_t hi) {
    Frame f{s, lo, hi, hi, {}, 0};
    auto kids = t.children(s);
    f.by_end.assign(kids.begin(), kids.end());
    std::sort(f.by_end.begin(), f.by_end.end(), [&t](int a, int b) {
      const Span& x = t.span(a);
      const Span& y = t.span(b);
      if (x.end_unix_nano != y.end_unix_nano) return x.end_unix_nano > y.end_unix_nano;
      return x.start_unix_nano < y.start_unix_nano;
    });
    order.push_back(s);
    return f;
  };
  const Span& r = t.span(root);
  std::vector<Frame> stack;
  stack.push_back(make(root, r.start_unix_nano, std::max(r.start_unix_nano, r.end_unix_nano)));
  while (!stack.empty()) {
    Frame& f = stack.back();
    // Next child that starts before the cursor (and inside the window).
    int chosen = -1;
    while (f.next < f.by_end.size()) {
      int c = f.by_end[f.next++];
      const Span& cs = t.span(c);
      if (cs.start_unix_nano < f.cursor && cs.end_unix_nano > f.lo) {
        chosen = c;
        break;
      }
    }
    if (chosen < 0) {
      contribution[f.span] += static_cast<int64_t>(f.cursor - f.lo);
      stack.pop_back();
      continue;
    }
    const Span& cs = t.span(chosen);
    uint64_t child_hi = std::min(cs.end_unix_nano, f.cursor);
    contribution[f.span] += static_cast<int64_t>(f.cursor - child_hi);
    uint64_t lo = std::max(cs.start_unix_nano, f.lo);
    f.cursor = lo;
    stack.push_back(make(chosen, lo, child_hi));  // invalidates f
  }
  // A span entirely covered by its children still lies on the path, with 0.
  for (int s : order) {
    path.push_back({t.span(s).span_id, contribution[s]});
  }
  // Time order: by the start of each span's window on the path (roots/parents first on ties).
  std::vector<size_t> idx(path.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return t.span(order[a]).start_unix_nano < t.span(order[b]).start_unix_nano;
  });
  std::vector<CriticalPathStep> sorted;
  sorted.reserve(path.size());
  for (size_t i : idx) sorted.push_back(path[i]);
  return sorted;
}

}  // namespace hoptrace::analysis
