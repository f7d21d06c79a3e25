// JSON documents of the diagnosis endpoints (docs/api.md) that analysis/analysis.h does not
// already render (it renders Finding, Diagnosis and AgentGraph): the stitched view of a
// broken-propagation group. (The findings list of GET /api/v1/findings is rendered by the
// findings store, server/findings_store.h, from the Finding JSON it keeps.)
//
// Conventions as api_json.h: ids lowercase hex, unix-nano times as decimal strings, counts and
// cost as numbers, non-finite numbers as null.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "model/span.h"

namespace hoptrace {

// GET /api/v1/traces/{id}/stitched:
//   {"trace_id","stitched":bool,"trace_ids":[],"confidence":number|null,
//    "links":[{"child_trace_id","child_span_id","parent_trace_id","parent_span_id","confidence",
//              "reason"}],
//    "spans":[Span + "stitched_parent":{"trace_id","span_id","confidence","reason"} on each
//             child root a link names]}
// `trace_id` is the trace asked for; `group.trace_ids` empty means no group: "stitched":false,
// "trace_ids":[trace_id], "confidence":null, no links, the trace's own spans. The stored
// parent_span_id of a child root is left as stored (null for a true root): the stitched parent
// is a virtual, inferred link.
std::string StitchedTraceJson(const TraceId& trace_id, const analysis::StitchGroup& group,
                              const std::vector<Span>& spans);

}  // namespace hoptrace
