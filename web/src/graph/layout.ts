// Laying the agent graph out left to right with dagre, plus what dagre leaves out: self-loops
// (an arc above the node, with room reserved for it) and the texts' sizes.
import dagre, { type EdgeLabel as EdgeLabelD, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import { formatCost, formatTokens } from "../lib/format";
import type { GEdge, GNode, GraphModel } from "./model";

export interface Point {
  x: number;
  y: number;
}

export interface LaidNode {
  node: GNode;
  // The drawn box (top-left corner and size).
  x: number;
  y: number;
  width: number;
  height: number;
  lines: NodeLines;
}

export interface LaidEdge {
  edge: GEdge;
  path: string; // SVG path data
  label: EdgeLabel;
  labelX: number; // label box centre
  labelY: number;
  labelWidth: number;
  labelHeight: number;
  // false: the label is not drawn inline (figures on hover only).
  labelShown: boolean;
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
}

export interface NodeLines {
  title: string;
  stats: string; // invocations · tokens
  cost: string; // cost
  errors: string; // "" when none
}

export interface EdgeLabel {
  text: string; // calls · tokens · cost
  errors: string; // "" when none
}

const CHAR_W_TITLE = 7.4; // 12.5px bold sans, roughly
const CHAR_W_SMALL = 6.3; // 11px sans
const NODE_PAD_X = 14;
const LINE_H = 15;
export const LABEL_H = 17;
const SELF_LOOP_H0 = 40; // control-point height of the first self-loop arc
const SELF_LOOP_STEP = 30;

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function nodeLines(n: GNode): NodeLines {
  const parts: string[] = [];
  if (n.kind === "tool") parts.push(plural(n.invocations || n.spans, "call", "calls"));
  else parts.push(plural(n.invocations, "run", "runs"));
  if (n.totalTokens > 0) parts.push(`${formatTokens(n.totalTokens)} tok`);
  return {
    title: n.kind === "agent" ? n.name : n.kind === "service" ? `⚙ ${n.name}` : n.name,
    stats: parts.join(" · "),
    cost: n.costUsd > 0 ? formatCost(n.costUsd) : "",
    errors: n.errors > 0 ? plural(n.errors, "error", "errors") : "",
  };
}

export function edgeLabel(e: GEdge): EdgeLabel {
  const parts = [`${e.calls.toLocaleString("en-US")}×`];
  if (e.totalTokens > 0) parts.push(`${formatTokens(e.totalTokens)} tok`);
  if (e.costUsd > 0) parts.push(formatCost(e.costUsd));
  return { text: parts.join(" · "), errors: e.errors > 0 ? plural(e.errors, "err", "errs") : "" };
}

export function edgeLabelWidth(l: EdgeLabel): number {
  const chars = l.text.length + (l.errors ? l.errors.length + 3 : 0);
  return Math.ceil(chars * CHAR_W_SMALL + 10);
}

export function nodeSize(n: GNode, lines: NodeLines = nodeLines(n)): { width: number; height: number } {
  const second = [lines.cost, lines.errors].filter(Boolean).join(" · ");
  const w = Math.max(
    lines.title.length * CHAR_W_TITLE,
    lines.stats.length * CHAR_W_SMALL,
    second.length * CHAR_W_SMALL,
  );
  const nLines = 2 + (second ? 1 : 0);
  const minW = n.kind === "tool" ? 90 : 120;
  return { width: Math.ceil(Math.max(minW, w + 2 * NODE_PAD_X)), height: nLines * LINE_H + 12 };
}

// The height an arc's control points rise above the node, for the k-th self-loop.
export function selfLoopRise(k: number): number {
  return SELF_LOOP_H0 + k * SELF_LOOP_STEP;
}
// The apex of a cubic whose control points are `rise` above its ends: 3/4 of the rise.
function selfLoopReserve(count: number): number {
  return count === 0 ? 0 : Math.ceil(0.75 * selfLoopRise(count - 1) + LABEL_H + 6);
}

// A self-loop arc above the box: leaves the top edge left of centre, returns right of it;
// `apex` is the top of the arc (its label goes just above).
export function selfLoopPath(box: { x: number; y: number; width: number }, k: number): { path: string; apex: Point } {
  const cx = box.x + box.width / 2;
  const top = box.y;
  const half = Math.min(box.width * 0.3, 30 + 8 * k);
  const rise = selfLoopRise(k);
  const x0 = cx - half, x1 = cx + half;
  const c = half * 1.6;
  const path = `M${x0},${top} C${cx - c},${top - rise} ${cx + c},${top - rise} ${x1},${top}`;
  return { path, apex: { x: cx, y: top - 0.75 * rise } };
}

// A smooth path through dagre's points: a uniform B-spline that starts and ends on the first
// and last points (d3's curveBasis).
export function basisPath(pts: Point[]): string {
  const f = (n: number) => String(Math.round(n * 10) / 10);
  if (pts.length === 0) return "";
  if (pts.length <= 2) return pts.map((p, i) => `${i ? "L" : "M"}${f(p.x)},${f(p.y)}`).join(" ");
  const out: string[] = [];
  let x0 = NaN, y0 = NaN, x1 = NaN, y1 = NaN, state = 0;
  const bezier = (x: number, y: number) => {
    out.push(`C${f((2 * x0 + x1) / 3)},${f((2 * y0 + y1) / 3)} ${f((x0 + 2 * x1) / 3)},${f((y0 + 2 * y1) / 3)} ${f((x0 + 4 * x1 + x) / 6)},${f((y0 + 4 * y1 + y) / 6)}`);
  };
  const point = (x: number, y: number) => {
    if (state === 0) {
      state = 1;
      out.push(`M${f(x)},${f(y)}`);
    } else if (state === 1) {
      state = 2;
    } else {
      if (state === 2) {
        state = 3;
        out.push(`L${f((5 * x0 + x1) / 6)},${f((5 * y0 + y1) / 6)}`);
      }
      bezier(x, y);
    }
    x0 = x1; x1 = x;
    y0 = y1; y1 = y;
  };
  for (const p of pts) point(p.x, p.y);
  bezier(x1, y1);
  out.push(`L${f(x1)},${f(y1)}`);
  return out.join(" ");
}

export interface LayoutOptions {
  rankSep?: number;
  nodeSep?: number;
  // Draw the tool-call edges' labels inline (they take room in the layout); default: when
  // there are at most TOOL_LABELS_MAX tool-call edges.
  toolLabels?: boolean;
}
export const TOOL_LABELS_MAX = 16;

// Lays `model` out left to right. Self-loops are kept out of dagre: their node gets extra
// height above the box for the arcs, which are drawn by selfLoopPath.
export function layoutGraph(model: GraphModel, opts: LayoutOptions = {}): Layout {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabelD>({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: opts.nodeSep ?? 36, ranksep: opts.rankSep ?? 110, edgesep: 18, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));

  const selfCount = new Map<string, number>();
  for (const e of model.edges) if (e.self) selfCount.set(e.from, (selfCount.get(e.from) ?? 0) + 1);

  const info = new Map<string, { lines: NodeLines; width: number; height: number; reserve: number; selfWidth: number }>();
  for (const n of model.nodes) {
    const lines = nodeLines(n);
    const size = nodeSize(n, lines);
    const loops = model.edges.filter((e) => e.self && e.from === n.id);
    const reserve = selfLoopReserve(loops.length);
    const selfWidth = loops.reduce((w, e) => Math.max(w, edgeLabelWidth(edgeLabel(e))), 0);
    const width = Math.max(size.width, selfWidth);
    // The box is as wide as its self-loop label too, so dagre's edge ends land on it.
    info.set(n.id, { lines, width, height: size.height, reserve, selfWidth });
    g.setNode(n.id, { width, height: size.height + reserve });
  }
  const toolLabels = opts.toolLabels ?? model.edges.filter((e) => e.kind === "tool_call").length <= TOOL_LABELS_MAX;
  const shown = (e: GEdge) => e.kind !== "tool_call" || toolLabels;
  for (const e of model.edges) {
    if (e.self) continue;
    const label = edgeLabel(e);
    const cfg = shown(e)
      ? { width: edgeLabelWidth(label), height: LABEL_H, labelpos: "c" as const, minlen: 1, weight: 2 }
      : { width: 0, height: 0, minlen: 1, weight: 1 };
    g.setEdge(e.from, e.to, cfg, e.id);
  }
  dagre.layout(g);

  const laidNodes: LaidNode[] = [];
  const boxes = new Map<string, LaidNode>();
  for (const n of model.nodes) {
    const d = g.node(n.id);
    const i = info.get(n.id)!;
    const full = i.height + i.reserve;
    const box: LaidNode = {
      node: n,
      x: (d.x ?? 0) - i.width / 2,
      y: (d.y ?? 0) - full / 2 + i.reserve,
      width: i.width,
      height: i.height,
      lines: i.lines,
    };
    laidNodes.push(box);
    boxes.set(n.id, box);
  }

  const laidEdges: LaidEdge[] = [];
  const selfIndex = new Map<string, number>();
  for (const e of model.edges) {
    const label = edgeLabel(e);
    const labelWidth = edgeLabelWidth(label);
    if (e.self) {
      const box = boxes.get(e.from)!;
      const k = selfIndex.get(e.from) ?? 0;
      selfIndex.set(e.from, k + 1);
      const { path, apex } = selfLoopPath(box, k);
      laidEdges.push({ edge: e, path, label, labelX: apex.x, labelY: apex.y - LABEL_H / 2 - 1, labelWidth, labelHeight: LABEL_H, labelShown: true });
      continue;
    }
    const d = g.edge({ v: e.from, w: e.to, name: e.id });
    const pts = ((d.points ?? []) as Point[]).map((p) => ({ x: p.x, y: p.y }));
    // dagre ends edges on the node's full rectangle, the self-loop room included: bring the
    // ends down onto the drawn box.
    clampEnd(pts, 0, boxes.get(e.from)!);
    clampEnd(pts, pts.length - 1, boxes.get(e.to)!);
    laidEdges.push({
      edge: e,
      path: basisPath(pts),
      label,
      labelX: d.x ?? (pts.length ? pts[Math.floor(pts.length / 2)].x : 0),
      labelY: d.y ?? (pts.length ? pts[Math.floor(pts.length / 2)].y : 0),
      labelWidth,
      labelHeight: LABEL_H,
      labelShown: shown(e),
    });
  }
  const gl = g.graph();
  return { nodes: laidNodes, edges: laidEdges, width: gl.width ?? 0, height: gl.height ?? 0 };
}

function clampEnd(pts: Point[], i: number, box: LaidNode): void {
  if (i < 0 || i >= pts.length) return;
  const p = pts[i];
  if (p.y < box.y + 4) p.y = box.y + 4;
  if (p.y > box.y + box.height - 4) p.y = box.y + box.height - 4;
}
