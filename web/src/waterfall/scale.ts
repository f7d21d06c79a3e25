// The time axis: the visible window [t0, t1] (ns from the trace start), zoom around a point,
// pan, pixel mapping and "nice" ruler ticks.

export interface TimeView {
  t0: number;
  t1: number;
}

/** The narrowest window one can zoom to (ns). */
export const MIN_WINDOW_NS = 1000;

/** Keeps a window inside [0, total] and no narrower than MIN_WINDOW_NS (or total if smaller). */
export function clampView(v: TimeView, total: number): TimeView {
  const minW = Math.min(MIN_WINDOW_NS, total);
  let w = v.t1 - v.t0;
  if (!(w >= minW)) w = minW;
  if (w > total) w = total;
  let t0 = Number.isFinite(v.t0) ? v.t0 : 0;
  if (t0 < 0) t0 = 0;
  if (t0 + w > total) t0 = total - w;
  return { t0, t1: t0 + w };
}

export function fullView(total: number): TimeView {
  return { t0: 0, t1: total };
}

/**
 * Zooms by `factor` (< 1 zooms in, > 1 out) keeping the time under `anchor` (ns) at the same
 * screen position.
 */
export function zoomAt(v: TimeView, factor: number, anchor: number, total: number): TimeView {
  const w = v.t1 - v.t0;
  const minW = Math.min(MIN_WINDOW_NS, total);
  const nw = Math.min(total, Math.max(minW, w * factor));
  const frac = w > 0 ? (anchor - v.t0) / w : 0.5;
  const t0 = anchor - frac * nw;
  return clampView({ t0, t1: t0 + nw }, total);
}

/** Moves the window by `delta` ns (positive: later). */
export function pan(v: TimeView, delta: number, total: number): TimeView {
  return clampView({ t0: v.t0 + delta, t1: v.t1 + delta }, total);
}

/** Zooms to [a, b] (any order), with a small margin. */
export function zoomTo(a: number, b: number, total: number, margin = 0.02): TimeView {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  const w = Math.max(hi - lo, MIN_WINDOW_NS);
  return clampView({ t0: lo - w * margin, t1: hi + w * margin }, total);
}

export function xOf(t: number, v: TimeView, width: number): number {
  return ((t - v.t0) / (v.t1 - v.t0)) * width;
}

export function tOf(x: number, v: TimeView, width: number): number {
  return v.t0 + (x / width) * (v.t1 - v.t0);
}

/** A step of 1, 2 or 5 × 10^k giving at most `maxTicks` intervals over `range`. */
export function niceStep(range: number, maxTicks: number): number {
  if (!(range > 0) || maxTicks < 1) return 1;
  const raw = range / maxTicks;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw * (1 - 1e-12)) return m * pow;
  return 10 * pow;
}

export interface Tick {
  t: number;
  label: string;
}

/** Ruler ticks for a window drawn `width` px wide, about `minPx` px apart. */
export function ticks(v: TimeView, width: number, minPx = 90): Tick[] {
  const maxTicks = Math.max(1, Math.floor(width / minPx));
  const step = niceStep(v.t1 - v.t0, maxTicks);
  const out: Tick[] = [];
  const first = Math.ceil(v.t0 / step - 1e-9) * step;
  const unit = unitFor(Math.max(Math.abs(v.t0), Math.abs(v.t1)));
  for (let k = 0; ; k++) {
    const t = first + k * step;
    if (t > v.t1 + step * 1e-9 || k > 1000) break;
    out.push({ t, label: formatTick(t, step, unit) });
  }
  return out;
}

const UNITS: Array<[number, string]> = [
  [1e9, "s"],
  [1e6, "ms"],
  [1e3, "µs"],
  [1, "ns"],
];

/** The unit (ns per unit) used for labels of times up to `maxT`. */
export function unitFor(maxT: number): number {
  for (const [u] of UNITS) if (maxT >= u) return u;
  return 1;
}

/** A tick label: enough decimals for `step` in `unit` ("1.5 s", "250 ms", "0"). */
export function formatTick(t: number, step: number, unit = unitFor(Math.abs(t))): string {
  if (Math.abs(t) < step * 1e-6) return "0";
  const name = UNITS.find(([u]) => u === unit)?.[1] ?? "ns";
  const decimals = Math.max(0, Math.min(9, Math.ceil(Math.log10(unit / step) - 1e-9)));
  return `${(t / unit).toFixed(decimals)} ${name}`;
}

/** A window as "64.700 s – 64.889 s": one unit, enough decimals to tell the ends apart. */
export function formatRange(v: TimeView): string {
  const unit = unitFor(Math.max(Math.abs(v.t0), Math.abs(v.t1)));
  const step = niceStep(v.t1 - v.t0, 100);
  const f = (t: number) => (t === 0 ? "0" : formatTick(t, step, unit));
  return `${f(v.t0)} – ${f(v.t1)}`;
}
