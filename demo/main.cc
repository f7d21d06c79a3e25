// hoptrace-agent: the demo fleet's one binary.
//
//   hoptrace-agent fleet [--break-propagation] [--workspace DIR] [--keep-workspace]
//       starts the four agents (this binary, `serve`) and runs the task once (fleet.h)
//   hoptrace-agent serve --role ROLE --workspace DIR [--peer NAME=URL]...
//       one agent process (agent_server.h); the launcher starts these
//
// main only parses flags and dispatches.
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "agent_server.h"
#include "agents.h"
#include "fleet.h"

namespace {

constexpr char kUsage[] =
    "usage: hoptrace-agent fleet [--break-propagation] [--workspace DIR] [--keep-workspace]\n"
    "       hoptrace-agent serve --role orchestrator|researcher|coder|reviewer --workspace DIR\n"
    "                            [--peer NAME=URL]...\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "hoptrace-agent: %s\n%s", message.c_str(), kUsage);
  return 2;
}

std::string SelfPath() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool IsRole(const std::string& role) {
  for (std::string_view r : hoptrace::demo::kRoles) {
    if (r == role) return true;
  }
  return false;
}

int Fleet(const std::vector<std::string>& args) {
  hoptrace::demo::FleetOptions options;
  options.agent_binary = SelfPath();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--break-propagation") {
      options.break_propagation = true;
    } else if (args[i] == "--keep-workspace") {
      options.keep_workspace = true;
    } else if (args[i] == "--workspace" && i + 1 < args.size()) {
      options.workspace = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      return Usage("unknown flag '" + args[i] + "'");
    }
  }
  if (options.agent_binary.empty()) {
    std::fprintf(stderr, "hoptrace-agent: cannot find my own executable\n");
    return 1;
  }
  return hoptrace::demo::RunFleet(options).exit_code;
}

int Serve(const std::vector<std::string>& args) {
  hoptrace::demo::AgentServerOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--role" && has_value) {
      options.role = args[++i];
    } else if (args[i] == "--workspace" && has_value) {
      options.workspace = args[++i];
    } else if (args[i] == "--peer" && has_value) {
      const std::string& peer = args[++i];
      const std::size_t eq = peer.find('=');
      if (eq == std::string::npos || eq == 0) return Usage("--peer: want NAME=URL, got " + peer);
      options.peers[peer.substr(0, eq)] = peer.substr(eq + 1);
    } else {
      return Usage("unknown or incomplete flag '" + args[i] + "'");
    }
  }
  if (!IsRole(options.role)) return Usage("--role: want one of the four roles");
  if (options.workspace.empty()) return Usage("--workspace is required");
  return hoptrace::demo::ServeAgent(options);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage("missing command");
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "fleet") return Fleet(args);
  if (command == "serve") return Serve(args);
  if (command == "--help" || command == "-h") {
    std::printf("%s", kUsage);
    return 0;
  }
  return Usage("unknown command '" + command + "'");
}
