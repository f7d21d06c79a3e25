// Small helpers shared by the benchmarks: clocks, medians, process memory, scratch
// directories, running a measurement in a forked child, JSON text.
//
// Thread-safety: free functions without shared state, except where noted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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

// Prints a progress line to stderr (never stdout, which is for results).
void Progress(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace hoptrace::bench
