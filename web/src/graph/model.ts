// The agent graph of docs/api.md ("Graph"), as the graph view draws it: node ids resolved, one
// edge per (from, to, kind), self-loops separated out (dagre does not lay them out), the edges
// of every loop marked.

export type NodeKind = "agent" | "service" | "tool";
export type EdgeKind = "delegation" | "handoff" | "tool_call";

export interface ApiGraphNode {
  id: string;
  kind: string;
  name: string;
  invocations: number;
  spans: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  duration_ns: string;
  traces: number;
}

export interface ApiGraphEdge {
  from: string;
  to: string;
  kind: string;
  calls: number;
  errors: number;
  total_tokens: number;
  cost_usd: number | null;
  duration_ns: string;
  in_cycle: boolean;
}

export interface ApiGraph {
  nodes: ApiGraphNode[];
  edges: ApiGraphEdge[];
  cycles: Array<{ agents: string[]; count: number }>;
  traces: number;
  spans: number;
}

export interface GNode {
  id: string;
  kind: NodeKind;
  name: string;
  invocations: number;
  spans: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
  durationNs: number;
  traces: number;
  // Made up for an edge naming a node the answer does not list (should not happen).
  synthetic: boolean;
}

export interface GEdge {
  id: string; // `${from}->${to}:${kind}`
  from: string;
  to: string;
  kind: EdgeKind;
  calls: number;
  errors: number;
  totalTokens: number;
  costUsd: number;
  durationNs: number;
  self: boolean;
  inCycle: boolean;
}

export interface GCycle {
  agents: string[];
  nodeIds: string[];
  count: number;
  // "planner → coder → planner"
  label: string;
}

export interface GraphModel {
  nodes: GNode[];
  edges: GEdge[]; // every edge, self-loops included
  cycles: GCycle[];
  traces: number;
  spans: number;
}

function nodeKind(kind: string, id: string): NodeKind {
  if (kind === "agent" || kind === "service" || kind === "tool") return kind;
  const prefix = id.slice(0, id.indexOf(":"));
  return prefix === "service" || prefix === "tool" ? prefix : "agent";
}

function edgeKind(kind: string): EdgeKind {
  return kind === "handoff" || kind === "tool_call" ? kind : "delegation";
}

// "agent:planner" → { kind: "agent", name: "planner" }
export function splitNodeId(id: string): { kind: NodeKind; name: string } {
  const colon = id.indexOf(":");
  if (colon < 0) return { kind: "agent", name: id };
  return { kind: nodeKind("", id), name: id.slice(colon + 1) };
}

export function edgeId(from: string, to: string, kind: string): string {
  return `${from}->${to}:${kind}`;
}

export function buildGraphModel(api: ApiGraph): GraphModel {
  const nodes = new Map<string, GNode>();
  for (const n of api.nodes ?? []) {
    if (nodes.has(n.id)) continue;
    nodes.set(n.id, {
      id: n.id,
      kind: nodeKind(n.kind, n.id),
      name: n.name,
      invocations: n.invocations ?? 0,
      spans: n.spans ?? 0,
      errors: n.errors ?? 0,
      inputTokens: n.input_tokens ?? 0,
      outputTokens: n.output_tokens ?? 0,
      totalTokens: n.total_tokens ?? 0,
      costUsd: n.cost_usd ?? 0,
      durationNs: Number(n.duration_ns ?? 0),
      traces: n.traces ?? 0,
      synthetic: false,
    });
  }
  const ensureNode = (id: string) => {
    if (nodes.has(id)) return;
    const { kind, name } = splitNodeId(id);
    nodes.set(id, {
      id, kind, name, invocations: 0, spans: 0, errors: 0, inputTokens: 0, outputTokens: 0,
      totalTokens: 0, costUsd: 0, durationNs: 0, traces: 0, synthetic: true,
    });
  };

  const edges = new Map<string, GEdge>();
  for (const e of api.edges ?? []) {
    ensureNode(e.from);
    ensureNode(e.to);
    const kind = edgeKind(e.kind);
    const id = edgeId(e.from, e.to, kind);
    const prev = edges.get(id);
    if (prev) {
      prev.calls += e.calls ?? 0;
      prev.errors += e.errors ?? 0;
      prev.totalTokens += e.total_tokens ?? 0;
      prev.costUsd += e.cost_usd ?? 0;
      prev.durationNs += Number(e.duration_ns ?? 0);
      prev.inCycle ||= !!e.in_cycle;
      continue;
    }
    edges.set(id, {
      id,
      from: e.from,
      to: e.to,
      kind,
      calls: e.calls ?? 0,
      errors: e.errors ?? 0,
      totalTokens: e.total_tokens ?? 0,
      costUsd: e.cost_usd ?? 0,
      durationNs: Number(e.duration_ns ?? 0),
      self: e.from === e.to,
      inCycle: !!e.in_cycle || e.from === e.to,
    });
  }

  // Cycles name agents (or services) by name: resolve to node ids, and mark the edges that
  // close each loop (consecutive members, the last back to the first) as in a cycle.
  const idForName = (name: string): string => {
    for (const kind of ["agent", "service"]) {
      const id = `${kind}:${name}`;
      if (nodes.has(id)) return id;
    }
    return `agent:${name}`;
  };
  const cycles: GCycle[] = [];
  for (const c of api.cycles ?? []) {
    const agents = c.agents ?? [];
    if (agents.length === 0) continue;
    const nodeIds = agents.map(idForName);
    for (let i = 0; i < nodeIds.length; i++) {
      const from = nodeIds[i];
      const to = nodeIds[(i + 1) % nodeIds.length];
      for (const kind of ["delegation", "handoff"]) {
        const e = edges.get(edgeId(from, to, kind));
        if (e) e.inCycle = true;
      }
    }
    cycles.push({ agents, nodeIds, count: c.count ?? 0, label: [...agents, agents[0]].join(" → ") });
  }
  cycles.sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));

  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    cycles,
    traces: api.traces ?? 0,
    spans: api.spans ?? 0,
  };
}

export function selfLoopsOf(model: GraphModel, nodeId: string): GEdge[] {
  return model.edges.filter((e) => e.self && e.from === nodeId);
}
