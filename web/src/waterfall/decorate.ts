// The diagnosis drawn on the waterfall: marks per row for each finding, the comb's teeth (and a
// retry storm's calls) grouped under one labelled band, the straggler's wait, the critical path,
// the root-cause chain in order and the stitched view's inferred links.
import { formatDuration } from "../lib/format";
import { type Diagnosis, type Finding, type WaterfallData, inferredConfidence } from "./data";
import type { SpanTree } from "./tree";
import { type Decorations, type LinkOverlay, type RowMark, emptyDecorations } from "./render";

export const FINDING_KINDS = ["comb", "straggler", "root_cause", "runaway_cost", "retry_storm", "broken_propagation"];

function num(v: unknown): number {
  const n = typeof v === "string" ? Number(v) : typeof v === "number" ? v : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** Rows of a finding's span ids that are in this waterfall, in the finding's order. */
export function findingRows(f: Finding, index: Map<string, number>): number[] {
  const out: number[] = [];
  for (const id of f.span_ids ?? []) {
    const r = index.get(id);
    if (r !== undefined) out.push(r);
  }
  return out;
}

export function buildDecorations(d: WaterfallData, tree: SpanTree, index: Map<string, number>, diag: Diagnosis | null): Decorations {
  const deco = emptyDecorations();
  const addMark = (row: number, m: RowMark) => {
    let list = deco.marks.get(row);
    if (!list) deco.marks.set(row, (list = []));
    list.push(m);
  };
  const findings = diag?.findings ?? [];
  for (const f of findings) {
    const rows = findingRows(f, index);
    const ev = f.evidence ?? {};
    const base = { severity: f.severity, findingKey: f.key, title: f.summary };
    switch (f.kind) {
      case "comb":
      case "retry_storm": {
        const short = f.kind === "comb" ? "comb" : "retry";
        rows.forEach((r, i) => addMark(r, { ...base, kind: f.kind, text: `${short} ${i + 1}/${rows.length}` }));
        if (rows.length) {
          let t0 = Infinity, t1 = -Infinity;
          for (const r of rows) {
            t0 = Math.min(t0, d.start[r]);
            t1 = Math.max(t1, d.start[r] + d.duration[r]);
          }
          const tool = String(ev.tool ?? (rows.length ? d.strings[d.tool[rows[0]]] || d.strings[d.name[rows[0]]] : ""));
          const count = num(ev.count);
          const label = f.kind === "comb"
            ? `comb ×${Number.isFinite(count) ? count : rows.length} ${tool}`
            : `retry storm ×${Number.isFinite(count) ? count : rows.length} ${tool}`;
          deco.groups.push({ kind: f.kind, key: f.key, rows, label, title: f.summary, t0, t1 });
        }
        break;
      }
      case "straggler": {
        const r = index.get(String(ev.straggler_span_id ?? f.span_ids?.[0] ?? ""));
        if (r === undefined) break;
        const ratio = num(ev.ratio);
        const wait = num(ev.parent_wait_ns);
        addMark(r, { ...base, kind: f.kind, text: Number.isFinite(ratio) ? `straggler ${ratio.toFixed(1)}×` : "straggler" });
        const parts = [Number.isFinite(ratio) ? `straggler ${ratio.toFixed(1)}× median` : "straggler"];
        if (Number.isFinite(wait)) {
          parts.push(`parent waited ${formatDuration(wait)}`);
          deco.waits.set(r, wait);
        }
        deco.notes.set(r, parts.join(" · "));
        break;
      }
      case "root_cause": {
        const hops = Array.isArray(ev.hops) ? (ev.hops as Array<Record<string, unknown>>) : [];
        const relOf = new Map<string, string>();
        for (const hp of hops) relOf.set(String(hp.span_id), String(hp.relation ?? ""));
        const ids = f.span_ids ?? [];
        ids.forEach((id, i) => {
          const r = index.get(id);
          if (r === undefined) return;
          const rel = relOf.get(id) ?? "";
          const last = i === ids.length - 1;
          const text = last && ids.length > 1 ? `root cause ${i + 1}/${ids.length}` : `cause ${i + 1}/${ids.length}${rel ? ` ${rel}` : ""}`;
          addMark(r, { ...base, kind: f.kind, text });
        });
        break;
      }
      case "runaway_cost":
        rows.forEach((r) => addMark(r, { ...base, kind: f.kind, text: "cost" }));
        break;
      case "broken_propagation": {
        const children = new Set<string>();
        for (const l of (Array.isArray(ev.links) ? ev.links : []) as Array<Record<string, unknown>>) {
          children.add(String(l.child_root_span_id ?? l.child_span_id ?? ""));
        }
        (f.span_ids ?? []).forEach((id, i) => {
          const r = index.get(id);
          if (r === undefined) return;
          const isChild = children.size ? children.has(id) : i % 2 === 0;
          addMark(r, { ...base, kind: f.kind, text: isChild ? "detached root" : "context lost" });
        });
        break;
      }
      default:
        rows.forEach((r) => addMark(r, { ...base, kind: f.kind, text: f.kind }));
    }
  }
  for (const c of diag?.critical_path ?? []) {
    const r = index.get(c.span_id);
    if (r !== undefined) deco.critical.set(r, num(c.contribution_ns));
  }
  deco.links = inferredLinks(d, tree, findings);
  return deco;
}

/**
 * The inferred links to draw: the waterfall document's own (with confidence and reason), else
 * each inferred row's parent with the confidence found in the broken_propagation evidence.
 */
export function inferredLinks(d: WaterfallData, tree: SpanTree, findings: Finding[]): LinkOverlay[] {
  const out: LinkOverlay[] = [];
  const seen = new Set<number>();
  const conf = inferredConfidence(findings);
  for (const l of d.links) {
    if (tree.parent[l.child] !== l.parent) continue; // a link the tree had to cut
    const c = conf.get(d.spanId[l.child]);
    out.push({ parent: l.parent, child: l.child, confidence: Number.isFinite(l.confidence) ? l.confidence : c ? c.confidence : NaN, reason: l.reason || c?.reason || "" });
    seen.add(l.child);
  }
  for (let r = 0; r < d.n; r++) {
    if (!d.inferred[r] || tree.parent[r] < 0 || seen.has(r)) continue;
    const c = conf.get(d.spanId[r]);
    out.push({ parent: tree.parent[r], child: r, confidence: c ? c.confidence : NaN, reason: c?.reason ?? "" });
  }
  return out;
}
