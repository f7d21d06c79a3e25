#include "cli/demo_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/api_client.h"
#include "cli/client_commands.h"
#include "cli/flags.h"
#include "cli/show_command.h"

namespace hoptrace::cli {
namespace {

constexpr char kUsage[] = "usage: hoptrace demo [--server URL] [--break-propagation] [--keep]";

// What `hoptrace serve` logs once it listens (serve_command.cc).
constexpr std::string_view kServingMarker = "the API on http://";

// Variables that would send the fleet's spans elsewhere or drop them.
constexpr const char* kClearedOtelVars[] = {"OTEL_SDK_DISABLED",
                                            "OTEL_TRACES_EXPORTER",
                                            "OTEL_TRACES_SAMPLER",
                                            "OTEL_TRACES_SAMPLER_ARG",
                                            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                            "OTEL_EXPORTER_OTLP_PROTOCOL",
                                            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"};

int Fail(const std::string& message) {
  std::fprintf(stderr, "hoptrace demo: %s\n", message.c_str());
  return 1;
}

std::string SelfPath() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

struct SpawnOptions {
  int stdout_fd = -1;  // -1: inherited
  int stderr_fd = -1;
  bool detach = false;  // own session (survives us); else SIGTERM when we die
  std::vector<std::string> unset_env;
  std::vector<std::pair<std::string, std::string>> set_env;
};

// fork + exec of argv[0] (a path). Returns the pid, or -1 with *error.
pid_t Spawn(const std::vector<std::string>& argv_in, const SpawnOptions& options,
            std::string* error) {
  std::vector<std::string> argv_storage = argv_in;
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    if (options.detach) {
      ::setsid();
    } else {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (options.stdout_fd >= 0) ::dup2(options.stdout_fd, 1);
    if (options.stderr_fd >= 0) ::dup2(options.stderr_fd, 2);
    for (const std::string& name : options.unset_env) ::unsetenv(name.c_str());
    for (const auto& [name, value] : options.set_env) ::setenv(name.c_str(), value.c_str(), 1);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "hoptrace demo: cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A `hoptrace serve` this command started.
struct OwnServer {
  pid_t pid = -1;
  std::string dir;  // temporary: data/ and serve.log
  std::string url;
  std::string log;
};

// Starts `hoptrace serve` on a temporary data directory and ports chosen by the kernel; waits
// until its start line is logged and /healthz answers.
std::optional<OwnServer> StartServer(bool detach, std::string* error) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hoptrace-demo-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    *error = std::string("cannot create a temporary directory: ") + std::strerror(errno);
    return std::nullopt;
  }
  OwnServer server;
  server.dir = dir;
  server.log = dir + "/serve.log";
  const int log_fd = ::open(server.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = "cannot create " + server.log + ": " + std::strerror(errno);
    return std::nullopt;
  }
  SpawnOptions options;
  options.stdout_fd = log_fd;
  options.stderr_fd = log_fd;
  options.detach = detach;
  server.pid = Spawn({SelfPath(), "serve", "--data", dir + "/data", "--http", "127.0.0.1:0",
                      "--grpc", "127.0.0.1:0"},
                     options, error);
  ::close(log_fd);
  if (server.pid < 0) return std::nullopt;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFile(server.log);
    if (const size_t at = log.find(kServingMarker); at != std::string::npos) {
      const size_t start = at + kServingMarker.size() - 7;  // keep "http://"
      const size_t end = log.find_first_of(" \n", start);
      server.url = log.substr(start, end - start);
      if (ApiGet(server.url, "/healthz").status == 200) return server;
    }
    int status = 0;
    if (::waitpid(server.pid, &status, WNOHANG) == server.pid) {
      *error = "hoptrace serve " + DescribeWaitStatus(status) + "; its log says:\n" + log;
      server.pid = -1;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(server.pid, SIGKILL);
  ::waitpid(server.pid, nullptr, 0);
  *error = "hoptrace serve did not come up within 30 s (log: " + server.log + ")";
  return std::nullopt;
}

// SIGTERM (the server flushes and exits 0), then SIGKILL after 15 s.
bool StopServer(const OwnServer& server) {
  ::kill(server.pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int status = 0;
  while (::waitpid(server.pid, &status, WNOHANG) != server.pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(server.pid, SIGKILL);
      ::waitpid(server.pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Runs `hoptrace-agent fleet` against `server`, passing its stdout through; collects the ids of
// its "trace <id>" lines. Returns the fleet's exit code (or -1 when it could not run).
int RunFleet(const std::string& agent_binary, const std::string& server, bool break_propagation,
             std::vector<std::string>* trace_ids) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Fail(std::string("pipe: ") + std::strerror(errno));
  SpawnOptions options;
  options.stdout_fd = out[1];
  options.unset_env.assign(std::begin(kClearedOtelVars), std::end(kClearedOtelVars));
  options.set_env = {{"OTEL_EXPORTER_OTLP_ENDPOINT", server}};
  std::vector<std::string> argv = {agent_binary, "fleet"};
  if (break_propagation) argv.push_back("--break-propagation");
  std::string error;
  const pid_t pid = Spawn(argv, options, &error);
  ::close(out[1]);
  if (pid < 0) {
    ::close(out[0]);
    Fail(error);
    return -1;
  }
  std::FILE* lines = ::fdopen(out[0], "r");
  char* line = nullptr;
  size_t cap = 0;
  while (::getline(&line, &cap, lines) > 0) {
    std::fputs(line, stdout);
    std::fflush(stdout);
    std::string_view l(line);
    if (l.size() >= 38 && l.substr(0, 6) == "trace " &&
        l.substr(6, 32).find_first_not_of("0123456789abcdef") == std::string_view::npos) {
      trace_ids->emplace_back(l.substr(6, 32));
    }
  }
  std::free(line);
  std::fclose(lines);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  Fail("hoptrace-agent fleet " + DescribeWaitStatus(status));
  return -1;
}

std::string FindAgentBinary() {
  if (const char* env = std::getenv("HOPTRACE_AGENT_BIN"); env != nullptr && *env != '\0') {
    return env;
  }
  const std::string self = SelfPath();
  return (std::filesystem::path(self).parent_path() / "hoptrace-agent").string();
}

void PrintWhereToLook(const std::string& bin, const std::string& server,
                      const std::vector<std::string>& traces) {
  std::printf("\nWhere to look:\n");
  for (const std::string& id : traces) {
    std::printf("  %s show %s --server %s\n", bin.c_str(), id.c_str(), server.c_str());
  }
  std::printf("  %s traces --server %s --limit 5\n", bin.c_str(), server.c_str());
  std::printf("  %s stats --server %s --by agent,model\n", bin.c_str(), server.c_str());
  std::printf("  %s stats --server %s --by agent,tool --status error\n", bin.c_str(),
              server.c_str());
  for (const std::string& id : traces) {
    std::printf("  curl %s/api/v1/traces/%s\n", server.c_str(), id.c_str());
  }
  std::printf("  curl '%s/api/v1/traces?service=demo-orchestrator&limit=5'\n", server.c_str());
  std::printf("  curl '%s/api/v1/stats?group_by=agent'\n", server.c_str());
  if (ApiGet(server, "/").status == 200) std::printf("  %s/   (web UI)\n", server.c_str());
}

}  // namespace

int DemoCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      {"server", true, "a running hoptrace server (default: start one on a temporary dir)"},
      {"break-propagation", false,
       "the orchestrator -> reviewer hop drops the trace context (two traces instead of one)"},
      {"keep", false, "keep the server this command started running afterwards"},
      {"help", false, "show this help"}};
  std::string err;
  auto flags = ParseFlags(args, specs, &err);
  if (!flags) return UsageError("demo", err);
  if (flags->has("help")) {
    std::printf("%s\n\n%s", kUsage, FlagsHelp(specs).c_str());
    return 0;
  }
  if (!flags->positional.empty()) {
    return UsageError("demo", "unexpected argument " + flags->positional[0]);
  }
  const bool keep = flags->has("keep");
  const std::string agent_binary = FindAgentBinary();
  if (::access(agent_binary.c_str(), X_OK) != 0) {
    return Fail("cannot run the demo fleet " + agent_binary +
                " (build the hoptrace-agent target, " + "or set HOPTRACE_AGENT_BIN)");
  }

  std::optional<OwnServer> own;
  std::string server = flags->get("server");
  if (!server.empty()) {
    while (!server.empty() && server.back() == '/') server.pop_back();
    ApiResponse health = ApiGet(server, "/healthz");
    if (health.status != 200) {
      return Fail("cannot reach the server at " + server + " (" +
                  (health.status == 0 ? health.error
                                      : "healthz answered " + std::to_string(health.status)) +
                  ")");
    }
  } else {
    std::string error;
    own = StartServer(keep, &error);
    if (!own) return Fail(error);
    server = own->url;
    std::printf("demo: started hoptrace serve (pid %d) on %s, data in %s/data\n",
                static_cast<int>(own->pid), server.c_str(), own->dir.c_str());
  }
  std::fflush(stdout);

  const auto since =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::seconds(1))
          .count();
  std::vector<std::string> traces;
  const int fleet = RunFleet(agent_binary, server, flags->has("break-propagation"), &traces);
  int rc = 0;
  if (fleet != 0) {
    rc = Fail("the demo fleet failed (exit " + std::to_string(fleet) + ")");
  } else if (traces.empty()) {
    rc = Fail("the demo fleet reported no trace id");
  }

  // The agents have exited, so their spans were exported if they could be: make sure they
  // arrived (an unreachable or failing server shows up here, not as empty output below).
  for (const std::string& id : traces) {
    if (rc != 0) break;
    int status = 0;
    for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      status = ApiGet(server, "/api/v1/traces/" + id).status;
    }
    if (status != 200) {
      rc = Fail("trace " + id + " is not on the server (GET answered " + std::to_string(status) +
                "); the agents' export errors, if any, are above");
    }
  }

  if (rc == 0) {
    std::printf("\n== hoptrace stats --by agent,model   (this run)\n");
    std::fflush(stdout);
    StatsCommand({"--server", server, "--by", "agent,model", "--since", std::to_string(since)});
    for (const std::string& id : traces) {
      std::printf("\n== hoptrace show %s\n", id.c_str());
      std::fflush(stdout);
      ShowCommand({id, "--server", server});
    }
    std::fflush(stdout);
  }

  const std::string bin = SelfPath();
  if (!own) {
    if (rc == 0) PrintWhereToLook(bin, server, traces);
  } else if (keep) {
    if (rc == 0) PrintWhereToLook(bin, server, traces);
    std::printf(
        "\nThe demo server keeps running (pid %d, data in %s/data, log %s). Stop it with: "
        "kill %d  (then rm -rf %s)\n",
        static_cast<int>(own->pid), own->dir.c_str(), own->log.c_str(), static_cast<int>(own->pid),
        own->dir.c_str());
  } else {
    const bool clean = StopServer(*own);
    std::error_code ec;
    std::filesystem::remove_all(own->dir, ec);
    std::printf(
        "\nStopped the demo server%s (it was started for this run, and its data is "
        "gone). Run 'hoptrace demo --keep', or 'hoptrace demo --server URL' against your "
        "own server, to explore the traces afterwards.\n",
        clean ? "" : " (it had to be killed)");
  }
  std::fflush(stdout);
  return rc;
}

}  // namespace hoptrace::cli
