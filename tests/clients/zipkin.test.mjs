// @opentelemetry/exporter-zipkin: Zipkin v2 JSON to POST /api/v2/spans (tags are strings,
// times are microseconds, resource attributes other than service.name become tags).
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { exporterSuite } from './lib/suite.mjs';

exporterSuite({
  name: 'exporter-zipkin (Zipkin v2 JSON)',
  makeExporter: (srv) => new ZipkinExporter({ url: `${srv.base}/api/v2/spans` }),
  zipkin: true,
});
