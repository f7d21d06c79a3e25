// The waterfall component: a name column with the collapsible span tree and a time lane with one
// bar per span, a ruler, grid lines and a minimap. Virtualised: a small pool of row elements is
// recycled as the list scrolls (row i is drawn by pool element i mod poolSize), so 100,000 spans
// cost as much to draw as 40. Small traces (≤ FULL_RENDER_LIMIT visible rows) are drawn whole.
import "./waterfall.css";
import { h } from "../lib/dom";
import { agentColor } from "../lib/colors";
import { formatDuration } from "../lib/format";
import { type WaterfallData, STATUS_ERROR, absNs } from "./data";
import { type SpanTree, hasChildren, visibleRows, indexOfRows, expandTo, collapseAll } from "./tree";
import { type TimeView, clampView, fullView, zoomAt, pan, zoomTo, xOf, tOf, ticks, formatRange } from "./scale";
import { rowWindow, poolSize, scrollToShow, scrollToCenter, barGeom, labelSide, estimateTextW, rowSpanPx } from "./layout";
import { keyAction } from "./keyboard";
import { Minimap } from "./minimap";

export const ROW_H = 22;
/** Stripe colours telling the traces of a stitched view apart (T1, T2, …). */
export const TRACE_COLORS = ["#8a8f98", "#6a5acd", "#e07b39", "#2a9d8f", "#c2185b", "#7cb342"];
export const FULL_RENDER_LIMIT = 400;
const OVERSCAN = 8;
const INDENT = 12;
const MAX_INDENT_DEPTH = 24;
const NAME_W_MIN = 160;

export interface RowMark {
  kind: string;
  text: string;
  title: string;
  severity: string;
  findingKey: string;
}

/** A group of rows drawn as one band with a label ("comb ×6 read_file"). */
export interface GroupOverlay {
  kind: string;
  key: string;
  rows: number[];
  label: string;
  title: string;
  /** Time range of the band (ns from the trace start). */
  t0: number;
  t1: number;
}

/** An inferred (stitched) parent → child link, drawn dashed. */
export interface LinkOverlay {
  parent: number;
  child: number;
  confidence: number;
  reason: string;
}

export interface Decorations {
  marks: Map<number, RowMark[]>;
  /** Rows on the critical path → their contribution (ns). */
  critical: Map<number, number>;
  /** Text appended to a row's duration label (the straggler's wait). */
  notes: Map<number, string>;
  /** Rows with a parent wait → the wait (ns), drawn hatched at the end of the bar. */
  waits: Map<number, number>;
  groups: GroupOverlay[];
  links: LinkOverlay[];
}

export function emptyDecorations(): Decorations {
  return { marks: new Map(), critical: new Map(), notes: new Map(), waits: new Map(), groups: [], links: [] };
}

export interface WaterfallCallbacks {
  /** The selection changed (click or keyboard). */
  onSelect(row: number): void;
}

interface PoolRow {
  el: HTMLElement;
  indent: HTMLElement;
  tog: HTMLElement;
  dot: HTMLElement;
  label: HTMLElement;
  extra: HTMLElement;
  marks: HTMLElement;
  lane: HTMLElement;
  bar: HTMLElement;
  wait: HTMLElement;
  dur: HTMLElement;
  /** Visible-list index shown, -1 when unused. */
  vis: number;
  gen: number;
  geomGen: number;
  hasMarks: boolean;
}

export class Waterfall {
  readonly el: HTMLElement;
  /** A place at the start of the toolbar for the view's own controls. */
  readonly toolbarStart: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly content: HTMLElement;
  private readonly under: HTMLElement;
  private readonly over: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly ruler: HTMLElement;
  private readonly rangeText: HTMLElement;
  private readonly headName: HTMLElement;
  private readonly minimap: Minimap;
  private readonly collapsed: Uint8Array;
  private include: Uint8Array | null = null;
  private context: Uint8Array | null = null;
  private visible: Int32Array;
  private visIndex: Int32Array;
  private view: TimeView;
  private selected = -1;
  private highlight: Uint8Array;
  private deco: Decorations = emptyDecorations();
  private pool: PoolRow[] = [];
  private gen = 1;
  private geomGen = 1;
  private nameW = 340;
  private nameWSet = false;
  private laneW = 600;
  private viewportH = 400;
  private raf = 0;
  private readonly cleanups: Array<() => void> = [];
  private drag: { x: number; y: number; view: TimeView; moved: boolean } | null = null;
  private suppressClick = false;

  constructor(
    private readonly d: WaterfallData,
    private readonly tree: SpanTree,
    private readonly cb: WaterfallCallbacks,
  ) {
    this.collapsed = new Uint8Array(d.n);
    this.highlight = new Uint8Array(d.n);
    this.view = fullView(d.totalNs);
    this.visible = visibleRows(tree, this.collapsed, null);
    this.visIndex = indexOfRows(d.n, this.visible);

    const btn = (label: string, title: string, fn: () => void, testid?: string) =>
      h("button", { class: "wf-btn", title, "aria-label": title, "data-testid": testid, onclick: fn }, label);
    this.rangeText = h("span", { class: "wf-range mono", "data-testid": "time-window" });
    const toolbar = h(
      "div",
      { class: "wf-toolbar" },
      btn("−", "Zoom out (-)", () => this.zoomBy(2), "zoom-out"),
      btn("+", "Zoom in (+)", () => this.zoomBy(0.5), "zoom-in"),
      btn("Fit", "Show the whole trace (0)", () => this.setView(fullView(d.totalNs)), "zoom-fit"),
      btn("Span", "Zoom to the selected span (z, or double-click its bar)", () => this.zoomToSelected(), "zoom-span"),
      h("span", { class: "wf-sep" }),
      btn("Fold all", "Fold every span with children", () => this.foldAll(true), "fold-all"),
      btn("Unfold all", "Unfold every span", () => this.foldAll(false), "unfold-all"),
      h("span", { class: "wf-sep" }),
      this.rangeText,
      h("span", {
        class: "wf-hint",
        title: "Wheel: scroll the spans · Ctrl+wheel (or wheel over the ruler / overview): zoom · Shift+wheel or drag the bars: pan · drag on the ruler: zoom to that range · double-click a bar: zoom to it · keys: ↑↓ move, ← fold / parent, → unfold / first child, Enter toggle, + − 0 zoom",
      }, "?"),
    );
    this.toolbarStart = h("span", { class: "wf-tstart" });
    toolbar.prepend(this.toolbarStart);

    this.minimap = new Minimap(d, {
      onMove: (t, yFrac) => {
        const w = this.view.t1 - this.view.t0;
        this.setView({ t0: t - w / 2, t1: t + w / 2 });
        this.scroller.scrollTop = yFrac * this.visible.length * ROW_H - this.viewportH / 2;
      },
      onZoom: (factor, t) => this.setView(zoomAt(this.view, factor, t, d.totalNs)),
    });

    this.headName = h("div", { class: "wf-head-name" });
    const resizer = h("div", { class: "wf-resizer", title: "Drag to resize the name column" });
    this.ruler = h("div", { class: "wf-ruler", "data-testid": "ruler", title: "Drag to zoom to a range; wheel to zoom" });
    const head = h("div", { class: "wf-head" }, this.headName, resizer, this.ruler);
    const miniRow = h("div", { class: "wf-minirow" }, h("div", { class: "wf-minilabel" }, "Overview"), this.minimap.el);

    this.under = h("div", { class: "wf-under" });
    this.over = h("div", { class: "wf-over" });
    this.content = h("div", { class: "wf-content" }, this.under, this.over);
    this.scroller = h("div", {
      class: "wf-scroll",
      tabindex: "0",
      role: "tree",
      "aria-label": "Span waterfall",
      "data-testid": "waterfall",
      "data-span-count": String(d.n),
    }, this.content);
    this.grid = h("div", { class: "wf-grid" });
    const body = h("div", { class: "wf-body" }, this.grid, this.scroller);
    this.el = h("div", { class: "wf" }, toolbar, miniRow, head, body);

    this.listen(this.scroller, "scroll", () => this.paint());
    this.listen(this.scroller, "keydown", (e) => this.onKey(e as KeyboardEvent));
    this.listen(this.scroller, "wheel", (e) => this.onWheel(e as WheelEvent), { passive: false });
    this.listen(this.scroller, "pointerdown", (e) => this.onPointerDown(e as PointerEvent));
    this.listen(this.scroller, "pointermove", (e) => this.onPointerMove(e as PointerEvent));
    this.listen(this.scroller, "pointerup", (e) => this.onPointerUp(e as PointerEvent));
    this.listen(this.scroller, "pointercancel", (e) => this.onPointerUp(e as PointerEvent));
    this.listen(this.scroller, "click", (e) => this.onClick(e as MouseEvent));
    this.listen(this.scroller, "dblclick", (e) => this.onDblClick(e as MouseEvent));
    this.setupRuler();
    this.setupResizer(resizer);
    this.listen(window, "hoptrace-theme", () => this.minimap.draw(this.visible));
    const ro = new ResizeObserver(() => this.layout());
    ro.observe(this.scroller);
    this.cleanups.push(() => ro.disconnect());
  }

  private listen(t: EventTarget, type: string, fn: (e: Event) => void, opts?: AddEventListenerOptions): void {
    t.addEventListener(type, fn, opts);
    this.cleanups.push(() => t.removeEventListener(type, fn, opts));
  }

  destroy(): void {
    cancelAnimationFrame(this.raf);
    this.minimap.destroy();
    for (const c of this.cleanups) c();
  }

  focus(): void {
    this.scroller.focus({ preventScroll: true });
  }

  // ---- state ----

  get selectedRow(): number {
    return this.selected;
  }

  get visibleCount(): number {
    return this.visible.length;
  }

  setDecorations(deco: Decorations): void {
    this.deco = deco;
    this.gen++;
    this.paint();
  }

  /** Rows to highlight (the selected finding's spans); null clears. */
  setHighlight(rows: number[] | null): void {
    this.highlight.fill(0);
    if (rows) for (const r of rows) if (r >= 0 && r < this.d.n) this.highlight[r] = 1;
    this.gen++;
    this.paint();
  }

  /** Keeps only `include` rows; `context` rows are drawn greyed. null clears the filter. */
  setFilter(include: Uint8Array | null, context: Uint8Array | null): void {
    this.include = include;
    this.context = context;
    this.refreshVisible();
  }

  select(row: number, opts: { scroll?: "center" | "nearest" | "none"; expand?: boolean; notify?: boolean } = {}): void {
    if (row < 0 || row >= this.d.n) return;
    if (opts.expand !== false && expandTo(this.tree, this.collapsed, row)) this.refreshVisible();
    this.selected = row;
    const i = this.visIndex[row];
    if (i >= 0 && opts.scroll !== "none") {
      const st = this.scroller.scrollTop;
      const next = opts.scroll === "center"
        ? (i * ROW_H >= st && (i + 1) * ROW_H <= st + this.viewportH ? st : scrollToCenter(i, this.viewportH, ROW_H, this.visible.length))
        : scrollToShow(i, st, this.viewportH, ROW_H, 1);
      if (next !== st) this.scroller.scrollTop = next;
    }
    this.scroller.setAttribute("aria-activedescendant", `wf-row-${row}`);
    this.gen++;
    this.paint();
    if (opts.notify) this.cb.onSelect(row);
  }

  /** Unfolds the ancestors of all `rows` (a finding's spans). */
  reveal(rows: number[]): void {
    let changed = false;
    for (const r of rows) changed = expandTo(this.tree, this.collapsed, r) || changed;
    if (changed) this.refreshVisible();
  }

  toggle(row: number): void {
    if (!hasChildren(this.tree, row)) return;
    this.collapsed[row] ^= 1;
    this.refreshVisible();
  }

  foldAll(fold: boolean): void {
    if (fold) collapseAll(this.tree, this.collapsed);
    else this.collapsed.fill(0);
    if (this.selected >= 0 && fold) {
      // Keep the selection on screen: move it to its visible root.
      let r = this.selected;
      while (this.tree.parent[r] >= 0) r = this.tree.parent[r];
      this.selected = r;
    }
    this.refreshVisible();
  }

  setView(v: TimeView): void {
    this.view = clampView(v, this.d.totalNs);
    this.geomGen++;
    this.paintAxis();
    this.paint();
  }

  zoomBy(factor: number, anchor?: number): void {
    const a = anchor ?? (this.view.t0 + this.view.t1) / 2;
    this.setView(zoomAt(this.view, factor, a, this.d.totalNs));
  }

  zoomToSelected(): void {
    const r = this.selected;
    if (r < 0) return;
    this.setView(zoomTo(this.d.start[r], this.d.start[r] + this.d.duration[r], this.d.totalNs, 0.05));
  }

  getView(): TimeView {
    return { ...this.view };
  }

  private refreshVisible(): void {
    this.visible = visibleRows(this.tree, this.collapsed, this.include);
    this.visIndex = indexOfRows(this.d.n, this.visible);
    this.content.style.height = `${this.visible.length * ROW_H}px`;
    this.scroller.dataset.visibleRows = String(this.visible.length);
    this.headName.textContent = `${this.visible.length.toLocaleString("en-US")} of ${this.d.n.toLocaleString("en-US")} spans shown`;
    this.ensurePool();
    this.gen++;
    this.minimap.scheduleDraw(this.visible);
    this.paint();
  }

  // ---- layout & painting ----

  private setNameW(w: number): void {
    this.nameW = Math.max(NAME_W_MIN, Math.round(w));
    this.el.style.setProperty("--wf-name-w", `${this.nameW}px`);
  }

  /** Measures the viewport; call after the element is attached. */
  layout(): void {
    const cw = this.scroller.clientWidth;
    const vh = this.scroller.clientHeight;
    if (cw <= 0) return;
    if (!this.nameWSet) this.setNameW(Math.min(440, Math.max(240, cw * 0.36, Math.min(cw * 0.45, 200 + this.tree.maxDepth * 10))));
    this.laneW = Math.max(50, cw - this.nameW);
    this.viewportH = Math.max(ROW_H, vh);
    this.ruler.style.width = `${this.laneW}px`;
    this.grid.style.left = `${this.nameW}px`;
    this.grid.style.width = `${this.laneW}px`;
    this.geomGen++;
    this.ensurePool();
    this.paintAxis();
    this.minimap.draw(this.visible);
    this.paint();
  }

  /** First render: sizes, visible list, paint (synchronously). */
  start(): void {
    this.refreshVisible();
    this.layout();
  }

  private ensurePool(): void {
    const want = this.visible.length <= FULL_RENDER_LIMIT ? this.visible.length : poolSize(this.viewportH, ROW_H, OVERSCAN);
    while (this.pool.length < want) this.pool.push(this.makeRow());
    if (this.pool.length > want) {
      for (const p of this.pool.splice(want)) p.el.remove();
    }
    for (const p of this.pool) p.vis = -1;
  }

  private makeRow(): PoolRow {
    const indent = h("span", { class: "wf-indent" });
    const tog = h("span", { class: "wf-tog" });
    const dot = h("span", { class: "wf-dot" });
    const label = h("span", { class: "wf-label" });
    const extra = h("span", { class: "wf-extra" });
    const marks = h("span", { class: "wf-marks" });
    const name = h("div", { class: "wf-name" }, indent, tog, dot, label, extra, marks);
    const bar = h("div", { class: "wf-bar", "data-testid": "span-bar" });
    const wait = h("div", { class: "wf-wait" });
    const dur = h("span", { class: "wf-dur" });
    const lane = h("div", { class: "wf-lane" }, bar, wait, dur);
    const el = h("div", { class: "wf-row", role: "treeitem" }, name, lane);
    el.style.display = "none";
    this.content.insertBefore(el, this.over);
    return { el, indent, tog, dot, label, extra, marks, lane, bar, wait, dur, vis: -1, gen: 0, geomGen: 0, hasMarks: false };
  }

  /** Schedules a paint on the next frame (scroll handlers paint synchronously). */
  private paint(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.paintNow();
    });
  }

  paintNow(): void {
    const count = this.visible.length;
    const P = this.pool.length;
    const st = this.scroller.scrollTop;
    const win = count <= FULL_RENDER_LIMIT ? { first: 0, last: count } : rowWindow(st, this.viewportH, ROW_H, count, OVERSCAN);
    const last = Math.min(win.last, win.first + P);
    for (let i = win.first; i < last; i++) {
      const p = this.pool[i % P];
      const row = this.visible[i];
      let painted = false;
      if (p.vis !== i || p.gen !== this.gen) {
        this.paintRow(p, row, i);
        painted = true;
      }
      if (painted || p.geomGen !== this.geomGen) this.paintGeom(p, row);
    }
    // Unused pool elements: hidden and without test ids.
    for (const p of this.pool) {
      if (p.vis >= win.first && p.vis < last) continue;
      if (p.vis !== -2) {
        p.el.style.display = "none";
        p.el.removeAttribute("data-testid");
        p.bar.removeAttribute("data-testid");
        p.vis = -2;
      }
    }
    this.paintOverlays();
    this.minimap.setWindow(this.view, st, this.viewportH, count * ROW_H);
  }

  private paintRow(p: PoolRow, row: number, vis: number): void {
    const d = this.d, t = this.tree;
    const el = p.el;
    p.vis = vis;
    p.gen = this.gen;
    el.style.display = "";
    el.setAttribute("data-testid", "span-row");
    p.bar.setAttribute("data-testid", "span-bar");
    el.style.transform = `translateY(${vis * ROW_H}px)`;
    el.id = `wf-row-${row}`;
    const agent = d.strings[d.agent[row]];
    const depth = t.depth[row];
    const ds = el.dataset;
    ds.spanId = d.spanId[row];
    if (d.traceIds.length > 1) {
      ds.traceId = d.traceIds[d.trace[row]];
      el.style.setProperty("--wf-trace", TRACE_COLORS[d.trace[row] % TRACE_COLORS.length]);
    }
    ds.row = String(row);
    ds.depth = String(depth);
    ds.agent = agent;
    if (d.status[row] === STATUS_ERROR) ds.error = "1";
    else delete ds.error;
    const context = this.context ? this.context[row] === 1 : false;
    let cls = "wf-row";
    if (row === this.selected) cls += " selected";
    if (this.highlight[row]) cls += " hl";
    if (context) cls += " context";
    if (d.traceIds.length > 1) cls += " multi-trace";
    if (d.status[row] === STATUS_ERROR) cls += " error";
    if (this.deco.critical.has(row)) cls += " cp";
    el.className = cls;
    el.setAttribute("aria-selected", row === this.selected ? "true" : "false");
    el.setAttribute("aria-level", String(depth + 1));
    p.indent.style.width = `${Math.min(depth, MAX_INDENT_DEPTH) * INDENT}px`;
    const kids = hasChildren(t, row);
    if (kids) {
      const folded = this.collapsed[row] === 1;
      p.tog.textContent = folded ? "▸" : "▾";
      p.tog.title = folded ? `Unfold (${t.size[row] - 1} spans below)` : "Fold";
      el.setAttribute("aria-expanded", folded ? "false" : "true");
    } else {
      p.tog.textContent = "";
      p.tog.title = "";
      el.removeAttribute("aria-expanded");
    }
    const color = agentColor(agent);
    p.dot.style.background = color;
    p.dot.title = agent ? `agent ${agent}` : "no agent";
    const name = d.strings[d.name[row]];
    p.label.textContent = name;
    // Extra: the service when it changes from the parent's, depth beyond the indent cap, the
    // folded count, the trace (stitched) and the inferred link.
    const parent = t.parent[row];
    const svc = d.service[row];
    let extra = "";
    if (depth > MAX_INDENT_DEPTH) extra += ` ↳${depth}`;
    if (svc && (parent < 0 || d.service[parent] !== svc)) extra += ` ${d.strings[svc]}`;
    if (kids && this.collapsed[row]) extra += ` (+${t.size[row] - 1})`;
    if (d.inferred[row]) extra = ` ⇢ inferred${extra}`;
    if (d.traceIds.length > 1 && (parent < 0 || d.trace[parent] !== d.trace[row])) extra = ` [T${d.trace[row] + 1}]${extra}`;
    if (t.missingParent[row]) extra += " (parent missing)";
    p.extra.textContent = extra;
    p.extra.className = d.inferred[row] ? "wf-extra inferred" : "wf-extra";
    el.title = `${name}\n${agent ? `agent ${agent} · ` : ""}${d.strings[svc] || ""}\n${formatDuration(d.duration[row])}${d.status[row] === STATUS_ERROR ? " · error" : ""}` +
      (d.traceIds.length > 1 ? `\ntrace T${d.trace[row] + 1} ${d.traceIds[d.trace[row]]}` : "");
    // Marks.
    const marks = this.deco.marks.get(row);
    const cp = this.deco.critical.get(row);
    if (p.hasMarks) p.marks.textContent = "";
    p.hasMarks = false;
    if (d.status[row] === STATUS_ERROR) {
      p.marks.append(h("span", { class: "wf-err", title: "error" }, "!"));
      p.hasMarks = true;
    }
    if (cp !== undefined) {
      p.marks.append(h("span", { class: "wf-cp", "data-testid": "critical-path", title: `On the critical path: ${formatDuration(cp)} of its own time` }, "◆"));
      p.hasMarks = true;
    }
    if (marks) {
      for (const m of marks) {
        p.marks.append(h("span", {
          class: `wf-mark k-${m.kind} ${m.severity}`, "data-testid": "finding-mark", "data-kind": m.kind, "data-key": m.findingKey, title: m.title,
        }, m.text));
      }
      p.hasMarks = true;
    }
    p.bar.style.background = color;
    p.bar.dataset.startNs = absNs(d, d.start[row]);
    p.bar.dataset.endNs = absNs(d, d.start[row] + d.duration[row]);
  }

  private paintGeom(p: PoolRow, row: number): void {
    p.geomGen = this.geomGen;
    const d = this.d;
    const W = this.laneW;
    const g = barGeom(d.start[row], d.duration[row], this.view, W);
    const bs = p.bar.style;
    bs.left = `${g.x}px`;
    bs.width = `${g.w}px`;
    bs.visibility = g.hidden ? "hidden" : "";
    const note = this.deco.notes.get(row);
    const text = note ? `${formatDuration(d.duration[row])} · ${note}` : formatDuration(d.duration[row]);
    p.dur.textContent = text;
    const tw = estimateTextW(text);
    const side = g.hidden ? "right" : labelSide(g.x, g.w, tw, W);
    const ds = p.dur.style;
    p.dur.className = side === "inside" ? "wf-dur inside" : note ? "wf-dur note" : "wf-dur";
    ds.maxWidth = side === "inside" && !g.hidden ? `${Math.max(0, g.w - 8)}px` : "";
    if (g.hidden) {
      // Off-window bar: say which way it is.
      const before = d.start[row] + d.duration[row] < this.view.t0;
      p.dur.textContent = before ? `◂ ${text}` : `${text} ▸`;
      ds.left = before ? "2px" : `${Math.max(0, W - tw - 14)}px`;
    } else if (side === "inside") ds.left = `${g.x + 4}px`;
    else if (side === "right") ds.left = `${g.x + g.w + 4}px`;
    else ds.left = `${g.x - 4 - tw}px`;
    const wait = this.deco.waits.get(row);
    if (wait !== undefined && !g.hidden) {
      const end = d.start[row] + d.duration[row];
      const x0 = Math.max(0, xOf(end - wait, this.view, W));
      const x1 = Math.min(W, xOf(end, this.view, W));
      p.wait.style.display = x1 > x0 ? "" : "none";
      p.wait.style.left = `${x0}px`;
      p.wait.style.width = `${Math.max(2, x1 - x0)}px`;
      p.wait.title = `The parent waited ${formatDuration(wait)} on this span alone`;
    } else p.wait.style.display = "none";
  }

  private paintAxis(): void {
    const W = this.laneW;
    const tk = ticks(this.view, W);
    this.ruler.textContent = "";
    this.grid.textContent = "";
    for (const t of tk) {
      const x = xOf(t.t, this.view, W);
      if (x < -1 || x > W + 1) continue;
      this.ruler.append(h("div", { class: "wf-tick", style: { left: `${x}px` } }, h("span", null, t.label)));
      this.grid.append(h("div", { class: "wf-gridline", style: { left: `${x}px` } }));
    }
    const v = this.view;
    this.rangeText.textContent = v.t0 === 0 && v.t1 === this.d.totalNs
      ? `whole trace: ${formatDuration(this.d.totalNs)}`
      : `${formatRange(v)} (${formatDuration(v.t1 - v.t0)} of ${formatDuration(this.d.totalNs)})`;
  }

  private paintOverlays(): void {
    const key = `${this.gen}/${this.geomGen}`;
    if (this.over.dataset.k === key) return;
    this.over.dataset.k = key;
    this.under.textContent = "";
    this.over.textContent = "";
    const W = this.laneW;
    const L = this.nameW;
    for (const g of this.deco.groups) {
      let lo = Infinity, hi = -1;
      for (const r of g.rows) {
        const i = this.visIndex[r];
        if (i < 0) continue;
        if (i < lo) lo = i;
        if (i > hi) hi = i;
      }
      if (hi < 0) continue;
      const { top, height } = rowSpanPx(lo, hi, ROW_H);
      const x0 = Math.max(0, xOf(g.t0, this.view, W));
      const x1 = Math.min(W, xOf(g.t1, this.view, W));
      const visibleX = x1 >= 0 && x0 <= W;
      const left = L + (visibleX ? x0 : 0);
      const width = visibleX ? Math.max(4, x1 - x0) : 4;
      this.under.append(h("div", {
        class: `wf-group k-${g.kind}`, style: { top: `${top}px`, height: `${height}px`, left: `${left - 3}px`, width: `${width + 6}px` },
      }));
      const labelLeft = L + Math.min(W - estimateTextW(g.label) - 16, (visibleX ? x1 : 0) + 8);
      this.over.append(h("div", {
        class: `wf-group-label k-${g.kind}`, "data-testid": "finding-group", "data-kind": g.kind, "data-key": g.key, title: g.title,
        style: { top: `${top + 2}px`, left: `${Math.max(L + 2, labelLeft)}px` },
      }, g.label));
    }
    for (const ln of this.deco.links) {
      const pi = this.visIndex[ln.parent], ci = this.visIndex[ln.child];
      if (pi < 0 || ci < 0) continue;
      const d = this.d;
      // A dashed bracket just left of the two bars, from the virtual parent's row to the
      // child root's, labelled with the link's confidence.
      const xc = Math.min(W, Math.max(0, xOf(d.start[ln.child], this.view, W)));
      const xp = Math.min(W, Math.max(0, xOf(d.start[ln.parent], this.view, W)));
      const y0 = pi * ROW_H + ROW_H / 2, y1 = ci * ROW_H + ROW_H / 2;
      const conf = Number.isFinite(ln.confidence) ? ln.confidence.toFixed(2) : "?";
      const bx = Math.max(0, Math.min(xp, xc) - 10);
      const text = `inferred ${conf}`;
      const tw = estimateTextW(text) + 12;
      const labelLeft = bx - tw - 4 >= 0
        ? bx - tw - 4
        : Math.min(W - tw, xOf(d.start[ln.child] + d.duration[ln.child], this.view, W) + 70);
      const link = h("div", {
        class: "wf-link", "data-testid": "stitched-link", "data-confidence": conf,
        "data-parent-span-id": d.spanId[ln.parent], "data-child-span-id": d.spanId[ln.child],
        title: `Inferred parent link (confidence ${conf}): ${ln.reason}`,
        style: { top: `${Math.min(y0, y1)}px`, left: `${L + bx}px`, width: "8px", height: `${Math.max(2, Math.abs(y1 - y0))}px` },
      }, h("span", { class: "wf-link-label", style: { left: `${labelLeft - bx}px`, top: `${y1 - Math.min(y0, y1) - 8}px` } }, text));
      this.over.append(link);
    }
  }

  // ---- interaction ----

  private rowAt(e: Event): number {
    const el = (e.target as Element).closest?.(".wf-row") as HTMLElement | null;
    if (!el || el.dataset.row === undefined) return -1;
    return Number(el.dataset.row);
  }

  private laneX(e: MouseEvent): number {
    const r = this.scroller.getBoundingClientRect();
    return e.clientX - r.left - this.nameW;
  }

  private onClick(e: MouseEvent): void {
    if (this.suppressClick) {
      this.suppressClick = false;
      return;
    }
    const row = this.rowAt(e);
    if (row < 0) return;
    if ((e.target as Element).closest(".wf-tog")) {
      this.toggle(row);
      this.select(row, { scroll: "none", notify: row !== this.selected });
      return;
    }
    this.select(row, { scroll: "none", notify: true });
  }

  private onDblClick(e: MouseEvent): void {
    const row = this.rowAt(e);
    if (row < 0 || (e.target as Element).closest(".wf-tog")) return;
    if (this.laneX(e) >= 0) {
      this.selected = row;
      this.zoomToSelected();
    } else this.toggle(row);
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || this.laneX(e) < 0 || this.laneX(e) > this.laneW) return; // not the names nor the scrollbar
    this.drag = { x: e.clientX, y: e.clientY, view: this.getView(), moved: false };
  }

  private onPointerMove(e: PointerEvent): void {
    const dr = this.drag;
    if (!dr) return;
    const dx = e.clientX - dr.x;
    if (!dr.moved && Math.abs(dx) < 4) return;
    if (!dr.moved) {
      dr.moved = true;
      this.scroller.setPointerCapture?.(e.pointerId);
      this.scroller.classList.add("panning");
    }
    const dt = -(dx / this.laneW) * (dr.view.t1 - dr.view.t0);
    this.setView(pan(dr.view, dt, this.d.totalNs));
  }

  private onPointerUp(e: PointerEvent): void {
    if (this.drag?.moved) {
      this.suppressClick = true;
      this.scroller.releasePointerCapture?.(e.pointerId);
      this.scroller.classList.remove("panning");
    }
    this.drag = null;
  }

  private onWheel(e: WheelEvent): void {
    const x = this.laneX(e);
    if (e.ctrlKey || e.metaKey || e.altKey) {
      e.preventDefault();
      const t = x >= 0 ? tOf(x, this.view, this.laneW) : (this.view.t0 + this.view.t1) / 2;
      const factor = Math.pow(1.0015, e.deltaY * (e.deltaMode === 1 ? 33 : 1));
      this.setView(zoomAt(this.view, factor, t, this.d.totalNs));
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      const delta = (e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX) * (e.deltaMode === 1 ? 33 : 1);
      this.setView(pan(this.view, (delta / this.laneW) * (this.view.t1 - this.view.t0), this.d.totalNs));
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    if (k === "+" || k === "=") { this.zoomBy(0.5); e.preventDefault(); return; }
    if (k === "-" || k === "_") { this.zoomBy(2); e.preventDefault(); return; }
    if (k === "0") { this.setView(fullView(this.d.totalNs)); e.preventDefault(); return; }
    if (k === "z") { this.zoomToSelected(); e.preventDefault(); return; }
    const page = Math.max(1, Math.floor(this.viewportH / ROW_H) - 1);
    const a = keyAction(k, this.selected, this.visible, this.visIndex, this.tree, this.collapsed, page);
    if (!a) {
      if (k.startsWith("Arrow") || k === "Enter" || k === " " || k === "Home" || k === "End" || k.startsWith("Page")) e.preventDefault();
      return;
    }
    e.preventDefault();
    if (a.toggle !== undefined) {
      this.toggle(a.toggle);
      if (this.selected !== a.toggle) this.select(a.toggle, { scroll: "nearest", notify: true });
    }
    if (a.select !== undefined) this.select(a.select, { scroll: "nearest", notify: true });
  }

  private setupRuler(): void {
    let start = -1;
    let sel: HTMLElement | null = null;
    const xIn = (e: PointerEvent) => Math.min(this.laneW, Math.max(0, e.clientX - this.ruler.getBoundingClientRect().left));
    this.listen(this.ruler, "pointerdown", (ev) => {
      const e = ev as PointerEvent;
      if (e.button !== 0) return;
      start = xIn(e);
      sel = h("div", { class: "wf-ruler-sel", style: { left: `${start}px`, width: "0px" } });
      this.ruler.append(sel);
      this.ruler.setPointerCapture?.(e.pointerId);
      e.preventDefault();
    });
    this.listen(this.ruler, "pointermove", (ev) => {
      if (start < 0 || !sel) return;
      const x = xIn(ev as PointerEvent);
      sel.style.left = `${Math.min(x, start)}px`;
      sel.style.width = `${Math.abs(x - start)}px`;
    });
    const end = (ev: Event) => {
      if (start < 0) return;
      const x = xIn(ev as PointerEvent);
      sel?.remove();
      sel = null;
      if (Math.abs(x - start) > 4) {
        const a = tOf(start, this.view, this.laneW), b = tOf(x, this.view, this.laneW);
        this.setView(zoomTo(a, b, this.d.totalNs, 0));
      }
      start = -1;
    };
    this.listen(this.ruler, "pointerup", end);
    this.listen(this.ruler, "pointercancel", () => { start = -1; sel?.remove(); sel = null; });
    this.listen(this.ruler, "wheel", (ev) => {
      const e = ev as WheelEvent;
      e.preventDefault();
      const t = tOf(e.clientX - this.ruler.getBoundingClientRect().left, this.view, this.laneW);
      this.setView(zoomAt(this.view, e.deltaY > 0 ? 1.25 : 0.8, t, this.d.totalNs));
    }, { passive: false });
  }

  private setupResizer(handle: HTMLElement): void {
    let x0 = -1, w0 = 0;
    this.listen(handle, "pointerdown", (ev) => {
      const e = ev as PointerEvent;
      x0 = e.clientX;
      w0 = this.nameW;
      handle.setPointerCapture?.(e.pointerId);
      e.preventDefault();
    });
    this.listen(handle, "pointermove", (ev) => {
      if (x0 < 0) return;
      const e = ev as PointerEvent;
      const max = Math.max(NAME_W_MIN, this.scroller.clientWidth - 150);
      this.nameWSet = true;
      this.setNameW(Math.min(max, w0 + e.clientX - x0));
      this.layout();
    });
    this.listen(handle, "pointerup", () => { x0 = -1; });
  }
}
