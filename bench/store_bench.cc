// store_bench: W1 (BENCHMARKS.md) against hoptrace's embedded store and its peers, SQLite with
// Phoenix's schema and ClickHouse, measured in the same run.
//
//   store_bench [--spans N] [--seed S] [--json] [--dir PATH] [--clickhouse auto|URL]
//               [--systems hoptrace,sqlite,clickhouse] [--writers N]
//
// ClickHouse runs only when asked: `--clickhouse URL` uses a running server at
// http://127.0.0.1:PORT (loopback only); `--clickhouse auto` starts Debian's clickhouse-server
// as a child process on loopback for the ClickHouse run and stops it afterwards
// (clickhouse_server.h), or reports ClickHouse as skipped when it is not installed.
//
// Each system runs in its own forked child (so each peak RSS is its own) on the same generated
// spans. Ingest spans/s counts the time spent inside the store's calls (Append / transaction /
// INSERT, and the final flush or checkpoint), not the time spent generating the spans.
//
// --writers N (default 1, at most 64) applies to systems whose Append is thread-safe
// (W1System::supports_concurrent_ingest(): hoptrace only; SQLite takes one writer and the
// ClickHouse peer keeps its own 100k-row inserts). With N > 1 the generating thread hands
// 1,000-span batches through a bounded queue to N threads calling Ingest at once, and ingest
// time is the wall time from the first batch to the end of the final flush minus the generating
// thread's own work (time it spends blocked on a full queue counts as ingest).
// Results go to stdout (a table, or one JSON object with --json); progress goes to stderr.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "clickhouse_peer.h"
#include "clickhouse_server.h"
#include "hoptrace_system.h"
#include "sqlite_peer.h"
#include "w1/w1_generator.h"
#include "w1_driver.h"

namespace hoptrace::bench {
namespace {

constexpr const char* kUsage =
    "usage: store_bench [--spans N] [--seed S] [--json] [--dir PATH] [--clickhouse auto|URL] "
    "[--systems hoptrace,sqlite,clickhouse] [--writers N]";
const std::vector<std::string> kSystems = {"hoptrace", "sqlite", "clickhouse"};
constexpr uint64_t kMaxWriters = 64;

struct Flags {
  uint64_t spans = 2'000'000;
  uint64_t seed = 42;
  bool json = false;
  std::string dir;
  std::string clickhouse;  // "", "auto" or http://HOST:PORT
  std::vector<std::string> systems = kSystems;
  int writers = 1;  // Ingest threads for systems that support concurrent ingest
};

[[noreturn]] void BadFlag(const std::string& message) {
  std::fprintf(stderr, "store_bench: %s (%s)\n", message.c_str(), kUsage);
  std::exit(2);
}

uint64_t ParseCount(const std::string& flag, const std::string& value, bool allow_zero) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || value[0] == '-' || *end != '\0' || errno != 0 || (!allow_zero && v == 0)) {
    BadFlag(flag + " wants a " + (allow_zero ? "non-negative" : "positive") + " integer, got '" +
            value + "'");
  }
  return v;
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
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
    if (arg == "--help" || arg == "-h") {
      std::printf("%s\n", kUsage);
      std::exit(0);
    } else if (arg == "--spans") {
      f.spans = ParseCount(arg, take(), false);
    } else if (arg == "--seed") {
      f.seed = ParseCount(arg, take(), true);
    } else if (arg == "--json") {
      if (has_value) BadFlag("--json takes no value");
      f.json = true;
    } else if (arg == "--dir") {
      f.dir = take();
      if (f.dir.empty()) BadFlag("--dir wants a path");
    } else if (arg == "--clickhouse") {
      f.clickhouse = take();
      if (f.clickhouse != "auto" && f.clickhouse.rfind("http://", 0) != 0) {
        BadFlag("--clickhouse wants auto or http://HOST:PORT, got '" + f.clickhouse + "'");
      }
    } else if (arg == "--writers") {
      std::string count = take();
      uint64_t n = ParseCount(arg, count, false);
      if (n > kMaxWriters) {
        BadFlag("--writers wants 1 to " + std::to_string(kMaxWriters) + ", got '" + count + "'");
      }
      f.writers = static_cast<int>(n);
    } else if (arg == "--systems") {
      std::string list = take();
      f.systems.clear();
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
        bool known = false;
        for (const std::string& k : kSystems) known |= k == name;
        if (!known) BadFlag("--systems: unknown system '" + name + "'");
        for (const std::string& s : f.systems) {
          if (s == name) BadFlag("--systems: '" + name + "' given twice");
        }
        f.systems.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      BadFlag("unknown flag '" + arg + "'");
    }
  }
  return f;
}

struct Outcome {
  std::string system;
  std::string label;    // with version
  std::string skipped;  // reason, when not run
  std::string error;    // when it failed
  W1Result result;
};

Outcome RunSystem(const std::string& name, const Flags& flags, const std::string& scratch) {
  Outcome out;
  out.system = name;
  out.label = name;
  std::function<StatusOr<std::unique_ptr<W1System>>(const std::string&)> open;
  // With --clickhouse auto, the server of the ClickHouse run; stopped (and its directory
  // removed) on every return below.
  std::unique_ptr<ClickHouseServer> server;
  if (name == "hoptrace") {
    out.label = "hoptrace embedded";
    open = [](const std::string& dir) { return OpenHoptraceSystem(dir); };
  } else if (name == "sqlite") {
    out.label = "sqlite " + SqliteVersion();
    open = OpenSqlitePeer;
  } else {
    if (flags.clickhouse.empty()) {
      out.skipped =
          "no --clickhouse given (--clickhouse auto starts a local clickhouse-server; "
          "--clickhouse URL uses a running one)";
      return out;
    }
    std::string url = flags.clickhouse;
    if (url == "auto") {
      StatusOr<std::vector<std::string>> command = ClickHouseServer::FindCommand();
      if (!command.ok()) {
        out.skipped = command.status().message();
        return out;
      }
      StatusOr<std::unique_ptr<ClickHouseServer>> started =
          ClickHouseServer::Start({.parent_dir = scratch});
      if (!started.ok()) {
        out.error = "starting clickhouse-server: " + started.status().ToString();
        Progress("clickhouse failed: %s", out.error.c_str());
        return out;
      }
      server = std::move(*started);
      url = server->url();
    }
    StatusOr<std::string> version = ClickHouseVersion(url);
    if (!version.ok()) {
      if (server) {
        out.error = "clickhouse-server started at " + url +
                    " but not usable: " + version.status().ToString();
      } else {
        out.skipped = "server at " + url + " not usable: " + version.status().ToString();
      }
      return out;
    }
    out.label = "clickhouse " + *version;
    open = [url](const std::string&) { return OpenClickHousePeer(url, "hoptrace_w1_bench"); };
  }
  std::string dir = scratch + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0) {
    out.error = ErrnoToStatus(errno, "mkdir", dir).ToString();
    return out;
  }
  Progress("%s: W1, %llu spans, seed %llu, in %s", out.label.c_str(),
           static_cast<unsigned long long>(flags.spans),
           static_cast<unsigned long long>(flags.seed), dir.c_str());
  StatusOr<std::string> child = RunInChild([&]() -> std::string {
    ResetPeakRss();
    auto system = open(dir);
    if (!system.ok()) return "error " + system.status().ToString();
    auto result =
        RunW1(system->get(), {.spans = flags.spans, .seed = flags.seed, .writers = flags.writers});
    system->reset();  // close (and flush) before the child exits
    if (!result.ok()) return "error " + result.status().ToString();
    return result->Serialize();
  });
  RemoveTree(dir);
  if (server) {
    // A failure to stop cleanly does not void figures already taken; it is reported.
    if (Status stopped = server->Stop(); !stopped.ok()) {
      Progress("clickhouse-server: %s", stopped.ToString().c_str());
    } else {
      Progress("clickhouse-server: stopped");
    }
  }
  if (!child.ok()) {
    out.error = child.status().ToString();
  } else if (child->rfind("error ", 0) == 0) {
    out.error = child->substr(6);
    if (out.error.rfind("UNIMPLEMENTED", 0) == 0) {
      out.skipped = out.error;
      out.error.clear();
    }
  } else if (auto parsed = W1Result::Parse(*child); !parsed.ok()) {
    out.error = parsed.status().ToString();
  } else {
    out.result = *parsed;
  }
  if (!out.error.empty()) Progress("%s failed: %s", name.c_str(), out.error.c_str());
  return out;
}

bool Ran(const Outcome& o) { return o.skipped.empty() && o.error.empty(); }

// Writer threads each system used, grouped: "hoptrace: 2 writer threads; sqlite, clickhouse: 1".
// Systems that did not run are left out; "" when none ran.
std::string WritersLine(const std::vector<Outcome>& outcomes) {
  std::map<int, std::string> by_count;  // writers -> "sys, sys"
  for (const Outcome& o : outcomes) {
    if (!Ran(o)) continue;
    std::string& names = by_count[o.result.writers];
    names += (names.empty() ? "" : ", ") + o.system;
  }
  std::string line;
  for (auto it = by_count.rbegin(); it != by_count.rend(); ++it) {
    bool first = line.empty();
    line += (first ? "" : "; ") + it->second + ": " + std::to_string(it->first);
    if (first) line += it->first == 1 ? " writer thread" : " writer threads";
  }
  return line;
}

// (name, hoptrace/peer or peer/hoptrace) for one peer; each ratio > 1 means hoptrace is better,
// except bytes_per_span_ratio (hoptrace bytes / peer bytes: < 1 means hoptrace is smaller).
std::vector<std::pair<std::string, double>> Ratios(const W1Result& h, const W1Result& p) {
  auto div = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  return {{"ingest_x", div(h.ingest_spans_per_s, p.ingest_spans_per_s)},
          {"q1_speedup_x", div(p.q1_ms, h.q1_ms)},
          {"q2_speedup_x", div(p.q2_ms, h.q2_ms)},
          {"q3_speedup_x", div(p.q3_ms, h.q3_ms)},
          {"bytes_per_span_ratio", div(h.bytes_per_span, p.bytes_per_span)}};
}

void PrintJson(const Flags& flags, const std::vector<Outcome>& outcomes) {
  const SlowestQuery q3 = W1SlowestQuery();
  uint64_t spans = 0, traces = 0;
  for (const Outcome& o : outcomes) {
    if (Ran(o)) spans = o.result.spans, traces = o.result.traces;
  }
  std::string out =
      "{\"workload\": \"W1\", \"params\": {\"spans\": " + std::to_string(flags.spans) +
      ", \"seed\": " + std::to_string(flags.seed) +
      ", \"spans_generated\": " + std::to_string(spans) +
      ", \"traces\": " + std::to_string(traces) +
      ", \"writers_requested\": " + std::to_string(flags.writers) + ", \"writers\": {";
  // Writer threads each system used (null: it did not run).
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    out += std::string(i ? ", " : "") + JsonString(o.system) + ": " +
           (Ran(o) ? std::to_string(o.result.writers) : "null");
  }
  out += "}, \"query_runs\": 20, \"q3_model\": " + JsonString(q3.model) +
         ", \"q3_start_min_unix_nano\": " + std::to_string(q3.start_min_unix_nano) +
         ", \"q3_start_max_unix_nano\": " + std::to_string(q3.start_max_unix_nano) +
         "}, \"results\": {";
  const Outcome* hoptrace = nullptr;
  bool first = true;
  for (const Outcome& o : outcomes) {
    out += std::string(first ? "" : ", ") + JsonString(o.system) + ": {";
    first = false;
    if (!o.skipped.empty()) {
      out += "\"skipped\": " + JsonString(o.skipped) + "}";
      continue;
    }
    if (!o.error.empty()) {
      out += "\"error\": " + JsonString(o.error) + "}";
      continue;
    }
    if (o.system == "hoptrace") hoptrace = &o;
    const W1Result& r = o.result;
    out += "\"system\": " + JsonString(o.label) +
           ", \"ingest_spans_per_s\": " + JsonNumber(r.ingest_spans_per_s) +
           ", \"bytes_per_span\": " + JsonNumber(r.bytes_per_span) +
           ", \"peak_rss_mib\": " + (r.peak_rss_mib < 0 ? "null" : JsonNumber(r.peak_rss_mib)) +
           ", \"q1_ms\": " + JsonNumber(r.q1_ms) + ", \"q2_ms\": " + JsonNumber(r.q2_ms) +
           ", \"q3_ms\": " + JsonNumber(r.q3_ms) +
           ", \"ingest_seconds\": " + JsonNumber(r.ingest_seconds) +
           ", \"generate_seconds\": " + JsonNumber(r.generate_seconds) +
           ", \"bytes_on_disk\": " + std::to_string(r.bytes_on_disk) +
           ", \"wrong_answers\": " + std::to_string(r.problems.size()) + "}";
  }
  out += "}, \"ratios\": {";
  first = true;
  for (const Outcome& o : outcomes) {
    if (!hoptrace || o.system == "hoptrace" || !Ran(o)) continue;
    for (const auto& [name, value] : Ratios(hoptrace->result, o.result)) {
      out += std::string(first ? "" : ", ") + JsonString(name + "_vs_" + o.system) + ": " +
             JsonNumber(value);
      first = false;
    }
  }
  out += "}}";
  std::printf("%s\n", out.c_str());
}

void PrintTable(const Flags& flags, const std::vector<Outcome>& outcomes) {
  uint64_t spans = 0, traces = 0;
  for (const Outcome& o : outcomes) {
    if (Ran(o)) spans = o.result.spans, traces = o.result.traces;
  }
  std::string writers = WritersLine(outcomes);
  std::printf("W1: %llu spans in %llu traces (asked for %llu), seed %llu; medians of 20 runs%s%s\n",
              static_cast<unsigned long long>(spans), static_cast<unsigned long long>(traces),
              static_cast<unsigned long long>(flags.spans),
              static_cast<unsigned long long>(flags.seed), writers.empty() ? "" : "; ",
              writers.c_str());
  std::printf(
      "ingest = time inside the store's calls incl. final flush/checkpoint (span "
      "generation excluded)%s\n\n",
      flags.writers > 1 ? "; with several writers: wall time from the first batch to the end "
                          "of the flush, minus the generating thread's work"
                        : "");
  std::printf("%-22s %14s %11s %12s %10s %11s %10s\n", "system", "ingest spans/s", "bytes/span",
              "peak RSS MiB", "q1 ms", "q2 ms", "q3 ms");
  const Outcome* hoptrace = nullptr;
  for (const Outcome& o : outcomes) {
    if (!o.skipped.empty()) {
      std::printf("%-22s skipped: %s\n", o.label.c_str(), o.skipped.c_str());
      continue;
    }
    if (!o.error.empty()) {
      std::printf("%-22s FAILED: %s\n", o.label.c_str(), o.error.c_str());
      continue;
    }
    if (o.system == "hoptrace") hoptrace = &o;
    const W1Result& r = o.result;
    char rss[32];
    if (r.peak_rss_mib < 0) {
      std::snprintf(rss, sizeof rss, "n/a (server)");
    } else {
      std::snprintf(rss, sizeof rss, "%.1f", r.peak_rss_mib);
    }
    std::printf("%-22s %14.0f %11.1f %12s %10.3f %11.3f %10.3f\n", o.label.c_str(),
                r.ingest_spans_per_s, r.bytes_per_span, rss, r.q1_ms, r.q2_ms, r.q3_ms);
  }
  for (const Outcome& o : outcomes) {
    for (const std::string& p : o.result.problems) {
      std::printf("WRONG ANSWER from %s: %s\n", o.system.c_str(), p.c_str());
    }
  }
  bool header = false;
  for (const Outcome& o : outcomes) {
    if (!hoptrace || o.system == "hoptrace" || !Ran(o)) continue;
    if (!header) {
      std::printf(
          "\nratios, hoptrace vs peer (x > 1: hoptrace better; bytes: hoptrace/peer, "
          "< 1: hoptrace smaller)\n");
      std::printf("%-22s %10s %10s %10s %10s %12s\n", "peer", "ingest x", "q1 x", "q2 x", "q3 x",
                  "bytes ratio");
      header = true;
    }
    auto r = Ratios(hoptrace->result, o.result);
    std::printf("%-22s %10.2f %10.2f %10.2f %10.2f %12.3f\n", o.label.c_str(), r[0].second,
                r[1].second, r[2].second, r[3].second, r[4].second);
  }
  if (!header) std::printf("\nratios: none (hoptrace and at least one peer must both run)\n");
}

int Main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  std::string parent = flags.dir.empty() ? "/tmp" : flags.dir;
  StatusOr<std::string> scratch = MakeTempDir(parent, "store_bench.");
  if (!scratch.ok()) {
    std::fprintf(stderr, "store_bench: scratch directory: %s\n",
                 scratch.status().ToString().c_str());
    return 1;
  }
  std::vector<Outcome> outcomes;
  for (const std::string& name : flags.systems) {
    outcomes.push_back(RunSystem(name, flags, *scratch));
  }
  RemoveTree(*scratch);
  if (flags.json) {
    PrintJson(flags, outcomes);
  } else {
    PrintTable(flags, outcomes);
  }
  for (const Outcome& o : outcomes) {
    if (!o.error.empty() || !o.result.problems.empty()) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) { return hoptrace::bench::Main(argc, argv); }
