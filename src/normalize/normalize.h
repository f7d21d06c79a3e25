// The normaliser: derives the agent model (DESIGN.md §4; span.h AgentFields) from the raw
// attributes of every GenAI dialect — OTel GenAI (old and new names), OpenInference,
// OpenLLMetry/Traceloop, Vercel AI SDK (every token-name generation), OpenAI Agents (through
// the OpenInference bridge, and its native spans: openai_agents.h) — and prices usage.
//
// Two steps, because spans of one trace arrive in any order and in different requests:
//
// 1. Per span — DeriveAgentFields(span, prices), on ingest. Reads only the span itself
//    (attributes, name, resource) and overwrites span->derived entirely:
//      service; the span's OWN agent; operation; model; provider; tool; conversation;
//      input/output/total tokens; cost; and usage_counted = false for spans that by their
//      kind repeat usage counted elsewhere (Vercel ai.generateText/ai.streamText/... wrappers,
//      OpenAI Agents turn/task spans), whatever else the trace holds.
//    The result depends on nothing else, so it is final for that span.
//
// 2. Per trace — ResolveTrace(spans), whenever spans of a trace arrive (also when a parent
//    arrives in a later request than its children). Needs the parent links:
//      a. agent inheritance: a span without its own agent takes the agent of its nearest
//         ancestor that has one;
//      b. no token counted twice: a span carrying usage (tokens or cost) with a descendant
//         whose usage is counted is a wrapper summing its descendants (an invoke_agent span
//         with gen_ai.usage.*, a LangChain LLM span around the OpenAI client's LLM span...):
//         its usage_counted becomes false. The innermost usage is the real provider call.
//    Both are monotone as spans arrive: an empty agent may be filled, never changed once
//    filled; usage_counted may flip true -> false (when a descendant with usage arrives after
//    its wrapper), never back. So ResolveTrace may be re-run on spans whose derived fields came
//    from an earlier ResolveTrace; the server re-runs it over the trace's known spans and
//    updates the spans (and stats) whose derived fields changed. A span whose parent is not
//    (yet) among `spans` is resolved as far as its known ancestors go.
//    Re-running DeriveAgentFields on a span clears what ResolveTrace gave it: run ResolveTrace
//    again afterwards.
//
// Stats add a span's tokens and cost only when usage_counted is true. A span's tokens stay
// visible on it either way (a Vercel wrapper shows the sum over its steps).
//
// Thread-safety: pure functions over the spans given; safe from many threads on different
// spans. PriceTable is read-only here.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "model/span.h"
#include "normalize/price_table.h"

namespace hoptrace {

// What DeriveAgentFields found that AgentFields has no field for.
struct DeriveReport {
  // How span->derived.cost_usd was determined. IsUnpriced(price_status): the span has tokens
  // but no price (unknown model, or only a total count): its cost is 0, never guessed.
  PriceStatus price_status = PriceStatus::kNoUsage;
  bool unpriced() const { return IsUnpriced(price_status); }
};

// Step 1 (see above). Overwrites span->derived. REQUIRES: span != nullptr.
DeriveReport DeriveAgentFields(Span* span, const PriceTable& prices);

struct ResolveReport {
  size_t agents_inherited = 0;  // spans whose agent was filled from an ancestor
  size_t usage_uncounted = 0;   // spans whose usage_counted became false here
  size_t missing_parents = 0;   // spans with a parent id not among `spans`
};

// Step 2 (see above) over the known spans of ONE trace, in any order. Links a span to its
// parent only when both have the same trace id; duplicate span ids resolve to the first.
// Parent-link cycles (malformed input) are tolerated: spans on a cycle inherit nothing and
// their usage flags are left as they are.
ResolveReport ResolveTrace(std::span<Span* const> spans);
ResolveReport ResolveTrace(std::vector<Span>* spans);

}  // namespace hoptrace
