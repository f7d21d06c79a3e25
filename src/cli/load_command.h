// `hoptrace load`: sends the W1 agent-trace workload (BENCHMARKS.md) to a running server as
// OTLP/HTTP protobuf, the way an OpenTelemetry SDK's batch exporter would (batches of 512 spans
// over keep-alive connections; a 503 with Retry-After is retried). Used by `make demo`.
#pragma once

#include <string>
#include <vector>

namespace hoptrace::cli {

int LoadCommand(const std::vector<std::string>& args);

}  // namespace hoptrace::cli
