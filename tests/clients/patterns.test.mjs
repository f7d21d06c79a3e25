// Issue 6: the diagnosis patterns, in traces made by the real OpenTelemetry JS SDK
// (BasicTracerProvider + BatchSpanProcessor + @opentelemetry/exporter-trace-otlp-proto) with
// nothing but OTel GenAI / semantic-convention attributes, so that detection does not depend on
// hoptrace's own SDK's attribute habits. One trace per pattern (comb, straggler, root cause,
// runaway cost, broken propagation) and one clean trace, each on a fresh `hoptrace serve`,
// checked through GET /api/v1/traces/{id}/diagnosis and GET /api/v1/findings.
//
// Times are explicit (startTime / end(time) through the JS API), fixed offsets in ms from a
// whole second a minute ago, so every detector sees the same timing on every run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getJSON, sleep } from './lib/server.mjs';
import { withServer } from './lib/suite.mjs';
import { RecordingExporter, assertExportsSucceeded, cost } from './lib/workflow.mjs';

// (lib/suite.mjs already routes the SDK's diag warnings, failed exports included, to the console.)

// --- OTel GenAI attribute shapes (semantic conventions, nothing hoptrace-specific) ----------
const agent = (name) => ({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name });
const chat = (model, input, output) => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': model,
  'gen_ai.provider.name': model.startsWith('claude') ? 'anthropic' : 'openai',
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': output,
});
// `args` is sent verbatim (a string), as an instrumentation passes the model's tool call on.
const tool = (name, args) => ({
  'gen_ai.operation.name': 'execute_tool',
  'gen_ai.tool.name': name,
  'gen_ai.tool.call.arguments': typeof args === 'string' ? args : JSON.stringify(args),
});

// Emits `spans` ({key, parent, service, kind, name, start, end, attributes, error}; parents
// before children; a span without parent starts a trace of its own) through one provider per
// service, each with its own OTLP/proto exporter. Returns {t0Ns, ids: {key: {traceId, spanId}}}.
async function emit(srv, spans) {
  const services = [...new Set(spans.map((s) => s.service))];
  const recorders = {}, providers = {};
  for (const service of services) {
    recorders[service] = new RecordingExporter(
      new OTLPTraceExporter({ url: `${srv.base}/v1/traces`, compression: 'gzip' }));
    providers[service] = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new BatchSpanProcessor(recorders[service], { scheduledDelayMillis: 60000 })],
    });
  }
  try {
    const t0s = Math.floor(Date.now() / 1000) - 60;
    const at = (ms) => [t0s + Math.floor(ms / 1000), (ms % 1000) * 1e6];
    const live = {};
    for (const s of spans) {
      assert.ok(!s.parent || live[s.parent], `${s.key}: parent ${s.parent} comes first`);
      const tracer = providers[s.service].getTracer('hoptrace-patterns', '1.0.0');
      const ctx = s.parent ? trace.setSpan(ROOT_CONTEXT, live[s.parent]) : ROOT_CONTEXT;
      live[s.key] = tracer.startSpan(s.name, {
        kind: s.kind ?? SpanKind.INTERNAL, attributes: s.attributes ?? {}, startTime: at(s.start),
      }, ctx);
    }
    for (const s of [...spans].sort((a, b) => a.end - b.end)) {
      const span = live[s.key];
      if (s.error) {
        span.recordException(new Error(s.error), at(s.end));
        span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
      }
      span.end(at(s.end));
    }
    for (const service of services) await providers[service].forceFlush();
    assertExportsSucceeded(Object.values(recorders));
    const ids = Object.fromEntries(spans.map((s) => {
      const c = live[s.key].spanContext();
      return [s.key, { traceId: c.traceId, spanId: c.spanId }];
    }));
    return { t0Ns: BigInt(t0s) * 1_000_000_000n, ids };
  } finally {
    await Promise.all(Object.values(providers).map((p) => p.shutdown()));
  }
}

const diagnosis = (srv, traceId) => getJSON(srv.base, `/api/v1/traces/${traceId}/diagnosis`);
const ofKind = (d, kind) => d.findings.filter((f) => f.kind === kind);
const show = (d) => JSON.stringify(d.findings.map((f) => ({ kind: f.kind, summary: f.summary, span_ids: f.span_ids })), null, 1);

// Polls GET /api/v1/findings?<query> until pred(findings) holds or `ms` pass; returns the last.
async function pollFindings(srv, query, pred, ms = 8000) {
  const t0 = Date.now();
  for (;;) {
    const { findings } = await getJSON(srv.base, `/api/v1/findings?${query}`);
    if (pred(findings) || Date.now() - t0 > ms) return findings;
    await sleep(100);
  }
}

// --- (1) the comb ---------------------------------------------------------------------------
// coder reads the same file 4 times (the same arguments, keys reordered and re-spaced each
// time), every read failing, each followed by its own chat; then gives up.
const COMB_ARGS = [
  '{"path":"src/gateway/limits.py","encoding":"utf-8"}',
  '{ "encoding": "utf-8", "path": "src/gateway/limits.py" }',
  '{"encoding":"utf-8",\n  "path":"src/gateway/limits.py"}',
  '{\n\t"path" : "src/gateway/limits.py" ,\n\t"encoding" : "utf-8"\n}',
];
function stuckCoder(argsList, { prefix = 'comb', lastOk = false } = {}) {
  const spans = [
    { key: `${prefix}_root`, parent: null, service: 'fleet-svc', name: 'invoke_agent orchestrator',
      start: 0, end: 2000, attributes: agent('orchestrator') },
    { key: `${prefix}_coder`, parent: `${prefix}_root`, service: 'fleet-svc', name: 'invoke_agent coder',
      start: 10, end: 1900, attributes: agent('coder'), error: 'gave up' },
  ];
  argsList.forEach((args, k) => {
    const t = 20 + k * 400;
    spans.push({ key: `${prefix}_chat${k}`, parent: `${prefix}_coder`, service: 'fleet-svc', kind: SpanKind.CLIENT,
                 name: 'chat gpt-4o', start: t, end: t + 300, attributes: chat('gpt-4o', 1000, 200) });
    const fail = !(lastOk && k === argsList.length - 1);
    spans.push({ key: `${prefix}_read${k}`, parent: `${prefix}_coder`, service: 'fleet-svc',
                 name: 'execute_tool read_file', start: t + 310, end: t + 330, attributes: tool('read_file', args),
                 error: fail ? `ENOENT: no such file or directory, open '${JSON.parse(args).path}'` : undefined });
  });
  return spans;
}

// --- (2) the straggler ----------------------------------------------------------------------
// researcher fans out 4 web searches at once; one takes 4x the others; the summary waits on it.
const STRAGGLER = [
  { key: 'root', parent: null, service: 'research-svc', name: 'invoke_agent researcher',
    start: 0, end: 600, attributes: agent('researcher') },
  { key: 'plan', parent: 'root', service: 'research-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
    start: 5, end: 95, attributes: chat('gpt-4o', 800, 100) },
  { key: 'q1', parent: 'root', service: 'research-svc', name: 'execute_tool web_search',
    start: 100, end: 200, attributes: tool('web_search', { query: 'token bucket' }) },
  { key: 'q2', parent: 'root', service: 'research-svc', name: 'execute_tool web_search',
    start: 100, end: 210, attributes: tool('web_search', { query: 'leaky bucket' }) },
  { key: 'q3', parent: 'root', service: 'research-svc', name: 'execute_tool web_search',
    start: 101, end: 191, attributes: tool('web_search', { query: 'sliding window' }) },
  { key: 'slow', parent: 'root', service: 'research-svc', name: 'execute_tool web_search',
    start: 100, end: 500, attributes: tool('web_search', { query: 'GCRA' }) },
  { key: 'summary', parent: 'root', service: 'research-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
    start: 505, end: 595, attributes: chat('gpt-4o', 1500, 300) },
];

// --- (3) the root cause: a file written by one agent, read by another that then fails --------
// planner's write_file tool writes /w/config.json (an fs span with file.path); reviewer uses it
// and fails. `readInside`: the failing tool reads the file itself (an fs.readFile under it);
// else reviewer reads it first with a read_file tool of its own, then a later step fails.
function fileHandoff({ readInside }) {
  const spans = [
    { key: 'root', parent: null, service: 'fleet-svc', name: 'invoke_agent orchestrator',
      start: 0, end: 1000, attributes: agent('orchestrator'), error: 'reviewer failed' },
    { key: 'planner', parent: 'root', service: 'fleet-svc', name: 'invoke_agent planner',
      start: 10, end: 300, attributes: agent('planner') },
    { key: 'plan_chat', parent: 'planner', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
      start: 20, end: 100, attributes: chat('gpt-4o', 900, 150) },
    { key: 'write_tool', parent: 'planner', service: 'fleet-svc', name: 'execute_tool write_file',
      start: 110, end: 200, attributes: tool('write_file', { path: '/w/config.json', content: 'retries: -1' }) },
    { key: 'writer', parent: 'write_tool', service: 'fleet-svc', name: 'fs.writeFile',
      start: 120, end: 190, attributes: { 'file.path': '/w/config.json' } },
    { key: 'reviewer', parent: 'root', service: 'fleet-svc', name: 'invoke_agent reviewer',
      start: 310, end: 900, attributes: agent('reviewer'), error: 'apply_config failed' },
  ];
  if (!readInside) {
    spans.push(
      { key: 'read_tool', parent: 'reviewer', service: 'fleet-svc', name: 'execute_tool read_file',
        start: 320, end: 360, attributes: tool('read_file', { path: '/w/config.json' }) },
      { key: 'reader', parent: 'read_tool', service: 'fleet-svc', name: 'fs.readFile',
        start: 325, end: 355, attributes: { 'file.path': '/w/config.json' } });
  }
  spans.push(
    { key: 'review_chat', parent: 'reviewer', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
      start: 370, end: 600, attributes: chat('gpt-4o', 1200, 200) },
    { key: 'apply', parent: 'reviewer', service: 'fleet-svc', name: 'execute_tool apply_config',
      start: 610, end: 700, attributes: tool('apply_config', readInside ? { path: '/w/config.json' } : { dry_run: false }),
      error: 'ValueError: retries must be >= 0' });
  if (readInside) {
    spans.push({ key: 'reader', parent: 'apply', service: 'fleet-svc', name: 'fs.readFile',
                 start: 620, end: 640, attributes: { 'file.path': '/w/config.json' } });
  }
  return spans;
}

// --- (4) runaway cost ------------------------------------------------------------------------
// orchestrator, planner and reviewer use ~1k tokens each; coder loops through 10 chats of 4k.
function runaway() {
  const spans = [
    { key: 'root', parent: null, service: 'fleet-svc', name: 'invoke_agent orchestrator',
      start: 0, end: 5000, attributes: agent('orchestrator') },
    { key: 'orch_chat', parent: 'root', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
      start: 10, end: 100, attributes: chat('gpt-4o', 400, 100) },
    { key: 'planner', parent: 'root', service: 'fleet-svc', name: 'invoke_agent planner',
      start: 110, end: 400, attributes: agent('planner') },
    { key: 'plan_chat', parent: 'planner', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
      start: 120, end: 390, attributes: chat('gpt-4o', 800, 200) },
    { key: 'coder', parent: 'root', service: 'fleet-svc', name: 'invoke_agent coder',
      start: 410, end: 4500, attributes: agent('coder') },
  ];
  for (let k = 0; k < 10; ++k) {
    spans.push({ key: `code_chat${k}`, parent: 'coder', service: 'fleet-svc', kind: SpanKind.CLIENT,
                 name: 'chat gpt-4.1', start: 420 + k * 400, end: 800 + k * 400, attributes: chat('gpt-4.1', 3500, 500) });
  }
  spans.push(
    { key: 'reviewer', parent: 'root', service: 'fleet-svc', name: 'invoke_agent reviewer',
      start: 4510, end: 4990, attributes: agent('reviewer') },
    { key: 'review_chat', parent: 'reviewer', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat claude-sonnet-4',
      start: 4520, end: 4980, attributes: chat('claude-sonnet-4', 1000, 200) });
  return spans;
}

// --- (5) broken propagation -----------------------------------------------------------------
// The orchestrator calls the reviewer service, whose process does not pick the context up: the
// reviewer's `invoke_agent reviewer` starts a trace of its own inside the caller's window.
// `caller` is the outgoing span: an HTTP CLIENT span naming the peer service, or the OTel
// GenAI remote-agent shape (an `invoke_agent` CLIENT span with gen_ai.agent.name).
function splitTraces(caller) {
  return [
    { key: 'root', parent: null, service: 'orchestrator-svc', name: 'invoke_agent orchestrator',
      start: 0, end: 1000, attributes: agent('orchestrator') },
    { key: 'plan', parent: 'root', service: 'orchestrator-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
      start: 10, end: 100, attributes: chat('gpt-4o', 900, 150) },
    { key: 'call', parent: 'root', service: 'orchestrator-svc', kind: SpanKind.CLIENT, ...caller,
      start: 200, end: 800 },
    { key: 'callee', parent: null, service: 'reviewer-svc', kind: SpanKind.SERVER, name: 'invoke_agent reviewer',
      start: 230, end: 780, attributes: agent('reviewer') },
    { key: 'callee_chat', parent: 'callee', service: 'reviewer-svc', kind: SpanKind.CLIENT, name: 'chat claude-sonnet-4',
      start: 240, end: 700, attributes: chat('claude-sonnet-4', 1100, 250) },
  ];
}

// --- (6) a clean trace ----------------------------------------------------------------------
// orchestrator fans out to three agents of similar length; coder writes a file the reviewer
// later reads; reads with different arguments; nothing fails; similar token use.
const CLEAN = [
  { key: 'root', parent: null, service: 'fleet-svc', name: 'invoke_agent orchestrator',
    start: 0, end: 1000, attributes: agent('orchestrator') },
  { key: 'orch_chat', parent: 'root', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4o',
    start: 5, end: 95, attributes: chat('gpt-4o', 900, 200) },
  ...['researcher', 'coder', 'reviewer'].flatMap((name, k) => {
    const s = 100, e = 700 + 20 * k;  // 600, 620, 640 ms: no straggler
    return [
      { key: name, parent: 'root', service: 'fleet-svc', name: `invoke_agent ${name}`, start: s, end: e,
        attributes: agent(name) },
      { key: `${name}_chat`, parent: name, service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4.1',
        start: s + 10, end: s + 300, attributes: chat('gpt-4.1', 1000 + 100 * k, 200) },
      { key: `${name}_read1`, parent: name, service: 'fleet-svc', name: 'execute_tool read_file',
        start: s + 310, end: s + 330, attributes: tool('read_file', { path: `docs/${name}.md` }) },
      { key: `${name}_read2`, parent: name, service: 'fleet-svc', name: 'execute_tool read_file',
        start: s + 340, end: s + 360, attributes: tool('read_file', { path: `src/${name}.py` }) },
    ];
  }),
  { key: 'notes_write', parent: 'coder', service: 'fleet-svc', name: 'execute_tool write_file',
    start: 500, end: 550, attributes: tool('write_file', { path: '/w/notes.md', content: 'all good' }) },
  { key: 'final', parent: 'root', service: 'fleet-svc', name: 'invoke_agent reviewer',
    start: 760, end: 990, attributes: agent('reviewer') },
  { key: 'final_read', parent: 'final', service: 'fleet-svc', name: 'execute_tool read_file',
    start: 770, end: 790, attributes: tool('read_file', { path: '/w/notes.md' }) },
  { key: 'final_chat', parent: 'final', service: 'fleet-svc', kind: SpanKind.CLIENT, name: 'chat gpt-4.1',
    start: 800, end: 980, attributes: chat('gpt-4.1', 1100, 150) },
];

describe('diagnosis of traces from the OpenTelemetry JS SDK (otlp-proto)', { timeout: 120000 }, () => {
  test('comb: the same read_file arguments 4 times (reordered, re-spaced), all failing, between own chats', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, stuckCoder(COMB_ARGS));
      const d = await diagnosis(srv, ids.comb_root.traceId);
      const combs = ofKind(d, 'comb');
      assert.equal(combs.length, 1, `one comb: ${show(d)}`);
      const f = combs[0];
      assert.deepEqual(f.span_ids, [0, 1, 2, 3].map((k) => ids[`comb_read${k}`].spanId), 'the 4 teeth in time order');
      assert.equal(f.trace_id, ids.comb_root.traceId);
      assert.equal(f.agent, 'coder');
      assert.equal(f.evidence.agent, 'coder');
      assert.equal(f.evidence.tool, 'read_file');
      assert.equal(f.evidence.count, 4);
      assert.equal(f.evidence.first_span_id, ids.comb_read0.spanId);
      assert.equal(f.evidence.last_span_id, ids.comb_read3.spanId);
      // The chats between the first and last tooth (after reads 0, 1 and 2) were wasted.
      assert.equal(f.wasted_tokens, 3 * 1200);
      assert.ok(Math.abs(f.wasted_cost_usd - 3 * cost('gpt-4o', 1000, 200)) < 1e-12, `wasted_cost_usd ${f.wasted_cost_usd}`);
      assert.equal(ofKind(d, 'retry_storm').length, 0, 'a comb is not also a retry storm');
    }));

  test('no comb: a retry loop whose arguments change every time', () =>
    withServer(async (srv) => {
      const args = ['src/a.py', 'src/b.py', 'src/c.py', 'src/d.py'].map((p) => JSON.stringify({ path: p }));
      const { ids } = await emit(srv, stuckCoder(args, { prefix: 'retry' }));
      const d = await diagnosis(srv, ids.retry_root.traceId);
      assert.equal(ofKind(d, 'comb').length, 0, `no comb: ${show(d)}`);
    }));

  test('no comb: the same call repeated until it succeeds', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, stuckCoder(COMB_ARGS, { prefix: 'ok', lastOk: true }));
      const d = await diagnosis(srv, ids.ok_root.traceId);
      assert.equal(ofKind(d, 'comb').length, 0, `no comb: ${show(d)}`);
    }));

  test('straggler: one of 4 parallel web searches takes 4x the others', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, STRAGGLER);
      const d = await diagnosis(srv, ids.root.traceId);
      const s = ofKind(d, 'straggler');
      assert.equal(s.length, 1, `one straggler: ${show(d)}`);
      assert.equal(s[0].span_ids[0], ids.slow.spanId, 'the straggler first');
      assert.equal(s[0].span_ids[1], ids.root.spanId, 'then its parent');
      assert.equal(s[0].evidence.straggler_span_id, ids.slow.spanId);
      assert.equal(s[0].evidence.parent_span_id, ids.root.spanId);
      assert.equal(s[0].evidence.fan_out, 4);
      assert.ok(s[0].evidence.ratio >= 3.5 && s[0].evidence.ratio <= 4.5, `ratio ${s[0].evidence.ratio}`);
      assert.ok(d.critical_path.some((c) => c.span_id === ids.slow.spanId), 'the straggler is on the critical path');
      assert.equal(d.findings.length, 1, `nothing else: ${show(d)}`);
    }));

  test('root cause: the failing tool reads /w/config.json, written by another agent', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, fileHandoff({ readInside: true }));
      const d = await diagnosis(srv, ids.root.traceId);
      const rc = ofKind(d, 'root_cause');
      assert.ok(rc.length >= 1, `a root_cause: ${show(d)}`);
      const f = rc.find((x) => x.span_ids.includes(ids.writer.spanId));
      assert.ok(f, `a root_cause reaching the fs.writeFile span (file.path=/w/config.json): ${show(d)}`);
      assert.equal(f.span_ids.at(-1), ids.writer.spanId, 'the chain ends at the cause: the write');
      assert.ok(f.span_ids.includes(ids.apply.spanId), 'through the failing tool');
    }));

  // Detector gap (see the report): the walk looks for files read in the subtree of the deepest
  // failing span only; a file the failing agent read earlier with a tool of its own (a sibling
  // of the failing step) is not followed back to its writer.
  test('root cause: reviewer reads /w/config.json with read_file, a later step fails', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, fileHandoff({ readInside: false }));
      const d = await diagnosis(srv, ids.root.traceId);
      const f = ofKind(d, 'root_cause').find((x) => x.span_ids.includes(ids.writer.spanId));
      assert.ok(f, `a root_cause reaching the fs.writeFile span (file.path=/w/config.json): ${show(d)}`);
      assert.equal(f.span_ids.at(-1), ids.writer.spanId, 'the chain ends at the cause: the write');
    }));

  test('runaway cost: coder uses >= 10x the tokens of the other agents, found on ingest', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, runaway());
      const traceId = ids.root.traceId;
      const found = await pollFindings(srv, `kind=runaway_cost&trace_id=${traceId}`, (f) => f.length > 0);
      assert.equal(found.length, 1, `one runaway_cost finding: ${JSON.stringify(found)}`);
      const f = found[0];
      assert.equal(f.kind, 'runaway_cost');
      assert.equal(f.trace_id, traceId);
      assert.equal(f.agent, 'coder');
      assert.equal(f.key, 'runaway_cost:agent:coder');
      assert.equal(f.evidence.scope, 'agent');
      assert.equal(f.evidence.name, 'coder');
      assert.equal(f.evidence.tokens, 10 * 4000);
      const coderChats = new Set([...Array(10).keys()].map((k) => ids[`code_chat${k}`].spanId));
      assert.ok(f.span_ids.length > 0 && f.span_ids.every((id) => coderChats.has(id)), 'the coder\'s chats');
      // And through ?agent=.
      const byAgent = await getJSON(srv.base, '/api/v1/findings?agent=coder&kind=runaway_cost');
      assert.deepEqual(byAgent.findings.map((x) => x.trace_id), [traceId]);
    }));

  for (const [what, caller] of [
    ['an HTTP CLIENT span with peer.service=reviewer',
     { name: 'POST /review', attributes: { 'http.request.method': 'POST', 'peer.service': 'reviewer',
                                           'server.address': 'reviewer.internal', 'url.full': 'http://reviewer.internal:8080/review' } }],
    ['an invoke_agent CLIENT span (remote agent) with gen_ai.agent.name=reviewer',
     { name: 'invoke_agent reviewer', attributes: agent('reviewer') }],
  ]) {
    test(`broken propagation: ${what} contains the root of another trace`, () =>
      withServer(async (srv) => {
        const { ids } = await emit(srv, splitTraces(caller));
        const t1 = ids.root.traceId, t2 = ids.callee.traceId;
        assert.notEqual(t1, t2, 'two traces');
        for (const t of [t1, t2]) {
          const d = await diagnosis(srv, t);
          const bp = ofKind(d, 'broken_propagation');
          assert.equal(bp.length, 1, `trace ${t}: one broken_propagation: ${show(d)}`);
          assert.deepEqual(bp[0].trace_ids, [t1, t2], 'the group, caller first');
          assert.equal(bp[0].trace_id, t1);
          assert.deepEqual(bp[0].span_ids, [ids.callee.spanId, ids.call.spanId], 'child root, then its virtual parent');
        }
        const st = await getJSON(srv.base, `/api/v1/traces/${t2}/stitched`);
        assert.equal(st.stitched, true);
        assert.deepEqual(st.trace_ids, [t1, t2]);
      }));
  }

  test('a clean trace: no finding at all', () =>
    withServer(async (srv) => {
      const { ids } = await emit(srv, CLEAN);
      const traceId = ids.root.traceId;
      const d = await diagnosis(srv, traceId);
      assert.deepEqual(d.findings, [], `no findings: ${show(d)}`);
      // The critical path still adds up to the root's duration (1000 ms).
      const sum = d.critical_path.reduce((a, c) => a + BigInt(c.contribution_ns), 0n);
      assert.equal(sum, 1000n * 1_000_000n, 'critical path contributions sum to the root duration');
      assert.equal(d.critical_path[0].span_id, ids.root.spanId, 'the critical path starts at the root');
      // Nothing on ingest either (runaway cost is evaluated in the background: give it time).
      await sleep(1500);
      const { findings } = await getJSON(srv.base, `/api/v1/findings?trace_id=${traceId}`);
      assert.deepEqual(findings, [], 'no findings stored');
    }));
});
