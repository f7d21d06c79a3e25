// The waterfall's data: the columnar answer of GET /api/v1/traces/{id}/waterfall decoded into
// flat typed arrays (100k spans must load fast), plus the API types the trace view uses and an
// adapter from full Span lists (the /api/v1/traces/{id} and /stitched answers) to the same shape.

/** The wire format of /api/v1/traces/{id}/waterfall (docs: the lead's contract). */
export interface WaterfallResponse {
  trace_id: string;
  start_unix_nano: string;
  end_unix_nano: string;
  stitched: boolean;
  trace_ids: string[];
  /** The stitched view's inferred links, by row (absent on older servers). */
  links?: Array<{ child: number; parent: number; confidence: number; reason: string }>;
  strings: string[];
  spans: {
    span_id: string[];
    trace: number[];
    parent: number[];
    parent_span_id: string[];
    inferred: number[];
    name: number[];
    service: number[];
    agent: number[];
    operation: number[];
    model: number[];
    provider?: number[];
    tool: number[];
    kind: number[];
    status: number[];
    start: number[];
    duration: number[];
    input_tokens: number[];
    output_tokens: number[];
    total_tokens?: number[];
    cost_usd: number[];
    usage_counted: number[];
  };
}

export interface InferredLink {
  child: number;
  parent: number;
  confidence: number;
  reason: string;
}

/** Decoded waterfall: one entry per span (row), rows in the server's order (start time). */
export interface WaterfallData {
  traceId: string;
  /** Absolute start of the trace, unix ns (exact). */
  startUnixNano: bigint;
  /** Trace duration in ns (end - start), at least 1. */
  totalNs: number;
  stitched: boolean;
  traceIds: string[];
  /** Inferred (stitched) links by row. */
  links: InferredLink[];
  strings: string[];
  n: number;
  spanId: string[];
  trace: Int32Array;
  parent: Int32Array;
  parentSpanId: string[];
  inferred: Uint8Array;
  name: Int32Array;
  service: Int32Array;
  agent: Int32Array;
  operation: Int32Array;
  model: Int32Array;
  provider: Int32Array;
  tool: Int32Array;
  kind: Uint8Array;
  status: Uint8Array;
  /** ns from startUnixNano. */
  start: Float64Array;
  duration: Float64Array;
  inputTokens: Float64Array;
  outputTokens: Float64Array;
  costUsd: Float64Array;
  usageCounted: Uint8Array;
}

export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

export const KIND_NAMES = ["unspecified", "internal", "server", "client", "producer", "consumer"];

function num(a: ArrayLike<number> | undefined, n: number, Ctor: Float64ArrayConstructor | Int32ArrayConstructor): Float64Array | Int32Array {
  const out = new Ctor(n);
  if (!a) return out;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    out[i] = typeof v === "number" && Number.isFinite(v) ? v : 0;
  }
  return out;
}

function u8(a: ArrayLike<number> | undefined, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (!a) return out;
  for (let i = 0; i < n; i++) out[i] = (a[i] as number) | 0;
  return out;
}

function strIdx(a: ArrayLike<number> | undefined, n: number, nStrings: number): Int32Array {
  const out = new Int32Array(n);
  if (!a) return out;
  for (let i = 0; i < n; i++) {
    const v = a[i] as number;
    out[i] = v >= 0 && v < nStrings ? v | 0 : 0;
  }
  return out;
}

function bigOr(s: string | undefined, dflt: bigint): bigint {
  try {
    return s ? BigInt(s) : dflt;
  } catch {
    return dflt;
  }
}

/** Decodes the columnar answer into typed arrays; tolerant of missing columns. */
export function decodeWaterfall(r: WaterfallResponse): WaterfallData {
  const s = r.spans ?? ({} as WaterfallResponse["spans"]);
  const n = s.span_id?.length ?? 0;
  const strings = r.strings && r.strings.length > 0 ? r.strings : [""];
  const ns = strings.length;
  const start = num(s.start, n, Float64Array) as Float64Array;
  const duration = num(s.duration, n, Float64Array) as Float64Array;
  const startUnixNano = bigOr(r.start_unix_nano, 0n);
  let totalNs = Number(bigOr(r.end_unix_nano, startUnixNano) - startUnixNano);
  for (let i = 0; i < n; i++) {
    const e = start[i] + duration[i];
    if (e > totalNs) totalNs = e;
  }
  const parent = new Int32Array(n);
  if (s.parent) for (let i = 0; i < n; i++) {
    const p = s.parent[i];
    parent[i] = typeof p === "number" && p >= 0 && p < n && p !== i ? p : -1;
  } else parent.fill(-1);
  const traceIds = r.trace_ids && r.trace_ids.length ? r.trace_ids : [r.trace_id];
  const trace = num(s.trace, n, Int32Array) as Int32Array;
  for (let i = 0; i < n; i++) if (trace[i] < 0 || trace[i] >= traceIds.length) trace[i] = 0;
  return {
    traceId: r.trace_id,
    startUnixNano,
    totalNs: Math.max(1, totalNs),
    stitched: !!r.stitched,
    traceIds,
    links: (r.links ?? [])
      .filter((l) => l && l.child >= 0 && l.child < n && l.parent >= 0 && l.parent < n)
      .map((l) => ({ child: l.child, parent: l.parent, confidence: typeof l.confidence === "number" ? l.confidence : NaN, reason: String(l.reason ?? "") })),
    strings,
    n,
    spanId: s.span_id ?? [],
    trace,
    parent,
    parentSpanId: s.parent_span_id ?? new Array<string>(n).fill(""),
    inferred: u8(s.inferred, n),
    name: strIdx(s.name, n, ns),
    service: strIdx(s.service, n, ns),
    agent: strIdx(s.agent, n, ns),
    operation: strIdx(s.operation, n, ns),
    model: strIdx(s.model, n, ns),
    provider: strIdx(s.provider, n, ns),
    tool: strIdx(s.tool, n, ns),
    kind: u8(s.kind, n),
    status: u8(s.status, n),
    start,
    duration,
    inputTokens: num(s.input_tokens, n, Float64Array) as Float64Array,
    outputTokens: num(s.output_tokens, n, Float64Array) as Float64Array,
    costUsd: num(s.cost_usd, n, Float64Array) as Float64Array,
    usageCounted: s.usage_counted ? u8(s.usage_counted, n) : new Uint8Array(n).fill(1),
  };
}

/** Map from span id to row (first occurrence). */
export function spanIndex(d: WaterfallData): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < d.n; i++) if (!m.has(d.spanId[i])) m.set(d.spanId[i], i);
  return m;
}

/** Absolute unix ns (decimal string) of an offset from the trace start. */
export function absNs(d: WaterfallData, offsetNs: number): string {
  return (d.startUnixNano + BigInt(Math.round(offsetNs))).toString();
}

export interface TraceTotals {
  spans: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  agents: string[];
  rootName: string;
  rootService: string;
}

/** Header totals; tokens and cost count only spans whose usage is counted (not wrappers). */
export function traceTotals(d: WaterfallData): TraceTotals {
  let errors = 0, inTok = 0, outTok = 0, cost = 0;
  const agentSet = new Set<number>();
  let root = -1;
  for (let i = 0; i < d.n; i++) {
    if (d.status[i] === STATUS_ERROR) errors++;
    if (d.usageCounted[i]) {
      inTok += d.inputTokens[i];
      outTok += d.outputTokens[i];
      cost += d.costUsd[i];
    }
    if (d.agent[i]) agentSet.add(d.agent[i]);
    if (root < 0 && d.parent[i] < 0 && !d.parentSpanId[i]) root = i;
  }
  if (root < 0 && d.n > 0) root = 0;
  const agents = [...agentSet].map((k) => d.strings[k]).sort();
  return {
    spans: d.n, errors, inputTokens: inTok, outputTokens: outTok, costUsd: cost, agents,
    rootName: root >= 0 ? d.strings[d.name[root]] : "",
    rootService: root >= 0 ? d.strings[d.service[root]] : "",
  };
}

// ---- Full spans (GET /api/v1/traces/{id}, /stitched, /spans/{span_id}) ----

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  start_unix_nano: string;
  end_unix_nano: string;
  duration_ns: string;
  status: { code: "unset" | "ok" | "error"; message: string };
  service: string | null;
  agent: string | null;
  operation: string | null;
  model: string | null;
  provider: string | null;
  tool: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: Array<{ time_unix_nano: string; name: string; attributes: Record<string, unknown> }>;
  links: Array<{ trace_id: string; span_id: string; attributes: Record<string, unknown> }>;
  usage_counted: boolean;
  trace_state?: string;
  flags?: number;
  scope?: { name: string; version: string };
  stitched_parent?: { trace_id: string; span_id: string; confidence: number; reason: string };
}

const KIND_BY_NAME: Record<string, number> = {
  unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5,
};
const STATUS_BY_NAME: Record<string, number> = { unset: 0, ok: 1, error: 2 };

/**
 * Builds the columnar waterfall answer from full spans, as the server would: rows sorted by
 * start time, parents as row indices (-1 and parent_span_id set when the parent is missing),
 * stitched_parent links as inferred parents. Used for fixtures and when the server lacks the
 * /waterfall endpoint.
 */
export function waterfallFromSpans(traceId: string, spans: Span[], opts: { stitched?: boolean; traceIds?: string[] } = {}): WaterfallResponse {
  const sorted = spans.slice().sort((a, b) => {
    const x = BigInt(a.start_unix_nano), y = BigInt(b.start_unix_nano);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const traceIds = opts.traceIds && opts.traceIds.length ? opts.traceIds.slice() : [traceId];
  const traceIx = new Map<string, number>();
  traceIds.forEach((t, i) => traceIx.set(t, i));
  for (const s of sorted) if (!traceIx.has(s.trace_id)) { traceIx.set(s.trace_id, traceIds.length); traceIds.push(s.trace_id); }
  const strings: string[] = [""];
  const sIx = new Map<string, number>([["", 0]]);
  const str = (v: string | null | undefined) => {
    const k = v ?? "";
    let i = sIx.get(k);
    if (i === undefined) { i = strings.length; strings.push(k); sIx.set(k, i); }
    return i;
  };
  let t0 = sorted.length ? BigInt(sorted[0].start_unix_nano) : 0n;
  let t1 = t0;
  for (const s of sorted) {
    const e = BigInt(s.end_unix_nano);
    if (e > t1) t1 = e;
  }
  const rowOf = new Map<string, number>();
  sorted.forEach((s, i) => { const k = s.trace_id + "/" + s.span_id; if (!rowOf.has(k)) rowOf.set(k, i); });
  const out: WaterfallResponse["spans"] = {
    span_id: [], trace: [], parent: [], parent_span_id: [], inferred: [], name: [], service: [], agent: [],
    operation: [], model: [], provider: [], tool: [], kind: [], status: [], start: [], duration: [], input_tokens: [],
    output_tokens: [], total_tokens: [], cost_usd: [], usage_counted: [],
  };
  const links: NonNullable<WaterfallResponse["links"]> = [];
  for (const s of sorted) {
    let parent = -1, parentSpan = "", inferred = 0;
    if (s.parent_span_id) {
      const p = rowOf.get(s.trace_id + "/" + s.parent_span_id);
      if (p !== undefined) parent = p;
      else parentSpan = s.parent_span_id;
    }
    if (parent < 0 && s.stitched_parent) {
      const p = rowOf.get(s.stitched_parent.trace_id + "/" + s.stitched_parent.span_id);
      if (p !== undefined) {
        parent = p; inferred = 1; parentSpan = "";
        links.push({ child: out.span_id.length, parent: p, confidence: s.stitched_parent.confidence, reason: s.stitched_parent.reason });
      }
    }
    out.span_id.push(s.span_id);
    out.trace.push(traceIx.get(s.trace_id) ?? 0);
    out.parent.push(parent);
    out.parent_span_id.push(parentSpan);
    out.inferred.push(inferred);
    out.name.push(str(s.name));
    out.service.push(str(s.service));
    out.agent.push(str(s.agent));
    out.operation.push(str(s.operation));
    out.model.push(str(s.model));
    out.provider!.push(str(s.provider));
    out.tool.push(str(s.tool));
    out.kind.push(KIND_BY_NAME[s.kind] ?? 0);
    out.status.push(STATUS_BY_NAME[s.status?.code] ?? 0);
    out.start.push(Number(BigInt(s.start_unix_nano) - t0));
    out.duration.push(Number(s.duration_ns));
    out.input_tokens.push(s.input_tokens ?? 0);
    out.output_tokens.push(s.output_tokens ?? 0);
    out.total_tokens!.push(s.total_tokens ?? 0);
    out.cost_usd.push(s.cost_usd ?? 0);
    out.usage_counted.push(s.usage_counted === false ? 0 : 1);
  }
  return {
    trace_id: traceId,
    start_unix_nano: t0.toString(),
    end_unix_nano: t1.toString(),
    stitched: !!opts.stitched,
    trace_ids: traceIds,
    links,
    strings,
    spans: out,
  };
}

// ---- Diagnosis ----

export type { Finding } from "../lib/findings";
import type { Finding } from "../lib/findings";

export interface Diagnosis {
  findings: Finding[];
  critical_path: Array<{ span_id: string; contribution_ns: string }>;
}

/** Inferred-link confidence per child root span id, from broken_propagation evidence. */
export function inferredConfidence(findings: Finding[]): Map<string, { confidence: number; reason: string }> {
  const m = new Map<string, { confidence: number; reason: string }>();
  for (const f of findings) {
    if (f.kind !== "broken_propagation") continue;
    const links = (f.evidence?.links ?? []) as Array<Record<string, unknown>>;
    for (const l of links) {
      const id = String(l.child_root_span_id ?? l.child_span_id ?? "");
      if (id) m.set(id, { confidence: Number(l.confidence ?? f.evidence?.confidence ?? NaN), reason: String(l.reason ?? "") });
    }
  }
  return m;
}
