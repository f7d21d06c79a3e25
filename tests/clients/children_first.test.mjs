// Children exported before their parents, one request per span, as SimpleSpanProcessor does
// (DESIGN.md §4: agent inheritance is resolved across requests, not per batch). The workers'
// spans without an agent attribute reach the server before the agent span they inherit from;
// stats and the trace must still give them that agent. Over OTLP/HTTP protobuf: the rule does
// not depend on the wire format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { assertStored, withServer } from './lib/suite.mjs';
import { SPANS, assertExportsSucceeded, emitWorkflow } from './lib/workflow.mjs';

test('children exported before their parents still inherit their agent (trace, list, stats)', { timeout: 120000 }, () =>
  withServer(async (srv) => {
    const run = await emitWorkflow(() => new OTLPTraceExporter({ url: `${srv.base}/v1/traces` }),
                                   { childrenFirst: true });
    assertExportsSucceeded(run.recorders);
    // One request per worker span, each ended (and sent) before its parent; then the batch.
    assert.equal(run.recorders[0].results.length, SPANS.length - 2, 'one export per worker span');
    await assertStored(srv, run);
  }));
