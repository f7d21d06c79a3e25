import { describe, expect, it } from "vitest";
import { agentFilter, buildTree, collapseAll, expandTo, hasChildren, indexOfRows, startOrder, visibleRows } from "./tree";

// A small trace:            row: name (start)
//   0 root (0)
//   ├─ 1 a (10)
//   │   ├─ 3 a1 (12)
//   │   └─ 4 a2 (13)
//   └─ 2 b (11)
//       └─ 5 b1 (14)
const parent = [-1, 0, 0, 1, 1, 2];
const start = [0, 10, 11, 12, 13, 14];

describe("buildTree", () => {
  it("builds children, depths and a depth-first order from the parent column", () => {
    const t = buildTree(parent, start);
    expect(Array.from(t.roots)).toEqual([0]);
    expect(Array.from(t.order)).toEqual([0, 1, 3, 4, 2, 5]);
    expect(Array.from(t.depth)).toEqual([0, 1, 1, 2, 2, 2]);
    expect(Array.from(t.size)).toEqual([6, 3, 2, 1, 1, 1]);
    const kids = (r: number) => Array.from(t.children.subarray(t.childStart[r], t.childStart[r + 1]));
    expect(kids(0)).toEqual([1, 2]);
    expect(kids(1)).toEqual([3, 4]);
    expect(kids(5)).toEqual([]);
    expect(hasChildren(t, 2)).toBe(true);
    expect(hasChildren(t, 3)).toBe(false);
    expect(t.maxDepth).toBe(2);
  });

  it("orders siblings by start time even when the rows are not", () => {
    // rows: 0 root, 1 late child (start 50), 2 early child (start 5), 3 middle child (20)
    const t = buildTree([-1, 0, 0, 0], [0, 50, 5, 20]);
    expect(Array.from(t.children.subarray(t.childStart[0], t.childStart[1]))).toEqual([2, 3, 1]);
    expect(Array.from(t.order)).toEqual([0, 2, 3, 1]);
    expect(Array.from(startOrder([3, 1, 2, 1]))).toEqual([1, 3, 2, 0]);
  });

  it("makes spans with a missing parent roots, flagged, ordered by start", () => {
    // row 2's parent is not in the trace (parent -1, parent_span_id set).
    const t = buildTree([-1, 0, -1, 2], [5, 6, 1, 2], ["", "aaaa", "feedfacefeedface", "cccc"]);
    expect(Array.from(t.roots)).toEqual([2, 0]);
    expect(t.missingParent[2]).toBe(1);
    expect(t.missingParent[0]).toBe(0);
    expect(Array.from(t.order)).toEqual([2, 3, 0, 1]);
  });

  it("cuts cycles and invalid parents instead of looping", () => {
    // 1 → 2 → 3 → 1 is a cycle; 4 points at itself; 5 at a row that does not exist.
    const t = buildTree([-1, 3, 1, 2, 4, 99], [0, 1, 2, 3, 4, 5]);
    expect(t.order.length).toBe(6);
    expect(new Set(t.order).size).toBe(6);
    expect(t.parent[4]).toBe(-1);
    expect(t.parent[5]).toBe(-1);
    const cut = [1, 2, 3].filter((r) => t.parent[r] === -1);
    expect(cut.length).toBe(1);
  });

  it("handles a 100,000-deep chain without recursion and a 100k fan-out quickly", () => {
    const n = 100_000;
    const chain = new Int32Array(n).map((_, i) => i - 1);
    const s = new Float64Array(n).map((_, i) => i);
    const t = buildTree(chain, s);
    expect(t.depth[n - 1]).toBe(n - 1);
    expect(t.size[0]).toBe(n);
    const fan = new Int32Array(n).map((_, i) => (i === 0 ? -1 : 0));
    const t0 = performance.now();
    const f = buildTree(fan, s);
    const rows = visibleRows(f, new Uint8Array(n));
    expect(rows.length).toBe(n);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("visibleRows", () => {
  const t = buildTree(parent, start);
  it("lists every row depth-first when nothing is folded", () => {
    expect(Array.from(visibleRows(t, new Uint8Array(6)))).toEqual([0, 1, 3, 4, 2, 5]);
  });
  it("skips the descendants of folded rows", () => {
    const c = new Uint8Array(6);
    c[1] = 1;
    expect(Array.from(visibleRows(t, c))).toEqual([0, 1, 2, 5]);
    c[0] = 1;
    expect(Array.from(visibleRows(t, c))).toEqual([0]);
    c[0] = 0;
    c[2] = 1;
    expect(Array.from(visibleRows(t, c))).toEqual([0, 1, 2]);
  });
  it("fold all leaves the roots; expandTo unfolds a row's ancestors", () => {
    const c = new Uint8Array(6);
    collapseAll(t, c);
    expect(Array.from(visibleRows(t, c))).toEqual([0]);
    expect(expandTo(t, c, 4)).toBe(true);
    expect(Array.from(visibleRows(t, c))).toEqual([0, 1, 3, 4, 2]);
    expect(expandTo(t, c, 4)).toBe(false);
  });
  it("indexOfRows maps rows to their on-screen position", () => {
    const rows = visibleRows(t, new Uint8Array(6));
    const idx = indexOfRows(6, rows);
    expect(idx[2]).toBe(4);
    expect(idx[5]).toBe(5);
  });
});

describe("agentFilter", () => {
  // agents: 0 orch, 1 orch, 2 orch, 3 coder, 4 orch, 5 coder
  const t = buildTree(parent, start);
  const agent = [1, 1, 1, 2, 1, 2];
  it("keeps the agent's spans and their ancestors as greyed context", () => {
    const f = agentFilter(t, agent, 2);
    expect(f.matches).toBe(2);
    expect(Array.from(visibleRows(t, new Uint8Array(6), f.include))).toEqual([0, 1, 3, 2, 5]);
    expect(Array.from(f.context)).toEqual([1, 1, 1, 0, 0, 0]);
  });
  it("an agent with no spans keeps nothing", () => {
    const f = agentFilter(t, agent, 7);
    expect(f.matches).toBe(0);
    expect(visibleRows(t, new Uint8Array(6), f.include).length).toBe(0);
  });
});
