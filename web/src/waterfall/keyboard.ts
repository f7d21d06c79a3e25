// Keyboard navigation on the waterfall, as a pure function of the visible rows and the folds:
// up/down move through visible spans, left folds (or goes to the parent), right unfolds (or goes
// to the first child), Enter toggles, Home/End/PageUp/PageDown jump.
import { type SpanTree, hasChildren } from "./tree";

export interface KeyAction {
  /** Row to select. */
  select?: number;
  /** Row whose fold state flips. */
  toggle?: number;
}

export function keyAction(
  key: string,
  selected: number,
  visible: Int32Array,
  visIndex: Int32Array,
  tree: SpanTree,
  collapsed: Uint8Array,
  pageRows = 20,
): KeyAction | null {
  if (visible.length === 0) return null;
  const at = selected >= 0 ? visIndex[selected] : -1;
  const moveTo = (i: number): KeyAction => ({ select: visible[Math.max(0, Math.min(visible.length - 1, i))] });
  switch (key) {
    case "ArrowDown":
      return at < 0 ? moveTo(0) : at + 1 < visible.length ? moveTo(at + 1) : null;
    case "ArrowUp":
      return at < 0 ? moveTo(0) : at > 0 ? moveTo(at - 1) : null;
    case "Home":
      return moveTo(0);
    case "End":
      return moveTo(visible.length - 1);
    case "PageDown":
      return moveTo(at < 0 ? 0 : at + pageRows);
    case "PageUp":
      return moveTo(at < 0 ? 0 : at - pageRows);
  }
  if (at < 0) return key === "ArrowLeft" || key === "ArrowRight" || key === "Enter" ? moveTo(0) : null;
  const r = selected;
  switch (key) {
    case "ArrowLeft": {
      if (hasChildren(tree, r) && !collapsed[r]) return { toggle: r };
      const p = tree.parent[r];
      return p >= 0 && visIndex[p] >= 0 ? { select: p } : null;
    }
    case "ArrowRight": {
      if (!hasChildren(tree, r)) return null;
      if (collapsed[r]) return { toggle: r };
      // The first child that is on screen (an agent filter can hide some).
      for (let c = tree.childStart[r]; c < tree.childStart[r + 1]; c++) {
        const child = tree.children[c];
        if (visIndex[child] >= 0) return { select: child };
      }
      return null;
    }
    case "Enter":
    case " ":
      return hasChildren(tree, r) ? { toggle: r } : null;
  }
  return null;
}
