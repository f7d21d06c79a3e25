// One trace across two processes and two SDKs, read back from a real `hoptrace serve`:
//
//   interop_driver (C++, our SDK, service cpp-svc)        this process (OpenTelemetry JS SDK, js-svc)
//   cpp agent run
//   └ POST /work (client) ── traceparent, baggage ──────▶ js handle /work (server)
//                                                         └ GET /callback (client)
//     cpp handle /callback (server) ◀── traceparent, baggage ┘
//     └ cpp work
//
// Both export OTLP/HTTP protobuf to the server (ours with its OtlpHttpExporter, JS with
// @opentelemetry/exporter-trace-otlp-proto); /api/v1/traces/{id} must return the six spans as one
// connected trace with these parents and both services.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { getJSON, sleep, startServer } from '../clients/lib/server.mjs';
import { jsonLines, requireClient, runDriver } from './lib.mjs';

const api = requireClient('@opentelemetry/api');
const core = requireClient('@opentelemetry/core');
const { resourceFromAttributes } = requireClient('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = requireClient('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = requireClient('@opentelemetry/exporter-trace-otlp-proto');

const propagator = new core.CompositePropagator({
  propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
});

function httpGet(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error(`GET ${url}: timed out`)));
  });
}

// The JS service: POST /work continues the caller's trace and calls back x-callback.
async function startJsService(tracer) {
  const seen = {};
  const server = http.createServer(async (req, res) => {
    try {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/work');
      for await (const _ of req);  // the body
      const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
      seen.headers = { traceparent: req.headers.traceparent, baggage: req.headers.baggage };
      seen.parent = api.trace.getSpanContext(parent);
      seen.baggageUser = api.propagation.getBaggage(parent)?.getEntry('user.id')?.value;
      const serverSpan = tracer.startSpan('js handle /work', { kind: api.SpanKind.SERVER }, parent);
      const serverCtx = api.trace.setSpan(parent, serverSpan);
      const clientSpan = tracer.startSpan('GET /callback', { kind: api.SpanKind.CLIENT }, serverCtx);
      const headers = {};
      propagator.inject(api.trace.setSpan(serverCtx, clientSpan), headers, api.defaultTextMapSetter);
      const answer = await httpGet(req.headers['x-callback'], headers);
      clientSpan.setAttribute('http.response.status_code', answer.status);
      clientSpan.end();
      seen.server = serverSpan.spanContext();
      seen.client = clientSpan.spanContext();
      serverSpan.end();
      res.writeHead(answer.status === 200 ? 200 : 502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ callback: answer.text }));
    } catch (e) {
      seen.error = e;
      res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

test('C++ SDK -> JS SDK -> C++ SDK over loopback HTTP: one connected trace in hoptrace', async () => {
  const srv = await startServer();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'js-svc' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${srv.base}/v1/traces` }))],
  });
  const js = await startJsService(provider.getTracer('interop.js', '1.0.0'));
  try {
    const run = await runDriver(['cross', js.url], {
      env: { OTEL_SERVICE_NAME: 'cpp-svc', OTEL_EXPORTER_OTLP_ENDPOINT: srv.base, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    assert.ifError(js.seen.error);
    assert.equal(run.code, 0, `interop_driver cross: ${run.stderr}\n${run.stdout}`);
    const [cpp] = jsonLines(run.stdout);
    await provider.forceFlush();

    // What crossed the wire, as each side saw it.
    assert.equal(js.seen.headers.traceparent, `00-${cpp.trace_id}-${cpp.client}-01`, 'traceparent from C++');
    assert.equal(js.seen.parent.isRemote, true);
    assert.equal(js.seen.baggageUser, 'u 1/é', 'baggage from C++, percent-decoded by JS');
    assert.equal(cpp.callback_trace_id, cpp.trace_id, 'the callback continued the same trace');
    assert.equal(cpp.callback_parent, js.seen.client.spanId, 'traceparent from JS');
    assert.equal(cpp.callback_baggage_user, 'u 1/é', 'baggage from C++ through JS back to C++');

    // The server: one trace, six spans, parents across the processes, both services.
    const id = cpp.trace_id;
    let got;
    for (const t0 = Date.now(); ;) {
      got = await getJSON(srv.base, `/api/v1/traces/${id}`).catch(() => null);
      if (got?.spans?.length >= 6 || Date.now() - t0 > 15000) break;
      await sleep(100);
    }
    assert.ok(got, `trace ${id} not found`);
    assert.equal(got.trace_id, id);
    const spans = new Map(got.spans.map((s) => [s.span_id, s]));
    const want = [
      // span id, name, kind, parent, service
      [cpp.root, 'cpp agent run', 'internal', null, 'cpp-svc'],
      [cpp.client, 'POST /work', 'client', cpp.root, 'cpp-svc'],
      [js.seen.server.spanId, 'js handle /work', 'server', cpp.client, 'js-svc'],
      [js.seen.client.spanId, 'GET /callback', 'client', js.seen.server.spanId, 'js-svc'],
      [cpp.callback_server, 'cpp handle /callback', 'server', js.seen.client.spanId, 'cpp-svc'],
      [cpp.callback_work, 'cpp work', 'internal', cpp.callback_server, 'cpp-svc'],
    ];
    assert.equal(got.spans.length, want.length, `span count: ${got.spans.map((s) => s.name).join(', ')}`);
    for (const [spanId, name, kind, parent, service] of want) {
      const s = spans.get(spanId);
      assert.ok(s, `${name} (${spanId}) missing`);
      assert.equal(s.trace_id, id, `${name}: trace id`);
      assert.equal(s.name, name);
      assert.equal(s.kind, kind, `${name}: kind`);
      assert.equal(s.parent_span_id, parent, `${name}: parent`);
      assert.equal(s.service, service, `${name}: service`);
      assert.equal(s.resource['service.name'], service, `${name}: resource`);
      assert.ok(BigInt(s.end_unix_nano) >= BigInt(s.start_unix_nano), `${name}: times`);
    }
    assert.equal(spans.get(cpp.callback_server).attributes['baggage.user.id'], 'u 1/é');
    // Every parent is in the trace: connected, one root.
    assert.deepEqual(got.spans.filter((s) => s.parent_span_id === null).map((s) => s.name), ['cpp agent run']);
    for (const s of got.spans) {
      if (s.parent_span_id !== null) assert.ok(spans.has(s.parent_span_id), `${s.name}: parent in the trace`);
    }
    assert.deepEqual([...new Set(got.spans.map((s) => s.service))].sort(), ['cpp-svc', 'js-svc']);

    // And the trace list has it once, whole.
    const list = await getJSON(srv.base, '/api/v1/traces');
    const listed = list.traces.filter((t) => t.trace_id === id);
    assert.equal(listed.length, 1, 'listed once');
    assert.equal(listed[0].span_count, 6);
    assert.equal(listed[0].root_service, 'cpp-svc');
    assert.equal(list.traces.length, 1, 'no stray trace (a broken hop would make a second one)');
  } finally {
    await js.close();
    await provider.shutdown().catch(() => {});
    await srv.stop();
  }
});
