// For the end-to-end tests of the demo fleet: running `hoptrace demo`, and a real `hoptrace
// serve` on a temporary data dir and loopback ports chosen by the kernel. HOPTRACE_BIN is the
// path of the hoptrace binary (a compile definition of the tests).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hoptrace::demo {

struct RunOutput {
  int exit_code = -1;
  std::string out;
  std::vector<std::string> trace_ids;  // from the fleet's "trace <id>" lines
  double seconds = 0;
};

// Runs `[ENV] hoptrace demo ARGS` (a shell command line) with stdout captured (stderr passes
// through to the test log).
inline RunOutput RunDemo(const std::string& args, const std::string& env = "") {
  RunOutput run;
  const auto start = std::chrono::steady_clock::now();
  std::string command = env;
  command += '\'';
  command += HOPTRACE_BIN;
  command += "' demo ";
  command += args;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("trace ", 0) == 0 && line.size() >= 38)
      run.trace_ids.push_back(line.substr(6, 32));
  }
  return run;
}

// `hoptrace serve` on a temporary data dir and ephemeral loopback ports.
class TestServer {
 public:
  explicit TestServer(std::string name) : name_(std::move(name)) {}
  bool Start() {
    dir_ = std::filesystem::temp_directory_path() /
           ("hoptrace-" + name_ + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    log_ = (dir_ / "serve.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string data = (dir_ / "data").string();
      ::execl(HOPTRACE_BIN, HOPTRACE_BIN, "serve", "--data", data.c_str(), "--http", "127.0.0.1:0",
              "--grpc", "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    constexpr std::string_view kMarker = "the API on http://";
    for (int i = 0; i < 300; ++i) {
      const std::string s = Log();
      if (const std::size_t at = s.find(kMarker); at != std::string::npos) {
        const std::size_t start = at + kMarker.size() - 7;
        url_ = s.substr(start, s.find(' ', start) - start);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::filesystem::path dir_;
  std::string log_;
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace hoptrace::demo
