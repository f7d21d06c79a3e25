// The OpenTelemetry JS SDK side of bench/sdk_bench (W2 of BENCHMARKS.md); sdk_bench runs it and
// prints its figures beside ours. Uses the pinned packages of tests/clients/node_modules
// (@opentelemetry/sdk-trace-base, api, resources; install with tests/clients/npm_ci.sh).
//
//   node bench/sdk_bench.mjs --mode recorded|sampler_off|no_provider [--threads T] [--spans N]
//                            [--queue N] [--batch N]
//
// recorded: a BasicTracerProvider with a BatchSpanProcessor (maxQueueSize --queue,
// maxExportBatchSize --batch) into an exporter that discards (and counts); each span: start,
// 6 attributes (2 strings, 2 ints, 1 double, 1 bool), end — the same as sdk_bench.cc. The loop
// yields to the event loop's microtasks every 256 spans so the processor can hand its full
// batches to the exporter (without that, JS's processor cannot export during a synchronous loop
// and drops everything past its queue); the clock stops after forceFlush. T > 1: T
// worker_threads, a provider each, spans split evenly (JS has no shared-memory threads for one
// provider). sampler_off: the same provider with AlwaysOffSampler; no_provider: the global API's
// tracer with no SDK registered (no-op).
//
// Prints one JSON object: spans, wall_s, cpu_s (process CPU time, all threads), dropped,
// exported, machine_busy.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireClient = createRequire(path.join(here, '..', 'tests', 'clients', 'package.json'));
const api = requireClient('@opentelemetry/api');
const { resourceFromAttributes } = requireClient('@opentelemetry/resources');
const { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } =
  requireClient('@opentelemetry/sdk-trace-base');

function parseArgs(argv) {
  const a = { mode: 'recorded', threads: 1, spans: 1000000, queue: 65536, batch: 512 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, ''), v = argv[i + 1];
    if (!(k in a) || v === undefined) throw new Error(`bad argument ${argv[i]}`);
    a[k] = k === 'mode' ? v : Number(v);
  }
  return a;
}

function machineCpu() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + iowait };
}

function setup(args) {
  if (args.mode === 'no_provider') return { tracer: api.trace.getTracer('sdk_bench', '1.0') };
  const exporter = {
    count: 0,
    export(spans, done) { this.count += spans.length; done({ code: 0 }); },
    shutdown() { return Promise.resolve(); },
    forceFlush() { return Promise.resolve(); },
  };
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: args.queue, maxExportBatchSize: args.batch, scheduledDelayMillis: 5000,
  });
  // dropped: what the processor counted as dropped is not public; what it did not export is.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-bench' }),
    sampler: args.mode === 'sampler_off' ? new AlwaysOffSampler() : new AlwaysOnSampler(),
    spanProcessors: [processor],
  });
  return { tracer: provider.getTracer('sdk_bench', '1.0'), provider, exporter };
}

// The W2 span, as sdk_bench.cc's OneSpan.
function oneSpan(tracer, i) {
  const span = tracer.startSpan('chat gpt-4o');
  span.setAttribute('gen_ai.operation.name', 'chat');
  span.setAttribute('gen_ai.request.model', 'gpt-4o');
  span.setAttribute('gen_ai.usage.input_tokens', i & 4095);
  span.setAttribute('gen_ai.usage.output_tokens', (i * 7) & 1023);
  span.setAttribute('gen_ai.request.temperature', 0.25 * (i & 3));
  span.setAttribute('gen_ai.cache.hit', (i & 1) !== 0);
  span.end();
}

async function produce(s, spans, base) {
  for (let i = 0; i < spans; i++) {
    oneSpan(s.tracer, base + i);
    if ((i & 255) === 255) await null;  // let the processor's export promise settle
  }
  if (s.provider) await s.provider.forceFlush();
}

async function runHere(args, spans) {
  // Warm-up (JIT), not measured, on a provider of its own.
  await produce(setup(args), Math.min(spans, 100000), 0);
  const s = setup(args);
  const m0 = machineCpu(), c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  await produce(s, spans, 0);
  const t1 = process.hrtime.bigint(), c1 = process.cpuUsage(c0), m1 = machineCpu();
  return {
    spans,
    wall_s: Number(t1 - t0) / 1e9,
    cpu_s: (c1.user + c1.system) / 1e6,
    exported: s.exporter ? s.exporter.count : 0,
    dropped: s.exporter && args.mode === 'recorded' ? spans - s.exporter.count : 0,
    machine_busy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
  };
}

if (!isMainThread) {
  // A worker: set up and warm up, report ready, produce on 'go', report its counts.
  const { args, spans, base } = workerData;
  await produce(setup(args), Math.min(spans, 100000), 0);
  const s = setup(args);
  parentPort.postMessage({ ready: true });
  parentPort.once('message', async () => {
    await produce(s, spans, base);
    parentPort.postMessage({ done: true, exported: s.exporter ? s.exporter.count : 0 });
  });
} else {
  const args = parseArgs(process.argv.slice(2));
  let result;
  if (args.threads <= 1) {
    result = await runHere(args, args.spans);
  } else {
    const per = Math.floor(args.spans / args.threads);
    const workers = [];
    for (let t = 0; t < args.threads; t++) {
      workers.push(new Worker(fileURLToPath(import.meta.url), { workerData: { args, spans: per, base: per * t } }));
    }
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once('error', reject);
      w.once('message', resolve);
    })));
    const m0 = machineCpu(), c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    const done = workers.map((w) => new Promise((resolve) => w.once('message', resolve)));
    for (const w of workers) w.postMessage('go');
    const counts = await Promise.all(done);
    const t1 = process.hrtime.bigint(), c1 = process.cpuUsage(c0), m1 = machineCpu();
    const exported = counts.reduce((a, c) => a + c.exported, 0);
    result = {
      spans: per * args.threads,
      wall_s: Number(t1 - t0) / 1e9,
      cpu_s: (c1.user + c1.system) / 1e6,
      exported,
      dropped: args.mode === 'recorded' ? per * args.threads - exported : 0,
      machine_busy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
    };
    await Promise.all(workers.map((w) => w.terminate()));
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
