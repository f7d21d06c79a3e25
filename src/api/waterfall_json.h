// The compact, columnar trace document the web UI's waterfall reads
// (`GET /api/v1/traces/{id}/waterfall`, docs/api.md). A 100,000-span trace is a few MB and parses
// in tens of milliseconds, where the full span JSON of /api/v1/traces/{id} is tens of MB:
// strings are interned in one table and every per-span field is an array indexed by row.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "model/span.h"

namespace hoptrace {

// {"trace_id","start_unix_nano","end_unix_nano","stitched","trace_ids":[],
//  "links":[{"child","parent","confidence","reason"}],"strings":[""...],
//  "spans":{"span_id":[],"trace":[],"parent":[],"parent_span_id":[],"inferred":[],"name":[],
//           "service":[],"agent":[],"operation":[],"model":[],"provider":[],"tool":[],"kind":[],
//           "status":[],"start":[],"duration":[],"input_tokens":[],"output_tokens":[],
//           "total_tokens":[],"cost_usd":[],"usage_counted":[]}}
// Rows are the spans ordered by (start, trace, span id). `parent` is the parent's row or -1;
// `parent_span_id` is the stored parent id when it is not in the document (a missing parent),
// else "". With a stitch group, a child root a link names gets its caller's row as `parent`
// and `inferred` 1; `links` lists those rows with the link's confidence and reason. `start` is
// nanoseconds after start_unix_nano and `duration` nanoseconds (JSON numbers: exact below 2^53,
// i.e. 104 days). Strings index `strings`, whose entry 0 is "".
std::string WaterfallJson(const TraceId& trace_id, const analysis::StitchGroup* group,
                          std::vector<Span> spans);

}  // namespace hoptrace
