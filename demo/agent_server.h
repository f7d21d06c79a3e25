// One demo agent as a process: an HTTP server on 127.0.0.1 (port chosen by the kernel) that runs
// its role (agents.h) for every POST /v1/invoke, inside an `invoke_agent {role}` SERVER span whose
// parent is the W3C context extracted from the request headers.
//
// Protocol with the launcher (fleet.h):
//   - once listening, prints exactly one line on stdout, "listening 127.0.0.1:PORT", and nothing
//     else there afterwards (logs go to stderr);
//   - POST /v1/shutdown stops the server; the process then flushes its spans (the provider's
//     batch processor, at most `flush_timeout`) and exits 0, or 3 when some spans could not be
//     exported (dropped, refused, or still queued at the deadline);
//   - GET /healthz answers 200.
// Spans go over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the launcher points it at the hoptrace
// server; the other OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables apply too), every span sampled.
// service.name is "demo-{role}".
//
// Fault injection (tests): HOPTRACE_DEMO_CRASH={role} makes that agent abort on its first
// invocation, an unexpected failure the launcher must report.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace hoptrace::demo {

struct AgentServerOptions {
  std::string role;                          // orchestrator, researcher, coder or reviewer
  std::string workspace;                     // the shared workspace directory
  std::map<std::string, std::string> peers;  // agent name -> "http://127.0.0.1:PORT"
  std::chrono::milliseconds flush_timeout{10000};
};

// Serves until /v1/shutdown. Returns the process exit code: 0; 1 when the server could not
// start; 3 when spans were lost.
int ServeAgent(const AgentServerOptions& options);

}  // namespace hoptrace::demo
