// Small helpers shared by the benchmarks: clocks, medians, process memory, scratch
// directories, running a measurement in a forked child, JSON text.
//
// Thread-safety: free functions without shared state, except where noted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "model/span.h"

namespace hoptrace::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double Millis() const { return Seconds() * 1e3; }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Median of `values` (mean of the two middle values for an even count); 0 when empty.
double Median(std::vector<double> values);

// Peak resident set size of this process (VmHWM of /proc/self/status) in MiB; 0 if unknown.
double PeakRssMib();
// The same for process `pid` (/proc/<pid>/status); 0 if unknown.
double PeakRssMib(int pid);

// What /proc/<pid> says about a (child) process, for deltas over a run.
struct ProcessSample {
  double cpu_seconds = 0;  // user + system time of all its threads (/proc/<pid>/stat)
  // Bytes it caused to be written to storage, counted when pages are dirtied
  // (/proc/<pid>/io write_bytes); io_readable is false when that file cannot be read (no
  // CONFIG_TASK_IO_ACCOUNTING, or another user's process).
  uint64_t write_bytes = 0;
  uint64_t wchar = 0;  // bytes passed to write-like system calls (/proc/<pid>/io wchar)
  bool io_readable = false;
};
// OK with what could be read; NotFound when the process is gone.
StatusOr<ProcessSample> SampleProcess(int pid);

// CPU seconds (user + system) of each thread of process `pid`, by thread id
// (/proc/<pid>/task/<tid>/stat); empty when the process is gone.
std::map<int, double> ThreadCpuSeconds(int pid);

// Machine-wide CPU time from /proc/stat (all CPUs), for telling how much of the machine other
// processes took during a run: busy = user + nice + system + irq + softirq; steal is time the
// hypervisor gave to other guests. Zeros when /proc/stat cannot be read.
struct MachineCpuSample {
  double busy_seconds = 0;
  double idle_seconds = 0;  // idle + iowait
  double steal_seconds = 0;
};
MachineCpuSample SampleMachineCpu();
// Resets the peak RSS of this process to its current RSS (Linux: /proc/self/clear_refs).
void ResetPeakRss();

// Sum of the sizes of all regular files under `dir`, recursively.
uint64_t DirectoryBytes(const std::string& dir);

// Creates a fresh directory under `parent` (mkdtemp) and returns its path.
StatusOr<std::string> MakeTempDir(const std::string& parent, std::string_view prefix);
// Removes `path` and everything under it. Errors are ignored.
void RemoveTree(const std::string& path);

// Runs `fn` in a forked child process and returns what it returned. The child's peak RSS is
// its own. `fn` must not depend on threads of the parent. A child that crashes or exits
// without a result gives an error naming the signal or exit status.
StatusOr<std::string> RunInChild(const std::function<std::string()>& fn);

using hoptrace::JsonString;
// A finite number as JSON (shortest round-trip form); null for NaN/inf.
std::string JsonNumber(double d);

// Span attributes as one flat JSON object ({"gen_ai.agent.name": "coder", ...}), and events as
// a JSON array of {"name", "timestamp", "attributes"}: how the peers store them.
std::string AttributesJson(const Attributes& attrs);
std::string EventsJson(const std::vector<SpanEvent>& events);

// Prints a progress line to stderr (never stdout, which is for results), prefixed with the
// program's name ("store_bench: ").
void Progress(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace hoptrace::bench
