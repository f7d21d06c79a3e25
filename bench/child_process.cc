#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

namespace hoptrace::bench {

namespace {

constexpr int kPollMs = 50;
constexpr int kDestructorStopMs = 30'000;

}  // namespace

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return std::string("killed by signal ") + strsignal(WTERMSIG(wait_status));
  }
  return "stopped";
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > static_cast<std::streamoff>(max_bytes)
                                  ? size - static_cast<std::streamoff>(max_bytes)
                                  : 0;
  std::string text(static_cast<size_t>(size - from), '\0');
  in.seekg(from);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (from > 0) {
    if (size_t nl = text.find('\n'); nl != std::string::npos) text.erase(0, nl + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(const std::vector<std::string>& argv,
                                                            const std::string& log_path,
                                                            const std::string& cwd) {
  if (argv.empty()) return InvalidArgumentError("ChildProcess::Start: empty argv");
  // Everything the child needs is prepared before fork: it only redirects and execs.
  std::vector<std::string> args = argv;
  std::vector<char*> c_argv;
  for (std::string& a : args) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  int exec_pipe[2];  // the child reports a failed exec through it; EOF means exec succeeded
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe", "");
  const pid_t parent = ::getpid();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(exec_pipe[0]);
    ::close(exec_pipe[1]);
    return ErrnoToStatus(err, "fork", c_argv[0]);
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent is gone already
    int err = 0;
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0 ||
        (!cwd.empty() && ::chdir(cwd.c_str()) != 0)) {
      err = errno;
    } else {
      ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // nothing of ours leaks into the child
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
      ::execv(c_argv[0], c_argv.data());
      err = errno;
    }
    ssize_t ignored = ::write(exec_pipe[1], &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  ::close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(exec_pipe[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(exec_pipe[0]);
  if (n > 0) {
    int ignored;
    while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    return ErrnoToStatus(child_errno, "exec", c_argv[0]);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() { Stop(kDestructorStopMs); }

bool ChildProcess::Exited(int* wait_status) {
  *wait_status = 0;
  if (pid_ <= 0) return true;
  pid_t r;
  while ((r = ::waitpid(pid_, wait_status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == 0) return false;
  pid_ = -1;  // reaped (or not ours to wait for: ECHILD)
  if (r < 0) *wait_status = 0;
  return true;
}

ChildProcess::StopOutcome ChildProcess::Stop(int timeout_ms) {
  StopOutcome out;
  if (Exited(&out.wait_status)) {
    out.exited_before = true;
    return out;
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!Exited(&out.wait_status)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &out.wait_status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
      out.killed = true;
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return out;
}

}  // namespace hoptrace::bench
