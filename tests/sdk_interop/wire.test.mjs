// Wire compatibility of the SDK's OTLP/HTTP protobuf export with a decoder we did not write:
// interop_driver (C++, our SDK) exports a known set of spans to a capture server here, and the
// bodies are decoded with the protobufjs definitions of opentelemetry-proto that
// @opentelemetry/otlp-transformer ships (pinned in tests/clients/package.json). Every field of
// every span, event, link, scope and resource is compared with what the driver was told to
// emit; once plain and once gzip-compressed.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import zlib from 'node:zlib';

import { jsonLines, otlpRoot, runDriver } from './lib.mjs';

const root = otlpRoot();
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

// --- the capture server: POST /v1/traces, keeps every request -----------------------------------
async function startCapture() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      const answer = Buffer.from(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish());
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': answer.length });
      res.end(answer);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    requests,
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// --- normalising the decoded message ----------------------------------------------------------
const hex = (b) => Buffer.from(b ?? []).toString('hex');

// AnyValue -> a tagged value: ['s', str] ['b', bool] ['i', decimal string] ['d', number]
// ['a', [...]]; any other kind fails the test.
function any(v) {
  assert.ok(v, 'AnyValue present');
  switch (v.value) {
    case 'stringValue': return ['s', v.stringValue];
    case 'boolValue': return ['b', v.boolValue];
    case 'intValue': return ['i', v.intValue];
    case 'doubleValue': return ['d', v.doubleValue];
    case 'arrayValue': return ['a', (v.arrayValue.values ?? []).map(any)];
    default: assert.fail(`unexpected AnyValue ${JSON.stringify(v)}`);
  }
}
const attrs = (list) => (list ?? []).map((kv) => [kv.key, any(kv.value)]);
const S = (x) => ['s', x], B = (x) => ['b', x], I = (x) => ['i', String(x)], D = (x) => ['d', x];
const A = (...xs) => ['a', xs];

function span(s) {
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    traceState: s.traceState,
    parentSpanId: hex(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: attrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: e.timeUnixNano, name: e.name, attributes: attrs(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: hex(l.traceId), spanId: hex(l.spanId), traceState: l.traceState,
      attributes: attrs(l.attributes), droppedAttributesCount: l.droppedAttributesCount, flags: l.flags,
    })),
    droppedLinksCount: s.droppedLinksCount,
    // proto3: an absent Status is the default one.
    status: s.status ? { code: s.status.code, message: s.status.message } : { code: 0, message: '' },
  };
}

// Every span of every request, with its resource and scope.
function decodeAll(requests) {
  const out = [];
  for (const r of requests) {
    const body = r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
    const msg = ExportTraceServiceRequest.decode(body);
    const obj = ExportTraceServiceRequest.toObject(msg, {
      longs: String, enums: Number, defaults: true, arrays: true, oneofs: true,
    });
    for (const rs of obj.resourceSpans) {
      // Resource attributes are a set: compared sorted by key (uniqueness is checked apart).
      const resourceAttrs = attrs(rs.resource.attributes).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          out.push({
            resource: { attributes: resourceAttrs, droppedAttributesCount: rs.resource.droppedAttributesCount,
                        schemaUrl: rs.schemaUrl },
            scope: { name: ss.scope?.name, version: ss.scope?.version, attributes: attrs(ss.scope?.attributes),
                     droppedAttributesCount: ss.scope?.droppedAttributesCount, schemaUrl: ss.schemaUrl },
            span: span(s),
          });
        }
      }
    }
  }
  return out;
}

// --- what the driver was asked to emit (interop_driver.cc, Wire) ------------------------------
const T0 = 1700000000000000000n;
const at = (ms) => String(T0 + BigInt(ms) * 1000000n);
const REMOTE_TRACE = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN = 'b7ad6b7169203331';
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
const SAMPLED = 0x01, HAS_IS_REMOTE = 0x100, IS_REMOTE = 0x200;  // SpanFlags
const INT64_MAX = '9223372036854775807', INT64_MIN = '-9223372036854775808';
const SCOPE_A = { name: 'interop.scope.a', version: '1.2.3', attributes: [], droppedAttributesCount: 0,
                  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const SCOPE_B = { name: 'interop.scope.b', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
const SCOPE_LIMITS = { name: 'interop.limits', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

const ENV = {
  OTEL_SERVICE_NAME: 'sdk-interop-wire',
  // service.name here loses to OTEL_SERVICE_NAME; values are percent-decoded.
  OTEL_RESOURCE_ATTRIBUTES: 'service.name=overridden,team=agents%20core%2C%20%C3%A9,deployment.environment.name=ci',
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_BSP_SCHEDULE_DELAY: '60000',  // one batch, sent at shutdown
};

function resourceOf(service, sdkVersion) {
  const sorted = (xs) => [...xs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const common = [
    ['service.name', S(service)],
    ['telemetry.sdk.name', S('hoptrace')],
    ['telemetry.sdk.language', S('cpp')],
    ['telemetry.sdk.version', S(sdkVersion)],
    ['team', S('agents core, é')],
    ['deployment.environment.name', S('ci')],
  ];
  if (service === 'sdk-interop-wire') {
    common.push(['host.cores', I(2)], ['deploy.canary', B(true)], ['deploy.weight', D(0.25)],
                ['deploy.regions', A(S('eu-west'), S('us-east'))]);
  }
  return sorted(common);
}

function expectedSpans(ids, window) {
  const id = (name) => ids.get(name);
  const exceptionTime = (t) => {
    assert.ok(BigInt(t) >= BigInt(window.window_start) && BigInt(t) <= BigInt(window.window_end),
              `exception event time ${t} within the run [${window.window_start}, ${window.window_end}]`);
    return t;
  };
  return {
    'server-root': {
      scope: SCOPE_A, service: 'sdk-interop-wire',
      span: {
        traceId: REMOTE_TRACE, spanId: id('server-root').span_id, traceState: TRACESTATE,
        parentSpanId: REMOTE_SPAN, flags: SAMPLED | HAS_IS_REMOTE | IS_REMOTE, name: 'server-root', kind: 2,
        startTimeUnixNano: at(0), endTimeUnixNano: at(1500),
        attributes: [
          ['http.request.method', S('POST')],
          ['s', S('replaced')],
          ['s.empty', S('')],
          ['s.unicode', S('héllo — 世界 🚀')],
          ['s.escapes', S('tab\tnl\nnul\0end')],
          ['b.true', B(true)],
          ['b.false', B(false)],
          ['i.pos', I(42)],
          ['i.neg', I(-7)],
          ['i.max', I(INT64_MAX)],
          ['i.min', I(INT64_MIN)],
          ['i.zero', I(0)],
          ['i.u64', I(INT64_MAX)],
          ['d', D(3.25)],
          ['d.neg', D(-0.5)],
          ['d.tiny', D(1e-300)],
          ['d.zero', D(0)],
          ['a.s', A(S('x'), S(''), S('ü'))],
          ['a.b', A(B(true), B(false), B(true))],
          ['a.i', A(I(1), I(-2), I(INT64_MAX))],
          ['a.d', A(D(1.5), D(-2.25), D(0))],
          ['a.empty', A()],
        ],
        droppedAttributesCount: 0,
        events: [
          { timeUnixNano: at(100), name: 'ev.one', droppedAttributesCount: 0,
            attributes: [['ev.s', S('v')], ['ev.i', I(7)], ['ev.b', B(true)], ['ev.d', D(2.5)], ['ev.a', A(I(1), I(2))]] },
          { timeUnixNano: at(200), name: 'ev.noattrs', attributes: [], droppedAttributesCount: 0 },
          { timeUnixNano: exceptionTime, name: 'exception', droppedAttributesCount: 0,
            attributes: [['exception.type', S('std::runtime_error')], ['exception.message', S('disk full')],
                         ['exception.escaped', B(false)]] },
        ],
        droppedEventsCount: 0,
        links: [
          { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceState: 'a=1',
            attributes: [['link.kind', S('follows')], ['link.n', I(3)]], droppedAttributesCount: 0,
            flags: SAMPLED | HAS_IS_REMOTE | IS_REMOTE },
          { traceId: REMOTE_TRACE, spanId: '1111111111111111', traceState: '',
            attributes: [['link.d', D(0.5)], ['link.arr', A(S('p'), S('q'))]], droppedAttributesCount: 0,
            flags: HAS_IS_REMOTE },
        ],
        droppedLinksCount: 0,
        status: { code: 2, message: 'boom: ünïcode' },
      },
    },
    'client-child': {
      scope: SCOPE_A, service: 'sdk-interop-wire',
      span: {
        traceId: REMOTE_TRACE, spanId: id('client-child').span_id, traceState: TRACESTATE,
        parentSpanId: id('server-root').span_id, flags: SAMPLED | HAS_IS_REMOTE, name: 'client-child', kind: 3,
        startTimeUnixNano: at(10), endTimeUnixNano: at(20),
        attributes: [['peer.service', S('llm')]], droppedAttributesCount: 0,
        events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
        status: { code: 1, message: '' },  // Ok carries no description
      },
    },
    internal: {
      scope: SCOPE_A, service: 'sdk-interop-wire',
      span: {
        traceId: REMOTE_TRACE, spanId: id('internal').span_id, traceState: TRACESTATE,
        parentSpanId: id('client-child').span_id, flags: SAMPLED | HAS_IS_REMOTE, name: 'internal', kind: 1,
        startTimeUnixNano: at(12), endTimeUnixNano: at(13),
        attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [],
        droppedLinksCount: 0, status: { code: 0, message: '' },
      },
    },
    producer: {
      scope: SCOPE_B, service: 'sdk-interop-wire',
      span: {
        traceId: REMOTE_TRACE, spanId: id('producer').span_id, traceState: TRACESTATE,
        parentSpanId: id('server-root').span_id, flags: SAMPLED | HAS_IS_REMOTE, name: 'producer', kind: 4,
        startTimeUnixNano: at(30), endTimeUnixNano: at(31),
        attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
        links: [{ traceId: REMOTE_TRACE, spanId: REMOTE_SPAN, traceState: TRACESTATE,
                  attributes: [['from', S('start')]], droppedAttributesCount: 0,
                  flags: SAMPLED | HAS_IS_REMOTE | IS_REMOTE }],
        droppedLinksCount: 0, status: { code: 0, message: '' },
      },
    },
    consumer: {
      scope: SCOPE_B, service: 'sdk-interop-wire',
      span: {
        traceId: id('consumer').trace_id, spanId: id('consumer').span_id, traceState: '',
        parentSpanId: '', flags: SAMPLED | HAS_IS_REMOTE, name: 'consumer', kind: 5,
        startTimeUnixNano: at(40), endTimeUnixNano: at(40),
        attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [],
        droppedLinksCount: 0, status: { code: 0, message: '' },
      },
    },
    limited: {
      scope: SCOPE_LIMITS, service: 'sdk-interop-limits',
      span: {
        traceId: id('limited').trace_id, spanId: id('limited').span_id, traceState: '',
        parentSpanId: '', flags: SAMPLED | HAS_IS_REMOTE, name: 'limited', kind: 1,
        startTimeUnixNano: at(2000), endTimeUnixNano: at(2003),
        // Value length 4: cut at a UTF-8 boundary (a, é = 3 bytes; € would split), strings in
        // arrays too. Count 2: k3 and k4 dropped; replacing k2 is not a drop.
        attributes: [['k1', S('aé')], ['k2', A(S('xyzz'), S('ok'))]],
        droppedAttributesCount: 2,
        events: [{ timeUnixNano: at(2001), name: 'e1', attributes: [['e.a', I(1)]], droppedAttributesCount: 1 }],
        droppedEventsCount: 1,
        links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceState: '',
                  attributes: [['l.a', S('long')]], droppedAttributesCount: 1,
                  flags: SAMPLED | HAS_IS_REMOTE | IS_REMOTE }],
        droppedLinksCount: 1,
        status: { code: 0, message: '' },
      },
    },
  };
}

async function exportAndCheck(compression) {
  const capture = await startCapture();
  try {
    const env = { ...ENV, OTEL_EXPORTER_OTLP_ENDPOINT: capture.endpoint };
    if (compression) env.OTEL_EXPORTER_OTLP_COMPRESSION = compression;
    const run = await runDriver(['wire'], { env });
    assert.equal(run.code, 0, `interop_driver wire failed: ${run.stderr}`);
    const lines = jsonLines(run.stdout);
    const window = lines.pop();
    const ids = new Map(lines.map((l) => [l.name, l]));

    // The requests themselves.
    assert.ok(capture.requests.length >= 2, `at least one request per provider, got ${capture.requests.length}`);
    for (const r of capture.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/v1/traces');
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      if (compression === 'gzip') {
        assert.equal(r.headers['content-encoding'], 'gzip');
        assert.deepEqual([...r.body.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
      } else {
        assert.equal(r.headers['content-encoding'], undefined);
      }
    }

    const got = decodeAll(capture.requests);
    const want = expectedSpans(ids, window);
    assert.deepEqual(got.map((g) => g.span.name).sort(), Object.keys(want).sort(), 'exactly the emitted spans, once each');
    for (const g of got) {
      const w = want[g.span.name];
      const what = `span ${g.span.name}`;
      // The ids the driver printed, and the relations between the spans.
      assert.equal(g.span.traceId, ids.get(g.span.name).trace_id, `${what}: trace id`);
      assert.equal(g.span.spanId, ids.get(g.span.name).span_id, `${what}: span id`);
      assert.equal(g.span.parentSpanId, ids.get(g.span.name).parent_span_id ?? '', `${what}: parent span id`);
      assert.match(g.span.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(g.span.spanId, '0000000000000000');
      // Times that depend on the clock: checked by the function, then compared as values.
      const expected = structuredClone({ ...w.span, events: w.span.events.map((e) => ({ ...e, timeUnixNano: 0 })) });
      w.span.events.forEach((e, i) => {
        expected.events[i].timeUnixNano = typeof e.timeUnixNano === 'function'
          ? e.timeUnixNano(g.span.events[i]?.timeUnixNano) : e.timeUnixNano;
      });
      assert.deepEqual(g.span, expected, what);
      assert.deepEqual(g.scope, w.scope, `${what}: scope`);
      assert.deepEqual(g.resource, { attributes: resourceOf(w.service, window.sdk_version),
                                     droppedAttributesCount: 0, schemaUrl: '' }, `${what}: resource`);
      // Resource attributes as sent: unique keys (compared sorted above).
      const keys = g.resource.attributes.map(([k]) => k);
      assert.equal(new Set(keys).size, keys.length, `${what}: resource keys unique`);
    }
    // The consumer started a trace of its own; the limited span too.
    assert.notEqual(ids.get('consumer').trace_id, REMOTE_TRACE);
    assert.notEqual(ids.get('limited').trace_id, ids.get('consumer').trace_id);
  } finally {
    await capture.close();
  }
}

test('OTLP/HTTP protobuf from the C++ SDK decodes with opentelemetry-js protobufjs definitions, every field', async () => {
  await exportAndCheck(undefined);
});

test('the same, gzip-compressed', async () => {
  await exportAndCheck('gzip');
});
