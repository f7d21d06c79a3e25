// The fleet launcher (`hoptrace-agent fleet`, run by `hoptrace demo`): starts the four agents as
// child processes of this one, each on its own loopback port, hands the orchestrator the task,
// then stops every agent and waits for it to flush its spans and exit.
//
// Its stdout is for people, except for one contract `hoptrace demo` and the tests rely on: each
// trace the task produced is printed as a line
//     trace <32 lowercase hex digits>  <what it holds>
// once every agent has exited (so its spans have been exported).
//
// Spans go to OTEL_EXPORTER_OTLP_ENDPOINT (inherited by the agents; default
// http://localhost:4318).
#pragma once

#include <string>
#include <vector>

namespace hoptrace::demo {

struct FleetOptions {
  std::string agent_binary;        // the hoptrace-agent executable to start the agents with
  bool break_propagation = false;  // the orchestrator -> reviewer hop drops the trace context
  std::string workspace;           // empty: a fresh temporary directory
  bool keep_workspace = false;     // else a temporary workspace is removed at the end
  int timeout_seconds = 60;        // for the whole task
};

struct FleetResult {
  int exit_code = 0;  // 0: every agent did its scripted work and exited 0; else 1
  std::vector<std::string> trace_ids;
};

// Runs the fleet once. Planted failures (the failing test step, the stuck tool loop) are
// expected and do not make it fail; an agent that cannot start, answers an error, crashes or
// does not exit does.
FleetResult RunFleet(const FleetOptions& options);

}  // namespace hoptrace::demo
