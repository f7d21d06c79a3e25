#include "api/waterfall_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <string_view>
#include <unordered_map>

#include "common/json.h"
#include <cstring>

namespace hoptrace {
namespace {

struct SpanKey {
  TraceId trace;
  SpanId span;
  bool operator==(const SpanKey&) const = default;
};
struct SpanKeyHash {
  size_t operator()(const SpanKey& k) const {
    uint64_t a, b;
    std::memcpy(&a, k.trace.data() + 8, 8);
    std::memcpy(&b, k.span.data(), 8);
    return static_cast<size_t>(a * 0x9E3779B97F4A7C15ull ^ b);
  }
};

// Interned strings, in first-use order; "" is entry 0.
class StringTable {
 public:
  StringTable() { Index(""); }
  uint32_t Index(std::string_view s) {
    auto [it, added] = ids_.try_emplace(std::string(s), static_cast<uint32_t>(order_.size()));
    if (added) order_.push_back(&it->first);
    return it->second;
  }
  void AppendJson(std::string* out) const {
    out->push_back('[');
    for (size_t i = 0; i < order_.size(); ++i) {
      if (i) out->push_back(',');
      AppendJsonString(out, *order_[i]);
    }
    out->push_back(']');
  }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<const std::string*> order_;
};

// `"name":[v0,v1,...]` for one column, `value(i)` appending row i's value.
template <typename F>
void Column(std::string* out, std::string_view name, size_t n, F&& value, bool first = false) {
  if (!first) out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":[");
  for (size_t i = 0; i < n; ++i) {
    if (i) out->push_back(',');
    value(i);
  }
  out->push_back(']');
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

template <size_t N>
void AppendHex(std::string* out, const std::array<uint8_t, N>& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[2 * N];
  for (size_t i = 0; i < N; ++i) {
    buf[2 * i] = kDigits[id[i] >> 4];
    buf[2 * i + 1] = kDigits[id[i] & 15];
  }
  out->append(buf, 2 * N);
}

}  // namespace

std::string WaterfallJson(const TraceId& trace_id, const analysis::StitchGroup* group,
                          std::vector<Span> stored) {
  // Rows by (start, trace, span id): a permutation, not a sort of the (large) spans.
  const size_t n = stored.size();
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&stored](uint32_t x, uint32_t y) {
    const Span& a = stored[x];
    const Span& b = stored[y];
    if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano < b.start_unix_nano;
    if (a.trace_id != b.trace_id) return a.trace_id < b.trace_id;
    return a.span_id < b.span_id;
  });
  std::vector<const Span*> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = &stored[order[i]];
  struct Rows {
    const std::vector<const Span*>& v;
    const Span& operator[](size_t i) const { return *v[i]; }
  } spans{sorted};
  uint64_t first = n ? std::numeric_limits<uint64_t>::max() : 0, last = 0;
  for (const Span& s : stored) {
    first = std::min(first, s.start_unix_nano);
    last = std::max({last, s.start_unix_nano, s.end_unix_nano});
  }

  std::vector<TraceId> trace_ids;
  if (group != nullptr && !group->trace_ids.empty()) trace_ids = group->trace_ids;
  else trace_ids.push_back(trace_id);
  std::map<TraceId, int> trace_index;
  for (size_t i = 0; i < trace_ids.size(); ++i) trace_index.emplace(trace_ids[i], static_cast<int>(i));
  for (size_t i = 0; i < n; ++i)
    if (trace_index.emplace(spans[i].trace_id, static_cast<int>(trace_ids.size())).second)
      trace_ids.push_back(spans[i].trace_id);

  std::unordered_map<SpanKey, int32_t, SpanKeyHash> row_of;
  row_of.reserve(n);
  for (size_t i = 0; i < n; ++i) row_of.emplace(SpanKey{spans[i].trace_id, spans[i].span_id}, static_cast<int32_t>(i));
  std::vector<int32_t> parent(n, -1);
  std::vector<uint8_t> inferred(n, 0);
  std::vector<bool> missing(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (spans[i].is_root()) continue;
    auto it = row_of.find(SpanKey{spans[i].trace_id, spans[i].parent_span_id});
    if (it != row_of.end() && it->second != static_cast<int32_t>(i)) parent[i] = it->second;
    else missing[i] = true;
  }
  struct LinkRow {
    int32_t child, parent;
    double confidence;
    const std::string* reason;
  };
  std::vector<LinkRow> links;
  if (group != nullptr) {
    for (const analysis::StitchLink& l : group->links) {
      auto c = row_of.find(SpanKey{l.child_trace_id, l.child_root_span_id});
      auto p = row_of.find(SpanKey{l.parent_trace_id, l.parent_span_id});
      if (c == row_of.end() || p == row_of.end() || c->second == p->second) continue;
      if (parent[c->second] >= 0) continue;  // a real parent wins over an inferred one
      parent[c->second] = p->second;
      inferred[c->second] = 1;
      links.push_back({c->second, p->second, l.confidence, &l.reason});
    }
  }

  StringTable strings;
  std::vector<uint32_t> name(n), service(n), agent(n), operation(n), model(n), provider(n), tool(n);
  for (size_t i = 0; i < n; ++i) {
    const Span& s = spans[i];
    name[i] = strings.Index(s.name);
    service[i] = strings.Index(s.derived.service);
    agent[i] = strings.Index(s.derived.agent);
    operation[i] = strings.Index(s.derived.operation);
    model[i] = strings.Index(s.derived.model);
    provider[i] = strings.Index(s.derived.provider);
    tool[i] = strings.Index(s.derived.tool);
  }

  std::string out;
  out.reserve(256 + n * 160);
  out.append("{\"trace_id\":\"");
  out.append(ToHex(trace_id));
  out.append("\",\"start_unix_nano\":\"");
  out.append(std::to_string(first));
  out.append("\",\"end_unix_nano\":\"");
  out.append(std::to_string(last));
  out.append("\",\"stitched\":");
  out.append(links.empty() ? "false" : "true");
  out.append(",\"trace_ids\":[");
  for (size_t i = 0; i < trace_ids.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    out.append(ToHex(trace_ids[i]));
    out.push_back('"');
  }
  out.append("],\"links\":[");
  for (size_t i = 0; i < links.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"child\":");
    AppendInt(&out, links[i].child);
    out.append(",\"parent\":");
    AppendInt(&out, links[i].parent);
    out.append(",\"confidence\":");
    out.append(JsonNumber(links[i].confidence, true));
    out.append(",\"reason\":");
    AppendJsonString(&out, *links[i].reason);
    out.push_back('}');
  }
  out.append("],\"strings\":");
  strings.AppendJson(&out);
  out.append(",\"spans\":{");
  Column(&out, "span_id", n, [&](size_t i) {
    out.push_back('"');
    AppendHex(&out, spans[i].span_id);
    out.push_back('"');
  }, /*first=*/true);
  if (trace_ids.size() == 1) {
    Column(&out, "trace", n, [&](size_t) { out.push_back('0'); });
  } else {
    Column(&out, "trace", n, [&](size_t i) { AppendInt(&out, trace_index.at(spans[i].trace_id)); });
  }
  Column(&out, "parent", n, [&](size_t i) { AppendInt(&out, parent[i]); });
  Column(&out, "parent_span_id", n, [&](size_t i) {
    out.push_back('"');
    if (missing[i] && !inferred[i]) AppendHex(&out, spans[i].parent_span_id);
    out.push_back('"');
  });
  Column(&out, "inferred", n, [&](size_t i) { AppendInt(&out, inferred[i]); });
  auto idx_col = [&](std::string_view col, const std::vector<uint32_t>& v) {
    Column(&out, col, n, [&](size_t i) { AppendInt(&out, v[i]); });
  };
  idx_col("name", name);
  idx_col("service", service);
  idx_col("agent", agent);
  idx_col("operation", operation);
  idx_col("model", model);
  idx_col("provider", provider);
  idx_col("tool", tool);
  Column(&out, "kind", n, [&](size_t i) { AppendInt(&out, static_cast<int>(spans[i].kind)); });
  Column(&out, "status", n, [&](size_t i) { AppendInt(&out, static_cast<int>(spans[i].status_code)); });
  Column(&out, "start", n, [&](size_t i) {
    AppendInt(&out, static_cast<int64_t>(spans[i].start_unix_nano - first));
  });
  Column(&out, "duration", n, [&](size_t i) {
    const Span& s = spans[i];
    AppendInt(&out, s.end_unix_nano > s.start_unix_nano
                        ? static_cast<int64_t>(s.end_unix_nano - s.start_unix_nano) : 0);
  });
  Column(&out, "input_tokens", n, [&](size_t i) { AppendInt(&out, spans[i].derived.input_tokens); });
  Column(&out, "output_tokens", n, [&](size_t i) { AppendInt(&out, spans[i].derived.output_tokens); });
  Column(&out, "total_tokens", n, [&](size_t i) { AppendInt(&out, spans[i].derived.total_tokens); });
  Column(&out, "cost_usd", n, [&](size_t i) { out.append(JsonNumber(spans[i].derived.cost_usd, true)); });
  Column(&out, "usage_counted", n, [&](size_t i) { AppendInt(&out, spans[i].derived.usage_counted ? 1 : 0); });
  out.append("}}");
  return out;
}

}  // namespace hoptrace
