#include "fleet.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "agents.h"
#include "wire.h"

namespace hoptrace::demo {
namespace {

using Clock = std::chrono::steady_clock;

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

// One agent process: stdout on a pipe (for its "listening" line), stderr shared with ours.
// Killed (SIGKILL) and reaped on destruction if still running; it also gets SIGTERM from the
// kernel should this process die first.
class AgentProcess {
 public:
  static std::unique_ptr<AgentProcess> Start(const std::string& role, const std::string& binary,
                                             const std::vector<std::string>& args,
                                             std::string* error) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      *error = std::string("pipe: ") + std::strerror(errno);
      return nullptr;
    }
    std::vector<std::string> argv_storage = {binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      *error = std::string("fork: ") + std::strerror(errno);
      ::close(out[0]);
      ::close(out[1]);
      return nullptr;
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::dup2(out[1], 1);  // dup2 clears O_CLOEXEC on the copy
      ::execv(argv[0], argv.data());
      std::fprintf(stderr, "hoptrace-agent fleet: cannot run %s: %s\n", argv[0],
                   std::strerror(errno));
      ::_exit(127);
    }
    ::close(out[1]);
    return std::unique_ptr<AgentProcess>(new AgentProcess(role, pid, out[0]));
  }

  ~AgentProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  const std::string& role() const { return role_; }
  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }

  // Reads the "listening 127.0.0.1:PORT" line. False (and *error) on timeout, EOF or garbage.
  bool WaitListening(std::chrono::milliseconds timeout, std::string* error) {
    const auto deadline = Clock::now() + timeout;
    std::string line;
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        *error =
            role_ + " did not report its port within " + std::to_string(timeout.count()) + " ms";
        return false;
      }
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) {
        int status = 0;
        *error = role_ + " exited before listening";
        if (::waitpid(pid_, &status, 0) == pid_) {
          *error += " (" + DescribeWaitStatus(status) + ")";
          pid_ = -1;
        }
        return false;
      }
      line.append(buf, static_cast<std::size_t>(n));
    }
    line.resize(line.find('\n'));
    constexpr std::string_view kPrefix = "listening 127.0.0.1:";
    if (line.rfind(kPrefix, 0) != 0 || line.size() == kPrefix.size() ||
        line.find_first_not_of("0123456789", kPrefix.size()) != std::string::npos) {
      *error = role_ + " printed '" + line + "' instead of its port";
      return false;
    }
    url_ = "http://127.0.0.1:" + line.substr(kPrefix.size());
    return true;
  }

  // Waits up to `timeout` for the process to exit (SIGKILL after that). True when it exited 0;
  // otherwise *error says how it ended.
  bool WaitExit(std::chrono::milliseconds timeout, std::string* error) {
    const auto deadline = Clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0) {
        *error = role_ + ": waitpid: " + std::strerror(errno);
        pid_ = -1;
        return false;
      }
      if (Clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        *error = role_ + " did not exit within " + std::to_string(timeout.count()) +
                 " ms of the shutdown request (killed)";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    *error = role_ + " " + DescribeWaitStatus(status);
    return false;
  }

 private:
  AgentProcess(std::string role, pid_t pid, int out)
      : role_(std::move(role)), pid_(pid), out_(out) {}

  std::string role_;
  pid_t pid_;  // -1 once reaped
  int out_;
  std::string url_;
};

std::string MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                        "/hoptrace-demo-workspace-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    const std::size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "hoptrace-agent fleet: %s\n", message.c_str());
  return 1;
}

int Run(const FleetOptions& options, const std::string& workspace, FleetResult* result) {
  SeedWorkspace(workspace);
  std::printf("fleet: workspace %s\n", workspace.c_str());

  // Workers first, so the orchestrator can be told where they are.
  std::vector<std::unique_ptr<AgentProcess>> agents;
  std::map<std::string, std::string> peers;
  std::string error;
  for (std::string_view role : kRoles) {
    if (role == "orchestrator") continue;
    std::vector<std::string> args = {"serve", "--role", std::string(role), "--workspace",
                                     workspace};
    auto agent = AgentProcess::Start(std::string(role), options.agent_binary, args, &error);
    if (!agent) return Fail(error);
    agents.push_back(std::move(agent));
  }
  for (auto& agent : agents) {
    if (!agent->WaitListening(std::chrono::seconds(10), &error)) return Fail(error);
    peers[agent->role()] = agent->url();
  }
  std::vector<std::string> args = {"serve", "--role", "orchestrator", "--workspace", workspace};
  for (const auto& [role, url] : peers) {
    args.push_back("--peer");
    args.push_back(role + "=" + url);
  }
  auto orchestrator = AgentProcess::Start("orchestrator", options.agent_binary, args, &error);
  if (!orchestrator) return Fail(error);
  if (!orchestrator->WaitListening(std::chrono::seconds(10), &error)) return Fail(error);
  agents.insert(agents.begin(), std::move(orchestrator));
  for (const auto& agent : agents) {
    std::printf("fleet: %-12s pid %-7d %s\n", agent->role().c_str(), static_cast<int>(agent->pid()),
                agent->url().c_str());
  }
  std::printf("fleet: task \"%s\"%s\n", std::string(kTask).c_str(),
              options.break_propagation ? " (--break-propagation: the reviewer hop drops the "
                                          "trace context)"
                                        : "");
  std::fflush(stdout);

  const auto started = Clock::now();
  DelegateResult task = PostFields(
      agents[0]->url(), "/v1/invoke",
      {{"task", std::string(kTask)}, {"break_propagation", options.break_propagation ? "1" : "0"}},
      options.timeout_seconds);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  int exit_code = 0;
  if (!task.ok) {
    exit_code = Fail("the task failed unexpectedly: " + task.error);
  } else if (Field(task.reply, "outcome") == "failed") {
    std::printf("fleet: task finished in %.1f s with the planted failure: %s\n", seconds,
                Field(task.reply, "failure").c_str());
  } else {
    std::printf("fleet: task finished in %.1f s: %s\n", seconds,
                Field(task.reply, "outcome").c_str());
  }

  std::fflush(stdout);

  // Stop every agent; each flushes its spans before it exits.
  for (const auto& agent : agents) {
    PostFields(agent->url(), "/v1/shutdown", {}, 5);
  }
  for (const auto& agent : agents) {
    if (!agent->WaitExit(std::chrono::seconds(20), &error)) exit_code = Fail(error);
  }
  if (exit_code != 0) return exit_code;
  std::printf("fleet: all agents stopped; every span they made was exported\n");

  const std::vector<std::string> traces = Split(Field(task.reply, "traces"));
  const std::vector<std::string> roots = Split(Field(task.reply, "trace_roots"));
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const std::string root = i < roots.size() ? roots[i] : "?";
    std::string what;
    if (traces.size() == 1) {
      what = "the task: orchestrator -> 4 x researcher, coder, reviewer in one trace";
    } else if (i == 0) {
      what = "the task, rooted at the orchestrator (the reviewer hop dropped the context)";
    } else {
      what = "split off: the " + root + " started a new root trace";
    }
    std::printf("trace %s  %s\n", traces[i].c_str(), what.c_str());
    result->trace_ids.push_back(traces[i]);
  }
  std::fflush(stdout);
  return result->trace_ids.empty() ? Fail("the orchestrator reported no trace id") : 0;
}

}  // namespace

FleetResult RunFleet(const FleetOptions& options) {
  FleetResult result;
  std::string workspace = options.workspace;
  const bool temporary = workspace.empty();
  if (temporary) {
    workspace = MakeTempDir();
    if (workspace.empty()) {
      result.exit_code = Fail(std::string("cannot create a workspace: ") + std::strerror(errno));
      return result;
    }
  }
  result.exit_code = Run(options, workspace, &result);
  if (temporary && !options.keep_workspace) {
    std::error_code ec;
    std::filesystem::remove_all(workspace, ec);
  } else {
    std::printf("fleet: the workspace stays in %s\n", workspace.c_str());
  }
  std::fflush(stdout);
  return result;
}

}  // namespace hoptrace::demo
