// A multi-agent workflow emitted through the real OpenTelemetry JS SDK, and what hoptrace must
// answer about it once it is stored.
//
// One trace, ten spans, two processes (two providers with their own resource, as when the
// orchestrator and its workers run apart). The workers' spans are sent first, so the
// orchestrator span arrives in a later request than its children:
//
//   orchestrator-svc (BatchSpanProcessor: one request, sent last)
//     invoke_agent orchestrator          gen_ai.agent.name=orchestrator
//       chat gpt-4o                      no agent attribute: inherits orchestrator
//   workers-svc (BatchSpanProcessor: one request, sent first; or, with `childrenFirst`,
//                SimpleSpanProcessor: one request per span as it ends, children before parents)
//       invoke_agent researcher          gen_ai.agent.name=researcher   } run in parallel
//         chat claude-sonnet-4                                           }
//         execute_tool read_file                                         }
//       invoke_agent coder               gen_ai.agent.name=coder        }
//         chat gpt-4.1
//         execute_tool read_file         status ERROR, an exception event
//           fs.read                      no GenAI attributes at all: still agent coder
//         chat gpt-4o
//
// Times are fixed offsets from a whole second, so every exporter (Zipkin included, which
// carries microseconds) must give back the exact start and end of each span.
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

// USD per million tokens, copied from src/normalize/builtin_prices.cc (input, output).
export const PRICES = {
  'gpt-4o': { input: 2.5, output: 10.0 },
  'gpt-4.1': { input: 2.0, output: 8.0 },
  'claude-sonnet-4': { input: 3.0, output: 15.0 },
};
export const cost = (model, input, output) =>
  (input * PRICES[model].input + output * PRICES[model].output) / 1e6;

export const ORCHESTRATOR_SERVICE = 'orchestrator-svc';
export const WORKERS_SERVICE = 'workers-svc';
export const ERROR_MESSAGE = 'ENOENT: no such file or directory, open src/missing.cc';

const chat = (model, provider, input, output) => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': model,
  'gen_ai.provider.name': provider,
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': output,
});
const agent = (name) => ({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name });
const tool = (name, args) => ({
  'gen_ai.operation.name': 'execute_tool',
  'gen_ai.tool.name': name,
  'gen_ai.tool.call.arguments': JSON.stringify(args),
});

// key, parent key, service, kind, start and end (ms from t0), attributes, and what hoptrace
// derives: agent, operation, model, provider, tool, tokens, cost, status.
export const SPANS = [
  { key: 'orchestrator', parent: null, service: ORCHESTRATOR_SERVICE, kind: SpanKind.INTERNAL,
    name: 'invoke_agent orchestrator', start: 0, end: 900, attributes: agent('orchestrator'),
    want: { agent: 'orchestrator', operation: 'agent' } },
  { key: 'plan', parent: 'orchestrator', service: ORCHESTRATOR_SERVICE, kind: SpanKind.CLIENT,
    name: 'chat gpt-4o', start: 10, end: 110, attributes: chat('gpt-4o', 'openai', 1200, 300),
    want: { agent: 'orchestrator', operation: 'llm', model: 'gpt-4o', provider: 'openai', input: 1200, output: 300 } },
  { key: 'researcher', parent: 'orchestrator', service: WORKERS_SERVICE, kind: SpanKind.INTERNAL,
    name: 'invoke_agent researcher', start: 120, end: 700, attributes: agent('researcher'),
    want: { agent: 'researcher', operation: 'agent' } },
  { key: 'research_chat', parent: 'researcher', service: WORKERS_SERVICE, kind: SpanKind.CLIENT,
    name: 'chat claude-sonnet-4', start: 130, end: 400, attributes: chat('claude-sonnet-4', 'anthropic', 2000, 500),
    want: { agent: 'researcher', operation: 'llm', model: 'claude-sonnet-4', provider: 'anthropic', input: 2000, output: 500 } },
  { key: 'research_read', parent: 'researcher', service: WORKERS_SERVICE, kind: SpanKind.INTERNAL,
    name: 'execute_tool read_file', start: 410, end: 450, attributes: tool('read_file', { path: 'README.md' }),
    want: { agent: 'researcher', operation: 'tool', tool: 'read_file' } },
  { key: 'coder', parent: 'orchestrator', service: WORKERS_SERVICE, kind: SpanKind.INTERNAL,
    name: 'invoke_agent coder', start: 130, end: 850, attributes: agent('coder'),
    want: { agent: 'coder', operation: 'agent' } },
  { key: 'code_chat', parent: 'coder', service: WORKERS_SERVICE, kind: SpanKind.CLIENT,
    name: 'chat gpt-4.1', start: 140, end: 500, attributes: chat('gpt-4.1', 'openai', 3000, 800),
    want: { agent: 'coder', operation: 'llm', model: 'gpt-4.1', provider: 'openai', input: 3000, output: 800 } },
  { key: 'code_read', parent: 'coder', service: WORKERS_SERVICE, kind: SpanKind.INTERNAL,
    name: 'execute_tool read_file', start: 510, end: 530, attributes: tool('read_file', { path: 'src/missing.cc' }),
    error: ERROR_MESSAGE,
    want: { agent: 'coder', operation: 'tool', tool: 'read_file', status: 'error' } },
  { key: 'fs_read', parent: 'code_read', service: WORKERS_SERVICE, kind: SpanKind.INTERNAL,
    name: 'fs.read', start: 512, end: 520, attributes: { 'file.path': 'src/missing.cc' },
    want: { agent: 'coder' } },
  { key: 'fix_chat', parent: 'coder', service: WORKERS_SERVICE, kind: SpanKind.CLIENT,
    name: 'chat gpt-4o', start: 540, end: 800, attributes: chat('gpt-4o', 'openai', 500, 100),
    want: { agent: 'coder', operation: 'llm', model: 'gpt-4o', provider: 'openai', input: 500, output: 100 } },
];

// Wraps a real exporter: records every span it was given and every export result, so a test
// can require that each export succeeded (the SDK itself only logs a failed export) and can
// export the very same spans again.
export class RecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.spans = [];
    this.results = [];
  }
  export(spans, done) {
    this.spans.push(...spans);
    this.inner.export(spans, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
  shutdown() {
    return this.inner.shutdown();
  }
}

export function exportOnce(exporter, spans) {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

export function assertExportsSucceeded(recorders) {
  for (const r of recorders) {
    assert.ok(r.results.length > 0, 'the exporter was called');
    for (const res of r.results) {
      assert.equal(res.code, ExportResultCode.SUCCESS, `export failed: ${res.error?.stack ?? res.error}`);
    }
  }
}

// Emits the workflow through two providers whose exporters come from makeExporter().
// Returns { traceId, spanIds: {key: id}, t0Ns: BigInt, recorders }.
export async function emitWorkflow(makeExporter, { childrenFirst = false } = {}) {
  const orchestratorExporter = new RecordingExporter(makeExporter());
  const workersExporter = new RecordingExporter(makeExporter());
  const providers = {
    [ORCHESTRATOR_SERVICE]: new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': ORCHESTRATOR_SERVICE, 'deployment.environment.name': 'test' }),
      spanProcessors: [new BatchSpanProcessor(orchestratorExporter, { scheduledDelayMillis: 60000 })],
    }),
    [WORKERS_SERVICE]: new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': WORKERS_SERVICE, 'deployment.environment.name': 'test' }),
      spanProcessors: [childrenFirst ? new SimpleSpanProcessor(workersExporter)
                                     : new BatchSpanProcessor(workersExporter, { scheduledDelayMillis: 60000 })],
    }),
  };
  try {
    const t0s = Math.floor(Date.now() / 1000) - 60;
    const at = (ms) => [t0s + Math.floor(ms / 1000), (ms % 1000) * 1e6];
    const live = {};
    for (const s of SPANS) {  // parents come before their children in SPANS
      const tracer = providers[s.service].getTracer('hoptrace-client-tests', '1.0.0');
      const parentCtx = s.parent ? trace.setSpan(ROOT_CONTEXT, live[s.parent]) : ROOT_CONTEXT;
      live[s.key] = tracer.startSpan(s.name, { kind: s.kind, attributes: s.attributes, startTime: at(s.start) }, parentCtx);
    }
    // End in end-time order: children end (and, with SimpleSpanProcessor, are exported) first.
    for (const s of [...SPANS].sort((a, b) => a.end - b.end)) {
      const span = live[s.key];
      if (s.error) {
        const err = new Error(s.error);
        err.name = 'FileNotFoundError';
        span.recordException(err, at(s.end));
        span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
      }
      span.end(at(s.end));
    }
    await providers[WORKERS_SERVICE].forceFlush();
    await providers[ORCHESTRATOR_SERVICE].forceFlush();
    const spanIds = Object.fromEntries(SPANS.map((s) => [s.key, live[s.key].spanContext().spanId]));
    return {
      traceId: live.orchestrator.spanContext().traceId,
      spanIds,
      t0Ns: BigInt(t0s) * 1_000_000_000n,
      recorders: [workersExporter, orchestratorExporter],
    };
  } finally {
    await Promise.all(Object.values(providers).map((p) => p.shutdown()));
  }
}

// What the whole trace must add up to.
export function expectedTotals() {
  const t = { spans: SPANS.length, errors: 0, input: 0, output: 0, cost: 0, agents: new Set() };
  for (const s of SPANS) {
    if (s.error) t.errors++;
    t.input += s.want.input ?? 0;
    t.output += s.want.output ?? 0;
    if (s.want.model) t.cost += cost(s.want.model, s.want.input, s.want.output);
    t.agents.add(s.want.agent);
  }
  return t;
}

// A span's expected value of a stats group key (agent, model, provider, tool, operation, service).
export const groupValue = (s, g) => (g === 'service' ? s.service : s.want[g] ?? null);

// Expected stats rows for the given group keys, as a Map from JSON.stringify(key values).
export function expectedStats(groupBy) {
  const rows = new Map();
  for (const s of SPANS) {
    const key = groupBy.map((g) => groupValue(s, g));
    const k = JSON.stringify(key);
    if (!rows.has(k)) rows.set(k, { key, spans: 0, errors: 0, input: 0, output: 0, cost: 0 });
    const r = rows.get(k);
    r.spans++;
    if (s.error) r.errors++;
    r.input += s.want.input ?? 0;
    r.output += s.want.output ?? 0;
    if (s.want.model) r.cost += cost(s.want.model, s.want.input, s.want.output);
  }
  return rows;
}
