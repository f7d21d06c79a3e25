// Internal: the parent/child structure of one trace, shared by the detectors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace hoptrace::analysis {

// Operation values the normaliser derives (normalize/dialects.h).
inline constexpr std::string_view kOpLlm = "llm";
inline constexpr std::string_view kOpAgent = "agent";
inline constexpr std::string_view kOpTool = "tool";
inline constexpr std::string_view kOpHandoff = "handoff";

uint64_t SpanKey(const SpanId& id);

// Indexes the spans of one trace (the first span's trace id; others are skipped; duplicate span
// ids: the first wins). Children are sorted by (start, end, input order).
class TraceIndex {
 public:
  explicit TraceIndex(std::span<const Span> trace);

  size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  const Span& span(int i) const { return *spans_[i]; }
  const TraceId& trace_id() const { return trace_id_; }
  int parent(int i) const { return parent_[i]; }
  // True when the span has a parent id that is not in the trace.
  bool orphan(int i) const { return !spans_[i]->is_root() && parent_[i] < 0; }
  std::span<const int> children(int i) const {
    return {child_list_.data() + child_begin_[i],
            static_cast<size_t>(child_begin_[i + 1] - child_begin_[i])};
  }
  // Spans without a parent in the trace (true roots and orphans), by start.
  const std::vector<int>& roots() const { return roots_; }
  // All spans by (start, end).
  const std::vector<int>& by_start() const { return by_start_; }
  // Index of `id`, or -1.
  int Find(const SpanId& id) const;
  bool IsError(int i) const { return spans_[i]->status_code == StatusCodeValue::kError; }
  bool IsAncestor(int ancestor, int i) const;  // ancestor-or-self
  // The root ending last (ties: earliest start); -1 when empty.
  int MainRoot() const;

 private:
  TraceId trace_id_{};
  std::vector<const Span*> spans_;
  std::vector<int> parent_;
  std::vector<int> child_begin_;
  std::vector<int> child_list_;
  std::vector<int> roots_;
  std::vector<int> by_start_;
  std::vector<std::pair<uint64_t, int>> ids_;  // sorted (key, index) for Find
};

// String attribute (or its text form for other types); "" when absent.
std::string AttrText(const Span& s, std::string_view key);
std::string TraceHex(const TraceId& id);
std::string SpanHex(const SpanId& id);
std::string NanosText(uint64_t nanos);
// "1.25 s", "340 ms", "12 µs"-style short durations for summaries.
std::string DurationText(int64_t ns);
std::string CostText(double usd);

}  // namespace hoptrace::analysis
