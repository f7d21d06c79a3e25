#include "bench_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/file_system.h"
#include "common/json.h"

namespace hoptrace::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

namespace {

double VmHwmMib(const std::string& status_path) {
  std::ifstream in(status_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
    }
  }
  return 0;
}

}  // namespace

double PeakRssMib() { return VmHwmMib("/proc/self/status"); }

double PeakRssMib(int pid) { return VmHwmMib("/proc/" + std::to_string(pid) + "/status"); }

namespace {

// utime + stime of a /proc/.../stat line, in seconds; nullopt when unreadable.
std::optional<double> StatCpuSeconds(const std::string& path) {
  std::ifstream stat(path);
  std::string text;
  if (!stat || !std::getline(stat, text)) return std::nullopt;
  // pid (comm) state ppid ...: comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. utime and stime are fields 14 and 15 (1-based), in clock ticks.
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

StatusOr<ProcessSample> SampleProcess(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  ProcessSample out;
  std::optional<double> cpu = StatCpuSeconds(dir + "/stat");
  if (!cpu) return NotFoundError("no process " + std::to_string(pid));
  out.cpu_seconds = *cpu;
  std::ifstream io(dir + "/io");
  std::string line;
  while (io && std::getline(io, line)) {
    out.io_readable = true;
    if (line.rfind("write_bytes:", 0) == 0) {
      out.write_bytes = std::strtoull(line.c_str() + 12, nullptr, 10);
    }
    if (line.rfind("wchar:", 0) == 0) out.wchar = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return out;
}

std::map<int, double> ThreadCpuSeconds(int pid) {
  std::map<int, double> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string tid = it->path().filename().string();
    if (std::optional<double> cpu = StatCpuSeconds(it->path().string() + "/stat")) {
      out[std::atoi(tid.c_str())] = *cpu;
    }
  }
  return out;
}

MachineCpuSample SampleMachineCpu() {
  MachineCpuSample out;
  std::ifstream in("/proc/stat");
  std::string cpu;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (clock ticks)
  unsigned long long v[8] = {};
  if (!(in >> cpu) || cpu != "cpu") return out;
  for (auto& x : v) in >> x;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.busy_seconds = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6]) / tick;
  out.idle_seconds = static_cast<double>(v[3] + v[4]) / tick;
  out.steal_seconds = static_cast<double>(v[7]) / tick;
  return out;
}

void ResetPeakRss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, "5", 1);
  (void)ignored;
  ::close(fd);
}

uint64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

StatusOr<std::string> MakeTempDir(const std::string& parent, std::string_view prefix) {
  return hoptrace::MakeTempDir(prefix, parent);
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

StatusOr<std::string> RunInChild(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe", "");
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return ErrnoToStatus(err, "fork", "");
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string result = fn();
    const char* p = result.data();
    size_t left = result.size();
    while (left > 0) {
      ssize_t n = ::write(fds[1], p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(3);
      p += n;
      left -= static_cast<size_t>(n);
    }
    ::close(fds[1]);
    std::fflush(stderr);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string result;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    return InternalError("child killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                         strsignal(WTERMSIG(status)) + ")");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError("child exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return result;
}

std::string JsonNumber(double d) { return hoptrace::JsonNumber(d, /*nonfinite_as_null=*/true); }

std::string AttributesJson(const Attributes& attrs) {
  std::string out = "{";
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(&out, attrs[i].key);
    out.push_back(':');
    AppendJson(&out, attrs[i].value);
  }
  out.push_back('}');
  return out;
}

std::string EventsJson(const std::vector<SpanEvent>& events) {
  std::string out = "[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) out.push_back(',');
    out += "{\"name\":" + JsonString(events[i].name) +
           ",\"timestamp\":" + std::to_string(events[i].time_unix_nano) +
           ",\"attributes\":" + AttributesJson(events[i].attributes) + "}";
  }
  out.push_back(']');
  return out;
}

void Progress(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fputs(program_invocation_short_name, stderr);
  std::fputs(": ", stderr);
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
}

}  // namespace hoptrace::bench
