import { describe, expect, it } from "vitest";
import { buildGraphModel } from "./model";
import { basisPath, edgeLabel, layoutGraph, nodeLines, selfLoopPath, TOOL_LABELS_MAX } from "./layout";
import { LOOPY, edge, node } from "./fixtures";

function overlap(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function numbers(path: string): number[] {
  return (path.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
}

describe("layoutGraph", () => {
  const model = buildGraphModel(LOOPY);
  const layout = layoutGraph(model);
  const box = (id: string) => layout.nodes.find((n) => n.node.id === id)!;

  it("places every node once, without overlaps, inside the drawing", () => {
    expect(layout.nodes.map((n) => n.node.id).sort()).toEqual(model.nodes.map((n) => n.id).sort());
    for (const a of layout.nodes) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(layout.width + 0.5);
      expect(a.y + a.height).toBeLessThanOrEqual(layout.height + 0.5);
      for (const b of layout.nodes) if (a !== b) expect(overlap(a, b)).toBe(false);
    }
  });

  it("lays out left to right: callers left of callees on forward edges", () => {
    expect(box("service:gateway").x).toBeLessThan(box("agent:orchestrator").x);
    expect(box("agent:orchestrator").x).toBeLessThan(box("agent:planner").x);
    expect(box("agent:coder").x).toBeLessThan(box("tool:run_tests").x);
  });

  it("draws every edge, the self-loop as an arc above its node with room for its label", () => {
    expect(layout.edges).toHaveLength(model.edges.length);
    const self = layout.edges.find((e) => e.edge.self)!;
    const critic = box("agent:critic");
    const nums = numbers(self.path);
    // starts and ends on the top edge of the box
    expect(nums[1]).toBeCloseTo(critic.y, 5);
    expect(nums[nums.length - 1]).toBeCloseTo(critic.y, 5);
    expect(nums[0]).toBeGreaterThan(critic.x);
    expect(nums[nums.length - 2]).toBeLessThan(critic.x + critic.width);
    // label above the box, and the reserved room keeps it clear of every other node
    expect(self.labelY + self.labelHeight / 2).toBeLessThan(critic.y);
    const label = { x: self.labelX - self.labelWidth / 2, y: self.labelY - self.labelHeight / 2, width: self.labelWidth, height: self.labelHeight };
    for (const n of layout.nodes) expect(overlap(label, n)).toBe(false);
    expect(label.y).toBeGreaterThanOrEqual(0);
  });

  it("ends the other edges near their nodes", () => {
    for (const le of layout.edges.filter((e) => !e.edge.self)) {
      const nums = numbers(le.path);
      const [x0, y0] = nums;
      const [x1, y1] = nums.slice(-2);
      const from = box(le.edge.from), to = box(le.edge.to);
      expect(y0).toBeGreaterThanOrEqual(from.y);
      expect(y0).toBeLessThanOrEqual(from.y + from.height);
      expect(y1).toBeGreaterThanOrEqual(to.y);
      expect(y1).toBeLessThanOrEqual(to.y + to.height);
      expect(Math.abs(x0 - (from.x + from.width)) < 2 || Math.abs(x0 - from.x) < 2).toBe(true);
      expect(Math.abs(x1 - to.x) < 2 || Math.abs(x1 - (to.x + to.width)) < 2).toBe(true);
    }
  });

  it("hides tool-call labels when there are many tool calls", () => {
    const nodes = [node("agent:a")];
    const edges = [];
    for (let i = 0; i <= TOOL_LABELS_MAX; i++) {
      nodes.push(node(`tool:t${i}`, { kind: "tool" }));
      edges.push(edge("agent:a", `tool:t${i}`, "tool_call"));
    }
    const many = layoutGraph(buildGraphModel({ nodes, edges, cycles: [], traces: 1, spans: 1 }));
    expect(many.edges.every((e) => !e.labelShown)).toBe(true);
    expect(layout.edges.every((e) => e.labelShown)).toBe(true);
  });
});

describe("labels", () => {
  const m = buildGraphModel(LOOPY);
  it("node lines carry runs, tokens, cost and errors", () => {
    const coder = nodeLines(m.nodes.find((n) => n.id === "agent:coder")!);
    expect(coder.title).toBe("coder");
    expect(coder.stats).toBe("1 run · 120 tok");
    expect(coder.cost).toBe("$0.01");
    expect(coder.errors).toBe("3 errors");
    expect(nodeLines(m.nodes.find((n) => n.id === "agent:planner")!).errors).toBe("");
  });
  it("edge labels carry calls, tokens, cost and errors", () => {
    const t = edgeLabel(m.edges.find((e) => e.kind === "tool_call")!);
    expect(t.text).toBe("6× · 120 tok · $0.01");
    expect(t.errors).toBe("2 errs");
  });
});

describe("paths", () => {
  it("basisPath starts and ends on the first and last points", () => {
    const d = basisPath([{ x: 0, y: 0 }, { x: 50, y: 20 }, { x: 100, y: 0 }, { x: 150, y: 40 }]);
    expect(d.startsWith("M0,0")).toBe(true);
    expect(d.endsWith("L150,40")).toBe(true);
    expect(d).toContain("C");
    expect(basisPath([{ x: 1, y: 2 }, { x: 3, y: 4 }])).toBe("M1,2 L3,4");
    expect(basisPath([])).toBe("");
  });
  it("stacked self-loops rise higher each", () => {
    const b = { x: 0, y: 100, width: 120 };
    const a0 = selfLoopPath(b, 0).apex.y, a1 = selfLoopPath(b, 1).apex.y;
    expect(a0).toBeLessThan(100);
    expect(a1).toBeLessThan(a0);
  });
});
