// Automatic diagnosis of agent traces (issue 6) and the agent graph: pure functions over
// assembled traces. No I/O, no clock, no globals: the caller passes the spans (and, where a
// rule needs it, "now" or a cost baseline) and gets values back.
//
// A "trace" here is the spans of one trace id, in any order, with `derived` filled by the
// normaliser (DESIGN.md §4: agent inherited, operation in {"llm","embedding","agent","tool",
// "retrieval","workflow","handoff","chain","task",...}, usage_counted). Spans of other trace
// ids in the input are ignored by the per-trace functions. Duplicate span ids: the first wins.
//
// What each detector reports, and the JSON the API serialises (docs/api.md), are below with
// each type. Findings are values; persisting and de-duplicating them is the caller's job
// (`Finding::key` is stable across re-evaluations of the same trace).
//
// Thread-safety: every function is reentrant; the types are plain values.
// Cost: Diagnose is O(n log n) in the trace's spans (n = 10,000 in well under 50 ms).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace hoptrace::analysis {

// ---------------------------------------------------------------------------------------------
// Findings

enum class FindingKind : uint8_t {
  kComb,               // a stuck agent: the same tool call, same arguments, again and again
  kRetryStorm,         // >= N failing calls of one tool with differing arguments (lower severity)
  kStraggler,          // the child of a fan-out that gates the join
  kBrokenPropagation,  // a trace split because a hop lost the context
  kRootCause,          // the chain from a failure back to the earliest anomaly explaining it
  kRunawayCost,        // tokens/cost above a budget, or a climbing token rate
};
enum class Severity : uint8_t { kInfo, kWarning, kCritical };

// "comb", "retry_storm", "straggler", "broken_propagation", "root_cause", "runaway_cost".
std::string_view FindingKindName(FindingKind k);
bool ParseFindingKind(std::string_view s, FindingKind* out);
// "info", "warning", "critical".
std::string_view SeverityName(Severity s);
bool ParseSeverity(std::string_view s, Severity* out);

// Structured evidence: a JSON object, as an ordered list of key -> AnyValue (model/span.h).
// Strings, ints, doubles, bools, arrays and nested kvlists (objects) map one-to-one onto JSON
// through AppendJson(std::string*, const AnyValue&). Ids inside evidence are lowercase hex
// strings; unix-nano times are decimal strings (they exceed 2^53), durations in ns are ints.
using Evidence = std::vector<KeyValue>;

struct Finding {
  FindingKind kind = FindingKind::kComb;
  Severity severity = Severity::kInfo;
  // One or two plain-English sentences, no markup ("coder called read_file 6 times with the
  // same arguments {"path":"src/gateway/limits.py"}; every call failed ...").
  std::string summary;
  // The trace the finding is about (for broken_propagation: the caller's trace, i.e. the trace
  // the others are stitched into). `trace_ids` lists every trace of a broken_propagation group
  // (caller first); empty for the other kinds.
  TraceId trace_id{};
  std::vector<TraceId> trace_ids;
  // The spans involved, most important first (comb: every tooth in time order; straggler: the
  // straggler, then its parent; root_cause: the chain symptom -> cause; runaway_cost: the
  // spans with the most tokens, at most 10).
  std::vector<SpanId> span_ids;
  Evidence evidence;
  // Tokens and cost judged wasted (comb: the LLM calls between its first and last tooth;
  // runaway_cost: the part above the budget); 0 when not applicable.
  int64_t wasted_tokens = 0;
  double wasted_cost_usd = 0;
  // The agent the finding is about, when there is one (for `?agent=` filters); may be empty.
  std::string agent;
  // Stable identity for upserts: the same condition in the same trace gives the same key on
  // every re-evaluation (e.g. "runaway_cost:agent:reviewer", "comb:<first span id hex>").
  std::string key;
};

// One span on the critical path and the part of the end-to-end duration it accounts for.
// Contributions are self time on the path; they sum to the path root's duration.
struct CriticalPathStep {
  SpanId span_id{};
  int64_t contribution_ns = 0;
};

struct Diagnosis {
  std::vector<Finding> findings;  // ordered by severity (critical first), then kind, then time
  std::vector<CriticalPathStep> critical_path;  // in time order, root first
};

// ---------------------------------------------------------------------------------------------
// Options (defaults are the issue's)

struct CombOptions {
  int min_repeats = 3;  // identical calls within one agent invocation
  // retry_storm: failing calls of one tool, arguments not all identical.
  int min_failed_retries = 3;
};

struct StragglerOptions {
  int min_parallel_children = 3;  // overlapping children of one parent
  double min_ratio = 2.0;         // straggler duration / median of its siblings' durations
  int64_t min_wait_ns = 0;        // and the parent waited at least this long on it alone
};

struct RootCauseOptions {
  int max_candidates = 5;  // ranked chains kept per symptom (best first)
  int max_hops = 32;       // longest chain followed
};

struct PropagationOptions {
  // A root whose parent id is set but absent is reported once the trace is older than this
  // (its last span end + grace < now). now_unix_nano == 0: the trace is taken as complete.
  int64_t grace_ns = 30'000'000'000;
  uint64_t now_unix_nano = 0;
  // Cross-trace matching: a caller span's window is widened by this clock skew on each side.
  int64_t clock_skew_ns = 50'000'000;
  double min_confidence = 0.5;  // groups below are not reported
};

struct DiagnoseOptions {
  CombOptions comb;
  StragglerOptions straggler;
  RootCauseOptions root_cause;
  PropagationOptions propagation;  // only the in-trace part (orphan roots)
  bool critical_path = true;
};

// ---------------------------------------------------------------------------------------------
// Diagnosis of one trace: comb, retry_storm, straggler, root_cause, in-trace broken propagation
// (orphan roots: a parent id that never arrived) and the critical path. Runaway cost is
// separate (EvaluateCost: it needs budgets and a baseline); so is cross-trace stitching
// (FindBrokenPropagation: it needs other traces). An empty trace gives an empty Diagnosis.
Diagnosis Diagnose(std::span<const Span> trace, const DiagnoseOptions& options = {});

// The individual detectors (Diagnose calls these). Each returns its findings in time order.
std::vector<Finding> FindCombs(std::span<const Span> trace, const CombOptions& options = {});
std::vector<Finding> FindStragglers(std::span<const Span> trace,
                                    const StragglerOptions& options = {});
std::vector<Finding> FindRootCauses(std::span<const Span> trace,
                                    const RootCauseOptions& options = {});
std::vector<Finding> FindOrphanRoots(std::span<const Span> trace,
                                     const PropagationOptions& options = {});

// The chain of spans that determines the trace's end-to-end duration, from the root that ends
// last (ties: the earliest start). Walk: from the root's end, back through the last-finishing
// child that started before the cursor, recursively; children that outlive their parent are
// clipped to it. Empty for an empty trace.
std::vector<CriticalPathStep> CriticalPath(std::span<const Span> trace);

// Canonical text of tool arguments for comparison: JSON objects with keys sorted and no
// insignificant whitespace (recursively); anything that does not parse as JSON, trimmed of
// surrounding whitespace.
std::string NormalizeArguments(std::string_view arguments);

// ---------------------------------------------------------------------------------------------
// Broken propagation across traces (issue 6 point 3)

// What the matcher needs of one trace. `spans` may be the whole trace, or just its root
// spans plus its outgoing CLIENT / PRODUCER / handoff spans and the spans carrying
// `conversation`; nothing else is looked at.
struct TraceForStitching {
  TraceId trace_id{};
  std::vector<Span> spans;
};

// A virtual parent link: shown as such, never stored as the span's parent.
struct StitchLink {
  TraceId child_trace_id{};
  SpanId child_root_span_id{};
  TraceId parent_trace_id{};
  SpanId parent_span_id{};  // the caller span (the CLIENT span when there is one, else handoff)
  double confidence = 0;    // 0..1
  std::string reason;       // "handoff to reviewer contains the root", "shared conversation", ...
};

struct StitchGroup {
  std::vector<TraceId> trace_ids;  // caller first
  std::vector<StitchLink> links;
  double confidence = 0;  // the lowest link's
};

// Groups traces that belong to one workflow: a root (parent id zero, or a parent id not in its
// trace) is linked to a caller in another trace when
//   - its parent span id is a span of the other trace (confidence 1.0), or
//   - an outgoing CLIENT/PRODUCER or handoff span of the other trace contains the root's start
//     in its time window (+- clock skew) and names the root's agent or service (handoff
//     to-agent, peer.service, server.address, url host / path naming it) (0.9), or only
//     contains it (0.5 when it is the only such candidate, else less), or
//   - both share a conversation id (gen_ai.conversation.id / session.id) (0.8; +0.1 with a
//     window match).
// Each root takes its best caller; groups are the connected components, one per caller root.
std::vector<StitchGroup> StitchTraces(const std::vector<TraceForStitching>& traces,
                                      const PropagationOptions& options = {});
// The same as findings: one broken_propagation finding per group (trace_ids = the group,
// span_ids = each link's child root then its virtual parent, evidence = the links).
std::vector<Finding> FindBrokenPropagation(const std::vector<TraceForStitching>& traces,
                                           const PropagationOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Runaway cost (issue 6 point 5), evaluated on ingest over a trace that may still be running

struct Budget {
  int64_t max_tokens = 0;   // 0: no limit
  double max_cost_usd = 0;  // 0: no limit
};

struct CostBudgets {
  Budget per_trace;                         // absolute, for every trace
  std::map<std::string, Budget> per_agent;  // by agent name, summed over the trace
  std::map<std::string, Budget> per_model;  // by model name, summed over the trace
  // Relative to the baseline (p95 of recent traces with the same root name): a trace / agent
  // is over budget above baseline_multiplier x its p95. Applies where no absolute budget is set
  // and the baseline has at least min_baseline_traces traces.
  double baseline_multiplier = 1.5;
  int min_baseline_traces = 20;
  // Without a baseline: an agent whose tokens are at least this many times the median of the
  // other agents' tokens in the same trace (needs >= 2 other agents with tokens); 0 disables.
  double agent_outlier_ratio = 10.0;
  // Climbing token rate, only while the trace is in progress: tokens per window over the last
  // windows (ending at the trace's latest span end), strictly increasing over
  // climbing_windows consecutive windows, and the last window at least min_climbing_tokens.
  int64_t rate_window_ns = 60'000'000'000;
  int climbing_windows = 3;
  int64_t min_climbing_tokens = 1000;
};

// Token and cost totals of one trace (counted usage only: usage_counted spans).
struct TraceCost {
  TraceId trace_id{};
  std::string root_name;  // name of the root span ending last; "" if none
  int64_t tokens = 0;
  double cost_usd = 0;
  std::map<std::string, int64_t> agent_tokens;
  std::map<std::string, double> agent_cost_usd;
  std::map<std::string, int64_t> model_tokens;
  std::map<std::string, double> model_cost_usd;
};
TraceCost SummarizeCost(std::span<const Span> trace);

// p95 of recent traces with the same root name, built by the caller from TraceCost values.
struct CostBaseline {
  std::string root_name;
  int64_t trace_count = 0;
  int64_t p95_tokens = 0;
  double p95_cost_usd = 0;
  std::map<std::string, int64_t> p95_agent_tokens;
  std::map<std::string, double> p95_agent_cost_usd;
};
// Nearest-rank p95 over `recent` (all assumed to share the root name of the first).
CostBaseline ComputeCostBaseline(std::span<const TraceCost> recent);

// runaway_cost findings for one trace: per trace, per agent and per model above budget (one
// finding each, key "runaway_cost:trace" / ":agent:NAME" / ":model:NAME"), and with
// `in_progress` a climbing token rate (key "runaway_cost:rate"). `baseline` may be null.
std::vector<Finding> EvaluateCost(std::span<const Span> trace, const CostBudgets& budgets,
                                  const CostBaseline* baseline, bool in_progress = false);

// ---------------------------------------------------------------------------------------------
// The agent graph (issue 6 point 6)

enum class NodeKind : uint8_t { kAgent, kService, kTool };
// "agent", "service", "tool".
std::string_view NodeKindName(NodeKind k);

struct GraphNode {
  NodeKind kind = NodeKind::kAgent;
  // Agent name; for spans without an agent, the service name (kind service); for tools the
  // tool name (kind tool).
  std::string name;
  int64_t invocations = 0;  // entries into this node (agent runs; tool calls)
  int64_t spans = 0;        // spans attributed to it
  int64_t errors = 0;       // error spans attributed to it
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;  // counted usage of its spans
  double cost_usd = 0;
  int64_t duration_ns = 0;  // sum of its invocations' durations
  int64_t traces = 0;       // traces it appears in
};

enum class EdgeKind : uint8_t { kDelegation, kHandoff, kToolCall };
// "delegation", "handoff", "tool_call".
std::string_view EdgeKindName(EdgeKind k);

// from -> to, e.g. orchestrator -> researcher. A delegation is a span of agent `to` whose
// parent span belongs to `from` (or an agent invocation of `from` nested in `from`: a
// self-loop); a handoff span whose subtree holds no such entry counts as a handoff edge of its
// own (OpenAI Agents style, where the next agent is a sibling). A handoff span: operation
// "handoff" (target: handoff.to_agent), or a tool call of the OpenAI Agents SDK's handoff tools
// (transfer_to_<agent>, handoff_to_<agent>) or a span named "handoff to <agent>" as
// OpenInference records it. Tool edges: agent -> tool (handoff tools excepted), only with
// GraphOptions::include_tools.
struct GraphEdge {
  NodeKind from_kind = NodeKind::kAgent;
  std::string from;
  NodeKind to_kind = NodeKind::kAgent;
  std::string to;
  EdgeKind kind = EdgeKind::kDelegation;
  int64_t calls = 0;
  int64_t errors = 0;        // calls whose entry span (or handoff span) ended in error
  int64_t total_tokens = 0;  // counted usage in the callee's subtree, nested delegations included
  double cost_usd = 0;
  int64_t duration_ns = 0;  // sum of the entry spans' durations
  bool in_cycle = false;
};

// A loop between agents: the agents in order (the first repeated at the end implicitly) and
// how many times it went round (the fewest calls on any of its edges).
struct GraphCycle {
  std::vector<std::string> agents;
  int64_t count = 0;
};

struct AgentGraph {
  std::vector<GraphNode> nodes;  // sorted by (kind, name)
  std::vector<GraphEdge> edges;  // sorted by (from, to, kind)
  std::vector<GraphCycle> cycles;
  int64_t traces = 0;
  int64_t spans = 0;
};

struct GraphOptions {
  bool include_tools = false;
};

// What the graph reads of a span, for callers that read spans narrowly (a store's projection,
// SpanStore::ReadTraceSpans): trace id, span id, parent span id, name, start and end, status
// code (an error is status ERROR; events are not read), the derived fields but conversation
// (the span name and derived tool also name framework handoffs), and one attribute,
// kGraphHandoffTargetKey, only on spans whose derived.operation is kGraphHandoffOperation.
inline constexpr std::string_view kGraphHandoffOperation = "handoff";
inline constexpr std::string_view kGraphHandoffTargetKey = "handoff.to_agent";

AgentGraph BuildAgentGraph(std::span<const Span> trace, const GraphOptions& options = {});
// Adds `other` into `*into`: counts summed by node (kind, name) and edge (from, to, kind),
// cycles recomputed. Merging N graphs one by one costs O(N x graph size) -- for many traces
// prefer AgentGraphBuilder, which recomputes cycles once.
void MergeGraph(AgentGraph* into, const AgentGraph& other);

// Aggregates many traces into one graph; Add one trace at a time, then Finish.
class AgentGraphBuilder {
 public:
  explicit AgentGraphBuilder(GraphOptions options = {});
  ~AgentGraphBuilder();
  AgentGraphBuilder(AgentGraphBuilder&&) noexcept;
  AgentGraphBuilder& operator=(AgentGraphBuilder&&) noexcept;
  void Add(std::span<const Span> trace);
  void Add(const AgentGraph& graph);
  AgentGraph Finish();  // the builder is empty afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---------------------------------------------------------------------------------------------
// JSON (the API's shapes, docs/api.md): ids lowercase hex; nanosecond durations
// (contribution_ns, duration_ns) as decimal strings like the rest of /api/v1; tokens, counts
// and cost as numbers; non-finite numbers as null.
//   Finding   {"kind","severity","summary","trace_id","trace_ids":[],"span_ids":[],"agent",
//              "key","evidence":{},"wasted_tokens","wasted_cost_usd"}
//   Diagnosis {"findings":[Finding],"critical_path":[{"span_id","contribution_ns"}]}
//   Graph     {"nodes":[{"id","kind","name","invocations","spans","errors","input_tokens",
//              "output_tokens","total_tokens","cost_usd","duration_ns","traces"}],
//              "edges":[{"from","to","kind","calls","errors","total_tokens","cost_usd",
//              "duration_ns","in_cycle"}],"cycles":[{"agents":[],"count"}],"traces","spans"}
//              where a node id is "<kind>:<name>" and edges name node ids.
void AppendFindingJson(std::string* out, const Finding& finding);
std::string DiagnosisJson(const Diagnosis& diagnosis);
std::string AgentGraphJson(const AgentGraph& graph);

}  // namespace hoptrace::analysis
