// `hoptrace demo [--server URL] [--break-propagation] [--keep]`: runs the demo agent fleet
// (demo/, DESIGN.md §7) against a server and shows what it recorded.
//
// Without --server it starts `hoptrace serve` on a temporary data directory and loopback ports
// chosen by the kernel, and stops it (removing the directory) at the end unless --keep. The fleet
// is the `hoptrace-agent` binary next to this one (or $HOPTRACE_AGENT_BIN), run as
// `hoptrace-agent fleet` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at the server; its output is
// passed through, including one "trace <id>  ..." line per trace. Then: stats by agent and
// model over the run, the waterfall of each trace, and the commands and URLs to explore them.
//
// Exit codes: 0 the fleet ran as scripted (its planted failures are expected); 1 the server or
// an agent failed; 2 bad flags.
#pragma once

#include <string>
#include <vector>

namespace hoptrace::cli {

int DemoCommand(const std::vector<std::string>& args);

}  // namespace hoptrace::cli
