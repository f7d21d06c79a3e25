// W3 of ../shared/BENCHMARKS.md, the UI workload: one trace of 10,000 and one of 100,000 spans
// shaped like an agent fleet, loaded from a real `hoptrace serve` (loopback, ephemeral ports, a
// temporary data dir: tests/clients/lib/server.mjs) in Debian's chromium, headless, driven by
// playwright-core (web/node_modules, pinned). For each size: the /waterfall payload and its
// fetch + parse time, the time to first paint of the waterfall, and the frame time while
// scrolling it. Targets (issue 7): first paint under 1 s, scrolling at 60 fps, at 100,000 spans.
// BENCHMARKS.md names no peer for W3: the targets are printed beside the figures.
//
//   node bench/ui_bench.mjs [--spans 10000,100000] [--scroll-ms 3000] [--px 100] [--runs 3]
//                           [--modes vsync,uncapped] [--seed 42] [--batch 5000] [--out DIR]
//
// The trace: an orchestrator that plans (LLM calls), then fans out to 8 agents in parallel
// (handoff -> invoke_agent); each agent runs a tool loop (an LLM call with gen_ai.* attributes and
// token usage, then a tool call with its arguments and a child operation), and now and then
// delegates a sub-task to a sub-agent that runs its own loop, nested up to 6 levels deep; ~2% of
// tool calls fail. Deterministic (--seed). POSTed as OTLP/JSON to /v1/traces in batches of
// --batch spans.
//
// First paint: navigationStart (performance.timeOrigin) -> the start of the first animation frame
// after the frame in which the waterfall's first rows were put in the DOM (a MutationObserver on
// data-testid="span-row", then requestAnimationFrame): the rows have been painted by then. "cold"
// is the first load of a fresh browser (assets not cached), "warm" the median of --runs reloads.
// Scrolling: the waterfall is scrolled programmatically by --px pixels per animation frame for
// --scroll-ms; the deltas between rAF timestamps are the frame times. Two browser modes:
//   vsync:    chromium's defaults (frames paced at 60 Hz): fps is capped at 60, dropped frames
//             (> 16.7 ms) show where a frame missed its slot;
//   uncapped: --disable-gpu-vsync --disable-frame-rate-limit: frames as fast as they can be
//             produced, so the frame time is the cost of a frame (main thread + raster).
// The server runs with --diagnose-after off; each load waits for the view's diagnosis to be drawn
// before the next, and the scroll starts 1 s after that, so no leftover server work shares the
// measured seconds. Also printed: the server's /waterfall and /diagnosis times from node, alone
// and asked together as the trace view asks them (where the first paint waits).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { get, getJSON, post, startServer } from '../tests/clients/lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const CHROMIUM = process.env.HOPTRACE_CHROMIUM || '/usr/bin/chromium';
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const MODE_ARGS = { vsync: [], uncapped: ['--disable-gpu-vsync', '--disable-frame-rate-limit'] };
const VIEWPORT = { width: 1280, height: 800 };
const TARGET_PAINT_MS = 1000;
const TARGET_FPS = 60;
const FRAME_BUDGET_MS = 1000 / 60;

function parseArgs(argv) {
  const a = { spans: [10000, 100000], 'scroll-ms': 3000, px: 100, runs: 3, modes: ['vsync', 'uncapped'], seed: 42, batch: 5000, out: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, ''), v = argv[i + 1];
    if (!(k in a) || v === undefined) {
      console.error(`usage: node bench/ui_bench.mjs [--spans 10000,100000] [--scroll-ms 3000] [--px 100] [--runs 3] [--modes vsync,uncapped] [--seed 42] [--batch 5000] [--out DIR]\nbad argument ${argv[i]}`);
      process.exit(2);
    }
    if (k === 'spans') a.spans = v.split(',').map((x) => Number(x.replace(/_/g, '')));
    else if (k === 'modes') a.modes = v.split(',');
    else if (k === 'out') a.out = v;
    else a[k] = Number(v);
  }
  for (const m of a.modes) if (!(m in MODE_ARGS)) throw new Error(`--modes: unknown mode ${m} (vsync, uncapped)`);
  if (a.spans.some((n) => !Number.isInteger(n) || n < 20)) throw new Error('--spans: integers >= 20');
  return a;
}

// ---- the trace -------------------------------------------------------------------------------

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = ['researcher', 'coder', 'reviewer', 'tester', 'planner', 'writer', 'analyst', 'critic'];
const SUB_AGENTS = ['summarizer', 'fixer', 'linter', 'fetcher'];
const MODELS = [
  ['openai', 'gpt-4o'], ['openai', 'gpt-4o-mini'], ['anthropic', 'claude-sonnet-4'], ['anthropic', 'claude-opus-4-1'],
];
const TOOLS = [
  ['read_file', 'file.read', () => ({ path: 'src/gateway/limits.py' })],
  ['write_file', 'file.write', () => ({ path: 'src/gateway/limits.py', bytes: 2048 })],
  ['web_search', 'GET', () => ({ query: 'token bucket rate limiting' })],
  ['run_tests', 'pytest', () => ({ target: 'tests/test_limits.py' })],
  ['grep', 'file.search', () => ({ pattern: 'RateLimiter', path: 'src/' })],
];

// Spans of one trace, in OTLP/JSON form (without resource), `n` of them exactly.
function generateTrace(n, seed) {
  const rnd = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const hex = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes; i++) s += Math.floor(rnd() * 256).toString(16).padStart(2, '0');
    return s;
  };
  const traceId = hex(16);
  const t0 = BigInt(Date.now() - 6 * 3600 * 1000) * 1000000n;  // six hours ago
  const ms = (x) => (t0 + BigInt(Math.round(x * 1e6))).toString();  // ms (float) -> unix ns
  const spans = [];
  let left = n;
  const str = (key, v) => ({ key, value: { stringValue: v } });
  const int = (key, v) => ({ key, value: { intValue: String(v) } });
  const span = (service, parent, name, kind, start, end, attrs, error = null) => {
    left--;
    const s = {
      traceId, spanId: hex(8), name, kind, startTimeUnixNano: ms(start), endTimeUnixNano: ms(end),
      attributes: attrs, status: error ? { code: 2, message: error } : { code: 0 },
    };
    if (parent) s.parentSpanId = parent.spanId;
    s.service = service;
    spans.push(s);
    return s;
  };
  const llm = (service, agent, parent, start) => {
    const [provider, model] = pick(MODELS);
    const dur = 300 + rnd() * 2500;
    const input = 500 + Math.floor(rnd() * 20000), output = 50 + Math.floor(rnd() * 1500);
    span(service, parent, `chat ${model}`, 3, start, start + dur, [
      str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', provider), str('gen_ai.request.model', model),
      str('gen_ai.response.model', model), str('gen_ai.agent.name', agent), int('gen_ai.usage.input_tokens', input),
      int('gen_ai.usage.output_tokens', output), int('gen_ai.request.max_tokens', 4096),
    ]);
    return start + dur;
  };
  const tool = (service, agent, parent, start) => {
    const [name, op, args] = pick(TOOLS);
    const dur = 5 + rnd() * (name === 'run_tests' ? 8000 : name === 'web_search' ? 1500 : 200);
    const fail = rnd() < 0.02 ? `${name} failed: exit status 1` : null;
    const t = span(service, parent, `execute_tool ${name}`, 1, start, start + dur, [
      str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', name), str('gen_ai.agent.name', agent),
      str('gen_ai.tool.call.arguments', JSON.stringify(args())), str('gen_ai.tool.call.id', `call_${hex(6)}`),
    ], fail);
    if (left > 0) span(service, t, op, 1, start + 1, start + dur - 1, [str('operation.kind', op)], fail);
    return start + dur;
  };
  // An agent's run under `parent` with `budget` spans: invoke_agent, then the tool loop, with
  // delegations to sub-agents (nested) now and then.
  const runAgent = (agent, parent, start, budget, depth) => {
    const service = `fleet-${agent}`;
    const stopAt = left - budget;
    const inv = span(service, parent, `invoke_agent ${agent}`, 2, start, start, [
      str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', agent), str('gen_ai.agent.id', `${agent}-${depth}`),
    ]);
    let t = start + 2;
    while (left - stopAt > 0 && left > 0) {
      t = llm(service, agent, inv, t) + 1;
      if (left - stopAt <= 0 || left <= 0) break;
      const room = left - stopAt;
      if (depth < 6 && room > 40 && rnd() < 0.05) {
        const sub = pick(SUB_AGENTS);
        const d = span(service, inv, `delegate ${sub}`, 1, t, t, [str('gen_ai.operation.name', 'delegate'), str('gen_ai.agent.name', agent)]);
        const end = runAgent(sub, d, t + 1, Math.min(room - 1, 10 + Math.floor(rnd() * room * 0.3)), depth + 1);
        d.endTimeUnixNano = ms(end + 1);
        t = end + 2;
      } else {
        t = tool(service, agent, inv, t) + 1;
      }
    }
    inv.endTimeUnixNano = ms(t);
    return t;
  };

  const root = span('fleet-orchestrator', null, 'invoke_agent orchestrator', 2, 0, 0, [
    str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'orchestrator'),
  ]);
  let t = 1;
  for (let i = 0; i < 3; i++) t = llm('fleet-orchestrator', 'orchestrator', root, t) + 1;
  const perAgent = Math.floor((left - 3) / AGENTS.length / 2);  // handoff + its agent's run
  let end = t;
  const fanOutStart = t;
  AGENTS.forEach((agent, i) => {
    const last = i === AGENTS.length - 1;
    const start = fanOutStart + i * 0.5;
    const h = span('fleet-orchestrator', root, `handoff orchestrator -> ${agent}`, 3, start, start, [
      str('gen_ai.operation.name', 'handoff'), str('gen_ai.agent.name', 'orchestrator'), str('handoff.to_agent', agent),
    ]);
    const budget = last ? left - 2 : perAgent * 2 - 1;
    const e = runAgent(agent, h, start + 1, budget, 0);
    h.endTimeUnixNano = ms(e + 1);
    end = Math.max(end, e + 1);
  });
  t = end + 1;
  while (left > 0) t = llm('fleet-orchestrator', 'orchestrator', root, t) + 1;
  root.endTimeUnixNano = ms(t + 1);
  if (spans.length !== n) throw new Error(`generated ${spans.length} spans, wanted ${n}`);
  return { traceId, spans };
}

// OTLP/JSON bodies of `batch` spans each, spans grouped by service.
function* otlpBatches(spans, batch) {
  for (let i = 0; i < spans.length; i += batch) {
    const byService = new Map();
    for (const s of spans.slice(i, i + batch)) {
      const { service, ...rest } = s;
      if (!byService.has(service)) byService.set(service, []);
      byService.get(service).push(rest);
    }
    yield JSON.stringify({
      resourceSpans: [...byService].map(([service, list]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'hoptrace-ui-bench', version: '1' }, spans: list }],
      })),
    });
  }
}

// ---- measuring -------------------------------------------------------------------------------

const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const median = (xs) => quantile(xs, 0.5);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

// Before any script of the page: records when the waterfall's first rows are in the DOM and the
// start of the frame after (by then they have been painted).
const PAINT_PROBE = () => {
  window.__wf = {};
  const mo = new MutationObserver(() => {
    if (window.__wf.rows) return;
    const row = document.querySelector('[data-testid=waterfall] [data-testid=span-row]');
    if (!row) return;
    window.__wf.rows = performance.now();
    mo.disconnect();
    requestAnimationFrame(() => { window.__wf.frame = performance.now(); });
  });
  mo.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-testid'] });
};

// One load of the trace view: first paint, then (not timed against the target) the moment its
// diagnosis is drawn; waiting for it keeps one load's /diagnosis off the next load's seconds.
async function firstPaint(page, url) {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__wf && window.__wf.frame !== undefined, null, { timeout: 120000 });
  const r = await page.evaluate(() => {
    const sc = document.querySelector('[data-testid=waterfall]');
    return {
      rowsMs: window.__wf.rows, paintMs: window.__wf.frame,
      fetchMs: Number(sc?.dataset.fetchMs), buildMs: Number(sc?.dataset.buildMs), renderMs: Number(sc?.dataset.renderMs),
      spanCount: Number(sc?.dataset.spanCount), rowsInDom: sc?.querySelectorAll('[data-testid=span-row]').length,
    };
  });
  const h = await page.waitForFunction(() => {
    const p = document.querySelector('[data-testid=findings-panel]');
    return p && !p.textContent.includes('Diagnosing') ? performance.now() : false;
  }, null, { timeout: 300000, polling: 50 });
  r.diagMs = await h.jsonValue();
  return r;
}

async function scrollFrames(page, scrollMs, px) {
  return page.evaluate(async ({ scrollMs, px }) => {
    const sc = document.querySelector('[data-testid=waterfall]');
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    sc.scrollTop = 0;
    await frame();
    await frame();
    const stamps = [];
    let dir = 1, travelled = 0, gaps = 0, checks = 0;
    await new Promise((resolve) => {
      let t0 = -1;
      const step = (ts) => {
        if (t0 < 0) t0 = ts;
        stamps.push(ts);
        // The rows the previous frame painted cover the viewport?
        if (stamps.length > 2) {
          checks++;
          const top = sc.scrollTop, bottom = top + sc.clientHeight;
          let covered = 0;
          for (const el of sc.querySelectorAll('[data-testid=span-row]')) {
            const y = Number(/translateY\((-?[\d.]+)px\)/.exec(el.style.transform)?.[1]);
            if (y + 22 > top && y < bottom) covered++;
          }
          if (covered < Math.floor(sc.clientHeight / 22) - 1) gaps++;
        }
        if (ts - t0 >= scrollMs) return resolve();
        const max = sc.scrollHeight - sc.clientHeight;
        if (sc.scrollTop + px * dir > max || sc.scrollTop + px * dir < 0) dir = -dir;
        sc.scrollTop += px * dir;
        travelled += px;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const deltas = [];
    for (let i = 1; i < stamps.length; i++) deltas.push(stamps[i] - stamps[i - 1]);
    return { deltas, travelled, gaps, checks, heap: performance.memory?.usedJSHeapSize ?? null };
  }, { scrollMs, px });
}

async function fetchParse(page, url) {
  return page.evaluate(async (u) => {
    const t0 = performance.now();
    const r = await fetch(u, { cache: 'no-store' });
    const text = await r.text();
    const t1 = performance.now();
    const doc = JSON.parse(text);
    const t2 = performance.now();
    return { bytes: text.length, fetchMs: t1 - t0, parseMs: t2 - t1, spans: doc.spans?.span_id?.length ?? null, encoding: r.headers.get('content-encoding') };
  }, url);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`ui_bench: skipped: chromium not installed (${CHROMIUM}; apt-get install chromium, or set HOPTRACE_CHROMIUM)`);
    return;
  }
  const pw = path.join(repoRoot, 'web', 'node_modules', 'playwright-core', 'index.mjs');
  if (!fs.existsSync(pw)) throw new Error(`playwright-core not installed: run scripts/npm-ci web (${pw})`);
  const { chromium } = await import(pathToFileURL(pw).href);
  const outDir = args.out || process.env.HOPTRACE_ARTIFACTS || path.join(repoRoot, 'build', 'ui-artifacts');
  fs.mkdirSync(outDir, { recursive: true });

  const loadBefore = os.loadavg()[0];
  const srv = await startServer({ extraArgs: ['--diagnose-after', 'off'] });
  const results = [];
  try {
    // ---- load the traces ----
    const traces = [];
    for (const n of args.spans) {
      const g0 = performance.now();
      const { traceId, spans } = generateTrace(n, args.seed + n);
      const genMs = performance.now() - g0;
      let bytes = 0;
      const p0 = performance.now();
      for (const body of otlpBatches(spans, args.batch)) {
        bytes += body.length;
        const r = await post(srv.base, '/v1/traces', body, { 'Content-Type': 'application/json' }, 300000);
        if (r.status !== 200) throw new Error(`POST /v1/traces: ${r.status} ${r.text.slice(0, 500)}`);
        const ps = r.text ? JSON.parse(r.text).partialSuccess : null;
        if (ps && Number(ps.rejectedSpans ?? 0) > 0) throw new Error(`POST /v1/traces rejected spans: ${r.text}`);
      }
      const postMs = performance.now() - p0;
      // The trace as the list sees it: all spans stored.
      const t0 = Date.now();
      for (;;) {
        const list = await getJSON(srv.base, '/api/v1/traces?limit=100');
        const t = list.traces.find((x) => x.trace_id === traceId);
        if (t && t.span_count === n) break;
        if (Date.now() - t0 > 120000) throw new Error(`trace ${traceId}: ${t?.span_count ?? 0} of ${n} spans stored after 120 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`ui_bench: ${n.toLocaleString('en-US')} spans (trace ${traceId}): generated in ${fmt(genMs, 0)} ms, ${(bytes / 1e6).toFixed(1)} MB OTLP/JSON posted in ${fmt(postMs, 0)} ms (${Math.ceil(n / args.batch)} batches)`);
      // Where the trace view's first paint waits: the server's answers, alone and as the view asks
      // for them (the waterfall and the diagnosis at once).
      const timed = async (p) => {
        const t = performance.now();
        const r = await get(srv.base, p);
        if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${r.text.slice(0, 300)}`);
        return { ms: performance.now() - t, bytes: r.text.length };
      };
      const wfPath = `/api/v1/traces/${traceId}/waterfall`, diagPath = `/api/v1/traces/${traceId}/diagnosis`;
      await timed(wfPath);  // warm the store's caches as a first visit would have by its reloads
      const wfAlone = await timed(wfPath);
      const diagAlone = await timed(diagPath);
      const [wfBoth, diagBoth] = await Promise.all([timed(wfPath), timed(diagPath)]);
      const server = { wfAloneMs: wfAlone.ms, diagAloneMs: diagAlone.ms, wfBothMs: wfBoth.ms, diagBothMs: diagBoth.ms, wfBytes: wfAlone.bytes };
      console.log(`ui_bench: ${n.toLocaleString('en-US')} spans, server (from node): GET /waterfall ${fmt(server.wfAloneMs, 0)} ms alone (${(server.wfBytes / 1e6).toFixed(2)} MB), /diagnosis ${fmt(server.diagAloneMs, 0)} ms alone; both at once (as the trace view asks): /waterfall ${fmt(server.wfBothMs, 0)} ms, /diagnosis ${fmt(server.diagBothMs, 0)} ms`);
      traces.push({ n, traceId, server });
    }

    for (const mode of args.modes) {
      for (const { n, traceId, server } of traces) {
        // A fresh browser (profile, cache) per mode and size: "cold" is a first visit.
        const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoptrace-ui-bench-profile-'));
        const ctx = await chromium.launchPersistentContext(userDataDir, {
          executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, ...MODE_ARGS[mode]], viewport: VIEWPORT, colorScheme: 'light',
        });
        const foreign = [];
        ctx.on('request', (r) => { if (!r.url().startsWith(srv.base + '/')) foreign.push(r.url()); });
        try {
          const page = await ctx.newPage();
          const errors = [];
          page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
          page.on('pageerror', (e) => errors.push(e.message));
          await page.addInitScript(PAINT_PROBE);
          const url = `${srv.base}/traces/${traceId}`;
          const cold = await firstPaint(page, url);
          if (cold.spanCount !== n) throw new Error(`the waterfall shows ${cold.spanCount} spans, want ${n}`);
          const warm = [];
          for (let i = 0; i < args.runs; i++) warm.push(await firstPaint(page, url));
          const fp = await fetchParse(page, `${srv.base}/api/v1/traces/${traceId}/waterfall`);
          await page.waitForTimeout(1000);  // settle: the page idle before the scroll
          const sc = await scrollFrames(page, args['scroll-ms'], args.px);
          const shot = path.join(outDir, `ui-bench-${n}-${mode}.png`);
          await page.screenshot({ path: shot });
          if (errors.length) throw new Error(`console errors on the page: ${errors.join('; ')}`);
          if (foreign.length) throw new Error(`requests to a host other than the server: ${foreign.join(', ')}`);
          const d = sc.deltas;
          const total = d.reduce((s, x) => s + x, 0) / 1000;
          results.push({
            mode, n, traceId, server,
            payloadMB: fp.bytes / 1e6, encoding: fp.encoding, fetchMs: fp.fetchMs, parseMs: fp.parseMs,
            coldPaintMs: cold.paintMs, warmPaintMs: median(warm.map((w) => w.paintMs)), warmPaints: warm.map((w) => w.paintMs),
            viewFetchMs: median(warm.map((w) => w.fetchMs)), viewBuildMs: median(warm.map((w) => w.buildMs)),
            rowsInDom: cold.rowsInDom, diagMs: median(warm.map((w) => w.diagMs)),
            frames: d.length, p50: quantile(d, 0.5), p95: quantile(d, 0.95), p99: quantile(d, 0.99), max: Math.max(...d),
            fps: d.length / total, dropped: d.filter((x) => x > FRAME_BUDGET_MS + 0.5).length,
            gaps: sc.gaps, checks: sc.checks, pxPerS: sc.travelled / total,
            heapMB: sc.heap === null ? NaN : sc.heap / 1e6, screenshot: shot,
          });
        } finally {
          await ctx.close();
          fs.rmSync(userDataDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await srv.stop();
  }

  // ---- report ----
  const load = `${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after (1 min)`;
  console.log(`\nW3 — the UI workload: headless chromium (${CHROMIUM}), ${VIEWPORT.width}x${VIEWPORT.height}, ${os.cpus().length} cores, load average ${load}`);
  console.log(`first paint: navigationStart -> the frame after the first waterfall rows (cold: first visit, fresh browser; warm: median of ${args.runs} reloads)`);
  console.log(`scrolling: ${args.px} px per frame for ${args['scroll-ms']} ms; frame time = rAF deltas; blank frames = frames whose drawn rows did not cover the viewport. Targets: first paint < ${TARGET_PAINT_MS} ms, ${TARGET_FPS} fps (frame <= 16.7 ms). No peer (BENCHMARKS.md W3 names none).\n`);
  for (const n of args.spans) {
    const rows = results.filter((r) => r.n === n);
    if (!rows.length) continue;
    const a = rows[0];
    console.log(`== ${n.toLocaleString('en-US')} spans (trace ${a.traceId}): /waterfall payload ${fmt(a.payloadMB, 2)} MB${a.encoding ? ` (${a.encoding})` : ' (not compressed)'}, in-page fetch ${fmt(a.fetchMs, 0)} ms + JSON.parse ${fmt(a.parseMs, 0)} ms; rows in the DOM ${a.rowsInDom}`);
    console.log(`   server alone: /waterfall ${fmt(a.server.wfAloneMs, 0)} ms, /diagnosis ${fmt(a.server.diagAloneMs, 0)} ms; asked together (as the view does): /waterfall ${fmt(a.server.wfBothMs, 0)} ms, /diagnosis ${fmt(a.server.diagBothMs, 0)} ms`);
    const head = ['mode', 'first paint cold ms', 'warm ms', 'view fetch ms', 'view build ms', 'findings drawn ms', 'p50 frame ms', 'p95', 'p99', 'max', 'fps', 'dropped >16.7ms', 'blank frames', 'heap MB'];
    const lines = rows.map((r) => [r.mode, fmt(r.coldPaintMs, 0), fmt(r.warmPaintMs, 0), fmt(r.viewFetchMs, 0), fmt(r.viewBuildMs, 0), fmt(r.diagMs, 0), fmt(r.p50, 2), fmt(r.p95, 2), fmt(r.p99, 2), fmt(r.max, 1), fmt(r.fps, 1), `${r.dropped}/${r.frames}`, `${r.gaps}/${r.checks}`, fmt(r.heapMB, 0)]);
    lines.push(['target', `< ${TARGET_PAINT_MS}`, `< ${TARGET_PAINT_MS}`, '', '', '', '<= 16.7', '<= 16.7', '', '', String(TARGET_FPS), '0', '0', '']);
    const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const row = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
    console.log(row(head));
    console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
    for (const l of lines) console.log(row(l));
    const vs = rows.find((r) => r.mode === 'vsync') ?? a;
    const verdict = [`first paint ${fmt(vs.warmPaintMs, 0)} ms ${vs.warmPaintMs < TARGET_PAINT_MS ? 'meets' : 'MISSES'} < ${TARGET_PAINT_MS} ms`,
      `${fmt(vs.fps, 1)} fps (${vs.mode}) ${vs.fps >= TARGET_FPS - 1 && vs.p95 <= FRAME_BUDGET_MS + 1 ? 'meets' : 'MISSES'} ${TARGET_FPS} fps`];
    console.log(`   ${verdict.join('; ')}`);
    console.log('');
  }
  const big = results.filter((r) => r.n === Math.max(...args.spans));
  for (const r of big) console.log(`screenshot (${r.n.toLocaleString('en-US')} spans, ${r.mode}): ${r.screenshot}`);
  const json = path.join(outDir, 'ui-bench.json');
  fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), args, results: results.map(({ warmPaints, ...r }) => ({ ...r, warmPaints })) }, null, 2));
  console.log(`figures (JSON): ${json}`);
}

main().catch((e) => {
  console.error(`ui_bench: ${e.stack || e.message}`);
  process.exit(1);
});
