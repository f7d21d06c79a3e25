// The /api/v1/stats rows, and turning them into the dashboard's tables and chart series.
import type { Bucket } from "./buckets";
import { nanoToMs } from "./time";

export type Dim = "agent" | "model" | "provider";
export const DIMS: Dim[] = ["agent", "model", "provider"];

export interface StatsRow {
  agent?: string | null;
  model?: string | null;
  provider?: string | null;
  spans: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  p50_ms?: number | null;
  p95_ms?: number | null;
  p99_ms?: number | null;
}

export interface StatsResponse {
  rows: StatsRow[];
}

// The label of a row's group key: null (spans without that field) reads "(none)".
export const NONE_LABEL = "(none)";
export function keyOf(row: StatsRow, dim: Dim): string {
  const v = row[dim];
  return v === null || v === undefined || v === "" ? NONE_LABEL : String(v);
}

export interface TableRow {
  key: string;
  isNone: boolean;
  spans: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

// One table row per group, most expensive first (then most tokens, then by name; "(none)"
// after named groups on a tie).
export function tableRows(rows: StatsRow[], dim: Dim): TableRow[] {
  const byKey = new Map<string, TableRow>();
  for (const r of rows) {
    const key = keyOf(r, dim);
    let t = byKey.get(key);
    if (!t) {
      t = { key, isNone: key === NONE_LABEL, spans: 0, errors: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0 };
      byKey.set(key, t);
    }
    t.spans += r.spans;
    t.errors += r.errors;
    t.input_tokens += r.input_tokens;
    t.output_tokens += r.output_tokens;
    t.total_tokens += r.total_tokens;
    t.cost_usd += r.cost_usd ?? 0;
  }
  return [...byKey.values()].sort(compareRows);
}

export function compareRows(a: TableRow, b: TableRow): number {
  if (b.cost_usd !== a.cost_usd) return b.cost_usd - a.cost_usd;
  if (b.total_tokens !== a.total_tokens) return b.total_tokens - a.total_tokens;
  if (a.isNone !== b.isNone) return a.isNone ? 1 : -1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

// ---- prices and unpriced models ----

export interface ModelPrice {
  model: string;
  priced: boolean;
  provider?: string;
  price_model?: string; // the price-table entry the model matched
  input_usd_per_mtok?: number | null;
  output_usd_per_mtok?: number | null;
}
export interface PricesResponse {
  as_of?: string;
  models: ModelPrice[];
}

export interface UnpricedModel {
  model: string;
  total_tokens: number;
  spans: number;
  // "api": /api/v1/prices says it has no price; "inferred": no price information, but it has
  // tokens and cost 0.
  basis: "api" | "inferred";
}

// The models of the window that have tokens but no price. With `prices` (the /api/v1/prices
// answer) its `priced:false` decides; a model it does not list, or no answer at all (null),
// falls back to "tokens but no cost".
export function unpricedModels(modelRows: TableRow[], prices: PricesResponse | null): UnpricedModel[] {
  const known = new Map<string, ModelPrice>();
  for (const p of prices?.models ?? []) known.set(p.model, p);
  const out: UnpricedModel[] = [];
  for (const r of modelRows) {
    if (r.isNone || r.total_tokens <= 0) continue;
    const p = known.get(r.key);
    if (p) {
      if (!p.priced) out.push({ model: r.key, total_tokens: r.total_tokens, spans: r.spans, basis: "api" });
    } else if (r.cost_usd === 0) {
      out.push({ model: r.key, total_tokens: r.total_tokens, spans: r.spans, basis: "inferred" });
    }
  }
  return out.sort((a, b) => b.total_tokens - a.total_tokens || (a.model < b.model ? -1 : 1));
}

// The models worth asking /api/v1/prices about: named, with tokens.
export function modelsForPriceLookup(modelRows: TableRow[]): string[] {
  return modelRows.filter((r) => !r.isNone && r.total_tokens > 0).map((r) => r.key).sort();
}

// ---- chart series ----

export const OTHER_LABEL = "other";

export interface ChartData {
  // Bucket start times, unix seconds (uPlot's time unit).
  x: number[];
  // Series keys, largest total first (at most maxSeries; the rest merged into "other").
  keys: string[];
  // values[k][i]: the figure of keys[k] in bucket i.
  values: number[][];
  // totals[k]: sum over the buckets.
  totals: number[];
  // Sum over every series and bucket.
  sum: number;
}

// Merges the per-bucket stats (rows[i] answers buckets[i]) into one series per group key of
// `metric`, keys ordered by their total (desc, then name). Keys beyond `maxSeries` are summed
// into one "other" series so the chart stays readable.
export function mergeSeries(
  buckets: Bucket[],
  rows: StatsRow[][],
  dim: Dim,
  metric: "total_tokens" | "cost_usd",
  maxSeries = 10,
): ChartData {
  if (rows.length !== buckets.length) throw new Error("mergeSeries: one answer per bucket expected");
  const n = buckets.length;
  const perKey = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    for (const r of rows[i]) {
      const key = keyOf(r, dim);
      let arr = perKey.get(key);
      if (!arr) {
        arr = new Array<number>(n).fill(0);
        perKey.set(key, arr);
      }
      arr[i] += (metric === "cost_usd" ? r.cost_usd : r.total_tokens) ?? 0;
    }
  }
  const all = [...perKey.entries()]
    .map(([key, vals]) => ({ key, vals, total: vals.reduce((s, v) => s + v, 0) }))
    .filter((e) => e.total !== 0)
    .sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let kept = all;
  if (all.length > maxSeries) {
    kept = all.slice(0, maxSeries - 1);
    const rest = all.slice(maxSeries - 1);
    const vals = new Array<number>(n).fill(0);
    for (const e of rest) for (let i = 0; i < n; i++) vals[i] += e.vals[i];
    kept.push({ key: OTHER_LABEL, vals, total: rest.reduce((s, e) => s + e.total, 0) });
  }
  const x = buckets.map((b) => nanoToMs(b.since) / 1000);
  return {
    x,
    keys: kept.map((e) => e.key),
    values: kept.map((e) => e.vals),
    totals: kept.map((e) => e.total),
    sum: kept.reduce((s, e) => s + e.total, 0),
  };
}

// Cumulative sums for a stacked chart: out[k][i] = values[0][i] + … + values[k][i].
export function stack(values: number[][]): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < values.length; k++) {
    out.push(values[k].map((v, i) => v + (k > 0 ? out[k - 1][i] : 0)));
  }
  return out;
}
