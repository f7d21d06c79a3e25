import { describe, expect, it } from "vitest";
import { type Diagnosis, type Span, absNs, decodeWaterfall, inferredConfidence, spanIndex, traceTotals, waterfallFromSpans } from "./data";
import { buildTree } from "./tree";
import { buildDecorations, inferredLinks } from "./decorate";

function span(p: Partial<Span> & { span_id: string; start: number; dur: number }): Span {
  const base = 1_795_580_701_000_000_000n;
  return {
    trace_id: p.trace_id ?? "t1".padEnd(32, "0"),
    span_id: p.span_id,
    parent_span_id: p.parent_span_id ?? null,
    name: p.name ?? p.span_id,
    kind: p.kind ?? "internal",
    start_unix_nano: (base + BigInt(p.start)).toString(),
    end_unix_nano: (base + BigInt(p.start + p.dur)).toString(),
    duration_ns: String(p.dur),
    status: p.status ?? { code: "unset", message: "" },
    service: p.service ?? "svc",
    agent: p.agent ?? null,
    operation: null, model: null, provider: null, tool: p.tool ?? null,
    input_tokens: p.input_tokens ?? 0, output_tokens: p.output_tokens ?? 0, total_tokens: 0,
    cost_usd: p.cost_usd ?? 0,
    attributes: {}, resource: {}, events: [], links: [],
    usage_counted: p.usage_counted ?? true,
    stitched_parent: p.stitched_parent,
  };
}

const T1 = "t1".padEnd(32, "0");
const T2 = "t2".padEnd(32, "0");
const spans: Span[] = [
  span({ span_id: "c", parent_span_id: "a", start: 300, dur: 50, agent: "coder", tool: "read_file", status: { code: "error", message: "nope" }, input_tokens: 5 }),
  span({ span_id: "a", start: 0, dur: 1000, agent: "orch", input_tokens: 100, output_tokens: 10, cost_usd: 0.5, usage_counted: false }),
  span({ span_id: "b", parent_span_id: "a", start: 100, dur: 400, agent: "coder", input_tokens: 10, output_tokens: 1, cost_usd: 0.25 }),
  span({ span_id: "o", parent_span_id: "zzzz", start: 200, dur: 10 }),
];

describe("waterfallFromSpans + decodeWaterfall", () => {
  const resp = waterfallFromSpans(T1, spans);
  const d = decodeWaterfall(resp);
  it("orders rows by start and links parents by row, missing parents kept as ids", () => {
    expect(d.spanId).toEqual(["a", "b", "o", "c"]);
    expect(Array.from(d.parent)).toEqual([-1, 0, -1, 0]);
    expect(d.parentSpanId).toEqual(["", "", "zzzz", ""]);
    expect(Array.from(d.start)).toEqual([0, 100, 200, 300]);
    expect(d.totalNs).toBe(1000);
    expect(d.strings[0]).toBe("");
    expect(d.strings[d.agent[1]]).toBe("coder");
    expect(Array.from(d.status)).toEqual([0, 0, 0, 2]);
    const t = buildTree(d.parent, d.start, d.parentSpanId);
    expect(Array.from(t.roots)).toEqual([0, 2]);
    expect(t.missingParent[2]).toBe(1);
  });
  it("absolute times are exact unix nanoseconds", () => {
    expect(absNs(d, d.start[1])).toBe("1795580701000000100");
    expect(spanIndex(d).get("c")).toBe(3);
  });
  it("header totals count usage once (wrappers excluded), errors and agents", () => {
    const tt = traceTotals(d);
    expect(tt).toMatchObject({ spans: 4, errors: 1, inputTokens: 15, outputTokens: 1, costUsd: 0.25, agents: ["coder", "orch"], rootName: "a" });
  });
  it("decoding tolerates missing columns and bad indices", () => {
    const x = decodeWaterfall({
      trace_id: T1, start_unix_nano: "10", end_unix_nano: "20", stitched: false, trace_ids: [T1], strings: ["", "n"],
      spans: { span_id: ["x", "y"], parent: [5, 0], name: [1, 99], start: [0, 2], duration: [10, 3] } as never,
    });
    expect(Array.from(x.parent)).toEqual([-1, 0]);
    expect(Array.from(x.name)).toEqual([1, 0]);
    expect(Array.from(x.usageCounted)).toEqual([1, 1]);
    expect(x.totalNs).toBe(10);
  });
});

describe("stitched view", () => {
  const child = span({ trace_id: T2, span_id: "r2", start: 150, dur: 100, agent: "reviewer", stitched_parent: { trace_id: T1, span_id: "b", confidence: 0.9, reason: "window" } });
  const resp = waterfallFromSpans(T1, [...spans, child], { stitched: true, traceIds: [T1, T2] });
  const d = decodeWaterfall(resp);
  const tree = buildTree(d.parent, d.start, d.parentSpanId);
  const index = spanIndex(d);
  it("links the child trace's root under its virtual parent, marked inferred", () => {
    const r = index.get("r2")!;
    expect(d.stitched).toBe(true);
    expect(d.inferred[r]).toBe(1);
    expect(d.spanId[d.parent[r]]).toBe("b");
    expect(d.traceIds[d.trace[r]]).toBe(T2);
    expect(tree.depth[r]).toBe(2);
  });
  it("lists the inferred link in the document, by row", () => {
    expect(d.links).toEqual([{ child: index.get("r2"), parent: index.get("b"), confidence: 0.9, reason: "window" }]);
    // without the document's links (older servers) the evidence gives the confidence
    const bare = { ...d, links: [] };
    expect(inferredLinks(bare, tree, [])[0]).toMatchObject({ child: index.get("r2"), parent: index.get("b") });
    expect(Number.isNaN(inferredLinks(bare, tree, [])[0].confidence)).toBe(true);
  });
  it("draws the inferred link with the confidence from the broken_propagation finding", () => {
    const diag: Diagnosis = {
      findings: [{
        kind: "broken_propagation", severity: "warning", summary: "split", trace_id: T1, trace_ids: [T1, T2], span_ids: ["r2", "b"], agent: "reviewer",
        key: "broken_propagation:r2", evidence: { links: [{ child_root_span_id: "r2", parent_span_id: "b", confidence: 0.9, reason: "window" }] }, wasted_tokens: 0, wasted_cost_usd: 0,
      }],
      critical_path: [],
    };
    expect(inferredConfidence(diag.findings).get("r2")?.confidence).toBe(0.9);
    expect(inferredLinks({ ...d, links: [] }, tree, diag.findings)[0].confidence).toBe(0.9);
    const deco = buildDecorations(d, tree, index, diag);
    expect(deco.links).toEqual([{ parent: index.get("b"), child: index.get("r2"), confidence: 0.9, reason: "window" }]);
    expect(deco.marks.get(index.get("r2")!)?.[0].text).toBe("detached root");
    expect(deco.marks.get(index.get("b")!)?.[0].text).toBe("context lost");
  });
});

describe("buildDecorations", () => {
  const d = decodeWaterfall(waterfallFromSpans(T1, spans));
  const tree = buildTree(d.parent, d.start, d.parentSpanId);
  const index = spanIndex(d);
  const f = (kind: string, span_ids: string[], evidence: Record<string, unknown> = {}) => ({
    kind, severity: "warning", summary: kind, trace_id: T1, trace_ids: [], span_ids, agent: "", key: `${kind}:${span_ids[0]}`, evidence, wasted_tokens: 0, wasted_cost_usd: 0,
  });
  it("groups the comb's teeth under one labelled band and marks each", () => {
    const deco = buildDecorations(d, tree, index, { findings: [f("comb", ["b", "c", "missing"], { tool: "read_file", count: 6 })], critical_path: [] });
    expect(deco.groups).toHaveLength(1);
    expect(deco.groups[0]).toMatchObject({ kind: "comb", label: "comb ×6 read_file", rows: [1, 3], t0: 100, t1: 500 });
    expect(deco.marks.get(1)?.map((m) => m.text)).toEqual(["comb 1/2"]);
  });
  it("marks the straggler with its parent's wait, the root-cause chain in order and the critical path", () => {
    const deco = buildDecorations(d, tree, index, {
      findings: [
        f("straggler", ["b", "a"], { straggler_span_id: "b", ratio: 4.08, parent_wait_ns: 250 }),
        f("root_cause", ["c", "b", "a"], { hops: [{ span_id: "c", relation: "symptom" }, { span_id: "b", relation: "child" }, { span_id: "a", relation: "written_by" }] }),
      ],
      critical_path: [{ span_id: "a", contribution_ns: "600" }, { span_id: "b", contribution_ns: "400" }],
    });
    expect(deco.waits.get(1)).toBe(250);
    expect(deco.notes.get(1)).toContain("4.1×");
    expect(deco.marks.get(1)?.map((m) => m.kind)).toEqual(["straggler", "root_cause"]);
    expect(deco.marks.get(3)?.[0].text).toBe("cause 1/3 symptom");
    expect(deco.marks.get(0)?.[0].text).toBe("root cause 3/3");
    expect([...deco.critical.entries()]).toEqual([[0, 600], [1, 400]]);
    expect(deco.marks.has(2)).toBe(false);
  });
});
