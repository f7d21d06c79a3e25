// @opentelemetry/exporter-trace-otlp-grpc: OTLP/gRPC TraceService/Export on the --grpc port.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { exporterSuite } from './lib/suite.mjs';

exporterSuite({
  name: 'exporter-trace-otlp-grpc (OTLP/gRPC)',
  makeExporter: (srv) => new OTLPTraceExporter({ url: `http://127.0.0.1:${srv.grpcPort}` }),
});
