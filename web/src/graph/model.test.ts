import { describe, expect, it } from "vitest";
import { buildGraphModel, edgeId, splitNodeId } from "./model";
import { LOOPY, edge, node } from "./fixtures";

describe("buildGraphModel", () => {
  it("keeps the API's node ids and kinds", () => {
    const m = buildGraphModel(LOOPY);
    expect(m.nodes.map((n) => n.id)).toEqual(LOOPY.nodes.map((n) => n.id));
    expect(m.nodes.find((n) => n.id === "service:gateway")!.kind).toBe("service");
    expect(m.nodes.find((n) => n.id === "tool:run_tests")!.kind).toBe("tool");
    expect(m.nodes.find((n) => n.id === "agent:coder")!.errors).toBe(3);
    expect(m.traces).toBe(1);
    expect(m.spans).toBe(40);
  });

  it("marks self-loops, and edges on a loop as in a cycle", () => {
    const m = buildGraphModel(LOOPY);
    const byId = new Map(m.edges.map((e) => [e.id, e]));
    expect(byId.get(edgeId("agent:critic", "agent:critic", "delegation"))).toMatchObject({ self: true, inCycle: true, calls: 6 });
    expect(byId.get(edgeId("agent:planner", "agent:coder", "delegation"))!.inCycle).toBe(true);
    expect(byId.get(edgeId("agent:coder", "agent:planner", "handoff"))!.inCycle).toBe(true);
    expect(byId.get(edgeId("agent:orchestrator", "agent:planner", "handoff"))!.inCycle).toBe(false);
    expect(m.edges.filter((e) => e.self).map((e) => e.from)).toEqual(["agent:critic"]);
  });

  it("derives cycle edges from `cycles` even when in_cycle is missing", () => {
    const m = buildGraphModel({
      nodes: [node("agent:a"), node("agent:b"), node("agent:c"), node("service:svc", { kind: "service" })],
      edges: [edge("agent:a", "agent:b"), edge("agent:b", "agent:c", "handoff"), edge("agent:c", "agent:a"), edge("agent:a", "agent:c"), edge("service:svc", "service:svc")],
      cycles: [{ agents: ["a", "b", "c"], count: 2 }, { agents: ["svc"], count: 1 }],
      traces: 1,
      spans: 9,
    });
    const inCycle = m.edges.filter((e) => e.inCycle).map((e) => e.id).sort();
    expect(inCycle).toEqual([
      edgeId("agent:a", "agent:b", "delegation"),
      edgeId("agent:b", "agent:c", "handoff"),
      edgeId("agent:c", "agent:a", "delegation"),
      edgeId("service:svc", "service:svc", "delegation"),
    ].sort());
    // a → c is not on the loop a → b → c → a
    expect(m.edges.find((e) => e.id === edgeId("agent:a", "agent:c", "delegation"))!.inCycle).toBe(false);
    // cycle members resolved to node ids: agents first, then services
    expect(m.cycles.map((c) => c.nodeIds)).toEqual([["agent:a", "agent:b", "agent:c"], ["service:svc"]]);
    expect(m.cycles[0].label).toBe("a → b → c → a");
  });

  it("sorts cycles by how often they went round", () => {
    const m = buildGraphModel(LOOPY);
    expect(m.cycles.map((c) => [c.label, c.count])).toEqual([
      ["critic → critic", 6],
      ["planner → coder → planner", 3],
    ]);
  });

  it("makes up a node for an edge naming an unknown id", () => {
    const m = buildGraphModel({ nodes: [node("agent:a")], edges: [edge("agent:a", "tool:grep", "tool_call")], cycles: [], traces: 1, spans: 2 });
    const t = m.nodes.find((n) => n.id === "tool:grep")!;
    expect(t).toMatchObject({ kind: "tool", name: "grep", synthetic: true });
  });

  it("merges duplicate (from, to, kind) edges and keeps parallel edges of different kinds", () => {
    const m = buildGraphModel({
      nodes: [node("agent:a"), node("agent:b")],
      edges: [edge("agent:a", "agent:b", "delegation", { calls: 2, errors: 1, total_tokens: 10, cost_usd: 0.5, duration_ns: "5" }), edge("agent:a", "agent:b", "delegation", { calls: 3, total_tokens: 5, cost_usd: 0.25, duration_ns: "7" }), edge("agent:a", "agent:b", "handoff")],
      cycles: [],
      traces: 2,
      spans: 4,
    });
    expect(m.edges).toHaveLength(2);
    expect(m.edges[0]).toMatchObject({ calls: 5, errors: 1, totalTokens: 15, costUsd: 0.75, durationNs: 12 });
  });

  it("copes with an empty answer and null costs", () => {
    const m = buildGraphModel({ nodes: [node("agent:a", { cost_usd: null })], edges: [], cycles: [], traces: 0, spans: 0 });
    expect(m.nodes[0].costUsd).toBe(0);
    expect(buildGraphModel({ nodes: [], edges: [], cycles: [], traces: 0, spans: 0 }).nodes).toEqual([]);
  });

  it("splits node ids", () => {
    expect(splitNodeId("agent:a:b")).toEqual({ kind: "agent", name: "a:b" });
    expect(splitNodeId("service:api")).toEqual({ kind: "service", name: "api" });
    expect(splitNodeId("tool:x")).toEqual({ kind: "tool", name: "x" });
  });
});
