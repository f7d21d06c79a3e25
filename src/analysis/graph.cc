// The agent graph: nodes (agents, services without an agent, optionally tools) and edges
// (delegations, handoffs, tool calls), accumulated trace by trace into flat tables.

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "analysis/analysis.h"
#include "analysis/internal.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

static_assert(kGraphHandoffOperation == kOpHandoff);
constexpr std::string_view kUnknownService = "(unknown)";

// Whether `s` hands the work over to another agent, and to whom when it says ("" when not):
//   - operation "handoff" (OTel GenAI as our SDK and others write it), target handoff.to_agent;
//   - a tool call the agent framework makes for a handoff: the OpenAI Agents SDK's handoff tools
//     are named transfer_to_<agent> (Python) or handoff_to_<agent> (JS), and its handoff spans,
//     as OpenInference records them, are named "handoff to <agent>".
// Only the span's name, derived operation and tool, and handoff.to_agent are read (the narrow
// read of kGraphHandoffOperation / kGraphHandoffTargetKey).
bool IsHandoff(const Span& s, std::string* target) {
  target->clear();
  if (s.derived.operation == kOpHandoff) {
    *target = AttrText(s, kGraphHandoffTargetKey);
    return true;
  }
  if (s.derived.operation != kOpTool) return false;
  for (std::string_view prefix : {"transfer_to_", "handoff_to_"}) {
    if (s.derived.tool.size() > prefix.size() && s.derived.tool.starts_with(prefix)) {
      // The tool name carries the agent's name as the framework spelled it in the tool: prefer
      // the span name's spelling when it has one ("handoff to weather_agent").
      *target = s.derived.tool.substr(prefix.size());
      constexpr std::string_view kNamed = "handoff to ";
      if (s.name.size() > kNamed.size() && s.name.starts_with(kNamed))
        *target = s.name.substr(kNamed.size());
      return true;
    }
  }
  constexpr std::string_view kNamed = "handoff to ";
  if (s.name.size() > kNamed.size() && s.name.starts_with(kNamed)) {
    *target = s.name.substr(kNamed.size());
    return true;
  }
  return false;
}

uint64_t EdgeKey(int from, int to, EdgeKind kind) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(from)) << 34) ^
         (static_cast<uint64_t>(static_cast<uint32_t>(to)) << 2) ^ static_cast<uint64_t>(kind);
}

struct NodeKey {
  NodeKind kind;
  std::string name;
  bool operator==(const NodeKey& o) const { return kind == o.kind && name == o.name; }
};
struct NodeKeyHash {
  size_t operator()(const NodeKey& k) const {
    return std::hash<std::string>()(k.name) * 31 + static_cast<size_t>(k.kind);
  }
};

}  // namespace

std::string_view NodeKindName(NodeKind k) {
  switch (k) {
    case NodeKind::kAgent:
      return "agent";
    case NodeKind::kService:
      return "service";
    case NodeKind::kTool:
      return "tool";
  }
  return "agent";
}

std::string_view EdgeKindName(EdgeKind k) {
  switch (k) {
    case EdgeKind::kDelegation:
      return "delegation";
    case EdgeKind::kHandoff:
      return "handoff";
    case EdgeKind::kToolCall:
      return "tool_call";
  }
  return "delegation";
}

struct AgentGraphBuilder::State {
  GraphOptions options;
  std::vector<GraphNode> nodes;
  std::unordered_map<NodeKey, int, NodeKeyHash> node_index;
  std::vector<GraphEdge> edges;
  std::vector<int> edge_from, edge_to;
  std::unordered_map<uint64_t, int> edge_index;
  std::vector<int64_t> node_last_trace;
  int64_t traces = 0;
  int64_t spans = 0;

  int Node(NodeKind kind, std::string_view name) {
    NodeKey key{kind, std::string(name)};
    auto [it, fresh] = node_index.emplace(std::move(key), static_cast<int>(nodes.size()));
    if (fresh) {
      GraphNode n;
      n.kind = kind;
      n.name = std::string(name);
      nodes.push_back(std::move(n));
      node_last_trace.push_back(-1);
    }
    return it->second;
  }

  GraphEdge& Edge(int from, int to, EdgeKind kind) {
    auto [it, fresh] = edge_index.emplace(EdgeKey(from, to, kind), static_cast<int>(edges.size()));
    if (fresh) {
      GraphEdge e;
      e.from_kind = nodes[from].kind;
      e.from = nodes[from].name;
      e.to_kind = nodes[to].kind;
      e.to = nodes[to].name;
      e.kind = kind;
      edges.push_back(std::move(e));
      edge_from.push_back(from);
      edge_to.push_back(to);
    }
    return edges[it->second];
  }

  void Touch(int node) {
    if (node_last_trace[node] != traces) {
      node_last_trace[node] = traces;
      ++nodes[node].traces;
    }
  }

  void AddTrace(std::span<const Span> trace);
};

void AgentGraphBuilder::State::AddTrace(std::span<const Span> trace) {
  TraceIndex t(trace);
  if (t.empty()) return;
  const int n = static_cast<int>(t.size());
  ++traces;
  spans += n;
  // Node of each span, through a small per-trace cache (a trace names few agents).
  std::vector<std::pair<std::string_view, int>> cache;
  std::vector<int> node(n);
  for (int i = 0; i < n; ++i) {
    const Span& s = t.span(i);
    NodeKind kind = NodeKind::kAgent;
    std::string_view name = s.derived.agent;
    if (name.empty()) {
      kind = NodeKind::kService;
      name = s.derived.service;
      if (name.empty()) name = kUnknownService;
    }
    int id = -1;
    for (auto& [cached, idx] : cache)
      if (cached == name && nodes[idx].kind == kind) id = idx;
    if (id < 0) {
      id = Node(kind, name);
      cache.emplace_back(name, id);
    }
    node[i] = id;
    Touch(id);
    GraphNode& g = nodes[id];
    ++g.spans;
    if (t.IsError(i)) ++g.errors;
    if (s.derived.usage_counted) {
      g.input_tokens += s.derived.input_tokens;
      g.output_tokens += s.derived.output_tokens;
      g.total_tokens += CountedTokens(s);
      g.cost_usd += s.derived.cost_usd;
    }
  }
  // Subtree usage, children before parents (a preorder reversed).
  std::vector<int> order;
  order.reserve(n);
  {
    std::vector<int> stack(t.roots().rbegin(), t.roots().rend());
    while (!stack.empty()) {
      int i = stack.back();
      stack.pop_back();
      order.push_back(i);
      for (int c : t.children(i)) stack.push_back(c);
    }
  }
  std::vector<int64_t> sub_tokens(n, 0);
  std::vector<double> sub_cost(n, 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    int i = *it;
    sub_tokens[i] += CountedTokens(t.span(i));
    sub_cost[i] += CountedCost(t.span(i));
    if (int p = t.parent(i); p >= 0) {
      sub_tokens[p] += sub_tokens[i];
      sub_cost[p] += sub_cost[i];
    }
  }
  std::vector<bool> consumed_handoff(n, false);
  for (int i : order) {
    const Span& s = t.span(i);
    const int p = t.parent(i);
    bool entry = p < 0;
    int from = -1;
    EdgeKind kind = EdgeKind::kDelegation;
    int via = -1;  // the handoff span, when there is one
    if (p >= 0) {
      if (node[p] != node[i]) {
        entry = true;
        from = node[p];
      } else if (s.derived.operation == kOpAgent) {
        // An agent invocation nested in the same agent's work: recursion, a self-loop.
        for (int a = p; a >= 0 && node[a] == node[i]; a = t.parent(a)) {
          if (t.span(a).derived.operation == kOpAgent) {
            entry = true;
            from = node[i];
            break;
          }
        }
      }
      if (from >= 0) {
        // A handoff span of the caller naming this agent, a few levels up.
        int a = p;
        std::string to;
        for (int up = 0; up < 4 && a >= 0 && node[a] == from; ++up, a = t.parent(a)) {
          if (IsHandoff(t.span(a), &to)) {
            if (to.empty() || to == s.derived.agent) {
              via = a;
              consumed_handoff[a] = true;
              kind = EdgeKind::kHandoff;
            }
            break;
          }
        }
      }
    }
    if (entry) {
      GraphNode& g = nodes[node[i]];
      ++g.invocations;
      g.duration_ns += s.duration_ns();
    }
    if (from >= 0) {
      GraphEdge& e = Edge(from, node[i], kind);
      ++e.calls;
      if (t.IsError(i) || (via >= 0 && t.IsError(via))) ++e.errors;
      e.total_tokens += sub_tokens[i];
      e.cost_usd += sub_cost[i];
      e.duration_ns += s.duration_ns();
    }
  }
  // Handoffs whose subtree holds no entry of the target: edges of their own.
  // (The next agent may run beside the handoff rather than under it: the OpenAI Agents SDK
  // starts it as a sibling of the agent that handed over.)
  std::vector<bool> handoff(n, false);
  std::string to;
  for (int i = 0; i < n; ++i) {
    const Span& s = t.span(i);
    handoff[i] = IsHandoff(s, &to);
    if (!handoff[i] || consumed_handoff[i]) continue;
    if (to.empty()) continue;
    int target = Node(NodeKind::kAgent, to);
    Touch(target);
    GraphEdge& e = Edge(node[i], target, EdgeKind::kHandoff);
    ++e.calls;
    if (t.IsError(i)) ++e.errors;
    e.total_tokens += sub_tokens[i];
    e.cost_usd += sub_cost[i];
    e.duration_ns += s.duration_ns();
  }
  if (options.include_tools) {
    for (int i = 0; i < n; ++i) {
      const Span& s = t.span(i);
      if (s.derived.operation != kOpTool || handoff[i]) continue;  // a handoff is an edge
      std::string_view name = s.derived.tool.empty() ? std::string_view(s.name) : s.derived.tool;
      int tool = Node(NodeKind::kTool, name);
      Touch(tool);
      GraphNode& g = nodes[tool];
      ++g.invocations;
      g.duration_ns += s.duration_ns();
      if (t.IsError(i)) ++g.errors;
      GraphEdge& e = Edge(node[i], tool, EdgeKind::kToolCall);
      ++e.calls;
      if (t.IsError(i)) ++e.errors;
      e.total_tokens += sub_tokens[i];
      e.cost_usd += sub_cost[i];
      e.duration_ns += s.duration_ns();
    }
  }
}

AgentGraphBuilder::AgentGraphBuilder(GraphOptions options) : state_(std::make_unique<State>()) {
  state_->options = options;
}
AgentGraphBuilder::~AgentGraphBuilder() = default;
AgentGraphBuilder::AgentGraphBuilder(AgentGraphBuilder&&) noexcept = default;
AgentGraphBuilder& AgentGraphBuilder::operator=(AgentGraphBuilder&&) noexcept = default;

void AgentGraphBuilder::Add(std::span<const Span> trace) { state_->AddTrace(trace); }

void AgentGraphBuilder::Add(const AgentGraph& graph) {
  State& st = *state_;
  std::vector<int> ids;
  for (const GraphNode& g : graph.nodes) {
    int id = st.Node(g.kind, g.name);
    GraphNode& n = st.nodes[id];
    n.invocations += g.invocations;
    n.spans += g.spans;
    n.errors += g.errors;
    n.input_tokens += g.input_tokens;
    n.output_tokens += g.output_tokens;
    n.total_tokens += g.total_tokens;
    n.cost_usd += g.cost_usd;
    n.duration_ns += g.duration_ns;
    n.traces += g.traces;
  }
  for (const GraphEdge& e : graph.edges) {
    int from = st.Node(e.from_kind, e.from);
    int to = st.Node(e.to_kind, e.to);
    GraphEdge& d = st.Edge(from, to, e.kind);
    d.calls += e.calls;
    d.errors += e.errors;
    d.total_tokens += e.total_tokens;
    d.cost_usd += e.cost_usd;
    d.duration_ns += e.duration_ns;
  }
  st.traces += graph.traces;
  st.spans += graph.spans;
}

AgentGraph AgentGraphBuilder::Finish() {
  State& st = *state_;
  AgentGraph g;
  g.traces = st.traces;
  g.spans = st.spans;
  const int n = static_cast<int>(st.nodes.size());
  // Cycles over agent/service edges (tool calls never close a loop): Tarjan's SCC.
  std::vector<std::vector<int>> adj(n);  // edge indices
  for (size_t e = 0; e < st.edges.size(); ++e)
    if (st.edges[e].kind != EdgeKind::kToolCall)
      adj[st.edge_from[e]].push_back(static_cast<int>(e));
  std::vector<int> index(n, -1), low(n, 0), comp(n, -1);
  std::vector<bool> on_stack(n, false);
  std::vector<int> stack;
  int counter = 0, ncomp = 0;
  for (int root = 0; root < n; ++root) {
    if (index[root] >= 0) continue;
    std::vector<std::pair<int, size_t>> call{{root, 0}};
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      auto& [v, k] = call.back();
      if (k < adj[v].size()) {
        int w = st.edge_to[adj[v][k++]];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        while (true) {
          int w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = ncomp;
          if (w == v) break;
        }
        ++ncomp;
      }
      int done = v;
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
    }
  }
  std::vector<int> comp_size(ncomp, 0);
  for (int v = 0; v < n; ++v) ++comp_size[comp[v]];
  for (size_t e = 0; e < st.edges.size(); ++e) {
    if (st.edges[e].kind == EdgeKind::kToolCall) continue;
    int a = st.edge_from[e], b = st.edge_to[e];
    if (comp[a] == comp[b] && (a == b || comp_size[comp[a]] > 1)) st.edges[e].in_cycle = true;
  }
  // Elementary cycles inside each cyclic component (bounded): DFS from each start node over
  // nodes with a larger index in the same component.
  const size_t kMaxCycles = 64;
  for (int start = 0; start < n && g.cycles.size() < kMaxCycles; ++start) {
    std::vector<int> path{start};
    std::vector<int> path_edges;
    std::vector<bool> on_path(n, false);
    on_path[start] = true;
    std::function<void(int)> dfs = [&](int v) {
      if (g.cycles.size() >= kMaxCycles || path.size() > 8) return;
      for (int e : adj[v]) {
        if (!st.edges[e].in_cycle) continue;
        int w = st.edge_to[e];
        if (w == start) {
          GraphCycle c;
          int64_t count = st.edges[e].calls;
          for (int pe : path_edges) count = std::min(count, st.edges[pe].calls);
          for (int p : path) c.agents.push_back(st.nodes[p].name);
          c.count = count;
          g.cycles.push_back(std::move(c));
          continue;
        }
        if (w < start || on_path[w] || comp[w] != comp[start]) continue;
        on_path[w] = true;
        path.push_back(w);
        path_edges.push_back(e);
        dfs(w);
        path.pop_back();
        path_edges.pop_back();
        on_path[w] = false;
      }
    };
    dfs(start);
  }
  g.nodes = std::move(st.nodes);
  g.edges = std::move(st.edges);
  std::sort(g.nodes.begin(), g.nodes.end(), [](const GraphNode& a, const GraphNode& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.name < b.name;
  });
  std::sort(g.edges.begin(), g.edges.end(), [](const GraphEdge& a, const GraphEdge& b) {
    if (a.from != b.from) return a.from < b.from;
    if (a.to != b.to) return a.to < b.to;
    if (a.from_kind != b.from_kind) return a.from_kind < b.from_kind;
    if (a.to_kind != b.to_kind) return a.to_kind < b.to_kind;
    return a.kind < b.kind;
  });
  std::sort(g.cycles.begin(), g.cycles.end(),
            [](const GraphCycle& a, const GraphCycle& b) { return a.count > b.count; });
  GraphOptions options = st.options;
  *state_ = State();
  state_->options = options;
  return g;
}

AgentGraph BuildAgentGraph(std::span<const Span> trace, const GraphOptions& options) {
  AgentGraphBuilder b(options);
  b.Add(trace);
  return b.Finish();
}

void MergeGraph(AgentGraph* into, const AgentGraph& other) {
  AgentGraphBuilder b;
  b.Add(*into);
  b.Add(other);
  *into = b.Finish();
}

}  // namespace hoptrace::analysis
