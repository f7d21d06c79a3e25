#include "hoptrace_server.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_util.h"

namespace hoptrace::bench {

namespace {

constexpr int kPollMs = 50;
constexpr size_t kLogTailBytes = 1500;
// What `hoptrace serve` logs once it listens (src/cli/serve_command.cc).
constexpr std::string_view kListenMarker = " on http://";

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The URL of the first start line in `log`, if it is there yet.
std::optional<std::string> ListenUrl(const std::string& log) {
  size_t at = log.find(kListenMarker);
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + 4;  // "http://..."
  size_t end = log.find_first_of(" \n", start);
  if (end == std::string::npos) return std::nullopt;  // the line is not complete yet
  return log.substr(start, end - start);
}

}  // namespace

StatusOr<std::string> FindHoptraceBinary(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (IsExecutableFile(explicit_path)) return explicit_path;
    return NotFoundError("--bin " + explicit_path + " is not an executable file");
  }
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return NotFoundError("cannot read /proc/self/exe; pass --bin PATH/TO/hoptrace");
  const std::filesystem::path build = self.parent_path().parent_path();  // build/bench/x -> build
  std::string tried;
  for (const char* rel : {"hoptrace", "src/exe/hoptrace", "bin/hoptrace"}) {
    const std::string candidate = (build / rel).string();
    if (IsExecutableFile(candidate)) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  return NotFoundError("no hoptrace executable next to this benchmark (tried " + tried +
                       "); build it (ninja hoptrace) or pass --bin PATH");
}

StatusOr<std::unique_ptr<HoptraceServer>> HoptraceServer::Start(
    const HoptraceServerOptions& options) {
  HT_ASSIGN_OR_RETURN(std::string dir, MakeTempDir(options.parent_dir, "hoptrace-serve."));
  std::unique_ptr<HoptraceServer> server(new HoptraceServer(options, dir));
  Status launched = server->Launch();
  if (!launched.ok()) {
    server->Stop().IgnoreError();  // the error to report is the launch's
    return launched;
  }
  return server;
}

HoptraceServer::~HoptraceServer() {
  Stop().IgnoreError();
  if (!dir_.empty()) RemoveTree(dir_);
}

Status HoptraceServer::Launch() {
  if (::mkdir(data_dir_.c_str(), 0755) != 0) return ErrnoToStatus(errno, "mkdir", data_dir_);
  HT_ASSIGN_OR_RETURN(process_,
                      ChildProcess::Start({options_.binary, "serve", "--data", data_dir_, "--http",
                                           "127.0.0.1:0", "--grpc", "127.0.0.1:0"},
                                          log_path_));
  return WaitUntilReady();
}

Status HoptraceServer::WaitUntilReady() {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(options_.startup_timeout_ms);
  bool have_url = false;
  Status last = UnavailableError("no start line in the log yet");
  for (;;) {
    int wait_status = 0;
    if (process_->Exited(&wait_status)) {
      return UnavailableError("hoptrace serve " + DescribeWaitStatus(wait_status) +
                              " while starting; its log ends:\n" + LogTail());
    }
    if (!have_url) {
      std::ifstream in(log_path_);
      std::stringstream log;
      log << in.rdbuf();
      if (std::optional<std::string> url = ListenUrl(log.str())) {
        HT_ASSIGN_OR_RETURN(url_, ParseLoopbackUrl(*url));
        have_url = true;
      }
    }
    if (have_url) {
      HttpClient http(url_);
      http.set_timeout_ms(2'000);
      StatusOr<std::string> health = http.Get("/healthz");
      if (health.ok()) return Status::Ok();
      last = health.status();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(StatusCode::kDeadlineExceeded,
                    "hoptrace serve did not answer GET /healthz within " +
                        std::to_string(options_.startup_timeout_ms / 1000) +
                        " s (last: " + last.ToString() + "); its log ends:\n" + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
}

Status HoptraceServer::Stop() {
  if (!process_) return Status::Ok();
  const ChildProcess::StopOutcome stopped = process_->Stop(options_.stop_timeout_ms);
  process_.reset();
  const int ws = stopped.wait_status;
  if (stopped.exited_before) {
    return UnavailableError("hoptrace serve had " + DescribeWaitStatus(ws) +
                            " before it was stopped; its log ends:\n" + LogTail());
  }
  if (stopped.killed) {
    return UnavailableError("hoptrace serve did not exit within " +
                            std::to_string(options_.stop_timeout_ms / 1000) +
                            " s of SIGTERM; killed");
  }
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
    return UnavailableError("hoptrace serve " + DescribeWaitStatus(ws) +
                            " on SIGTERM; its log ends:\n" + LogTail());
  }
  return Status::Ok();
}

std::string HoptraceServer::LogTail() const {
  std::string tail = FileTail(log_path_, kLogTailBytes);
  return tail.empty() ? "(empty)" : tail;
}

}  // namespace hoptrace::bench
