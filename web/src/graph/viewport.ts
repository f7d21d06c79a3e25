// Zoom and pan of the graph: a view maps content coordinates to screen ones,
// screen = content · k + (tx, ty).
export interface View {
  k: number;
  tx: number;
  ty: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 4;

// The view that shows the whole content (w × h) centred in a viewport (vw × vh) with `pad`
// pixels around it, never magnified beyond `maxK`.
export function fitView(w: number, h: number, vw: number, vh: number, pad = 24, maxK = 1.25): View {
  if (w <= 0 || h <= 0 || vw <= 0 || vh <= 0) return { k: 1, tx: 0, ty: 0 };
  const k = clamp(Math.min((vw - 2 * pad) / w, (vh - 2 * pad) / h, maxK), MIN_ZOOM, MAX_ZOOM);
  return { k, tx: (vw - w * k) / 2, ty: (vh - h * k) / 2 };
}

// Zooms by `factor` keeping the content point under the screen point (px, py) in place.
export function zoomAt(v: View, factor: number, px: number, py: number): View {
  const k = clamp(v.k * factor, MIN_ZOOM, MAX_ZOOM);
  const f = k / v.k;
  return { k, tx: px - (px - v.tx) * f, ty: py - (py - v.ty) * f };
}

export function panBy(v: View, dx: number, dy: number): View {
  return { k: v.k, tx: v.tx + dx, ty: v.ty + dy };
}

export function toContent(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.tx) / v.k, y: (sy - v.ty) / v.k };
}

export function transformAttr(v: View): string {
  return `translate(${v.tx.toFixed(2)},${v.ty.toFixed(2)}) scale(${v.k.toFixed(4)})`;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
