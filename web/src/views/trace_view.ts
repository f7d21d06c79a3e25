// The trace view (/traces/<id>): header, the waterfall with the diagnosis drawn on it, the
// findings panel and the detail panel of the selected span. URL: ?stitched=true (the broken
// trace's halves joined), ?agent=<name> (that agent's spans, ancestors greyed), ?span=<id>
// (selected span), ?finding=<key> (selected finding).
import "./trace_view.css";
import { h, clear } from "../lib/dom";
import { ApiError, getJson } from "../lib/api";
import type { Route } from "../lib/router";
import { setQuery } from "../lib/router";
import { agentColor } from "../lib/colors";
import { formatCost, formatDuration, formatTime, formatTokens } from "../lib/format";
import {
  type Diagnosis, type Finding, type Span, type WaterfallData, type WaterfallResponse,
  decodeWaterfall, spanIndex, traceTotals, waterfallFromSpans,
} from "../waterfall/data";
import { buildTree, agentFilter, type SpanTree } from "../waterfall/tree";
import { TRACE_COLORS, Waterfall } from "../waterfall/render";
import { buildDecorations, findingRows, inferredLinks } from "../waterfall/decorate";
import { renderSpanDetail } from "../waterfall/detail";
import { zoomTo } from "../waterfall/scale";
import { traceListHref } from "./trace_list";

type Unmount = () => void;

interface Loaded {
  resp: WaterfallResponse;
  /** Full spans when the /waterfall endpoint was not available (fallback path). */
  spans: Map<string, Span> | null;
}

async function loadWaterfall(id: string, stitched: boolean, signal: AbortSignal): Promise<Loaded> {
  const enc = encodeURIComponent(id);
  try {
    const resp = await getJson<WaterfallResponse>(`/api/v1/traces/${enc}/waterfall`, stitched ? { stitched: "true" } : undefined, signal);
    return { resp, spans: null };
  } catch (e) {
    // A server without the columnar endpoint: build the same shape from the full spans.
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  if (stitched) {
    const r = await getJson<{ trace_id: string; stitched: boolean; trace_ids: string[]; spans: Span[] }>(`/api/v1/traces/${enc}/stitched`, undefined, signal);
    return { resp: waterfallFromSpans(r.trace_id ?? id, r.spans, { stitched: r.stitched, traceIds: r.trace_ids }), spans: spanMap(r.spans) };
  }
  const r = await getJson<{ trace_id: string; spans: Span[] }>(`/api/v1/traces/${enc}`, undefined, signal);
  return { resp: waterfallFromSpans(r.trace_id ?? id, r.spans), spans: spanMap(r.spans) };
}

function spanMap(spans: Span[]): Map<string, Span> {
  const m = new Map<string, Span>();
  for (const s of spans) m.set(`${s.trace_id}/${s.span_id}`, s);
  return m;
}

function getDiagnosis(traceId: string, signal: AbortSignal): Promise<Diagnosis> {
  return getJson<Diagnosis>(`/api/v1/traces/${encodeURIComponent(traceId)}/diagnosis`, undefined, signal);
}

/**
 * The diagnosis of the trace (`first`, already requested) merged with those of the other traces
 * of a stitched group (findings merged, the critical path of the first).
 */
async function loadDiagnosis(first: Promise<Diagnosis>, others: string[], signal: AbortSignal): Promise<Diagnosis> {
  const all = await Promise.all([first, ...others.map((t) =>
    getDiagnosis(t, signal).catch(() => ({ findings: [], critical_path: [] }) as Diagnosis))]);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const d of all) for (const f of d.findings ?? []) {
    const k = `${f.kind}|${f.key}|${f.trace_id}`;
    if (f.kind === "broken_propagation" ? seen.has(`bp|${f.key}`) : seen.has(k)) continue;
    seen.add(f.kind === "broken_propagation" ? `bp|${f.key}` : k);
    findings.push(f);
  }
  return { findings, critical_path: all[0]?.critical_path ?? [] };
}

export function mountTraceView(root: HTMLElement, route: Route): Unmount {
  const id = (route.traceId ?? "").toLowerCase();
  const query = new URLSearchParams(route.query);
  const stitched = query.get("stitched") === "true";
  const ac = new AbortController();
  const el = h("div", { class: "tv", "data-testid": "trace-view" });
  root.append(el);
  el.append(h("div", { class: "tv-loading" }, "Loading trace ", h("span", { class: "mono" }, id), "…"));
  let wf: Waterfall | null = null;
  let disposed = false;
  const cleanups: Array<() => void> = [];

  (async () => {
    const t0 = performance.now();
    // The waterfall first, alone: the diagnosis (a second read of the trace and of its
    // neighbours on the server) is asked for once it has painted, so it never delays the paint.
    const loaded = await loadWaterfall(id, stitched, ac.signal);
    if (disposed) return;
    const tResp = performance.now();
    const d = decodeWaterfall(loaded.resp);
    const tree = buildTree(d.parent, d.start, d.parentSpanId);
    const index = spanIndex(d);
    clear(el);
    const view = buildView(el, d, tree, index, loaded, query, stitched);
    wf = view.wf;
    cleanups.push(view.dispose);
    const tPaint = performance.now();
    await new Promise<void>((resolve) => requestAnimationFrame(() => {
      const scroller = el.querySelector<HTMLElement>("[data-testid=waterfall]");
      if (scroller) {
        scroller.dataset.fetchMs = (tResp - t0).toFixed(0);
        scroller.dataset.renderMs = (performance.now() - tResp).toFixed(0);
        scroller.dataset.buildMs = (tPaint - tResp).toFixed(0);
      }
      performance.mark("hoptrace:waterfall-painted");
      resolve();
    }));
    if (disposed) return;
    const others = stitched ? loaded.resp.trace_ids.filter((t) => t.toLowerCase() !== id) : [];
    const diag = await loadDiagnosis(getDiagnosis(id, ac.signal), others, ac.signal).catch((e: unknown) => e as Error);
    if (disposed) return;
    view.setDiagnosis(diag);
  })().catch((e: unknown) => {
    if (disposed || (e instanceof DOMException && e.name === "AbortError")) return;
    clear(el);
    el.append(
      h("div", { class: "error-box", "data-testid": "error" }, `Could not load trace ${id}: ${e instanceof Error ? e.message : String(e)}`),
      h("div", { class: "empty" }, h("a", { href: "/" }, "← Back to the traces")),
    );
  });

  return () => {
    disposed = true;
    ac.abort();
    wf?.destroy();
    for (const c of cleanups) c();
  };
}

interface BuiltView {
  wf: Waterfall;
  setDiagnosis(d: Diagnosis | Error): void;
  dispose(): void;
}

function buildView(
  el: HTMLElement,
  d: WaterfallData,
  tree: SpanTree,
  index: Map<string, number>,
  loaded: Loaded,
  query: URLSearchParams,
  stitched: boolean,
): BuiltView {
  const id = d.traceId;
  const totals = traceTotals(d);
  const detailAc = { current: null as AbortController | null };
  let diagnosis: Diagnosis | null = null;
  let activeFinding: string | null = query.get("finding");
  const fullSpanCache = new Map<string, Promise<Map<string, Span>>>();

  const updateQuery = (mut: (q: URLSearchParams) => void) => {
    const q = new URLSearchParams(location.search);
    mut(q);
    setQuery(q);
  };
  const hrefWith = (mut: (q: URLSearchParams) => void) => {
    const q = new URLSearchParams(location.search);
    mut(q);
    const s = q.toString();
    return `/traces/${id}${s ? `?${s}` : ""}`;
  };

  // ---- header ----
  const stat = (label: string, value: string | Node, testid?: string) =>
    h("div", { class: "tv-stat", "data-testid": testid }, h("div", { class: "tv-stat-l" }, label), h("div", { class: "tv-stat-v" }, value));
  const startNs = Number(d.startUnixNano);
  const stitchSlot = h("span", { class: "tv-stitch" });
  const header = h(
    "div",
    { class: "tv-header", "data-testid": "trace-header" },
    h("div", { class: "tv-title-row" },
      h("a", { href: traceListHref(), class: "tv-back", "data-testid": "back-to-list" }, "← Traces"),
      h("h2", { class: "tv-title", title: totals.rootName }, totals.rootName || "(no root)"),
      h("span", { class: "tv-svc" }, totals.rootService),
      h("span", { class: "tv-id mono", title: "trace id" }, id),
      h("span", { class: "tv-spacer" }),
      stitchSlot,
      h("a", { class: "tv-link", href: `/traces/${id}/graph`, "data-testid": "graph-link" }, "Agent graph →")),
    h("div", { class: "tv-stats" },
      stat("start", formatTime(startNs)),
      stat("duration", formatDuration(d.totalNs)),
      stat("spans", totals.spans.toLocaleString("en-US"), "stat-spans"),
      stat("errors", String(totals.errors), "stat-errors"),
      stat("tokens", `${formatTokens(totals.inputTokens + totals.outputTokens)} (${formatTokens(totals.inputTokens)} in / ${formatTokens(totals.outputTokens)} out)`, "stat-tokens"),
      stat("cost", formatCost(totals.costUsd), "stat-cost"),
      stat("agents", h("span", { class: "tv-agents" }, totals.agents.length ? totals.agents.map((a) =>
        h("a", { class: "agent-chip", href: hrefWith((q) => { q.set("agent", a); q.delete("span"); }), title: `Show only ${a}'s spans`, style: `--c: ${agentColor(a)}` }, a)) : "—"))),
  );
  if (d.stitched || d.traceIds.length > 1) {
    header.append(h("div", { class: "tv-traces", "data-testid": "stitched-traces" },
      h("b", null, "Stitched view: "), `${d.traceIds.length} traces joined by inferred links — `,
      d.traceIds.map((t, i) => h("span", { class: "tv-tr" },
        h("span", { class: "tv-trsw", style: `background: ${TRACE_COLORS[i % TRACE_COLORS.length]}` }),
        `T${i + 1} `, h("a", { class: "mono", href: `/traces/${t}`, title: t }, t.slice(0, 12) + "…"), " ")),
    ));
  }

  // ---- agent filter ----
  const agentName = query.get("agent") ?? "";
  const filterBar = h("div", { class: "tv-filterbar" });
  const agentSelect = h("select", { "data-testid": "agent-select", title: "Show one agent's spans (their ancestors greyed)" },
    h("option", { value: "" }, "All agents"),
    totals.agents.map((a) => h("option", { value: a, selected: a === agentName }, a)));
  filterBar.append(h("label", { class: "tv-flabel" }, agentSelect));
  const filterChipSlot = h("span");
  filterBar.append(filterChipSlot);

  // ---- layout ----
  const findingsPanel = h("section", { class: "tv-findings", "data-testid": "findings-panel" },
    h("div", { class: "tv-panel-title" }, "Findings"), h("div", { class: "tv-muted tv-pad" }, "Diagnosing…"));
  const detail = h("div", { class: "tv-detail" }, h("div", { class: "tv-muted tv-pad" }, "Select a span to see its attributes, events and prompt."));
  const side = h("aside", { class: "tv-side" }, findingsPanel, detail);
  const wf = new Waterfall(d, tree, { onSelect: (row) => onSelect(row) });
  wf.toolbarStart.append(filterBar, h("span", { class: "wf-sep" }));
  const main = h("div", { class: "tv-main" }, wf.el);
  const body = h("div", { class: "tv-body" }, main, side);
  el.append(header, body);
  wf.start();

  function applyAgentFilter(name: string) {
    clear(filterChipSlot);
    if (!name) {
      wf.setFilter(null, null);
      return;
    }
    const idx = d.strings.indexOf(name);
    const f = agentFilter(tree, d.agent, idx < 0 ? -2 : idx);
    wf.setFilter(f.include, f.context);
    filterChipSlot.append(h("span", { class: "tv-chip", "data-testid": "agent-filter", "data-agent": name, style: `--c: ${agentColor(name)}` },
      h("span", { class: "tv-chip-dot" }),
      h("span", { title: f.matches ? `Only ${name}'s spans, with their ancestors greyed as context` : `No span of agent ${name} in this trace` },
        `${name} · ${f.matches.toLocaleString("en-US")} span${f.matches === 1 ? "" : "s"}`),
      h("button", { class: "tv-chip-x", "data-testid": "agent-filter-clear", title: "Clear the agent filter", "aria-label": "Clear the agent filter", onclick: () => setAgent("") }, "×")));
  }
  function setAgent(name: string) {
    agentSelect.value = name;
    updateQuery((q) => (name ? q.set("agent", name) : q.delete("agent")));
    applyAgentFilter(name);
  }
  agentSelect.addEventListener("change", () => setAgent(agentSelect.value));
  applyAgentFilter(agentName);

  // ---- selection & detail ----
  async function fullSpan(traceId: string, spanId: string, signal: AbortSignal): Promise<Span> {
    const key = `${traceId}/${spanId}`;
    if (loaded.spans?.has(key)) return loaded.spans.get(key)!;
    try {
      return await getJson<Span>(`/api/v1/traces/${traceId}/spans/${spanId}`, undefined, signal);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
    }
    // No per-span endpoint on this server: the whole trace, once.
    let p = fullSpanCache.get(traceId);
    if (!p) {
      p = getJson<{ spans: Span[] }>(`/api/v1/traces/${traceId}`).then((r) => spanMap(r.spans));
      fullSpanCache.set(traceId, p);
    }
    const s = (await p).get(key);
    if (!s) throw new Error(`span ${spanId} not found in trace ${traceId}`);
    return s;
  }

  // Holding an arrow key moves the selection quickly: the URL and the detail follow once it rests.
  let selectTimer = 0;
  function onSelect(row: number) {
    clearTimeout(selectTimer);
    selectTimer = window.setTimeout(() => {
      updateQuery((q) => q.set("span", d.spanId[row]));
      showDetail(row);
    }, 90);
  }

  function showDetail(row: number) {
    detailAc.current?.abort();
    const ac = new AbortController();
    detailAc.current = ac;
    const traceId = d.traceIds[d.trace[row]] ?? id;
    const spanId = d.spanId[row];
    clear(detail);
    detail.append(h("div", { class: "tv-muted tv-pad" }, "Loading span ", h("span", { class: "mono" }, spanId), "…"));
    fullSpan(traceId, spanId, ac.signal).then((s) => {
      if (ac.signal.aborted) return;
      let span = s;
      if (d.inferred[row] && !s.stitched_parent && tree.parent[row] >= 0) {
        const p = tree.parent[row];
        const lk = wfDeco?.links.find((l) => l.child === row) ?? inferredLinks(d, tree, []).find((l) => l.child === row);
        span = { ...s, stitched_parent: { trace_id: d.traceIds[d.trace[p]], span_id: d.spanId[p], confidence: lk ? lk.confidence : NaN, reason: lk?.reason || "inferred by the stitched view" } };
      }
      clear(detail);
      detail.append(renderSpanDetail(span, {
        traceStartUnixNano: d.startUnixNano,
        spanHref: (t, sp) => (t === id || d.traceIds.includes(t) ? hrefWith((q) => { q.set("span", sp); q.delete("finding"); }) : `/traces/${t}?span=${sp}`),
        criticalNs: wfDeco?.critical.get(row),
      }));
      detail.scrollTop = 0;
    }).catch((e: unknown) => {
      if (ac.signal.aborted) return;
      clear(detail);
      detail.append(h("div", { class: "error-box" }, `Could not load span ${spanId}: ${e instanceof Error ? e.message : String(e)}`));
    });
  }

  // In-trace links (the detail panel's parent and links) select without remounting.
  const onLinkClick = (e: MouseEvent) => {
    const a = (e.target as Element).closest?.("a");
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const url = new URL(a.href, location.href);
    if (url.pathname !== `/traces/${id}`) return;
    const sp = url.searchParams.get("span");
    const r = sp ? index.get(sp) : undefined;
    if (r === undefined || url.searchParams.get("stitched") !== (stitched ? "true" : null)) return;
    e.preventDefault();
    e.stopPropagation();
    wf.select(r, { scroll: "center", notify: true });
  };
  detail.addEventListener("click", onLinkClick);

  // ---- findings ----
  let wfDeco: ReturnType<typeof buildDecorations> | null = null;
  const items = new Map<string, HTMLElement>();

  function selectFinding(f: Finding, opts: { fromUrl?: boolean } = {}) {
    activeFinding = f.key;
    for (const [k, it] of items) it.classList.toggle("active", k === f.key);
    const rows = findingRows(f, index);
    wf.reveal(rows);
    wf.setHighlight(rows);
    if (rows.length) {
      // Frame the finding's spans in time (a comb's teeth are tiny in a long trace).
      let lo = Infinity, hi = -Infinity;
      for (const r of rows) { lo = Math.min(lo, d.start[r]); hi = Math.max(hi, d.start[r] + d.duration[r]); }
      wf.setView(zoomTo(lo, hi, d.totalNs, 0.08));
    }
    if (!opts.fromUrl) updateQuery((q) => { q.set("finding", f.key); if (rows.length) q.set("span", d.spanId[rows[0]]); });
    if (rows.length && !(opts.fromUrl && query.get("span"))) {
      wf.select(rows[0], { scroll: "center", notify: false });
      showDetail(rows[0]);
    }
  }

  function setDiagnosis(res: Diagnosis | Error) {
    clear(findingsPanel);
    if (res instanceof Error) {
      findingsPanel.append(h("div", { class: "tv-panel-title" }, "Findings"),
        h("div", { class: "error-box" }, `Could not load the diagnosis: ${res.message}`));
      return;
    }
    diagnosis = res;
    wfDeco = buildDecorations(d, tree, index, res);
    wf.setDecorations(wfDeco);
    // The detail panel shows diagnosis-derived fields (critical path, inferred link): refresh it.
    const sel = wf.selectedRow;
    if (sel >= 0 && !query.get("finding") && (d.inferred[sel] || wfDeco.critical.has(sel))) showDetail(sel);
    const findings = res.findings ?? [];
    findingsPanel.append(h("div", { class: "tv-panel-title" }, `Findings (${findings.length})`));
    const hasBroken = findings.some((f) => f.kind === "broken_propagation");
    clear(stitchSlot);
    if (stitched) {
      stitchSlot.append(h("a", { class: "tv-link", "data-testid": "stitched-toggle", href: hrefWith((q) => { q.delete("stitched"); q.delete("span"); }) }, "Show unstitched"));
    } else if (hasBroken) {
      stitchSlot.append(h("a", { class: "tv-link tv-stitch-on", "data-testid": "stitched-toggle", href: hrefWith((q) => q.set("stitched", "true")), title: "This workflow was split across traces: show the halves joined by the inferred link" }, "Show stitched ⇢"));
    }
    const list = h("div", { class: "tv-flist" });
    for (const f of findings) {
      const rows = findingRows(f, index);
      const wasted = f.wasted_tokens || f.wasted_cost_usd
        ? h("div", { class: "tv-fwaste" }, `wasted ${formatTokens(f.wasted_tokens)} tokens, ${formatCost(f.wasted_cost_usd)}`) : null;
      const missing = rows.length === 0 && (f.span_ids ?? []).length > 0
        ? h("div", { class: "tv-muted" }, f.kind === "broken_propagation" && !stitched ? "Its spans are in the other traces: show stitched." : "Its spans are not in this view.") : null;
      const it = h("button", {
        class: `tv-fitem sev-${f.severity}${f.key === activeFinding ? " active" : ""}`, "data-testid": "finding-item", "data-kind": f.kind, "data-key": f.key,
        title: "Select the finding's spans",
      },
      h("div", { class: "tv-fhead" }, h("span", { class: `badge ${f.severity}` }, f.kind), h("span", { class: "tv-fsev" }, f.severity), f.agent ? h("span", { class: "tv-fagent" }, f.agent) : null, h("span", { class: "tv-fcount" }, `${rows.length} span${rows.length === 1 ? "" : "s"}`)),
      h("div", { class: "tv-fsum" }, f.summary), wasted, missing);
      it.addEventListener("click", () => selectFinding(f));
      items.set(f.key, it);
      list.append(it);
    }
    if (findings.length === 0) list.append(h("div", { class: "tv-muted tv-pad" }, "No findings: nothing looks wrong in this trace."));
    const cp = res.critical_path ?? [];
    if (cp.length) {
      const cpItem = h("button", { class: "tv-fitem tv-cpitem", "data-testid": "critical-path-item", title: "Highlight the critical path" },
        h("div", { class: "tv-fhead" }, h("span", { class: "badge tv-cpbadge" }, "critical path"), h("span", { class: "tv-fcount" }, `${cp.length} spans`)),
        h("div", { class: "tv-fsum" }, "The chain of spans that determines the end-to-end duration (marked CP)."));
      cpItem.addEventListener("click", () => {
        activeFinding = null;
        for (const it of items.values()) it.classList.remove("active");
        const rows = cp.map((c) => index.get(c.span_id)).filter((r): r is number => r !== undefined);
        wf.reveal(rows);
        wf.setHighlight(rows);
        updateQuery((q) => q.delete("finding"));
        if (rows.length) wf.select(rows[rows.length - 1], { scroll: "center", notify: true });
      });
      list.append(cpItem);
    }
    findingsPanel.append(list);
    const fk = query.get("finding");
    const f = fk ? findings.find((x) => x.key === fk && x.trace_id === id) ?? findings.find((x) => x.key === fk) : undefined;
    if (f) selectFinding(f, { fromUrl: true });
    else if (fk) findingsPanel.append(h("div", { class: "tv-muted tv-pad" }, `Finding ${fk} is not in this trace's diagnosis.`));
  }

  // The stitched view's inferred links are in the document: draw them before the diagnosis.
  wfDeco = buildDecorations(d, tree, index, null);
  wf.setDecorations(wfDeco);

  // ---- initial selection ----
  const sp = query.get("span");
  if (sp) {
    const r = index.get(sp);
    if (r !== undefined) {
      wf.select(r, { scroll: "center", notify: false });
      showDetail(r);
    } else {
      clear(detail);
      detail.append(h("div", { class: "error-box" }, `Span ${sp} is not in this trace.`));
    }
  }
  requestAnimationFrame(() => wf.focus());
  void diagnosis;

  return {
    wf,
    setDiagnosis,
    dispose: () => {
      clearTimeout(selectTimer);
      detailAc.current?.abort();
      detail.removeEventListener("click", onLinkClick);
    },
  };
}
