// ingest_bench: W1 (BENCHMARKS.md) sent to a real `hoptrace serve` as OTLP/HTTP protobuf, end
// to end into its durable store, beside the store-only rate of the same spans measured in the
// same run.
//
//   ingest_bench [--spans N] [--seed S] [--batch N] [--connections N] [--gzip] [--json]
//                [--bin PATH] [--dir PATH] [--disk-mbps X] [--store-writers N]
//                [--breakdown-spans N] [--skip-store-only]
//
// 1. End to end. W1 is generated and encoded into ExportTraceServiceRequests of --batch spans
//    (512) before the clock starts (otlp_load.h), so the load generator spends its CPU on
//    sending only. `hoptrace serve` (--bin, or the one of this build tree) starts on a fresh
//    data directory and a free port on 127.0.0.1; --connections (4) threads each keep one
//    HTTP/1.1 connection alive and POST the next unsent request to /v1/traces. A 200 means the
//    spans are durable (in the WAL), so the clock stops when the last 200 arrives. A 503 is
//    retried after its Retry-After and counted; other answers count as failures.
//    Measured on the server process: CPU (/proc/<pid>/stat utime + stime) and bytes written to
//    storage (/proc/<pid>/io write_bytes) over the run, peak RSS (VmHWM); after the run the
//    server is stopped with SIGTERM, which writes its memtable into blocks, and the time to
//    exit gives the rate including that final flush.
// 2. Pipeline breakdown: the server's ingest pipeline (its Ingester) run in-process on one
//    thread over the first --breakdown-spans spans, CPU per phase: gunzip, decode, normalise,
//    the rest of ingest (context reads, Append), the store's background threads
//    (pipeline_breakdown.h).
// 3. Store only: the same W1 spans (same seed) appended straight to an EmbeddedStore in a
//    forked child, --batch spans per Append from --store-writers threads (default: as many as
//    connections), with store_bench's code (w1_driver.h), measured twice:
//    - all on the clock: every batch generated before the clock starts
//      (W1RunOptions::pregenerate); the clock runs from the first Append to the end of the
//      final Flush, as the end-to-end clock runs over everything the server does. The ratio
//      target is against this figure.
//    - as store_bench measures it: batches stored as they are generated, the generating
//      thread's own time taken off. The store's background flush (and, with several writers,
//      the writers) keeps working on the other core meanwhile, so this figure credits the store
//      with CPU time the clock does not see; it is printed for comparison with store_bench.
// For each phase the machine-wide CPU use (/proc/stat) is sampled too, to show how much of the
// machine other processes took: on a shared machine the figures are only as good as that.
// Results go to stdout (a table, or one JSON object with --json); progress goes to stderr.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench_util.h"
#include "hoptrace_server.h"
#include "hoptrace_system.h"
#include "ingest_report.h"
#include "otlp_load.h"
#include "pipeline_breakdown.h"
#include "w1_driver.h"

namespace hoptrace::bench {
namespace {

constexpr const char* kUsage =
    "usage: ingest_bench [--spans N] [--seed S] [--batch N] [--connections N] [--gzip] [--json] "
    "[--bin PATH] [--dir PATH] [--disk-mbps X] [--store-writers N] [--breakdown-spans N] "
    "[--skip-store-only]";
constexpr uint64_t kMaxConnections = 256;

[[noreturn]] void BadFlag(const std::string& message) {
  std::fprintf(stderr, "ingest_bench: %s (%s)\n", message.c_str(), kUsage);
  std::exit(2);
}

uint64_t ParseCount(const std::string& flag, const std::string& value, bool allow_zero,
                    uint64_t max = UINT64_MAX) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || value[0] == '-' || *end != '\0' || errno != 0 || (!allow_zero && v == 0) ||
      v > max) {
    BadFlag(flag + " wants " + (allow_zero ? "a non-negative" : "a positive") + " integer" +
            (max != UINT64_MAX ? " up to " + std::to_string(max) : "") + ", got '" + value + "'");
  }
  return v;
}

IngestBenchFlags ParseFlags(int argc, char** argv) {
  IngestBenchFlags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) BadFlag(arg + " needs a value");
      return argv[++i];
    };
    auto no_value = [&] {
      if (has_value) BadFlag(arg + " takes no value");
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s\n", kUsage);
      std::exit(0);
    } else if (arg == "--spans") {
      f.spans = ParseCount(arg, take(), false);
    } else if (arg == "--seed") {
      f.seed = ParseCount(arg, take(), true);
    } else if (arg == "--batch") {
      f.batch = ParseCount(arg, take(), false, 1'000'000);
    } else if (arg == "--connections") {
      f.connections = static_cast<int>(ParseCount(arg, take(), false, kMaxConnections));
    } else if (arg == "--store-writers") {
      f.store_writers = static_cast<int>(ParseCount(arg, take(), false, 64));
    } else if (arg == "--breakdown-spans") {
      f.breakdown_spans = ParseCount(arg, take(), true);
    } else if (arg == "--gzip") {
      no_value();
      f.gzip = true;
    } else if (arg == "--json") {
      no_value();
      f.json = true;
    } else if (arg == "--skip-store-only") {
      no_value();
      f.skip_store_only = true;
    } else if (arg == "--bin") {
      f.bin = take();
      if (f.bin.empty()) BadFlag("--bin wants a path");
    } else if (arg == "--dir") {
      f.dir = take();
      if (f.dir.empty()) BadFlag("--dir wants a path");
    } else if (arg == "--disk-mbps") {
      std::string v = take();
      char* end = nullptr;
      f.disk_mbps = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(f.disk_mbps > 0)) {
        BadFlag("--disk-mbps wants a positive number, got '" + v + "'");
      }
    } else {
      BadFlag("unknown flag '" + arg + "'");
    }
  }
  if (f.store_writers == 0) f.store_writers = std::min(f.connections, 64);
  return f;
}

MachineCpuSample Delta(const MachineCpuSample& a, const MachineCpuSample& b) {
  return {.busy_seconds = b.busy_seconds - a.busy_seconds,
          .idle_seconds = b.idle_seconds - a.idle_seconds,
          .steal_seconds = b.steal_seconds - a.steal_seconds};
}

// CPU of this process's reaped children (getrusage RUSAGE_CHILDREN).
double ChildrenCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  auto s = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

ServerCounters ScrapeMetrics(const LoopbackUrl& url) {
  ServerCounters c;
  HttpClient http(url);
  http.set_timeout_ms(10'000);
  StatusOr<std::string> text = http.Get("/metrics");
  if (!text.ok()) {
    Progress("GET /metrics: %s", text.status().ToString().c_str());
    return c;
  }
  auto value = [&](const std::string& name) -> double {
    size_t at = 0;
    while ((at = text->find(name + " ", at)) != std::string::npos) {
      if (at == 0 || (*text)[at - 1] == '\n')
        return std::strtod(text->c_str() + at + name.size() + 1, nullptr);
      at += name.size();
    }
    return -1;
  };
  c.accepted = value("hoptrace_spans_accepted_total");
  c.duplicates = value("hoptrace_spans_duplicate_total");
  c.handler_seconds = value("hoptrace_ingest_request_duration_seconds_sum");
  return c;
}

EndToEndResult RunEndToEnd(const IngestBenchFlags& flags, const OtlpWorkload& workload,
                           const std::string& parent, const std::string& binary) {
  EndToEndResult e;
  auto server = HoptraceServer::Start({.binary = binary, .parent_dir = parent});
  if (!server.ok()) {
    e.error = "starting hoptrace serve: " + server.status().ToString();
    return e;
  }
  const int pid = (*server)->pid();
  e.server_pid = pid;
  Progress(
      "hoptrace serve (pid %d, %s) answers on http://%s:%u; sending %zu requests over %d "
      "connections",
      pid, binary.c_str(), (*server)->url().host.c_str(), (*server)->url().port,
      workload.bodies.size(), flags.connections);
  StatusOr<ProcessSample> before = SampleProcess(pid);
  const std::map<int, double> threads_before = ThreadCpuSeconds(pid);
  const MachineCpuSample machine_before = SampleMachineCpu();
  e.send = SendOtlpWorkload(workload, (*server)->url(), flags.connections);
  const MachineCpuSample machine_after = SampleMachineCpu();
  StatusOr<ProcessSample> after = SampleProcess(pid);
  for (const auto& [tid, cpu] : ThreadCpuSeconds(pid)) {
    auto was = threads_before.find(tid);
    const double used = cpu - (was == threads_before.end() ? 0 : was->second);
    if (used > 0) e.thread_cpu_s.push_back(used);
  }
  std::sort(e.thread_cpu_s.rbegin(), e.thread_cpu_s.rend());
  e.machine = Delta(machine_before, machine_after);
  if (before.ok() && after.ok()) {
    e.server_cpu_s = after->cpu_seconds - before->cpu_seconds;
    e.io_readable = before->io_readable && after->io_readable;
    e.server_write_bytes = after->write_bytes - before->write_bytes;
    e.server_wchar = after->wchar - before->wchar;
  } else {
    e.error = "the server process went away during the run; its log ends:\n" + (*server)->LogTail();
  }
  e.server_peak_rss_mib = PeakRssMib(pid);
  e.counters = ScrapeMetrics((*server)->url());
  Progress("sent in %.2f s; stopping the server (it flushes its memtable into blocks)",
           e.send.seconds);
  Stopwatch stop;
  Status stopped = (*server)->Stop();
  e.stop_seconds = stop.Seconds();
  if (!stopped.ok()) e.stop_error = stopped.ToString();
  e.bytes_on_disk = DirectoryBytes((*server)->data_dir());
  return e;
}

// `pregenerate`: all on the clock; otherwise as store_bench measures (see the top comment).
StoreOnlyResult RunStoreOnly(const IngestBenchFlags& flags, const std::string& parent,
                             bool pregenerate) {
  StoreOnlyResult out;
  if (flags.skip_store_only) {
    out.skipped = "--skip-store-only";
    return out;
  }
  StatusOr<std::string> dir = MakeTempDir(parent, "ingest_bench_store.");
  if (!dir.ok()) {
    out.error = dir.status().ToString();
    return out;
  }
  Progress(
      "store only (%s): W1, %llu spans, seed %llu, %zu spans per Append, %d writer threads, "
      "in %s",
      pregenerate ? "all on the clock" : "as store_bench measures",
      static_cast<unsigned long long>(flags.spans), static_cast<unsigned long long>(flags.seed),
      flags.batch, flags.store_writers, dir->c_str());
  const double children_before = ChildrenCpuSeconds();
  const MachineCpuSample machine_before = SampleMachineCpu();
  Stopwatch wall;
  StatusOr<std::string> child = RunInChild([&]() -> std::string {
    ResetPeakRss();
    auto system = OpenHoptraceSystem(*dir, flags.batch);
    if (!system.ok()) return "error " + system.status().ToString();
    auto result = RunW1(system->get(), {.spans = flags.spans,
                                        .seed = flags.seed,
                                        .writers = flags.store_writers,
                                        .run_queries = false,
                                        .pregenerate = pregenerate});
    system->reset();
    if (!result.ok()) return "error " + result.status().ToString();
    return result->Serialize();
  });
  out.wall_s = wall.Seconds();
  out.machine = Delta(machine_before, SampleMachineCpu());
  out.child_cpu_s = ChildrenCpuSeconds() - children_before;
  RemoveTree(*dir);
  if (!child.ok()) {
    out.error = child.status().ToString();
  } else if (child->rfind("error ", 0) == 0) {
    out.error = child->substr(6);
  } else if (auto parsed = W1Result::Parse(*child); !parsed.ok()) {
    out.error = parsed.status().ToString();
  } else {
    out.result = *parsed;
  }
  return out;
}

BreakdownResult RunBreakdown(const IngestBenchFlags& flags, const OtlpWorkload& workload,
                             const std::string& parent) {
  BreakdownResult out;
  if (flags.breakdown_spans == 0) {
    out.skipped = "--breakdown-spans 0";
    return out;
  }
  StatusOr<std::string> dir = MakeTempDir(parent, "ingest_bench_pipeline.");
  if (!dir.ok()) {
    out.error = dir.status().ToString();
    return out;
  }
  Progress(
      "pipeline breakdown: the first %llu spans through the server's ingest pipeline on one "
      "thread",
      static_cast<unsigned long long>(flags.breakdown_spans));
  StatusOr<std::string> child = RunInChild([&]() -> std::string {
    auto b = MeasurePipeline(workload, flags.breakdown_spans, *dir);
    if (!b.ok()) return "error " + b.status().ToString();
    return b->Serialize();
  });
  RemoveTree(*dir);
  if (!child.ok()) {
    out.error = child.status().ToString();
  } else if (child->rfind("error ", 0) == 0) {
    out.error = child->substr(6);
  } else if (auto parsed = PipelineBreakdown::Parse(*child); !parsed.ok()) {
    out.error = parsed.status().ToString();
  } else {
    out.b = *parsed;
  }
  return out;
}

int Main(int argc, char** argv) {
  IngestBenchFlags flags = ParseFlags(argc, argv);
  StatusOr<std::string> binary = FindHoptraceBinary(flags.bin);
  if (!binary.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", binary.status().message().c_str());
    return 1;
  }
  const std::string parent = flags.dir.empty() ? "/tmp" : flags.dir;
  Progress("W1, %llu spans, seed %llu: generating and encoding %zu-span requests%s",
           static_cast<unsigned long long>(flags.spans),
           static_cast<unsigned long long>(flags.seed), flags.batch, flags.gzip ? " (gzip)" : "");
  StatusOr<OtlpWorkload> workload = BuildOtlpWorkload(
      {.spans = flags.spans, .seed = flags.seed, .batch_spans = flags.batch, .gzip = flags.gzip});
  if (!workload.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", workload.status().ToString().c_str());
    return 1;
  }
  EndToEndResult e2e = RunEndToEnd(flags, *workload, parent, *binary);
  if (!e2e.error.empty()) Progress("end to end failed: %s", e2e.error.c_str());
  BreakdownResult breakdown = RunBreakdown(flags, *workload, parent);
  if (!breakdown.error.empty()) Progress("pipeline breakdown failed: %s", breakdown.error.c_str());
  // The bodies are no longer needed; the store-only child should not carry them.
  OtlpWorkload summary = std::move(*workload);
  std::vector<std::string>().swap(summary.bodies);
  summary.bodies.resize(summary.body_spans.size());  // keeps the request count for the report
  StoreOnlyResult store = RunStoreOnly(flags, parent, /*pregenerate=*/true);
  if (!store.error.empty()) Progress("store only failed: %s", store.error.c_str());
  StoreOnlyResult store_sb = RunStoreOnly(flags, parent, /*pregenerate=*/false);
  if (!store_sb.error.empty()) Progress("store only failed: %s", store_sb.error.c_str());

  IngestReport report{flags,
                      summary,
                      e2e,
                      breakdown,
                      store,
                      store_sb,
                      static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))};
  if (flags.json) {
    PrintIngestJson(report);
  } else {
    PrintIngestTable(report);
  }
  const bool ok =
      report.complete() && store.error.empty() && store_sb.error.empty() && breakdown.error.empty();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) { return hoptrace::bench::Main(argc, argv); }
