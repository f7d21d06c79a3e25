// @opentelemetry/exporter-trace-otlp-http: OTLP/HTTP JSON to POST /v1/traces.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { exporterSuite } from './lib/suite.mjs';

exporterSuite({
  name: 'exporter-trace-otlp-http (application/json)',
  makeExporter: (srv) => new OTLPTraceExporter({ url: `${srv.base}/v1/traces` }),
});
