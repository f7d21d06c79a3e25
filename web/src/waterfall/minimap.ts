// The minimap: every visible span of the whole trace on a small canvas (x: time, y: row), with
// the visible window (time range × scrolled rows) drawn over it. Click or drag moves the window;
// the wheel zooms.
import { h } from "../lib/dom";
import { agentColor } from "../lib/colors";
import type { WaterfallData } from "./data";
import { STATUS_ERROR } from "./data";
import type { TimeView } from "./scale";

export const MINIMAP_H = 44;

export interface MinimapHandlers {
  /** Centre the window on time t (ns) and row fraction y (0..1). */
  onMove(t: number, yFrac: number): void;
  onZoom(factor: number, t: number): void;
}

export class Minimap {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly win: HTMLElement;
  private readonly rows: HTMLElement;
  private dragging = false;
  private drawTimer = 0;

  constructor(private readonly d: WaterfallData, private readonly handlers: MinimapHandlers) {
    this.canvas = h("canvas", { class: "wf-minimap-canvas" });
    this.rows = h("div", { class: "wf-minimap-rows" });
    this.win = h("div", { class: "wf-minimap-window", "data-testid": "minimap-window" }, this.rows);
    this.el = h("div", { class: "wf-minimap", "data-testid": "minimap", title: "Whole trace: click or drag to move, wheel to zoom" }, this.canvas, this.win);
    this.el.addEventListener("pointerdown", this.onDown);
    this.el.addEventListener("pointermove", this.onMoveEv);
    this.el.addEventListener("pointerup", this.onUp);
    this.el.addEventListener("pointercancel", this.onUp);
    this.el.addEventListener("wheel", this.onWheel, { passive: false });
  }

  destroy(): void {
    clearTimeout(this.drawTimer);
  }

  private pos(e: PointerEvent | WheelEvent): { t: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (e.clientX - r.left) / Math.max(1, r.width)));
    const fy = Math.min(1, Math.max(0, (e.clientY - r.top) / Math.max(1, r.height)));
    return { t: fx * this.d.totalNs, y: fy };
  }

  private onDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    this.dragging = true;
    this.el.setPointerCapture?.(e.pointerId);
    const p = this.pos(e);
    this.handlers.onMove(p.t, p.y);
    e.preventDefault();
  };

  private onMoveEv = (e: PointerEvent) => {
    if (!this.dragging) return;
    const p = this.pos(e);
    this.handlers.onMove(p.t, p.y);
  };

  private onUp = (e: PointerEvent) => {
    this.dragging = false;
    this.el.releasePointerCapture?.(e.pointerId);
  };

  private onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = this.pos(e);
    this.handlers.onZoom(e.deltaY > 0 ? 1.25 : 0.8, p.t);
  };

  /** Redraws soon (coalescing bursts of folds). */
  scheduleDraw(visible: Int32Array): void {
    clearTimeout(this.drawTimer);
    this.drawTimer = window.setTimeout(() => this.draw(visible), 30);
  }

  /** Draws the spans of `visible` (rows in screen order). */
  draw(visible: Int32Array): void {
    const d = this.d;
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.canvas.clientWidth || this.el.clientWidth;
    const cssH = MINIMAP_H;
    if (cssW <= 0) return;
    const W = Math.round(cssW * dpr), H = Math.round(cssH * dpr);
    if (this.canvas.width !== W) this.canvas.width = W;
    if (this.canvas.height !== H) this.canvas.height = H;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    const count = visible.length;
    if (count === 0) return;
    const total = d.totalNs;
    const rowH = Math.max(1, H / count);
    // One fillStyle per agent: few style changes, one rect per span.
    const agents = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const a = d.agent[visible[i]];
      agents.set(a, (agents.get(a) ?? 0) + 1);
    }
    ctx.globalAlpha = count > 2000 ? 0.6 : 0.9;
    for (const a of agents.keys()) {
      ctx.fillStyle = agentColor(d.strings[a]);
      for (let i = 0; i < count; i++) {
        const r = visible[i];
        if (d.agent[r] !== a) continue;
        const x = (d.start[r] / total) * W;
        const w = Math.max(1, (d.duration[r] / total) * W);
        ctx.fillRect(x, Math.floor((i / count) * H), w, Math.ceil(rowH));
      }
    }
    const err = getComputedStyle(this.el).getPropertyValue("--error").trim() || "#d62728";
    ctx.globalAlpha = 1;
    ctx.fillStyle = err;
    for (let i = 0; i < count; i++) {
      const r = visible[i];
      if (d.status[r] !== STATUS_ERROR) continue;
      const x = (d.start[r] / total) * W;
      ctx.fillRect(x, Math.floor((i / count) * H), Math.max(2, (d.duration[r] / total) * W), Math.max(2, Math.ceil(rowH)));
    }
  }

  /** Places the window: the time view horizontally, the scrolled rows vertically. */
  setWindow(v: TimeView, scrollTop: number, viewportH: number, contentH: number): void {
    const W = this.canvas.clientWidth || this.el.clientWidth;
    const total = this.d.totalNs;
    const left = (v.t0 / total) * W;
    const width = Math.max(3, ((v.t1 - v.t0) / total) * W);
    const top = contentH > 0 ? (scrollTop / contentH) * MINIMAP_H : 0;
    const height = contentH > 0 ? Math.max(3, Math.min(1, viewportH / contentH) * MINIMAP_H) : MINIMAP_H;
    // The time window as a full-height band; the rows on screen as a box inside it.
    const s = this.win.style;
    s.left = `${left}px`;
    s.width = `${Math.max(3, Math.min(width, W - left))}px`;
    const hh = Math.max(6, height);
    const r = this.rows.style;
    r.top = `${Math.max(0, Math.min(top, MINIMAP_H - hh))}px`;
    r.height = `${hh}px`;
  }
}
