// sdk_bench: W2 of BENCHMARKS.md — the cost of instrumenting with libhoptrace, beside the
// OpenTelemetry JS SDK measured in the same run.
//
//   sdk_bench [--spans N] [--repeat R] [--queue N] [--batch N] [--seed S] [--json]
//             [--node PATH] [--no-js]
//
// Workload (per span): start a span, set 6 attributes (2 strings, 2 ints, 1 double, 1 bool),
// end it; spans go through the batch processor into an exporter that discards them (and counts
// them). N spans (default 1,000,000) on 1 thread, then split over 2 threads. Each figure covers
// the whole pipeline: the clock stops after ForceFlush returns, i.e. when the processor's
// worker has handed every span to the exporter and freed it, and CPU is the process's CPU time
// (all threads: producers and the processor's worker) over the same interval.
// Non-recording spans: the same calls with a sampler that drops everything (always_off) and
// with no provider at all (the global no-op tracer); 10 × N spans.
//
// The JS peer is bench/sdk_bench.mjs run under node with the pinned packages of
// tests/clients/node_modules (@opentelemetry/sdk-trace-base, BatchSpanProcessor with a
// discarding exporter, the same queue and batch sizes, the same spans and attributes; 2 threads
// are 2 worker_threads with a provider each). It is reported as skipped, with the reason, when
// node or the packages are missing.
//
// R repetitions (default 3) of each configuration; the median of each figure is reported.
// --seed is accepted for uniformity (the workload is deterministic). Results go to stdout (a
// table, or one JSON object with --json); progress to stderr.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hoptrace/hoptrace.h"

#ifndef HOPTRACE_SOURCE_DIR
#define HOPTRACE_SOURCE_DIR "."
#endif

namespace ht = hoptrace;

namespace {

// Published for context only (other hardware: 32 × 5.7 GHz), BENCHMARKS.md.
constexpr double kOtelCppStartEndNs = 158;
constexpr double kOtelCppDisabledNs = 5.3;
constexpr double kTargetRecordedNs = 150;
constexpr double kTargetNonRecordingNs = 10;
constexpr double kTargetCpuRatio = 0.2;

struct Flags {
  std::uint64_t spans = 1000000;
  int repeat = 3;
  std::size_t queue = 65536;
  std::size_t batch = 512;
  std::uint64_t seed = 42;
  bool json = false;
  bool js = true;
  std::string node = "node";
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Busy and total jiffies of the whole machine (/proc/stat), to tell whether others ran.
struct MachineCpu {
  double busy = 0, total = 0;
};
MachineCpu ReadMachineCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  MachineCpu m;
  m.busy = user + nice + system + irq + softirq + steal;
  m.total = m.busy + idle + iowait;
  return m;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Counts what it is given and drops it.
class DiscardingExporter final : public ht::SpanExporter {
 public:
  ht::ExportResult Export(std::span<const std::unique_ptr<ht::SpanData>> spans,
                          ht::Deadline) noexcept override {
    count_.fetch_add(spans.size(), std::memory_order_relaxed);
    return ht::ExportResult::kSuccess;
  }
  std::uint64_t count() const { return count_.load(); }

 private:
  std::atomic<std::uint64_t> count_{0};
};

// The W2 span. Values vary with i so nothing is constant-folded.
inline void OneSpan(const ht::Tracer& tracer, std::uint64_t i) {
  ht::Span span = tracer.StartSpan("chat gpt-4o");
  span.SetAttribute("gen_ai.operation.name", "chat");
  span.SetAttribute("gen_ai.request.model", "gpt-4o");
  span.SetAttribute("gen_ai.usage.input_tokens", static_cast<std::int64_t>(i & 4095));
  span.SetAttribute("gen_ai.usage.output_tokens", static_cast<std::int64_t>((i * 7) & 1023));
  span.SetAttribute("gen_ai.request.temperature", 0.25 * static_cast<double>(i & 3));
  span.SetAttribute("gen_ai.cache.hit", (i & 1) != 0);
}

struct Run {
  double wall_s = 0;
  double cpu_s = 0;
  std::uint64_t spans = 0;
  std::uint64_t dropped = 0;
  std::uint64_t exported = 0;
  double machine_busy = 0;  // fraction of the machine's CPUs busy during the run (all processes)
  double ns_per_span() const { return wall_s * 1e9 / static_cast<double>(spans); }
  double cpu_ns_per_span() const { return cpu_s * 1e9 / static_cast<double>(spans); }
  double spans_per_s() const { return static_cast<double>(spans) / wall_s; }
};

// `threads` producers share one provider and its batch processor; spans split evenly.
Run RunRecorded(const Flags& f, int threads, std::uint64_t spans) {
  auto exporter = std::make_shared<DiscardingExporter>();
  auto processor = std::make_shared<ht::BatchSpanProcessor>(
      exporter, ht::BatchSpanProcessorOptions{.max_queue_size = f.queue,
                                              .max_export_batch_size = f.batch});
  auto provider = ht::TracerProvider::Create(
      {.resource = ht::Resource::Create({{"service.name", "sdk-bench"}}),
       .sampler = ht::AlwaysOnSampler(),
       .processors = {processor}});
  ht::Tracer tracer = provider->GetTracer("sdk_bench", "1.0");

  std::barrier start(threads + 1);
  std::vector<std::thread> workers;
  const std::uint64_t per = spans / static_cast<std::uint64_t>(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      start.arrive_and_wait();
      const std::uint64_t base = per * static_cast<std::uint64_t>(t);
      for (std::uint64_t i = 0; i < per; ++i) OneSpan(tracer, base + i);
    });
  }
  MachineCpu m0 = ReadMachineCpu();
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  start.arrive_and_wait();
  for (auto& w : workers) w.join();
  processor->ForceFlush(ht::DeadlineAfter(std::chrono::seconds(120)));
  auto t1 = std::chrono::steady_clock::now();
  double cpu1 = CpuSeconds();
  MachineCpu m1 = ReadMachineCpu();

  Run r;
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  r.cpu_s = cpu1 - cpu0;
  r.spans = per * static_cast<std::uint64_t>(threads);
  r.dropped = processor->stats().dropped_spans;
  r.exported = exporter->count();
  const double ncpu = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  double total = m1.total - m0.total;
  r.machine_busy = total > 0 ? (m1.busy - m0.busy) / total : 0;
  (void)ncpu;
  provider->Shutdown(std::chrono::seconds(10));
  return r;
}

enum class NonRecording { kSamplerOff, kNoProvider };

Run RunNonRecording(NonRecording kind, std::uint64_t spans) {
  std::shared_ptr<ht::TracerProvider> provider;
  ht::Tracer tracer;  // no provider: the default, no-op tracer (what GetTracer gives then)
  std::shared_ptr<DiscardingExporter> exporter;
  std::shared_ptr<ht::BatchSpanProcessor> processor;
  if (kind == NonRecording::kSamplerOff) {
    exporter = std::make_shared<DiscardingExporter>();
    processor = std::make_shared<ht::BatchSpanProcessor>(exporter, ht::BatchSpanProcessorOptions{});
    provider = ht::TracerProvider::Create({.sampler = ht::AlwaysOffSampler(),
                                           .processors = {processor}});
    tracer = provider->GetTracer("sdk_bench", "1.0");
  } else {
    tracer = ht::GetTracer("sdk_bench", "1.0");  // the global provider is the no-op one here
  }
  MachineCpu m0 = ReadMachineCpu();
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < spans; ++i) OneSpan(tracer, i);
  auto t1 = std::chrono::steady_clock::now();
  double cpu1 = CpuSeconds();
  MachineCpu m1 = ReadMachineCpu();
  Run r;
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  r.cpu_s = cpu1 - cpu0;
  r.spans = spans;
  double total = m1.total - m0.total;
  r.machine_busy = total > 0 ? (m1.busy - m0.busy) / total : 0;
  if (exporter) r.exported = exporter->count();
  if (processor) r.dropped = processor->stats().dropped_spans;
  return r;
}

// Median figures over repetitions.
struct Figures {
  bool ok = false;
  std::string skipped;  // the reason, when not ok
  double ns_per_span = 0, spans_per_s = 0, cpu_ns_per_span = 0, machine_busy = 0;
  double dropped = 0, exported = 0, spans = 0;
};

Figures Summarise(const std::vector<Run>& runs) {
  Figures f;
  f.ok = true;
  std::vector<double> ns, sps, cpu, busy;
  for (const Run& r : runs) {
    ns.push_back(r.ns_per_span());
    sps.push_back(r.spans_per_s());
    cpu.push_back(r.cpu_ns_per_span());
    busy.push_back(r.machine_busy);
    f.dropped = std::max(f.dropped, static_cast<double>(r.dropped));
    f.exported = static_cast<double>(r.exported);
    f.spans = static_cast<double>(r.spans);
  }
  f.ns_per_span = Median(ns);
  f.spans_per_s = Median(sps);
  f.cpu_ns_per_span = Median(cpu);
  f.machine_busy = Median(busy);
  return f;
}

// --- the JS peer ------------------------------------------------------------------------------

// The value of "key": in a flat JSON object of numbers (what sdk_bench.mjs prints).
std::optional<double> JsonNumber(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":";
  std::size_t p = json.find(needle);
  if (p == std::string::npos) return std::nullopt;
  return std::strtod(json.c_str() + p + needle.size(), nullptr);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Runs sdk_bench.mjs once; its stdout is one JSON object.
std::string RunNode(const Flags& f, const std::string& mode, int threads, std::uint64_t spans,
                    std::string* error) {
  std::string cmd = ShellQuote(f.node) + " " +
                    ShellQuote(std::string(HOPTRACE_SOURCE_DIR) + "/bench/sdk_bench.mjs") +
                    " --mode " + mode + " --threads " + std::to_string(threads) + " --spans " +
                    std::to_string(spans) + " --queue " + std::to_string(f.queue) + " --batch " +
                    std::to_string(f.batch) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *error = "cannot run " + f.node;
    return {};
  }
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (status != 0) {
    std::string tail = out.size() > 400 ? out.substr(out.size() - 400) : out;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    *error = "node exited with status " + std::to_string(WEXITSTATUS(status)) + ": " + tail;
    return {};
  }
  return out;
}

Figures RunJs(const Flags& f, const std::string& mode, int threads, std::uint64_t spans) {
  std::vector<Run> runs;
  for (int rep = 0; rep < f.repeat; ++rep) {
    std::string error;
    std::string out = RunNode(f, mode, threads, spans, &error);
    if (!error.empty()) {
      Figures skipped;
      skipped.skipped = error;
      return skipped;
    }
    Run r;
    r.wall_s = JsonNumber(out, "wall_s").value_or(0);
    r.cpu_s = JsonNumber(out, "cpu_s").value_or(0);
    r.spans = static_cast<std::uint64_t>(JsonNumber(out, "spans").value_or(0));
    r.dropped = static_cast<std::uint64_t>(JsonNumber(out, "dropped").value_or(0));
    r.exported = static_cast<std::uint64_t>(JsonNumber(out, "exported").value_or(0));
    r.machine_busy = JsonNumber(out, "machine_busy").value_or(0);
    if (r.spans == 0 || r.wall_s <= 0) {
      Figures skipped;
      skipped.skipped = "unexpected output from sdk_bench.mjs: " + out.substr(0, 300);
      return skipped;
    }
    runs.push_back(r);
  }
  return Summarise(runs);
}

// --- output -----------------------------------------------------------------------------------

std::string Num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  // Thousands separators for the integer part.
  std::string_view s = buf;
  std::size_t dot = s.find('.');
  std::size_t end = dot == std::string_view::npos ? s.size() : dot;
  std::size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  std::string out(s.substr(0, start));
  for (std::size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) out.push_back(',');
    out.push_back(s[i]);
  }
  out.append(s.substr(end));
  return out;
}

std::string Cell(const Figures& f, double v, int decimals = 0) {
  return f.ok ? Num(v, decimals) : "skipped";
}

struct Row {
  std::string what;
  Figures ours, js;
};

void PrintTable(const Flags& flags, const std::vector<Row>& rows, const Figures& js_probe) {
  std::printf("W2 — SDK: start span, 6 attributes (2 string, 2 int, 1 double, 1 bool), end; batch "
              "processor (queue %zu, batch %zu) into a discarding exporter\n",
              flags.queue, flags.batch);
  std::printf("%s spans recorded per configuration, %s non-recording; median of %d runs; CPU is "
              "process CPU time (all threads) until the processor has flushed\n\n",
              Num(static_cast<double>(flags.spans)).c_str(),
              Num(static_cast<double>(flags.spans * 10)).c_str(), flags.repeat);
  std::printf("%-32s | %12s %12s | %12s %12s | %13s %13s | %9s %9s | %8s | %s\n", "",
              "ns/span", "", "spans/s", "", "CPU ns/span", "", "dropped", "", "CPU", "machine busy");
  std::printf("%-32s | %12s %12s | %12s %12s | %13s %13s | %9s %9s | %8s | %s\n",
              "configuration", "hoptrace", "OTel JS", "hoptrace", "OTel JS", "hoptrace", "OTel JS",
              "hoptrace", "OTel JS", "ours/JS", "ours / JS run");
  std::printf("%s\n", std::string(170, '-').c_str());
  for (const Row& r : rows) {
    std::string ratio = (r.js.ok && r.js.cpu_ns_per_span > 0)
                            ? Num(r.ours.cpu_ns_per_span / r.js.cpu_ns_per_span, 3)
                            : "-";
    std::string busy = Num(r.ours.machine_busy * 100) + "% / " +
                       (r.js.ok ? Num(r.js.machine_busy * 100) + "%" : "-");
    std::printf("%-32s | %12s %12s | %12s %12s | %13s %13s | %9s %9s | %8s | %s\n",
                r.what.c_str(), Num(r.ours.ns_per_span, 1).c_str(),
                Cell(r.js, r.js.ns_per_span, 1).c_str(), Num(r.ours.spans_per_s).c_str(),
                Cell(r.js, r.js.spans_per_s).c_str(), Num(r.ours.cpu_ns_per_span, 1).c_str(),
                Cell(r.js, r.js.cpu_ns_per_span, 1).c_str(), Num(r.ours.dropped).c_str(),
                Cell(r.js, r.js.dropped).c_str(), ratio.c_str(), busy.c_str());
  }
  if (!js_probe.ok) std::printf("\nOpenTelemetry JS SDK: skipped (%s)\n", js_probe.skipped.c_str());

  const Row& rec1 = rows[0];
  const Row& off = rows[2];
  const Row& none = rows[3];
  std::printf("\nTargets (hoptrace):\n");
  auto verdict = [](bool ok) { return ok ? "met" : "MISSED"; };
  std::printf("  recorded span, 1 thread     %8s ns  (target <= %.0f ns)           %s\n",
              Num(rec1.ours.ns_per_span, 1).c_str(), kTargetRecordedNs,
              verdict(rec1.ours.ns_per_span <= kTargetRecordedNs));
  std::printf("  non-recording, sampler off  %8s ns  (target < %.0f ns)             %s\n",
              Num(off.ours.ns_per_span, 1).c_str(), kTargetNonRecordingNs,
              verdict(off.ours.ns_per_span < kTargetNonRecordingNs));
  std::printf("  non-recording, no provider  %8s ns  (target < %.0f ns)             %s\n",
              Num(none.ours.ns_per_span, 1).c_str(), kTargetNonRecordingNs,
              verdict(none.ours.ns_per_span < kTargetNonRecordingNs));
  for (std::size_t i = 0; i < 2; ++i) {
    const Row& r = rows[i];
    if (r.js.ok) {
      double ratio = r.ours.cpu_ns_per_span / r.js.cpu_ns_per_span;
      std::printf("  CPU per span vs JS, %-7s %8s    (target <= %.2f, i.e. 1/5)     %s\n",
                  i == 0 ? "1 thr" : "2 thr", Num(ratio, 3).c_str(), kTargetCpuRatio,
                  verdict(ratio <= kTargetCpuRatio));
    }
    std::printf("  dropped, %-17s %8s / %s (must be 0)              %s\n",
                i == 0 ? "1 thread" : "2 threads", Num(r.ours.dropped).c_str(),
                r.js.ok ? Num(r.js.dropped).c_str() : "-",
                verdict(r.ours.dropped == 0 && (!r.js.ok || r.js.dropped == 0)));
  }
  std::printf("\nPublished, other hardware (32 x 5.7 GHz), for context only: opentelemetry-cpp "
              "start+end %.0f ns, disabled tracer %.1f ns.\n",
              kOtelCppStartEndNs, kOtelCppDisabledNs);
  std::printf("machine busy = share of all of this machine's CPUs busy during the run (our "
              "process included); well above ours means other processes were running.\n");
}

void PrintJson(const Flags& flags, const std::vector<Row>& rows) {
  const char* keys[] = {"recorded_1_thread", "recorded_2_threads", "non_recording_sampler_off",
                        "non_recording_no_provider"};
  std::ostringstream o;
  o << "{\"workload\":\"W2\",\"params\":{\"spans\":" << flags.spans
    << ",\"repeat\":" << flags.repeat << ",\"queue\":" << flags.queue
    << ",\"batch\":" << flags.batch << ",\"seed\":" << flags.seed << "},\"results\":{";
  auto figures = [&](const char* system, bool js) {
    o << "\"" << system << "\":{";
    bool first = true;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Figures& f = js ? rows[i].js : rows[i].ours;
      if (!f.ok) continue;
      o << (first ? "" : ",") << "\"" << keys[i] << "_ns_per_span\":" << f.ns_per_span << ",\""
        << keys[i] << "_spans_per_s\":" << f.spans_per_s << ",\"" << keys[i]
        << "_cpu_ns_per_span\":" << f.cpu_ns_per_span << ",\"" << keys[i]
        << "_dropped_spans\":" << f.dropped;
      first = false;
    }
    if (js && !rows[0].js.ok) o << "\"skipped\":1";
    o << "}";
  };
  figures("hoptrace", false);
  o << ",";
  figures("opentelemetry_js", true);
  o << ",\"opentelemetry_cpp_published\":{\"start_end_ns_per_span\":" << kOtelCppStartEndNs
    << ",\"disabled_ns_per_span\":" << kOtelCppDisabledNs << "}},\"ratios\":{";
  bool first = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].js.ok || rows[i].js.cpu_ns_per_span <= 0) continue;
    o << (first ? "" : ",") << "\"" << keys[i] << "_cpu_ns_per_span\":"
      << rows[i].ours.cpu_ns_per_span / rows[i].js.cpu_ns_per_span;
    first = false;
  }
  o << "}}";
  std::cout << o.str() << "\n";
}

int Usage() {
  std::cerr << "usage: sdk_bench [--spans N] [--repeat R] [--queue N] [--batch N] [--seed S] "
               "[--json] [--node PATH] [--no-js]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "--json") {
      flags.json = true;
    } else if (arg == "--no-js") {
      flags.js = false;
    } else if (arg == "--spans" || arg == "--repeat" || arg == "--queue" || arg == "--batch" ||
               arg == "--seed" || arg == "--node") {
      auto v = next();
      if (!v) return Usage();
      if (arg == "--node") {
        flags.node = *v;
        continue;
      }
      char* end = nullptr;
      unsigned long long n = std::strtoull(v->c_str(), &end, 10);
      if (end == v->c_str() || *end != '\0' || (n == 0 && arg != "--seed")) return Usage();
      if (arg == "--spans") flags.spans = n;
      if (arg == "--repeat") flags.repeat = static_cast<int>(n);
      if (arg == "--queue") flags.queue = n;
      if (arg == "--batch") flags.batch = n;
      if (arg == "--seed") flags.seed = n;
    } else {
      return Usage();
    }
  }
  // Quiet: a drop is counted and shown in the table, not logged per batch.
  ht::SetLogHandler([](ht::LogLevel, std::string_view) {});

  std::vector<Row> rows(4);
  rows[0].what = "recorded, 1 thread";
  rows[1].what = "recorded, 2 threads";
  rows[2].what = "non-recording: sampler off";
  rows[3].what = "non-recording: no provider";
  const std::uint64_t nonrec = flags.spans * 10;

  // A short warm-up (page faults, allocator arenas), not measured.
  RunRecorded(flags, 1, std::min<std::uint64_t>(flags.spans, 100000));

  for (int threads = 1; threads <= 2; ++threads) {
    std::vector<Run> runs;
    for (int rep = 0; rep < flags.repeat; ++rep) {
      std::cerr << "hoptrace: recorded, " << threads << " thread(s), run " << rep + 1 << "\n";
      runs.push_back(RunRecorded(flags, threads, flags.spans));
    }
    rows[static_cast<std::size_t>(threads - 1)].ours = Summarise(runs);
  }
  for (int k = 0; k < 2; ++k) {
    std::vector<Run> runs;
    for (int rep = 0; rep < flags.repeat; ++rep) {
      std::cerr << "hoptrace: non-recording " << (k == 0 ? "sampler off" : "no provider")
                << ", run " << rep + 1 << "\n";
      runs.push_back(RunNonRecording(k == 0 ? NonRecording::kSamplerOff : NonRecording::kNoProvider,
                                     nonrec));
    }
    rows[static_cast<std::size_t>(2 + k)].ours = Summarise(runs);
  }

  Figures js_probe;
  if (!flags.js) {
    js_probe.skipped = "--no-js";
  } else {
    const char* modes[] = {"recorded", "recorded", "sampler_off", "no_provider"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::cerr << "OpenTelemetry JS: " << rows[i].what << " (" << flags.repeat << " runs)\n";
      rows[i].js = RunJs(flags, modes[i], i == 1 ? 2 : 1, i < 2 ? flags.spans : flags.spans);
      if (!rows[i].js.ok) {
        js_probe = rows[i].js;
        for (Row& r : rows) r.js = js_probe;
        break;
      }
      js_probe = rows[i].js;
    }
  }
  for (Row& r : rows) {
    if (!r.js.ok && r.js.skipped.empty()) r.js.skipped = js_probe.skipped;
  }

  if (flags.json) {
    PrintJson(flags, rows);
  } else {
    PrintTable(flags, rows, js_probe);
  }
  return 0;
}
