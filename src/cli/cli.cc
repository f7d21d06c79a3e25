#include "cli/cli.h"

#include <cstdio>
#include <string>
#include <vector>

#include "cli/client_commands.h"
#include "cli/demo_command.h"
#include "cli/diagnose_command.h"
#include "cli/load_command.h"
#include "cli/serve_command.h"
#include "cli/show_command.h"
#include "cli/store_commands.h"

namespace hoptrace::cli {
namespace {
constexpr char kUsage[] =
    "hoptrace — distributed tracing for AI agent fleets\n\n"
    "usage: hoptrace <command> [flags]\n\n"
    "commands:\n"
    "  serve          ingest OTLP (HTTP and gRPC), Zipkin and OpenAI Agents traces; serve the API\n"
    "  traces         recent traces from a server (filters, --json)\n"
    "  show           one trace as a terminal waterfall: span tree, parallel bars, tokens, cost\n"
    "  diagnose       what went wrong in one trace: loops, stragglers, root cause, cost\n"
    "  stats          spans, errors, tokens, cost and latency grouped --by agent,model,...\n"
    "  demo           run the demo agent fleet against a server and show its traces\n"
    "  load           send the W1 agent-trace workload to a server as OTLP/HTTP protobuf\n"
    "  store verify   check every checksum of a data directory\n"
    "  store load-w1  generate the W1 agent-trace workload into a data directory\n"
    "  store stats    tokens, cost and latency per agent and model of a data directory\n"
    "  version        print the version\n\n"
    "Run 'hoptrace <command> --help' for a command's flags.\n";
}  // namespace

int Run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("hoptrace 0.1.0\n");
    return 0;
  }
  if (cmd == "store") return StoreCommand(rest);
  if (cmd == "serve") return ServeCommand(rest);
  if (cmd == "traces") return TracesCommand(rest);
  if (cmd == "show") return ShowCommand(rest);
  if (cmd == "diagnose") return DiagnoseCommand(rest);
  if (cmd == "load") return LoadCommand(rest);
  if (cmd == "demo") return DemoCommand(rest);
  if (cmd == "stats") return StatsCommand(rest);
  std::fprintf(stderr, "hoptrace: unknown command '%s' (try hoptrace --help)\n", cmd.c_str());
  return 2;
}

}  // namespace hoptrace::cli
