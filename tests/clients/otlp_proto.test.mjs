// @opentelemetry/exporter-trace-otlp-proto: OTLP/HTTP protobuf, gzip-compressed, to POST /v1/traces.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { exporterSuite } from './lib/suite.mjs';

exporterSuite({
  name: 'exporter-trace-otlp-proto (application/x-protobuf, gzip)',
  makeExporter: (srv) => new OTLPTraceExporter({ url: `${srv.base}/v1/traces`, compression: 'gzip' }),
});
