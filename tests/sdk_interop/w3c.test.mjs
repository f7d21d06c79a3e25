// W3C Trace Context and Baggage headers between the OpenTelemetry JS SDK
// (@opentelemetry/core W3CTraceContextPropagator and W3CBaggagePropagator, pinned in
// tests/clients) and ours (interop_driver w3c-extract / w3c-inject, over hoptrace::Extract and
// hoptrace::Inject): what JS injects, we extract, and what we inject, JS extracts, with the same
// ids, flags, tracestate and baggage (percent-encoded values, properties); and both reject the
// same invalid traceparents.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { jsonLines, requireClient, runDriver } from './lib.mjs';

const api = requireClient('@opentelemetry/api');
const core = requireClient('@opentelemetry/core');
const propagator = new core.CompositePropagator({
  propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
});

// Contexts to carry each way. Baggage values exercise percent-encoding (space, comma, semicolon,
// percent, equals, non-ASCII) and properties; the tracestates include multi-tenant keys.
const CASES = [
  {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1,
    traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    baggage: [
      ['user.id', 'u 1', ''],
      ['k2', 'a,b;c=d%e', 'prop1;prop2=x'],
      ['uni', 'é世🚀', ''],
      ['plain', 'value', 'ttl=30'],
    ],
  },
  {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0,
    traceState: '', baggage: [],
  },
  {
    traceId: 'ffffffffffffffffffffffffffffffff', spanId: 'ffffffffffffffff', traceFlags: 1,
    traceState: 'tenant@vendor=opaque-value_1,a=b,x-y*z/w=12 3', baggage: [['session', 'sess/01:02?&#', '']],
  },
];

const byKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function jsInject(c) {
  let ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags, isRemote: false,
    traceState: c.traceState ? new core.TraceState(c.traceState) : undefined,
  });
  if (c.baggage.length) {
    ctx = api.propagation.setBaggage(ctx, api.propagation.createBaggage(Object.fromEntries(
      c.baggage.map(([k, v, m]) => [k, m ? { value: v, metadata: api.baggageEntryMetadataFromString(m) } : { value: v }]))));
  }
  const carrier = {};
  propagator.inject(ctx, carrier, api.defaultTextMapSetter);
  return carrier;
}

function jsExtract(headers) {
  const ctx = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
  const sc = api.trace.getSpanContext(ctx);
  const baggage = api.propagation.getBaggage(ctx);
  const out = { valid: !!sc && api.isSpanContextValid(sc) };
  if (out.valid) {
    Object.assign(out, { trace_id: sc.traceId, span_id: sc.spanId, flags: sc.traceFlags, remote: sc.isRemote,
                         tracestate: sc.traceState ? sc.traceState.serialize() : '' });
  }
  out.baggage = baggage
    ? baggage.getAllEntries().map(([k, e]) => [k, e.value, e.metadata ? e.metadata.toString() : '']).sort(byKey)
    : [];
  return out;
}

// Ours: one driver run, all cases.
async function oursExtract(headerSets) {
  const input = headerSets.map((h) => Object.entries(h).map(([k, v]) => `${k}: ${v}\n`).join('') + '---\n').join('');
  const run = await runDriver(['w3c-extract'], { input });
  assert.equal(run.code, 0, run.stderr);
  return jsonLines(run.stdout).map((o) => ({
    ...o,
    ...(o.valid ? { tracestate: o.tracestate.map(([k, v]) => `${k}=${v}`).join(',') } : {}),
    baggage: o.baggage.sort(byKey),
  }));
}

async function oursInject(cases) {
  const input = cases.map((c) => [
    `trace_id ${c.traceId}`, `span_id ${c.spanId}`, `flags ${c.traceFlags}`,
    ...(c.traceState ? [`tracestate ${c.traceState}`] : []),
    ...c.baggage.map(([k, v, m]) => `baggage ${k}\t${v}\t${m}`),
    '---',
  ].join('\n') + '\n').join('');
  const run = await runDriver(['w3c-inject'], { input });
  assert.equal(run.code, 0, run.stderr);
  return jsonLines(run.stdout);
}

const wanted = (c, remote) => ({
  valid: true, trace_id: c.traceId, span_id: c.spanId, flags: c.traceFlags, remote,
  tracestate: c.traceState, baggage: [...c.baggage].sort(byKey),
});

test('headers injected by the OpenTelemetry JS SDK are extracted by ours', async () => {
  const headers = CASES.map(jsInject);
  // What JS wrote, for the record: percent-encoded values, properties verbatim.
  assert.equal(headers[0].traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.match(headers[0].baggage, /k2=a%2Cb%3Bc%3Dd%25e;prop1;prop2=x/);
  const got = await oursExtract(headers);
  assert.equal(got.length, CASES.length);
  CASES.forEach((c, i) => assert.deepEqual(got[i], wanted(c, true), `case ${i}: ${JSON.stringify(headers[i])}`));
});

test('headers injected by ours are extracted by the OpenTelemetry JS SDK', async () => {
  const headers = await oursInject(CASES);
  assert.equal(headers.length, CASES.length);
  CASES.forEach((c, i) => {
    const h = headers[i];
    assert.equal(h.traceparent, `00-${c.traceId}-${c.spanId}-0${c.traceFlags}`, `case ${i}: traceparent`);
    assert.equal(h.tracestate, c.traceState || undefined, `case ${i}: tracestate`);
    assert.equal('baggage' in h, c.baggage.length > 0, `case ${i}: baggage header present`);
    assert.deepEqual(jsExtract(h), wanted(c, true), `case ${i}: ${JSON.stringify(h)}`);
  });
});

test('JS -> ours -> JS: a round trip through both keeps everything', async () => {
  const [ours] = await oursExtract([jsInject(CASES[0])]);
  const back = await oursInject([{
    traceId: ours.trace_id, spanId: ours.span_id, traceFlags: ours.flags, traceState: ours.tracestate,
    baggage: ours.baggage,
  }]);
  assert.deepEqual(jsExtract(back[0]), wanted(CASES[0], true));
});

// traceparent values the spec settles, given to both; the same verdict (and, when valid, the
// same context) from each.
const TP_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736', TP_SPAN = '00f067aa0ba902b7';
const TRACEPARENTS = [
  [`00-${TP_TRACE}-${TP_SPAN}-01`, true],
  [`00-${TP_TRACE}-${TP_SPAN}-00`, true],
  [`00-${TP_TRACE}-${TP_SPAN}-03`, true],                      // sampled + random (Level 2)
  // Reserved flag bits: W3C says vendors MUST set them to zero; ours does (keeps sampled and
  // random), JS keeps them as received.
  [`00-${TP_TRACE}-${TP_SPAN}-09`, true, { oursFlags: 0x01, jsFlags: 0x09 }],
  [`01-${TP_TRACE}-${TP_SPAN}-01-what-the-future-will-be-like`, true],  // future version: lenient
  [`cc-${TP_TRACE}-${TP_SPAN}-01`, true],
  [`ff-${TP_TRACE}-${TP_SPAN}-01`, false],                     // version ff is invalid
  [`00-${TP_TRACE}-${TP_SPAN}-01-extra`, false],               // version 00 has nothing after flags
  [`00-00000000000000000000000000000000-${TP_SPAN}-01`, false],  // all-zero trace id
  [`00-${TP_TRACE}-0000000000000000-01`, false],               // all-zero parent id
  [`00-${TP_TRACE.toUpperCase()}-${TP_SPAN}-01`, false],       // uppercase hex
  [`00-${TP_TRACE.slice(1)}-${TP_SPAN}-01`, false],            // short trace id
  [`00-${TP_TRACE}-${TP_SPAN}0-01`, false],                    // long parent id
  [`00-${TP_TRACE}-${TP_SPAN}-0g`, false],                     // bad flags
  [`00-${TP_TRACE}-${TP_SPAN}01`, false],                      // missing dash
  [`0-${TP_TRACE}-${TP_SPAN}-01`, false],                      // short version
  ['', false],
];

test('both reject the same invalid traceparents and accept the same valid ones', async () => {
  const headerSets = TRACEPARENTS.map(([tp]) => ({ traceparent: tp, tracestate: 'a=1' }));
  const ours = await oursExtract(headerSets);
  TRACEPARENTS.forEach(([tp, valid, flags], i) => {
    const js = jsExtract(headerSets[i]);
    assert.equal(js.valid, valid, `JS on ${JSON.stringify(tp)}`);
    assert.equal(ours[i].valid, valid, `ours on ${JSON.stringify(tp)}`);
    if (!valid) return;
    if (flags) {
      assert.equal(ours[i].flags, flags.oursFlags, `ours: flags of ${tp}`);
      assert.equal(js.flags, flags.jsFlags, `JS: flags of ${tp}`);
      js.flags = ours[i].flags;
    }
    assert.deepEqual(ours[i], js, `same context from ${JSON.stringify(tp)}`);
  });
});
