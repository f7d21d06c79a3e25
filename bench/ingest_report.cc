#include "ingest_report.h"

#include <algorithm>
#include <cstdio>

namespace hoptrace::bench {

namespace {

const char* Met(bool met) { return met ? "met" : "NOT met"; }

std::string StoreOnlyJson(const StoreOnlyResult& store, double others_cpu_s) {
  if (!store.skipped.empty()) return "{\"skipped\": " + JsonString(store.skipped) + "}";
  if (!store.error.empty()) return "{\"error\": " + JsonString(store.error) + "}";
  return "{\"ingest_spans_per_s\": " + JsonNumber(store.result.ingest_spans_per_s) +
         ", \"appends_spans_per_s\": " + JsonNumber(store.appends_spans_per_s()) +
         ", \"writers\": " + std::to_string(store.result.writers) +
         ", \"bytes_per_span\": " + JsonNumber(store.result.bytes_per_span) +
         ", \"ingest_seconds\": " + JsonNumber(store.result.ingest_seconds) +
         ", \"other_processes_cpu_seconds\": " + JsonNumber(others_cpu_s) + "}";
}

}  // namespace

void PrintIngestTable(const IngestReport& r) {
  const IngestBenchFlags& f = r.flags;
  const OtlpWorkload& w = r.workload;
  char before_gzip[64] = "", gzip_time[64] = "";
  if (w.gzip) {
    std::snprintf(before_gzip, sizeof before_gzip, " (%.1f MB before gzip)",
                  w.protobuf_bytes / 1e6);
    std::snprintf(gzip_time, sizeof gzip_time, ", gzip %.1f s", w.gzip_seconds);
  }
  std::printf(
      "W1: %llu spans in %llu traces (asked for %llu), seed %llu; OTLP/HTTP protobuf%s, %zu "
      "spans per request: %zu requests, %.1f MB on the wire (%.0f KiB each)%s\n",
      static_cast<unsigned long long>(w.spans), static_cast<unsigned long long>(w.traces),
      static_cast<unsigned long long>(f.spans), static_cast<unsigned long long>(f.seed),
      w.gzip ? " gzip" : "", f.batch, w.bodies.size(), w.wire_bytes / 1e6,
      w.bodies.empty() ? 0.0 : w.wire_bytes / 1024.0 / static_cast<double>(w.bodies.size()),
      before_gzip);
  std::printf(
      "encoded before the clock: generate %.1f s, encode %.1f s (%.1f ms per 1,000 spans)%s; "
      "%d keep-alive connections; %d CPUs\n\n",
      w.generate_seconds, w.encode_seconds, w.encode_seconds * 1e6 / r.spans(), gzip_time,
      f.connections, r.cpus);
  if (!r.e2e_ran()) {
    std::printf("end to end FAILED: %s\n", r.e2e.error.c_str());
  } else {
    const SendResult& s = r.e2e.send;
    std::printf("%-62s %12s\n", "", "spans/s");
    std::printf("%-62s %12.0f\n", "end to end (clock stops at the last 200: durable in the WAL)",
                r.e2e_rate());
    if (r.e2e.stop_error.empty()) {
      std::printf("%-62s %12.0f\n", "end to end incl. final flush (SIGTERM until exit)",
                  r.e2e_flush_rate());
    } else {
      std::printf("end to end incl. final flush: n/a (%s)\n", r.e2e.stop_error.c_str());
    }
    if (r.store_ran()) {
      char label[128];
      std::snprintf(label, sizeof label,
                    "store only (%d writers, all on the clock, incl. final Flush)",
                    r.store.result.writers);
      std::printf("%-62s %12.0f\n", label, r.store.result.ingest_spans_per_s);
      std::printf("%-62s %12.0f\n", "store only, appends only (durable in the WAL)",
                  r.store.appends_spans_per_s());
      if (r.store_sb_ran()) {
        std::printf("%-62s %12.0f\n", "store only as store_bench measures it (generation overlaps)",
                    r.store_sb.result.ingest_spans_per_s);
      } else if (!r.store_sb.error.empty()) {
        std::printf("store only as store_bench measures it: FAILED: %s\n",
                    r.store_sb.error.c_str());
      }
    } else if (!r.store.skipped.empty()) {
      std::printf("store only: skipped (%s)\n", r.store.skipped.c_str());
    } else {
      std::printf("store only: FAILED: %s\n", r.store.error.c_str());
    }
    std::printf("\ntarget >= %.0f spans/s end to end: %s (%.2fx)\n", kIngestTargetSpansPerS,
                Met(r.e2e_rate() >= kIngestTargetSpansPerS), r.e2e_rate() / kIngestTargetSpansPerS);
    if (r.store_ran()) {
      std::printf(
          "end to end / store only: %.2f (target >= %.2f: %s); like for like (appends only, "
          "both durable in the WAL): %.2f\n",
          r.ratio(), kIngestTargetRatio, Met(r.ratio() >= kIngestTargetRatio),
          r.like_for_like_ratio());
    }
    if (r.store_sb_ran()) {
      std::printf("end to end / store only as store_bench measures it: %.2f\n",
                  r.store_bench_ratio());
    }
    std::printf("\nrequests: %llu answered 200, %llu failed, %llu retried after 503%s%s\n",
                static_cast<unsigned long long>(s.ok), static_cast<unsigned long long>(s.failures),
                static_cast<unsigned long long>(s.retries),
                s.first_failure.empty() ? "" : "; first failure: ", s.first_failure.c_str());
    std::printf("request latency ms: p50 %.1f, p99 %.1f, max %.1f", r.p(50), r.p(99), r.max_ms());
    if (r.e2e.counters.handler_seconds >= 0 && s.ok > 0) {
      std::printf(" (server handler mean %.1f, client mean %.1f)",
                  r.e2e.counters.handler_seconds * 1e3 / static_cast<double>(s.ok), [&] {
                    double sum = 0;
                    for (double v : s.latency_ms) sum += v;
                    return sum / static_cast<double>(s.latency_ms.size());
                  }());
    }
    std::printf("\n");
    std::printf(
        "server CPU: %.1f s over %.1f s = %.1f ms per 1,000 spans (%.2f of %d CPUs busy); load "
        "generator CPU %.1f s (%.1f ms per 1,000 spans)\n",
        r.e2e.server_cpu_s, s.seconds, r.cpu_ms_per_1k(),
        s.seconds > 0 ? r.e2e.server_cpu_s / s.seconds : 0.0, r.cpus, s.client_cpu_seconds,
        s.client_cpu_seconds * 1e6 / r.spans());
    if (!r.e2e.thread_cpu_s.empty() && s.seconds > 0) {
      std::string busiest;
      for (size_t i = 0; i < r.e2e.thread_cpu_s.size() && i < 6; ++i) {
        char part[32];
        std::snprintf(part, sizeof part, "%s%.0f%%", i ? ", " : "",
                      100.0 * r.e2e.thread_cpu_s[i] / s.seconds);
        busiest += part;
      }
      std::printf("server threads that worked: %zu; the busiest were busy %s of the run\n",
                  r.e2e.thread_cpu_s.size(), busiest.c_str());
    }
    if (r.e2e.io_readable) {
      std::printf(
          "server writes: %.0f MB to storage during the run (%.0f bytes per span) = %.1f MB/s, "
          "%.1f%% of the disk's ~%.0f MB/s sequential limit; write() calls %.0f MB\n",
          r.e2e.server_write_bytes / 1e6, r.e2e.server_write_bytes / r.spans(), r.write_mb_per_s(),
          100.0 * r.write_mb_per_s() / f.disk_mbps, f.disk_mbps, r.e2e.server_wchar / 1e6);
    } else {
      std::printf("server writes: n/a (/proc/%d/io not readable here)\n", r.e2e.server_pid);
    }
    std::printf("server peak RSS %.0f MiB; on disk after the final flush %.0f bytes per span",
                r.e2e.server_peak_rss_mib, r.e2e.bytes_on_disk / r.spans());
    if (r.e2e.counters.accepted >= 0) {
      std::printf("; server accepted %.0f spans (%.0f duplicates)", r.e2e.counters.accepted,
                  r.e2e.counters.duplicates);
    }
    std::printf("\n");
    const MachineCpuSample& m = r.e2e.machine;
    std::printf(
        "machine during the run: %.1f of %.1f CPU-s busy: server %.1f, load generator %.1f, "
        "other processes %.1f (%.2f CPUs)%s\n",
        m.busy_seconds, m.busy_seconds + m.idle_seconds, r.e2e.server_cpu_s, s.client_cpu_seconds,
        r.e2e_others_cpu_s(), s.seconds > 0 ? r.e2e_others_cpu_s() / s.seconds : 0.0,
        m.steal_seconds > 0.05 ? (", steal " + std::to_string(m.steal_seconds)).c_str() : "");
  }
  if (r.store_ran()) {
    std::printf(
        "store only: %.1f s storing (generating the spans before took %.1f s); other processes "
        "took %.1f CPU-s over the child's %.1f s\n",
        r.store.result.ingest_seconds, r.store.result.generate_seconds, r.store_others_cpu_s(),
        r.store.wall_s);
  }
  const BreakdownResult& bd = r.breakdown;
  if (!bd.skipped.empty()) {
    std::printf("\npipeline breakdown: skipped (%s)\n", bd.skipped.c_str());
  } else if (!bd.error.empty()) {
    std::printf("\npipeline breakdown: FAILED: %s\n", bd.error.c_str());
  } else {
    const PipelineBreakdown& b = bd.b;
    std::printf(
        "\nserver pipeline in-process on one thread (first %llu spans), CPU ms per 1,000 spans:\n",
        static_cast<unsigned long long>(b.spans));
    if (r.workload.gzip) std::printf("  gunzip      %8.1f\n", b.PerThousand(b.gunzip_cpu_s));
    std::printf(
        "  decode      %8.1f\n"
        "  normalise   %8.1f  (derive and resolve over the request's spans)\n"
        "  ingest rest %8.1f  (stored spans read for context, Append, derived updates)\n"
        "  background  %8.1f  (the store's threads: memtables into compressed blocks, fsyncs)\n",
        b.PerThousand(b.decode_cpu_s), b.PerThousand(b.normalize_cpu_s),
        b.PerThousand(b.ingest_rest_cpu_s), b.PerThousand(b.background_cpu_s));
    const double total = b.PerThousand(b.total_cpu_s());
    std::printf("  total       %8.1f  = %.0f spans/s per CPU", total, total > 0 ? 1e6 / total : 0);
    if (r.e2e_ran() && r.cpu_ms_per_1k() > 0) {
      // On a small sample the final flush weighs more here than in the server's run.
      const double rest = r.cpu_ms_per_1k() - total;
      std::printf("; the server used %.1f", r.cpu_ms_per_1k());
      if (rest >= 0) std::printf(" (HTTP, threads, contention: %.1f)", rest);
    }
    std::printf("\n");
  }
}

void PrintIngestJson(const IngestReport& r) {
  const IngestBenchFlags& f = r.flags;
  const OtlpWorkload& w = r.workload;
  std::string out =
      "{\"workload\": \"W1\", \"params\": {\"spans\": " + std::to_string(f.spans) +
      ", \"seed\": " + std::to_string(f.seed) +
      ", \"spans_generated\": " + std::to_string(w.spans) +
      ", \"traces\": " + std::to_string(w.traces) +
      ", \"batch_spans\": " + std::to_string(f.batch) +
      ", \"requests\": " + std::to_string(w.bodies.size()) +
      ", \"connections\": " + std::to_string(f.connections) +
      ", \"gzip\": " + (w.gzip ? "true" : "false") +
      ", \"wire_bytes\": " + std::to_string(w.wire_bytes) +
      ", \"protobuf_bytes\": " + std::to_string(w.protobuf_bytes) +
      ", \"store_writers\": " + std::to_string(f.store_writers) +
      ", \"disk_mbps\": " + JsonNumber(f.disk_mbps) + ", \"cpus\": " + std::to_string(r.cpus) +
      ", \"encode_ms_per_1k_spans\": " + JsonNumber(w.encode_seconds * 1e6 / r.spans()) +
      "}, \"results\": {\"hoptrace_end_to_end\": {";
  if (!r.e2e_ran()) {
    out += "\"error\": " + JsonString(r.e2e.error) + "}";
  } else {
    const SendResult& s = r.e2e.send;
    out +=
        "\"ingest_spans_per_s\": " + JsonNumber(r.e2e_rate()) +
        ", \"ingest_incl_flush_spans_per_s\": " +
        (r.e2e.stop_error.empty() ? JsonNumber(r.e2e_flush_rate()) : "null") +
        ", \"ingest_seconds\": " + JsonNumber(s.seconds) +
        ", \"stop_seconds\": " + JsonNumber(r.e2e.stop_seconds) +
        ", \"p50_ms\": " + JsonNumber(r.p(50)) + ", \"p99_ms\": " + JsonNumber(r.p(99)) +
        ", \"max_ms\": " + JsonNumber(r.max_ms()) + ", \"requests_ok\": " + std::to_string(s.ok) +
        ", \"failures\": " + std::to_string(s.failures) +
        ", \"retries\": " + std::to_string(s.retries) +
        ", \"server_cpu_seconds\": " + JsonNumber(r.e2e.server_cpu_s) +
        ", \"server_cpu_ms_per_1k_spans\": " + JsonNumber(r.cpu_ms_per_1k()) +
        ", \"busiest_server_thread_busy\": " +
        (r.e2e.thread_cpu_s.empty() || s.seconds <= 0
             ? std::string("null")
             : JsonNumber(r.e2e.thread_cpu_s[0] / s.seconds)) +
        ", \"client_cpu_ms_per_1k_spans\": " + JsonNumber(s.client_cpu_seconds * 1e6 / r.spans()) +
        ", \"write_bytes\": " +
        (r.e2e.io_readable ? std::to_string(r.e2e.server_write_bytes) : "null") +
        ", \"write_mb_per_s\": " + (r.e2e.io_readable ? JsonNumber(r.write_mb_per_s()) : "null") +
        ", \"write_bytes_per_span\": " +
        (r.e2e.io_readable ? JsonNumber(r.e2e.server_write_bytes / r.spans()) : "null") +
        ", \"peak_rss_mib\": " + JsonNumber(r.e2e.server_peak_rss_mib) +
        ", \"bytes_per_span\": " + JsonNumber(r.e2e.bytes_on_disk / r.spans()) +
        ", \"other_processes_cpu_seconds\": " + JsonNumber(r.e2e_others_cpu_s()) +
        ", \"server_accepted\": " +
        (r.e2e.counters.accepted >= 0 ? JsonNumber(r.e2e.counters.accepted) : "null") +
        (s.first_failure.empty() ? "" : ", \"first_failure\": " + JsonString(s.first_failure)) +
        "}";
  }
  out += ", \"hoptrace_store_only\": " + StoreOnlyJson(r.store, r.store_others_cpu_s());
  out += ", \"hoptrace_store_only_store_bench_method\": " +
         StoreOnlyJson(r.store_sb,
                       std::max(0.0, r.store_sb.machine.busy_seconds - r.store_sb.child_cpu_s));
  out += ", \"pipeline_one_thread\": {";
  if (!r.breakdown.skipped.empty()) {
    out += "\"skipped\": " + JsonString(r.breakdown.skipped) + "}";
  } else if (!r.breakdown.error.empty()) {
    out += "\"error\": " + JsonString(r.breakdown.error) + "}";
  } else {
    const PipelineBreakdown& b = r.breakdown.b;
    out += "\"spans\": " + std::to_string(b.spans) +
           ", \"gunzip_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.gunzip_cpu_s)) +
           ", \"decode_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.decode_cpu_s)) +
           ", \"normalize_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.normalize_cpu_s)) +
           ", \"ingest_rest_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.ingest_rest_cpu_s)) +
           ", \"background_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.background_cpu_s)) +
           ", \"total_ms_per_1k_spans\": " + JsonNumber(b.PerThousand(b.total_cpu_s())) + "}";
  }
  out +=
      "}, \"ratios\": {\"end_to_end_vs_store_only\": " +
      (r.store_ran() && r.e2e_ran() ? JsonNumber(r.ratio()) : "null") +
      ", \"end_to_end_vs_store_only_appends\": " +
      (r.store_ran() && r.e2e_ran() ? JsonNumber(r.like_for_like_ratio()) : "null") +
      ", \"end_to_end_vs_store_bench_method\": " +
      (r.store_sb_ran() && r.e2e_ran() ? JsonNumber(r.store_bench_ratio()) : "null") +
      ", \"end_to_end_vs_target_250k\": " +
      (r.e2e_ran() ? JsonNumber(r.e2e_rate() / kIngestTargetSpansPerS) : "null") +
      ", \"write_bandwidth_vs_disk\": " +
      (r.e2e_ran() && r.e2e.io_readable ? JsonNumber(r.write_mb_per_s() / f.disk_mbps) : "null") +
      "}}";
  std::printf("%s\n", out.c_str());
}

}  // namespace hoptrace::bench
