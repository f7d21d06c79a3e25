#include "api/analysis_api_json.h"

#include <map>

#include "api/api_json.h"
#include "common/json.h"

namespace hoptrace {
namespace {

void Key(std::string* out, std::string_view key) {
  AppendJsonString(out, key);
  out->push_back(':');
}

void Hex(std::string* out, std::string_view key, const std::string& hex) {
  Key(out, key);
  AppendJsonString(out, hex);
}

// Replaces the closing '}' of the object just appended by `,"key":`.
void ReopenObject(std::string* out, std::string_view key) {
  if (!out->empty() && out->back() == '}') out->pop_back();
  out->push_back(',');
  Key(out, key);
}

}  // namespace

std::string StitchedTraceJson(const TraceId& trace_id, const analysis::StitchGroup& group,
                              const std::vector<Span>& spans) {
  const bool stitched = !group.trace_ids.empty();
  std::map<std::pair<TraceId, SpanId>, const analysis::StitchLink*> parent_of;
  for (const analysis::StitchLink& l : group.links)
    parent_of.emplace(std::make_pair(l.child_trace_id, l.child_root_span_id), &l);

  std::string out = "{";
  Hex(&out, "trace_id", ToHex(trace_id));
  out += ",";
  Key(&out, "stitched");
  out += stitched ? "true," : "false,";
  Key(&out, "trace_ids");
  out += "[";
  if (stitched) {
    for (size_t i = 0; i < group.trace_ids.size(); ++i) {
      if (i) out += ",";
      AppendJsonString(&out, ToHex(group.trace_ids[i]));
    }
  } else {
    AppendJsonString(&out, ToHex(trace_id));
  }
  out += "],";
  Key(&out, "confidence");
  out += stitched ? JsonNumber(group.confidence, true) : "null";
  out += ",";
  Key(&out, "links");
  out += "[";
  for (size_t i = 0; i < group.links.size(); ++i) {
    const analysis::StitchLink& l = group.links[i];
    if (i) out += ",";
    out += "{";
    Hex(&out, "child_trace_id", ToHex(l.child_trace_id));
    out += ",";
    Hex(&out, "child_span_id", ToHex(l.child_root_span_id));
    out += ",";
    Hex(&out, "parent_trace_id", ToHex(l.parent_trace_id));
    out += ",";
    Hex(&out, "parent_span_id", ToHex(l.parent_span_id));
    out += ",";
    Key(&out, "confidence");
    out += JsonNumber(l.confidence, true);
    out += ",";
    Key(&out, "reason");
    AppendJsonString(&out, l.reason);
    out += "}";
  }
  out += "],";
  Key(&out, "spans");
  out += "[";
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (i) out += ",";
    AppendSpanJson(&out, s);
    auto it = parent_of.find({s.trace_id, s.span_id});
    if (it == parent_of.end()) continue;
    const analysis::StitchLink& l = *it->second;
    ReopenObject(&out, "stitched_parent");
    out += "{";
    Hex(&out, "trace_id", ToHex(l.parent_trace_id));
    out += ",";
    Hex(&out, "span_id", ToHex(l.parent_span_id));
    out += ",";
    Key(&out, "confidence");
    out += JsonNumber(l.confidence, true);
    out += ",";
    Key(&out, "reason");
    AppendJsonString(&out, l.reason);
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace hoptrace
