// Graph API answers for the tests.
import type { ApiGraph, ApiGraphEdge, ApiGraphNode } from "./model";

export function node(id: string, extra: Partial<ApiGraphNode> = {}): ApiGraphNode {
  const [kind, name] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
  return { id, kind, name, invocations: 1, spans: 3, errors: 0, input_tokens: 100, output_tokens: 20, total_tokens: 120, cost_usd: 0.01, duration_ns: "1000000", traces: 1, ...extra };
}

export function edge(from: string, to: string, kind = "delegation", extra: Partial<ApiGraphEdge> = {}): ApiGraphEdge {
  return { from, to, kind, calls: 1, errors: 0, total_tokens: 120, cost_usd: 0.01, duration_ns: "1000000", in_cycle: false, ...extra };
}

// The demo fleet's shape plus a loop (planner ⇄ coder), a self-loop (critic) and a service.
export const LOOPY: ApiGraph = {
  nodes: [
    node("agent:orchestrator"),
    node("agent:planner"),
    node("agent:coder", { errors: 3 }),
    node("agent:critic"),
    node("service:gateway", { kind: "service" }),
    node("tool:run_tests", { kind: "tool" }),
  ],
  edges: [
    edge("service:gateway", "agent:orchestrator"),
    edge("agent:orchestrator", "agent:planner", "handoff", { calls: 2 }),
    edge("agent:planner", "agent:coder", "delegation", { calls: 4, in_cycle: true }),
    edge("agent:coder", "agent:planner", "handoff", { calls: 3, in_cycle: true }),
    edge("agent:critic", "agent:critic", "delegation", { calls: 6, in_cycle: true }),
    edge("agent:orchestrator", "agent:critic", "handoff"),
    edge("agent:coder", "tool:run_tests", "tool_call", { calls: 6, errors: 2 }),
  ],
  cycles: [
    { agents: ["critic"], count: 6 },
    { agents: ["planner", "coder"], count: 3 },
  ],
  traces: 1,
  spans: 40,
};
