#include "storage/testing/model_store.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace hoptrace {

double NearestRankPercentileMs(std::vector<double> durations_ms, int percent) {
  if (durations_ms.empty()) return 0;
  std::sort(durations_ms.begin(), durations_ms.end());
  const size_t n = durations_ms.size();
  size_t rank = (static_cast<size_t>(percent) * n + 99) / 100;  // ceil(percent * n / 100)
  rank = std::clamp<size_t>(rank, 1, n);
  return durations_ms[rank - 1];
}

bool SpanMatches(const SpanFilter& f, const Span& s) {
  if (s.start_unix_nano < f.start_min_unix_nano || s.start_unix_nano > f.start_max_unix_nano) {
    return false;
  }
  if (!f.service.empty() && s.derived.service != f.service) return false;
  if (!f.agent.empty() && s.derived.agent != f.agent) return false;
  if (!f.model.empty() && s.derived.model != f.model) return false;
  if (!f.tool.empty() && s.derived.tool != f.tool) return false;
  if (!f.name.empty() && s.name != f.name) return false;
  if (!f.operation.empty() && s.derived.operation != f.operation) return false;
  if (f.status && s.status_code != *f.status) return false;
  if (f.min_duration_ns && s.duration_ns() < *f.min_duration_ns) return false;
  if (f.max_duration_ns && s.duration_ns() > *f.max_duration_ns) return false;
  for (const auto& [key, text] : f.attributes) {
    const AnyValue* v = FindAttribute(s.attributes, key);
    if (v == nullptr || v->ToText() != text) return false;
  }
  return true;
}

std::string GroupKeyValue(const GroupKey& key, const Span& s) {
  switch (key.field) {
    case GroupField::kAgent:
      return s.derived.agent;
    case GroupField::kModel:
      return s.derived.model;
    case GroupField::kProvider:
      return s.derived.provider;
    case GroupField::kTool:
      return s.derived.tool;
    case GroupField::kService:
      return s.derived.service;
    case GroupField::kOperation:
      return s.derived.operation;
    case GroupField::kName:
      return s.name;
    case GroupField::kStatus:
      return std::string(StatusCodeText(s.status_code));
    case GroupField::kAttribute: {
      const AnyValue* v = FindAttribute(s.attributes, key.attribute);
      return v ? v->ToText() : std::string();
    }
  }
  return std::string();
}

StatusOr<AppendResult> ModelStore::Append(std::vector<Span> spans) {
  std::lock_guard<std::mutex> lock(mu_);
  AppendResult result;
  for (Span& s : spans) {
    if (!ids_.insert({s.trace_id, s.span_id}).second) {
      ++result.duplicates;
      continue;
    }
    spans_.push_back(std::move(s));
    ++result.stored;
  }
  return result;
}

StatusOr<std::vector<Span>> ModelStore::GetTrace(const TraceId& trace_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Span> out;
  for (const Span& s : spans_) {
    if (s.trace_id == trace_id) out.push_back(s);
  }
  if (out.empty()) return NotFoundError("trace " + ToHex(trace_id) + " not found");
  std::sort(out.begin(), out.end(), [](const Span& a, const Span& b) {
    return std::tie(a.start_unix_nano, a.span_id) < std::tie(b.start_unix_nano, b.span_id);
  });
  return out;
}

TraceSummary ModelStore::Summarize(const TraceId& trace_id) const {
  TraceSummary t;
  t.trace_id = trace_id;
  const Span* root = nullptr;   // earliest root
  const Span* first = nullptr;  // earliest span
  auto earlier = [](const Span* a, const Span& b) {
    return a == nullptr ||
           std::tie(b.start_unix_nano, b.span_id) < std::tie(a->start_unix_nano, a->span_id);
  };
  std::set<std::string> agents;
  bool any = false;
  for (const Span& s : spans_) {
    if (s.trace_id != trace_id) continue;
    if (!any || s.start_unix_nano < t.start_unix_nano) t.start_unix_nano = s.start_unix_nano;
    if (!any || s.end_unix_nano > t.end_unix_nano) t.end_unix_nano = s.end_unix_nano;
    any = true;
    ++t.span_count;
    if (s.status_code == StatusCodeValue::kError) ++t.error_count;
    if (!s.derived.agent.empty()) agents.insert(s.derived.agent);
    if (s.derived.usage_counted) {
      t.input_tokens += s.derived.input_tokens;
      t.output_tokens += s.derived.output_tokens;
      t.total_tokens += s.derived.total_tokens;
      t.cost_usd += s.derived.cost_usd;
    }
    if (s.is_root() && earlier(root, s)) root = &s;
    if (earlier(first, s)) first = &s;
  }
  const Span* named = root ? root : first;
  if (named != nullptr) {
    t.root_name = named->name;
    t.root_service = named->derived.service;
  }
  t.agents.assign(agents.begin(), agents.end());
  return t;
}

StatusOr<std::vector<TraceSummary>> ModelStore::SearchTraces(const SpanFilter& filter,
                                                             size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<TraceId> matched;
  for (const Span& s : spans_) {
    if (SpanMatches(filter, s)) matched.insert(s.trace_id);
  }
  std::vector<TraceSummary> out;
  for (const TraceId& id : matched) out.push_back(Summarize(id));
  std::sort(out.begin(), out.end(), [](const TraceSummary& a, const TraceSummary& b) {
    if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano > b.start_unix_nano;
    return a.trace_id < b.trace_id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Status ModelStore::ReadTraceSpans(const TraceSpansRequest& request, const TraceSpansFn& fn) {
  // The traces of SearchTraces, each GetTrace projected; all under one lock (one snapshot),
  // handed out afterwards on worker 0, newest trace first.
  std::vector<std::vector<Span>> traces;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<TraceId> matched;
    for (const Span& s : spans_) {
      if (SpanMatches(request.filter, s)) matched.insert(s.trace_id);
    }
    std::vector<TraceSummary> summaries;
    for (const TraceId& id : matched) summaries.push_back(Summarize(id));
    std::sort(summaries.begin(), summaries.end(), [](const TraceSummary& a, const TraceSummary& b) {
      if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano > b.start_unix_nano;
      return a.trace_id < b.trace_id;
    });
    if (summaries.size() > request.limit) summaries.resize(request.limit);
    for (const TraceSummary& t : summaries) {
      std::vector<Span>& out = traces.emplace_back();
      for (const Span& s : spans_) {
        if (s.trace_id == t.trace_id) out.push_back(ProjectSpan(s, request.projection));
      }
      std::sort(out.begin(), out.end(), [](const Span& a, const Span& b) {
        return std::tie(a.start_unix_nano, a.span_id) < std::tie(b.start_unix_nano, b.span_id);
      });
    }
  }
  for (std::vector<Span>& t : traces) HT_RETURN_IF_ERROR(fn(0, std::span<Span>(t)));
  return Status::Ok();
}

StatusOr<std::vector<Span>> ModelStore::SearchSpans(const SpanFilter& filter, SpanOrder order,
                                                    size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Span*> matched;
  for (const Span& s : spans_) {
    if (SpanMatches(filter, s)) matched.push_back(&s);
  }
  auto ids = [](const Span* s) { return std::tie(s->trace_id, s->span_id); };
  std::sort(matched.begin(), matched.end(), [&](const Span* a, const Span* b) {
    if (order == SpanOrder::kNewestFirst) {
      if (a->start_unix_nano != b->start_unix_nano) return a->start_unix_nano > b->start_unix_nano;
    } else {
      if (a->duration_ns() != b->duration_ns()) return a->duration_ns() > b->duration_ns();
    }
    return ids(a) < ids(b);
  });
  if (matched.size() > limit) matched.resize(limit);
  std::vector<Span> out;
  out.reserve(matched.size());
  for (const Span* s : matched) out.push_back(*s);
  return out;
}

StatusOr<std::vector<AggregateRow>> ModelStore::Aggregate(const AggregateRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  struct Group {
    AggregateRow row;
    std::vector<double> durations_ms;
  };
  std::map<std::vector<std::string>, Group> groups;
  if (request.group_by.empty())
    groups[std::vector<std::string>()];  // one row over everything, even when empty
  for (const Span& s : spans_) {
    if (!SpanMatches(request.filter, s)) continue;
    std::vector<std::string> key;
    key.reserve(request.group_by.size());
    for (const GroupKey& g : request.group_by) key.push_back(GroupKeyValue(g, s));
    Group& group = groups[key];
    AggregateRow& row = group.row;
    ++row.spans;
    if (s.status_code == StatusCodeValue::kError) ++row.errors;
    if (s.derived.usage_counted) {
      row.input_tokens += s.derived.input_tokens;
      row.output_tokens += s.derived.output_tokens;
      row.total_tokens += s.derived.total_tokens;
      row.cost_usd += s.derived.cost_usd;
    }
    group.durations_ms.push_back(DurationMs(s));
  }
  std::vector<AggregateRow> out;
  out.reserve(groups.size());
  for (auto& [key, group] : groups) {  // std::map: already sorted by key
    AggregateRow row = std::move(group.row);
    row.key = key;
    if (!request.with_cost) {
      row.total_tokens = 0;
      row.cost_usd = 0;
    }
    if (request.with_percentiles) {
      row.p50_ms = NearestRankPercentileMs(group.durations_ms, 50);
      row.p95_ms = NearestRankPercentileMs(group.durations_ms, 95);
      row.p99_ms = NearestRankPercentileMs(group.durations_ms, 99);
    }
    out.push_back(std::move(row));
  }
  return out;
}

Status ModelStore::UpdateDerived(std::vector<DerivedUpdate> updates) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& u : updates) {
    if (!ids_.count({u.trace_id, u.span_id})) continue;
    for (Span& s : spans_) {
      if (s.trace_id == u.trace_id && s.span_id == u.span_id) {
        s.derived = u.derived;
        break;
      }
    }
  }
  return Status::Ok();
}

StatusOr<RetentionResult> ModelStore::ApplyRetention(const RetentionPolicy& /*policy*/) {
  return RetentionResult{};
}

StoreStats ModelStore::GetStats() {
  std::lock_guard<std::mutex> lock(mu_);
  StoreStats stats;
  stats.spans = spans_.size();
  return stats;
}

}  // namespace hoptrace
