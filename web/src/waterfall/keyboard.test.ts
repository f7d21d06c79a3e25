import { describe, expect, it } from "vitest";
import { keyAction } from "./keyboard";
import { buildTree, indexOfRows, visibleRows } from "./tree";

//   0 root ─ 1 a ─ 3 a1
//          │     └ 4 a2
//          └ 2 b ─ 5 b1
const tree = buildTree([-1, 0, 0, 1, 1, 2], [0, 10, 11, 12, 13, 14]);
function state(folded: number[] = []) {
  const collapsed = new Uint8Array(6);
  for (const r of folded) collapsed[r] = 1;
  const visible = visibleRows(tree, collapsed);
  return { collapsed, visible, idx: indexOfRows(6, visible) };
}

describe("keyAction", () => {
  it("up/down move through the visible spans", () => {
    const s = state();
    expect(keyAction("ArrowDown", -1, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 0 });
    expect(keyAction("ArrowDown", 4, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 2 });
    expect(keyAction("ArrowUp", 2, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 4 });
    expect(keyAction("ArrowDown", 5, s.visible, s.idx, tree, s.collapsed)).toBeNull();
    expect(keyAction("ArrowUp", 0, s.visible, s.idx, tree, s.collapsed)).toBeNull();
    const f = state([1]);
    expect(keyAction("ArrowDown", 1, f.visible, f.idx, tree, f.collapsed)).toEqual({ select: 2 });
  });
  it("left folds an open span, else goes to the parent", () => {
    const s = state();
    expect(keyAction("ArrowLeft", 1, s.visible, s.idx, tree, s.collapsed)).toEqual({ toggle: 1 });
    expect(keyAction("ArrowLeft", 3, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 1 });
    const f = state([1]);
    expect(keyAction("ArrowLeft", 1, f.visible, f.idx, tree, f.collapsed)).toEqual({ select: 0 });
    expect(keyAction("ArrowLeft", 0, s.visible, s.idx, tree, state([0]).collapsed)).toBeNull();
  });
  it("right unfolds a folded span, else goes to the first child", () => {
    const f = state([2]);
    expect(keyAction("ArrowRight", 2, f.visible, f.idx, tree, f.collapsed)).toEqual({ toggle: 2 });
    const s = state();
    expect(keyAction("ArrowRight", 2, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 5 });
    expect(keyAction("ArrowRight", 5, s.visible, s.idx, tree, s.collapsed)).toBeNull();
  });
  it("Enter toggles; Home/End/PageDown jump", () => {
    const s = state();
    expect(keyAction("Enter", 1, s.visible, s.idx, tree, s.collapsed)).toEqual({ toggle: 1 });
    expect(keyAction("Enter", 3, s.visible, s.idx, tree, s.collapsed)).toBeNull();
    expect(keyAction("End", 0, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 5 });
    expect(keyAction("Home", 5, s.visible, s.idx, tree, s.collapsed)).toEqual({ select: 0 });
    expect(keyAction("PageDown", 0, s.visible, s.idx, tree, s.collapsed, 3)).toEqual({ select: 4 });
    expect(keyAction("PageDown", 4, s.visible, s.idx, tree, s.collapsed, 30)).toEqual({ select: 5 });
  });
});
