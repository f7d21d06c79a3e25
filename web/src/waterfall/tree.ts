// The span tree as flat arrays (no per-span objects): children in CSR form ordered by start,
// a depth-first order, subtree sizes. Everything is O(n) (O(n log n) only when the rows are not
// already ordered by start), so 100k spans build in a few milliseconds.

export interface SpanTree {
  n: number;
  /** Effective parent row, -1 for a root (cycles are cut). */
  parent: Int32Array;
  depth: Int32Array;
  /** Children of row r: children[childStart[r] .. childStart[r+1]), by start time. */
  childStart: Int32Array;
  children: Int32Array;
  /** Root rows, by start time (true roots and spans whose parent is missing). */
  roots: Int32Array;
  /** Depth-first order of all rows (parents before children, siblings by start). */
  order: Int32Array;
  /** Subtree size of each row, itself included. */
  size: Int32Array;
  /** 1 when the row is a root because its parent span is not in the trace. */
  missingParent: Uint8Array;
  maxDepth: number;
}

/** Rows ordered by start (stable); the identity when they already are. */
export function startOrder(start: ArrayLike<number>): Int32Array {
  const n = start.length;
  const idx = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    idx[i] = i;
    if (i > 0 && start[i] < start[i - 1]) sorted = false;
  }
  if (!sorted) {
    const arr = Array.from(idx);
    arr.sort((a, b) => start[a] - start[b] || a - b);
    idx.set(arr);
  }
  return idx;
}

/**
 * Builds the tree. `parent[i]` is the row of i's parent or -1; `parentSpanId[i]` non-empty with
 * parent -1 marks a missing parent (the row becomes a root). Invalid parents and cycles are cut.
 */
export function buildTree(parentIn: ArrayLike<number>, start: ArrayLike<number>, parentSpanId?: ArrayLike<string>): SpanTree {
  const n = parentIn.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = parentIn[i];
    parent[i] = p >= 0 && p < n && p !== i ? p : -1;
  }
  // Cut cycles: walk up from each unvisited row; meeting a row on the current path is a cycle.
  const state = new Uint8Array(n); // 0 new, 1 on path, 2 done
  const path = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (state[i]) continue;
    let len = 0;
    let r = i;
    while (r >= 0 && state[r] === 0) {
      state[r] = 1;
      path[len++] = r;
      const p = parent[r];
      if (p >= 0 && state[p] === 1) {
        parent[r] = -1; // r's parent is on the path: cut the link that closes the cycle
        break;
      }
      r = p;
    }
    for (let k = 0; k < len; k++) state[path[k]] = 2;
  }
  const missingParent = new Uint8Array(n);
  if (parentSpanId) for (let i = 0; i < n; i++) if (parent[i] < 0 && parentSpanId[i]) missingParent[i] = 1;

  const byStart = startOrder(start);
  const childStart = new Int32Array(n + 1);
  let nRoots = 0;
  for (let i = 0; i < n; i++) {
    if (parent[i] >= 0) childStart[parent[i] + 1]++;
    else nRoots++;
  }
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  const fill = childStart.slice(0, n);
  const children = new Int32Array(Math.max(0, n - nRoots));
  const roots = new Int32Array(nRoots);
  let ri = 0;
  for (let k = 0; k < n; k++) {
    const r = byStart[k];
    const p = parent[r];
    if (p >= 0) children[fill[p]++] = r;
    else roots[ri++] = r;
  }

  // Depth-first order with an explicit stack (deep trees must not overflow the call stack).
  const order = new Int32Array(n);
  const depth = new Int32Array(n);
  const stack = new Int32Array(n);
  let sp = 0, oi = 0, maxDepth = 0;
  for (let k = nRoots - 1; k >= 0; k--) stack[sp++] = roots[k];
  while (sp > 0) {
    const r = stack[--sp];
    order[oi++] = r;
    const d = parent[r] >= 0 ? depth[parent[r]] + 1 : 0;
    depth[r] = d;
    if (d > maxDepth) maxDepth = d;
    for (let c = childStart[r + 1] - 1; c >= childStart[r]; c--) stack[sp++] = children[c];
  }
  const size = new Int32Array(n).fill(1);
  for (let k = n - 1; k >= 0; k--) {
    const r = order[k];
    const p = parent[r];
    if (p >= 0) size[p] += size[r];
  }
  return { n, parent, depth, childStart, children, roots, order, size, missingParent, maxDepth };
}

export function hasChildren(t: SpanTree, r: number): boolean {
  return t.childStart[r + 1] > t.childStart[r];
}

/**
 * The rows on screen in order: depth-first, skipping the descendants of collapsed rows and the
 * subtrees of rows not in `include` (when given). O(n).
 */
export function visibleRows(t: SpanTree, collapsed: Uint8Array, include?: Uint8Array | null): Int32Array {
  const out = new Int32Array(t.n);
  let k = 0;
  const { order, size } = t;
  for (let i = 0; i < t.n;) {
    const r = order[i];
    if (include && !include[r]) { i += size[r]; continue; }
    out[k++] = r;
    i += collapsed[r] ? size[r] : 1;
  }
  return out.subarray(0, k);
}

/** Position of each row in `rows`, -1 when not there. */
export function indexOfRows(n: number, rows: Int32Array): Int32Array {
  const idx = new Int32Array(n).fill(-1);
  for (let i = 0; i < rows.length; i++) idx[rows[i]] = i;
  return idx;
}

/**
 * Rows kept by an agent filter: the agent's spans and their ancestors (as greyed context).
 * O(n): each upward walk stops at a row already kept.
 */
export function agentFilter(t: SpanTree, agent: ArrayLike<number>, want: number): { include: Uint8Array; context: Uint8Array; matches: number } {
  const include = new Uint8Array(t.n);
  const context = new Uint8Array(t.n);
  let matches = 0;
  for (let r = 0; r < t.n; r++) {
    if (agent[r] !== want) continue;
    matches++;
    include[r] = 1;
    for (let p = t.parent[r]; p >= 0 && !include[p]; p = t.parent[p]) include[p] = 1;
  }
  for (let r = 0; r < t.n; r++) if (include[r] && agent[r] !== want) context[r] = 1;
  return { include, context, matches };
}

/** Unfolds every ancestor of r; true when something changed. */
export function expandTo(t: SpanTree, collapsed: Uint8Array, r: number): boolean {
  let changed = false;
  for (let p = t.parent[r]; p >= 0; p = t.parent[p]) {
    if (collapsed[p]) { collapsed[p] = 0; changed = true; }
  }
  return changed;
}

/** Folds every row that has children (only the roots remain). */
export function collapseAll(t: SpanTree, collapsed: Uint8Array): void {
  for (let r = 0; r < t.n; r++) collapsed[r] = hasChildren(t, r) ? 1 : 0;
}

/** Folds rows deeper than `depth` that have children. */
export function collapseBelow(t: SpanTree, collapsed: Uint8Array, depth: number): void {
  for (let r = 0; r < t.n; r++) collapsed[r] = t.depth[r] >= depth && hasChildren(t, r) ? 1 : 0;
}
