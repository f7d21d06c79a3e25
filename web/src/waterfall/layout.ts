// Virtualisation and geometry: which rows are on screen, how to scroll one into view, where a
// bar and its label go. Pure maths, unit-tested.
import { type TimeView } from "./scale";

export interface RowWindow {
  /** First row index rendered (inclusive). */
  first: number;
  /** One past the last row index rendered. */
  last: number;
}

/** The rows intersecting the viewport, widened by `overscan` rows on each side. */
export function rowWindow(scrollTop: number, viewportH: number, rowH: number, count: number, overscan = 6): RowWindow {
  if (count <= 0 || rowH <= 0) return { first: 0, last: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.max(0, Math.floor(top / rowH) - overscan);
  const last = Math.min(count, Math.ceil((top + Math.max(0, viewportH)) / rowH) + overscan);
  return { first: Math.min(first, last), last };
}

/** How many pooled row elements are needed so a viewport never shows a gap. */
export function poolSize(viewportH: number, rowH: number, overscan = 6): number {
  return Math.ceil(Math.max(0, viewportH) / rowH) + 1 + 2 * overscan;
}

/** The scrollTop that brings row `index` fully into view (unchanged when it already is). */
export function scrollToShow(index: number, scrollTop: number, viewportH: number, rowH: number, margin = 0): number {
  const top = index * rowH;
  const bottom = top + rowH;
  if (top - margin * rowH < scrollTop) return Math.max(0, top - margin * rowH);
  if (bottom + margin * rowH > scrollTop + viewportH) return Math.max(0, bottom + margin * rowH - viewportH);
  return scrollTop;
}

/** The scrollTop that centres row `index`. */
export function scrollToCenter(index: number, viewportH: number, rowH: number, count: number): number {
  const max = Math.max(0, count * rowH - viewportH);
  return Math.min(max, Math.max(0, index * rowH + rowH / 2 - viewportH / 2));
}

export interface BarGeom {
  /** Left edge in px, clipped to the lane. */
  x: number;
  /** Width in px, at least minW. */
  w: number;
  /** The bar begins before / ends after the visible window. */
  clipLeft: boolean;
  clipRight: boolean;
  /** The bar is entirely outside the window. */
  hidden: boolean;
}

/** A bar's geometry in a lane `width` px wide showing `v`; tiny bars get `minW` px. */
export function barGeom(start: number, duration: number, v: TimeView, width: number, minW = 2): BarGeom {
  const span = v.t1 - v.t0;
  const x0 = ((start - v.t0) / span) * width;
  const x1 = ((start + duration - v.t0) / span) * width;
  const hidden = x1 < 0 || x0 > width;
  const clipLeft = x0 < 0;
  const clipRight = x1 > width;
  let x = Math.max(0, x0);
  let w = Math.min(width, x1) - x;
  if (w < minW) {
    w = minW;
    if (x + w > width) x = Math.max(0, width - w);
  }
  return { x, w, clipLeft, clipRight, hidden };
}

export type LabelSide = "inside" | "right" | "left";

/** Where a label of `textW` px goes for a bar at x..x+w in a lane `width` px wide. */
export function labelSide(x: number, w: number, textW: number, width: number, pad = 4): LabelSide {
  if (w >= textW + 2 * pad) return "inside";
  const right = width - (x + w), left = x;
  if (right >= textW + pad) return "right";
  if (left >= textW + pad) return "left";
  // Fits nowhere whole: the roomiest place (it is clipped there).
  if (w >= right && w >= left) return "inside";
  return right >= left ? "right" : "left";
}

/** Rough width of a label in px (monospace-ish estimate, no layout needed). */
export function estimateTextW(text: string, charW = 6.6): number {
  return Math.ceil(text.length * charW);
}

/** Vertical span (px) of rows [a, b] in the visible list (inclusive), for group overlays. */
export function rowSpanPx(a: number, b: number, rowH: number): { top: number; height: number } {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  return { top: lo * rowH, height: (hi - lo + 1) * rowH };
}
