// The agent graph: of one trace (/traces/<id>/graph) or of a time window (/graph). Agents are
// nodes, delegations / handoffs / tool calls edges, laid out left to right by dagre and drawn
// in SVG with zoom and pan; loops are highlighted and listed.
import "../dashboard/controls.css";
import "./graph_view.css";
import { h, clear } from "../lib/dom";
import { getJson } from "../lib/api";
import { navigate, setQuery, type Route } from "../lib/router";
import { agentColor } from "../lib/colors";
import { formatCost, formatDuration, formatTokens } from "../lib/format";
import { buildGraphModel, type ApiGraph, type GEdge, type GNode, type GraphModel } from "../graph/model";
import { layoutGraph, type Layout, type LaidEdge, type LaidNode } from "../graph/layout";
import { fitView, panBy, transformAttr, zoomAt, type View } from "../graph/viewport";
import { errorBox, filterInput, isAbort, presetBar, withParams } from "../dashboard/controls";

const SVG_NS = "http://www.w3.org/2000/svg";
const PRESETS = ["15m", "1h", "6h", "24h", "7d"];
const DEFAULT_RANGE = "1h";
const FILTERS = ["service", "agent", "model"] as const;

type Attrs = Record<string, string | number | undefined | null | false>;
function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c);
  return el;
}

function boolParam(v: string | null): boolean {
  return v === "1" || v === "true" || v === "";
}

let mountSeq = 0;

export function mountGraphView(root: HTMLElement, route: Route): () => void {
  const traceId = route.name === "trace-graph" ? (route.traceId ?? "").toLowerCase() : null;
  const uid = `g${++mountSeq}`;
  let query = new URLSearchParams(route.query);
  if (!traceId && !query.get("since")) query = withParams(query, { since: DEFAULT_RANGE });
  let abort: AbortController | null = null;
  let disposed = false;
  const cleanups: Array<() => void> = [];

  const view = h("div", { class: "gv", "data-testid": "graph-view" });
  const toolbar = h("div", { class: "ctl-toolbar gv-toolbar" });
  const canvas = h("div", { class: "gv-canvas" });
  const side = h("aside", { class: "gv-side" });
  const tip = h("div", { class: "gv-tip", role: "tooltip", "data-testid": "graph-tooltip" });
  const status = h("span", { class: "ctl-muted gv-status", "data-testid": "graph-summary" });
  view.append(toolbar, h("div", { class: "gv-body" }, canvas, side));
  root.append(view);

  // ---- toolbar ----
  const tools = () => boolParam(query.get("tools") ?? "0");
  const update = (set: Record<string, string | null>) => {
    query = withParams(query, set);
    setQuery(query);
    load();
  };
  let fitNow: () => void = () => {};
  let zoomBy: (f: number) => void = () => {};

  function renderToolbar(): void {
    clear(toolbar);
    if (traceId) {
      toolbar.append(
        h("h1", null, "Agent graph"),
        h("span", { class: "ctl-muted" }, "trace ", h("a", { href: `/traces/${traceId}`, class: "mono", "data-testid": "graph-trace-link" }, traceId.slice(0, 16))),
        h("a", { href: `/graph?since=${DEFAULT_RANGE}` }, "all traces →"),
      );
    } else {
      const since = query.get("since") ?? DEFAULT_RANGE;
      toolbar.append(h("h1", null, "Agent graph"), presetBar(PRESETS, since, (p) => update({ since: p })));
      for (const f of FILTERS) {
        toolbar.append(filterInput(f, query.get(f) ?? "", (v) => update({ [f]: v })).el);
      }
    }
    const toolsBox = h("input", { type: "checkbox", "data-testid": "graph-tools-toggle", checked: tools() });
    toolsBox.addEventListener("change", () => update({ tools: toolsBox.checked ? "1" : null }));
    toolbar.append(
      h("label", { class: "ctl-check", title: "Show the tools the agents call" }, toolsBox, "tools"),
      h("span", { class: "ctl-spacer" }),
      status,
      h("button", { type: "button", class: "ctl-btn", title: "Zoom out", onclick: () => zoomBy(1 / 1.25) }, "−"),
      h("button", { type: "button", class: "ctl-btn", title: "Zoom in", onclick: () => zoomBy(1.25) }, "+"),
      h("button", { type: "button", class: "ctl-btn", "data-testid": "graph-fit", title: "Fit the graph to the view", onclick: () => fitNow() }, "Fit"),
    );
  }

  // ---- data ----
  async function load(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    clear(canvas);
    clear(side);
    status.textContent = "";
    canvas.append(h("div", { class: "ctl-loading" }, "Loading the graph…"));
    try {
      let data: ApiGraph;
      if (traceId) {
        data = await getJson<ApiGraph>(`/api/v1/traces/${encodeURIComponent(traceId)}/graph`, { tools: tools() ? "true" : "false" }, ac.signal);
      } else {
        const p = new URLSearchParams();
        p.set("since", query.get("since") ?? DEFAULT_RANGE);
        for (const f of FILTERS) {
          const v = query.get(f);
          if (v) p.set(f, v);
        }
        const until = query.get("until");
        if (until) p.set("until", until);
        const limit = query.get("limit");
        if (limit) p.set("limit", limit);
        p.set("tools", tools() ? "true" : "false");
        data = await getJson<ApiGraph>("/api/v1/graph", p, ac.signal);
      }
      if (disposed || ac !== abort) return;
      draw(buildGraphModel(data));
    } catch (err) {
      if (isAbort(err) || disposed || ac !== abort) return;
      clear(canvas);
      canvas.append(errorBox(err, "Could not load the agent graph"));
    }
  }

  function nodeHref(n: GNode): string | null {
    if (traceId) {
      if (n.kind !== "agent") return null;
      return `/traces/${traceId}?agent=${encodeURIComponent(n.name)}`;
    }
    const p = new URLSearchParams();
    p.set(n.kind === "agent" ? "agent" : n.kind, n.name);
    p.set("since", query.get("since") ?? DEFAULT_RANGE);
    return `/?${p.toString()}`;
  }

  // ---- drawing ----
  function draw(model: GraphModel): void {
    clear(canvas);
    clear(side);
    const agents = model.nodes.filter((n) => n.kind === "agent").length;
    const limit = Number(query.get("limit")) || 1000;
    const capped = !traceId && model.traces >= limit ? ` (the newest ${limit.toLocaleString("en-US")})` : "";
    status.textContent = `${model.traces.toLocaleString("en-US")} trace${model.traces === 1 ? "" : "s"}${capped} · ${model.spans.toLocaleString("en-US")} spans · ${agents} agent${agents === 1 ? "" : "s"}`;
    renderSide(model);
    if (model.nodes.length === 0) {
      canvas.append(
        h("div", { class: "empty", "data-testid": "graph-empty" }, traceId ? "This trace has no agents or services to draw." : "No traces in this window match the filters."),
      );
      // Keep the svg present (empty) so a test can read its counts.
      canvas.append(s("svg", { class: "gv-svg gv-svg-empty", "data-testid": "agent-graph", "data-node-count": 0, "data-edge-count": 0 }));
      return;
    }
    const layout = layoutGraph(model);
    const svg = s("svg", {
      class: "gv-svg",
      "data-testid": "agent-graph",
      "data-node-count": model.nodes.length,
      "data-edge-count": model.edges.length,
      role: "img",
      "aria-label": `Agent graph: ${model.nodes.length} nodes, ${model.edges.length} edges`,
    });
    svg.append(defs());
    const scene = s("g", { class: "gv-scene" });
    const edgeLayer = s("g", { class: "gv-edges" });
    const labelLayer = s("g", { class: "gv-labels" });
    const nodeLayer = s("g", { class: "gv-nodes" });
    scene.append(edgeLayer, nodeLayer, labelLayer);
    svg.append(scene);
    canvas.append(svg, tip);

    const edgeEls = new Map<string, SVGGElement>();
    for (const le of layout.edges) {
      const { g, label } = drawEdge(le);
      edgeLayer.append(g);
      if (le.labelShown) labelLayer.append(label);
      edgeEls.set(le.edge.id, g);
    }
    for (const ln of layout.nodes) nodeLayer.append(drawNode(ln));

    // Cycles list hover highlights their edges.
    side.querySelectorAll<HTMLElement>("[data-cycle-index]").forEach((li) => {
      const c = model.cycles[Number(li.dataset.cycleIndex)];
      const ids = new Set<string>();
      for (let i = 0; i < c.nodeIds.length; i++) {
        const from = c.nodeIds[i], to = c.nodeIds[(i + 1) % c.nodeIds.length];
        for (const k of ["delegation", "handoff"]) ids.add(`${from}->${to}:${k}`);
      }
      li.addEventListener("mouseenter", () => ids.forEach((id) => edgeEls.get(id)?.classList.add("hl")));
      li.addEventListener("mouseleave", () => ids.forEach((id) => edgeEls.get(id)?.classList.remove("hl")));
    });

    setupZoom(svg, scene, layout);
  }

  function defs(): SVGDefsElement {
    const d = s("defs");
    for (const k of ["delegation", "handoff", "tool_call", "cycle"]) {
      const size = k === "tool_call" ? 6 : 8;
      d.append(
        s(
          "marker",
          { id: `${uid}-arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: size, markerHeight: size, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" },
          s("path", { d: "M0,0 L10,5 L0,10 z", class: `gv-arrow gv-arrow-${k}` }),
        ),
      );
    }
    return d;
  }

  function edgeWidth(e: GEdge): number {
    if (e.kind === "tool_call") return 1;
    return Math.min(5, 1.4 + Math.log10(Math.max(1, e.calls)) * 1.2);
  }

  function drawEdge(le: LaidEdge): { g: SVGGElement; label: SVGGElement } {
    const e = le.edge;
    const cls = `gedge kind-${e.kind}${e.inCycle ? " cycle" : ""}${e.self ? " self" : ""}${e.errors > 0 ? " has-errors" : ""}`;
    const marker = e.inCycle ? "cycle" : e.kind;
    const g = s("g", {
      class: cls,
      "data-testid": "graph-edge",
      "data-from": e.from,
      "data-to": e.to,
      "data-kind": e.kind,
      "data-calls": e.calls,
      "data-errors": e.errors,
      "data-in-cycle": e.inCycle ? "true" : "false",
      "data-self": e.self ? "true" : "false",
    });
    g.append(
      s("path", { d: le.path, class: "gedge-hit" }),
      s("path", { d: le.path, class: "gedge-line", "stroke-width": edgeWidth(e).toFixed(2), "marker-end": `url(#${uid}-arrow-${marker})` }),
    );
    const lw = le.labelWidth, lh = le.labelHeight;
    const text = s("text", { x: lw / 2, y: lh / 2 + 4, "text-anchor": "middle" }, s("tspan", {}, le.label.text));
    if (le.label.errors) text.append(s("tspan", { class: "gv-err" }, ` · ${le.label.errors}`));
    const label = s(
      "g",
      { class: `gedge-label${e.inCycle ? " cycle" : ""}`, transform: `translate(${(le.labelX - lw / 2).toFixed(1)},${(le.labelY - lh / 2).toFixed(1)})`, "data-edge-id": e.id },
      s("rect", { width: lw, height: lh, rx: 4 }),
      text,
    );
    const show = (ev: MouseEvent) => {
      g.classList.add("hover");
      showTip(ev, edgeTip(e));
    };
    const hide = () => {
      g.classList.remove("hover");
      hideTip();
    };
    for (const el of [g, label]) {
      el.addEventListener("mousemove", show);
      el.addEventListener("mouseleave", hide);
    }
    return { g, label };
  }

  function drawNode(ln: LaidNode): SVGGElement {
    const n = ln.node;
    const color = n.kind === "agent" ? agentColor(n.name) : "";
    const href = nodeHref(n);
    const g = s("g", {
      class: `gnode kind-${n.kind}${n.errors > 0 ? " has-errors" : ""}${href ? " link" : ""}`,
      transform: `translate(${ln.x.toFixed(1)},${ln.y.toFixed(1)})`,
      "data-testid": "graph-node",
      "data-node-id": n.id,
      "data-name": n.name,
      "data-kind": n.kind,
      "data-errors": n.errors,
      tabindex: href ? 0 : undefined,
      role: href ? "link" : undefined,
      "aria-label": `${n.kind} ${n.name}`,
    });
    const rx = n.kind === "tool" ? ln.height / 2 : 8;
    g.append(s("rect", { class: "gnode-bg", width: ln.width, height: ln.height, rx }));
    const box = s("rect", { class: "gnode-box", width: ln.width, height: ln.height, rx });
    if (color) box.setAttribute("style", `fill:${color};stroke:${color}`);
    g.append(box);
    if (color) g.append(s("rect", { class: "gnode-stripe", x: 0, y: 0, width: 6, height: ln.height, rx: 3, style: `fill:${color}` }));
    const tx = n.kind === "tool" ? ln.width / 2 : 14;
    const anchor = n.kind === "tool" ? "middle" : "start";
    g.append(s("text", { class: "gnode-title", x: tx, y: 18, "text-anchor": anchor }, ln.lines.title));
    g.append(s("text", { class: "gnode-stats", x: tx, y: 33, "text-anchor": anchor }, ln.lines.stats));
    if (ln.lines.cost || ln.lines.errors) {
      const t = s("text", { class: "gnode-stats", x: tx, y: 48, "text-anchor": anchor });
      if (ln.lines.cost) t.append(s("tspan", { class: "gnode-cost" }, ln.lines.cost));
      if (ln.lines.errors) t.append(s("tspan", { class: "gv-err", "data-testid": "graph-node-errors" }, `${ln.lines.cost ? " · " : ""}${ln.lines.errors}`));
      g.append(t);
    }
    g.addEventListener("mousemove", (ev) => showTip(ev, nodeTip(n, href)));
    g.addEventListener("mouseleave", hideTip);
    if (href) {
      const go = () => {
        if (dragged) return;
        hideTip();
        navigate(href);
      };
      g.addEventListener("click", go);
      g.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          navigate(href);
        }
      });
    }
    return g;
  }

  // ---- tooltip ----
  function row(k: string, v: string, cls = ""): HTMLElement {
    return h("div", { class: `gv-tip-row ${cls}` }, h("span", null, k), h("b", null, v));
  }
  function nodeTip(n: GNode, href: string | null): HTMLElement[] {
    const out = [
      h("div", { class: "gv-tip-title" }, `${n.kind} ${n.name}`),
      row(n.kind === "tool" ? "calls" : "invocations", n.invocations.toLocaleString("en-US")),
      row("spans", n.spans.toLocaleString("en-US")),
      row("errors", n.errors.toLocaleString("en-US"), n.errors > 0 ? "err" : ""),
      row("tokens in / out", `${formatTokens(n.inputTokens)} / ${formatTokens(n.outputTokens)}`),
      row("tokens total", n.totalTokens.toLocaleString("en-US")),
      row("cost", formatCost(n.costUsd)),
      row("time", formatDuration(n.durationNs)),
    ];
    if (!traceId) out.push(row("traces", n.traces.toLocaleString("en-US")));
    if (href) out.push(h("div", { class: "gv-tip-hint" }, traceId ? "click: the waterfall filtered to this agent" : "click: the traces with this " + n.kind));
    return out;
  }
  function edgeTip(e: GEdge): HTMLElement[] {
    const name = (id: string) => id.slice(id.indexOf(":") + 1);
    return [
      h("div", { class: "gv-tip-title" }, `${e.kind.replace("_", " ")}: ${name(e.from)} → ${name(e.to)}`),
      row("calls", e.calls.toLocaleString("en-US")),
      row("errors", e.errors.toLocaleString("en-US"), e.errors > 0 ? "err" : ""),
      row("tokens (callee)", e.totalTokens.toLocaleString("en-US")),
      row("cost (callee)", formatCost(e.costUsd)),
      row("time", formatDuration(e.durationNs)),
      e.inCycle ? h("div", { class: "gv-tip-hint cycle" }, e.self ? "calls itself (a loop)" : "on a loop") : h("span"),
    ];
  }
  function showTip(ev: MouseEvent, content: HTMLElement[]): void {
    tip.replaceChildren(...content);
    tip.style.display = "block";
    const r = canvas.getBoundingClientRect();
    let x = ev.clientX - r.left + 14, y = ev.clientY - r.top + 14;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    if (x + tw > r.width - 4) x = ev.clientX - r.left - tw - 10;
    if (y + th > r.height - 4) y = ev.clientY - r.top - th - 10;
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${Math.max(4, y)}px`;
  }
  function hideTip(): void {
    tip.style.display = "none";
  }

  // ---- side panel: loops and legend ----
  function renderSide(model: GraphModel): void {
    const cycles = h("div", { class: "gv-cycles", "data-testid": "graph-cycles", "data-count": model.cycles.length });
    cycles.append(h("h2", null, "Loops"));
    if (model.cycles.length === 0) {
      cycles.append(h("div", { class: "ctl-muted" }, "No loops between agents."));
    } else {
      const ul = h("ul");
      model.cycles.forEach((c, i) => {
        ul.append(
          h(
            "li",
            { "data-testid": "graph-cycle", "data-cycle-index": i, "data-count": c.count, "data-agents": c.agents.join(",") },
            h("span", { class: "gv-cycle-path" }, ...c.agents.flatMap((a, k) => [k ? " → " : "", h("span", { class: "gv-dot", style: { background: agentColor(a) } }), a]), " → ", c.agents[0]),
            h("span", { class: "gv-cycle-count" }, `went round ${c.count.toLocaleString("en-US")}×`),
          ),
        );
      });
      cycles.append(ul);
    }
    const legend = h(
      "div",
      { class: "gv-legend" },
      h("h2", null, "Legend"),
      legendRow("delegation", "delegation (a child span of another agent)"),
      legendRow("handoff", "handoff"),
      legendRow("tool_call", "tool call"),
      legendRow("cycle", "on a loop"),
      h("div", { class: "gv-legend-nodes" },
        h("span", { class: "gv-chip agent" }, "agent"),
        h("span", { class: "gv-chip service" }, "⚙ service"),
        h("span", { class: "gv-chip tool" }, "tool"),
      ),
      h("p", { class: "ctl-muted" }, "Edge labels: calls · tokens · cost of the callee (tool calls: on hover when there are many). Wheel to zoom, drag to pan, click an agent to see its spans."),
    );
    side.append(cycles, legend);
  }
  function legendRow(kind: string, text: string): HTMLElement {
    const svg = s("svg", { width: 46, height: 12, class: `gv-legend-line gedge kind-${kind === "cycle" ? "delegation cycle" : kind}` }, s("path", { d: "M2,6 L44,6", class: "gedge-line", "stroke-width": kind === "tool_call" ? 1 : 2 }));
    return h("div", { class: "gv-legend-row" }, svg as unknown as HTMLElement, text);
  }

  // ---- zoom / pan ----
  let dragged = false;
  let resizeObs: ResizeObserver | null = null;
  cleanups.push(() => resizeObs?.disconnect());
  function setupZoom(svg: SVGSVGElement, scene: SVGGElement, layout: Layout): void {
    let v: View = { k: 1, tx: 0, ty: 0 };
    let userMoved = false;
    const apply = () => scene.setAttribute("transform", transformAttr(v));
    fitNow = () => {
      const r = svg.getBoundingClientRect();
      v = fitView(layout.width, layout.height, r.width, r.height);
      userMoved = false;
      apply();
    };
    zoomBy = (f: number) => {
      const r = svg.getBoundingClientRect();
      v = zoomAt(v, f, r.width / 2, r.height / 2);
      userMoved = true;
      apply();
    };
    fitNow();
    svg.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const r = svg.getBoundingClientRect();
        const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
        v = zoomAt(v, Math.exp(-delta * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
        userMoved = true;
        apply();
      },
      { passive: false },
    );
    let start: { x: number; y: number; id: number } | null = null;
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      start = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
      dragged = false;
    });
    svg.addEventListener("pointermove", (ev) => {
      if (!start || ev.pointerId !== start.id) return;
      const dx = ev.clientX - start.x, dy = ev.clientY - start.y;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      if (!dragged) {
        dragged = true;
        svg.setPointerCapture(ev.pointerId);
        svg.classList.add("panning");
        hideTip();
      }
      v = panBy(v, dx, dy);
      start.x = ev.clientX;
      start.y = ev.clientY;
      userMoved = true;
      apply();
    });
    const end = (ev: PointerEvent) => {
      if (!start || ev.pointerId !== start.id) return;
      start = null;
      svg.classList.remove("panning");
      // `dragged` stays true until the click that ends the drag has been swallowed.
      setTimeout(() => (dragged = false), 0);
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    resizeObs?.disconnect();
    resizeObs = new ResizeObserver(() => {
      if (!userMoved) fitNow();
    });
    resizeObs.observe(svg);
  }

  renderToolbar();
  setQuery(query);
  load();

  return () => {
    disposed = true;
    abort?.abort();
    for (const c of cleanups) c();
  };
}
