// The tests every exporter runs, and the exact checks of what hoptrace stored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiagConsoleLogger, DiagLogLevel, SpanKind, diag } from '@opentelemetry/api';
import { getJSON, getText, startServer } from './server.mjs';
import {
  ERROR_MESSAGE, ORCHESTRATOR_SERVICE, RecordingExporter, SPANS, assertExportsSucceeded, cost,
  emitWorkflow, expectedStats, expectedTotals, exportOnce,
} from './workflow.mjs';

// The SDK reports failed exports only through diag: show them.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

const EPSILON = 1e-12;  // USD; the expected costs are a few cents
const assertCost = (got, want, what) =>
  assert.ok(typeof got === 'number' && Math.abs(got - want) <= EPSILON, `${what}: cost_usd ${got}, want ${want}`);

// Runs fn(server) against a fresh server; the server is stopped (and its data dir removed)
// whatever happens, and a failure carries the tail of the server's log.
export async function withServer(fn) {
  const srv = await startServer();
  try {
    await fn(srv);
  } catch (e) {
    try {
      e.message += `\n--- hoptrace serve log (tail) ---\n${srv.log().slice(-3000)}`;
    } catch {}
    throw e;
  } finally {
    await srv.stop();
  }
}

export function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  assert.ok(line, `metric ${name} missing from /metrics`);
  return Number(line.slice(name.length + 1));
}

// Checks, exactly, everything hoptrace answers about the workflow `run` (from emitWorkflow):
// the trace's spans, the trace list (and its filters) and the stats.
// zipkin: the Zipkin exporter carries neither event attributes nor resource attributes other
// than the service name (it turns the others into tags).
export async function assertStored(srv, run, { zipkin = false } = {}) {
  const { traceId, spanIds, t0Ns } = run;
  const nanos = (ms) => (t0Ns + BigInt(ms) * 1_000_000n).toString();

  // --- GET /api/v1/traces/{id}: every span, field by field -----------------------------------
  const got = await getJSON(srv.base, `/api/v1/traces/${traceId}`);
  assert.equal(got.trace_id, traceId);
  assert.equal(got.spans.length, SPANS.length, 'span count');
  const byId = new Map(got.spans.map((s) => [s.span_id, s]));
  assert.equal(byId.size, SPANS.length, 'distinct span ids');
  for (const want of SPANS) {
    const s = byId.get(spanIds[want.key]);
    const what = `span ${want.key} (${want.name})`;
    assert.ok(s, `${what} missing`);
    const w = want.want;
    assert.equal(s.trace_id, traceId, what);
    assert.equal(s.parent_span_id, want.parent ? spanIds[want.parent] : null, `${what}: parent_span_id`);
    assert.equal(s.name, want.name, what);
    assert.equal(s.kind, want.kind === SpanKind.CLIENT ? 'client' : 'internal', `${what}: kind`);
    assert.equal(s.start_unix_nano, nanos(want.start), `${what}: start`);
    assert.equal(s.end_unix_nano, nanos(want.end), `${what}: end`);
    assert.equal(s.duration_ns, String((want.end - want.start) * 1_000_000), `${what}: duration`);
    assert.equal(s.service, want.service, `${what}: service`);
    assert.equal(s.resource['service.name'], want.service, `${what}: resource service.name`);
    if (!zipkin) assert.equal(s.resource['deployment.environment.name'], 'test', `${what}: resource`);
    assert.equal(s.agent, w.agent, `${what}: agent`);
    assert.equal(s.operation, w.operation ?? null, `${what}: operation`);
    assert.equal(s.model, w.model ?? null, `${what}: model`);
    assert.equal(s.provider, w.provider ?? null, `${what}: provider`);
    assert.equal(s.tool, w.tool ?? null, `${what}: tool`);
    assert.equal(s.input_tokens, w.input ?? 0, `${what}: input_tokens`);
    assert.equal(s.output_tokens, w.output ?? 0, `${what}: output_tokens`);
    assert.equal(s.total_tokens, (w.input ?? 0) + (w.output ?? 0), `${what}: total_tokens`);
    assertCost(s.cost_usd, w.model ? cost(w.model, w.input, w.output) : 0, what);
    assert.deepEqual(s.status, { code: w.status ?? 'unset', message: want.error ?? '' }, `${what}: status`);
    for (const [k, v] of Object.entries(want.attributes)) {
      // Zipkin tags are strings; OTLP keeps the type.
      assert.equal(String(s.attributes[k]), String(v), `${what}: attribute ${k}`);
    }
    if (want.error) {
      assert.equal(s.events.length, 1, `${what}: events`);
      assert.equal(s.events[0].name, 'exception', `${what}: event name`);
      assert.equal(s.events[0].time_unix_nano, nanos(want.end), `${what}: event time`);
      if (!zipkin) {
        assert.equal(s.events[0].attributes['exception.message'], ERROR_MESSAGE, `${what}: event`);
        assert.equal(s.events[0].attributes['exception.type'], 'FileNotFoundError', `${what}: event`);
      }
    } else {
      assert.deepEqual(s.events, [], `${what}: events`);
    }
  }
  // The two sub-agents ran in parallel under the orchestrator.
  const r = byId.get(spanIds.researcher), c = byId.get(spanIds.coder);
  assert.ok(BigInt(r.start_unix_nano) < BigInt(c.end_unix_nano) &&
            BigInt(c.start_unix_nano) < BigInt(r.end_unix_nano), 'researcher and coder overlap');

  // --- GET /api/v1/traces: the one trace, summed --------------------------------------------
  const total = expectedTotals();
  const list = await getJSON(srv.base, '/api/v1/traces');
  assert.equal(list.traces.length, 1, 'one trace listed');
  const t = list.traces[0];
  assert.equal(t.trace_id, traceId);
  assert.equal(t.root_name, 'invoke_agent orchestrator');
  assert.equal(t.root_service, ORCHESTRATOR_SERVICE);
  assert.equal(t.start_unix_nano, nanos(0));
  assert.equal(t.duration_ns, String(900 * 1_000_000));
  assert.equal(t.span_count, total.spans, 'trace span_count');
  assert.equal(t.error_count, total.errors, 'trace error_count');
  assert.deepEqual([...t.agents].sort(), [...total.agents].sort(), 'trace agents');
  assert.equal(t.input_tokens, total.input, 'trace input_tokens');
  assert.equal(t.output_tokens, total.output, 'trace output_tokens');
  assert.equal(t.total_tokens, total.input + total.output, 'trace total_tokens');
  assertCost(t.cost_usd, total.cost, 'trace');
  assertCost(total.cost, 0.03415, 'expected total (1200/300 gpt-4o + 2000/500 claude-sonnet-4 + 3000/800 gpt-4.1 + 500/100 gpt-4o)');

  for (const [query, n] of [['agent=researcher', 1], ['agent=coder', 1], ['model=claude-sonnet-4', 1],
                            ['tool=read_file', 1], ['service=workers-svc', 1], ['agent=nobody', 0],
                            ['model=gpt-5', 0]]) {
    const f = await getJSON(srv.base, `/api/v1/traces?${query}`);
    assert.deepEqual(f.traces.map((x) => x.trace_id), n ? [traceId] : [], `/api/v1/traces?${query}`);
  }

  // --- GET /api/v1/stats: exact rows for several groupings --------------------------------
  for (const groupBy of [['agent', 'model'], ['agent'], ['tool'], ['operation'], ['service']]) {
    const what = `stats group_by=${groupBy}`;
    const want = expectedStats(groupBy);
    const stats = await getJSON(srv.base, `/api/v1/stats?group_by=${groupBy.join(',')}`);
    const gotRows = new Map(stats.rows.map((row) => [JSON.stringify(groupBy.map((g) => row[g])), row]));
    assert.equal(gotRows.size, stats.rows.length, `${what}: duplicate rows`);
    assert.deepEqual([...gotRows.keys()].sort(), [...want.keys()].sort(), `${what}: groups`);
    for (const [k, w] of want) {
      const row = gotRows.get(k);
      assert.equal(row.spans, w.spans, `${what} ${k}: spans`);
      assert.equal(row.errors, w.errors, `${what} ${k}: errors`);
      assert.equal(row.input_tokens, w.input, `${what} ${k}: input_tokens`);
      assert.equal(row.output_tokens, w.output, `${what} ${k}: output_tokens`);
      assert.equal(row.total_tokens, w.input + w.output, `${what} ${k}: total_tokens`);
      assertCost(row.cost_usd, w.cost, `${what} ${k}`);
    }
  }
}

// The tests of one exporter. makeExporter(server) returns a new exporter aimed at the server.
export function exporterSuite({ name, makeExporter, zipkin = false, skip = false }) {
  describe(name, { skip, timeout: 120000 }, () => {
    test('a multi-agent workflow reads back exactly (trace, list, stats)', () =>
      withServer(async (srv) => {
        const run = await emitWorkflow(() => makeExporter(srv));
        assertExportsSucceeded(run.recorders);
        await assertStored(srv, run, { zipkin });
      }));

    test('the same spans exported twice are stored and counted once', () =>
      withServer(async (srv) => {
        const run = await emitWorkflow(() => makeExporter(srv));
        assertExportsSucceeded(run.recorders);
        // What a retry after a lost response sends: the same spans, again, in one request.
        const again = new RecordingExporter(makeExporter(srv));
        await exportOnce(again, run.recorders.flatMap((r) => r.spans));
        await again.shutdown();
        assertExportsSucceeded([again]);
        const m = await getText(srv.base, '/metrics');
        assert.equal(metric(m, 'hoptrace_spans_received_total'), 2 * SPANS.length);
        assert.equal(metric(m, 'hoptrace_spans_accepted_total'), SPANS.length);
        assert.equal(metric(m, 'hoptrace_spans_duplicate_total'), SPANS.length);
        await assertStored(srv, run, { zipkin });
      }));
  });
}
