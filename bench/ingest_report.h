// ingest_bench's results and their report: a table for people, one JSON object with --json
// (BENCHMARKS.md conventions). The measurements themselves are in ingest_bench.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.h"
#include "otlp_load.h"
#include "pipeline_breakdown.h"
#include "w1_driver.h"

namespace hoptrace::bench {

// The targets of the issue: end-to-end spans/s, and end to end / store only.
inline constexpr double kIngestTargetSpansPerS = 250'000;
inline constexpr double kIngestTargetRatio = 0.5;

// ingest_bench's flags (see the top of ingest_bench.cc).
struct IngestBenchFlags {
  uint64_t spans = 1'000'000;
  uint64_t seed = 42;
  size_t batch = 512;
  int connections = 4;
  bool gzip = false;
  bool json = false;
  std::string bin;
  std::string dir;
  double disk_mbps = 750;  // sequential write limit of this machine kind's disk
  int store_writers = 0;   // 0: as many as connections
  uint64_t breakdown_spans = 200'000;
  bool skip_store_only = false;
};

// What the server's /metrics said after the run.
struct ServerCounters {
  double accepted = -1, duplicates = -1, handler_seconds = -1;
};

// The end-to-end run against `hoptrace serve`.
struct EndToEndResult {
  std::string error;  // the run failed (server did not start, ...)
  int server_pid = -1;
  SendResult send;
  MachineCpuSample machine;  // deltas over the run
  ServerCounters counters;
  double server_cpu_s = 0;
  std::vector<double> thread_cpu_s;  // per server thread over the run, busiest first
  uint64_t server_write_bytes = 0;
  uint64_t server_wchar = 0;
  bool io_readable = false;
  double server_peak_rss_mib = 0;
  double stop_seconds = 0;  // SIGTERM until exit (the final flush)
  std::string stop_error;
  uint64_t bytes_on_disk = 0;  // the data directory after the server exited
};

// One store-only run (see ingest_bench.cc for the two ways it is measured).
struct StoreOnlyResult {
  std::string skipped, error;
  W1Result result;
  double child_cpu_s = 0;    // the child's CPU, span generation included
  double wall_s = 0;         // the child's life
  MachineCpuSample machine;  // deltas over the child's life
  double appends_spans_per_s() const {
    double s = result.ingest_seconds - result.finish_seconds;
    return s > 0 ? static_cast<double>(result.spans) / s : 0;
  }
};

struct BreakdownResult {
  std::string skipped, error;
  PipelineBreakdown b;
};

// Everything one run measured, and the figures derived from it.
struct IngestReport {
  const IngestBenchFlags& flags;
  const OtlpWorkload& workload;
  const EndToEndResult& e2e;
  const BreakdownResult& breakdown;
  const StoreOnlyResult& store;     // all on the clock
  const StoreOnlyResult& store_sb;  // as store_bench measures
  int cpus;

  bool e2e_ran() const { return e2e.error.empty(); }
  bool store_ran() const { return store.skipped.empty() && store.error.empty(); }
  bool store_sb_ran() const { return store_sb.skipped.empty() && store_sb.error.empty(); }
  double store_bench_ratio() const {
    return store_sb_ran() && store_sb.result.ingest_spans_per_s > 0
               ? e2e_rate() / store_sb.result.ingest_spans_per_s
               : 0;
  }
  double spans() const { return static_cast<double>(workload.spans); }
  double e2e_rate() const {
    return e2e.send.seconds > 0 ? e2e.send.spans_ok / e2e.send.seconds : 0;
  }
  double e2e_flush_rate() const {
    double s = e2e.send.seconds + e2e.stop_seconds;
    return s > 0 && e2e.stop_error.empty() ? e2e.send.spans_ok / s : 0;
  }
  double ratio() const {
    return store_ran() && store.result.ingest_spans_per_s > 0
               ? e2e_rate() / store.result.ingest_spans_per_s
               : 0;
  }
  double like_for_like_ratio() const {
    return store_ran() && store.appends_spans_per_s() > 0 ? e2e_rate() / store.appends_spans_per_s()
                                                          : 0;
  }
  double e2e_others_cpu_s() const {
    return std::max(0.0, e2e.machine.busy_seconds - e2e.server_cpu_s - e2e.send.client_cpu_seconds);
  }
  double store_others_cpu_s() const {
    return std::max(0.0, store.machine.busy_seconds - store.child_cpu_s);
  }
  double cpu_ms_per_1k() const { return spans() > 0 ? e2e.server_cpu_s * 1e6 / spans() : 0; }
  double write_mb_per_s() const {
    return e2e.send.seconds > 0 ? e2e.server_write_bytes / 1e6 / e2e.send.seconds : 0;
  }
  double p(double pct) const { return Percentile(e2e.send.latency_ms, pct); }
  double max_ms() const { return e2e.send.latency_ms.empty() ? 0 : e2e.send.latency_ms.back(); }
  bool complete() const {
    return e2e_ran() && e2e.send.failures == 0 && e2e.send.spans_ok == workload.spans &&
           (e2e.counters.accepted < 0 || e2e.counters.accepted == spans());
  }
};

// The human-readable table on stdout.
void PrintIngestTable(const IngestReport& r);
// One JSON object on stdout.
void PrintIngestJson(const IngestReport& r);

}  // namespace hoptrace::bench
