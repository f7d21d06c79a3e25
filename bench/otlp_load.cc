#include "otlp_load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <thread>

#include "bench_util.h"
#include "otlp/encode.h"
#include "otlp/gzip.h"
#include "w1/w1_generator.h"

namespace hoptrace::bench {

namespace {

constexpr int kMaxAttempts = 60;
constexpr int kMaxRetryAfterSeconds = 10;

double ProcessCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Retry-After in whole seconds (RFC 9110 also allows a date; the server sends seconds).
int RetryAfterSeconds(const std::string& value) {
  char* end = nullptr;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < 0) return 1;
  return static_cast<int>(std::min<long>(v, kMaxRetryAfterSeconds));
}

}  // namespace

StatusOr<OtlpWorkload> BuildOtlpWorkload(const OtlpWorkloadOptions& options) {
  if (options.batch_spans == 0) return InvalidArgumentError("batch_spans is 0");
  OtlpWorkload w;
  w.gzip = options.gzip;
  W1Generator generator({.spans = options.spans, .seed = options.seed});
  std::vector<Span> pending, trace;
  uint64_t next_progress = options.spans / 10;
  for (;;) {
    Stopwatch gen;
    const bool more = generator.NextTrace(&trace);
    w.generate_seconds += gen.Seconds();
    if (more) std::move(trace.begin(), trace.end(), std::back_inserter(pending));
    size_t taken = 0;  // spans of `pending` already encoded
    while (pending.size() - taken >= options.batch_spans || (!more && taken < pending.size())) {
      const size_t n = std::min(options.batch_spans, pending.size() - taken);
      std::span<const Span> batch(pending.data() + taken, n);
      Stopwatch enc;
      std::string body = EncodeOtlpProtobuf(batch);
      w.encode_seconds += enc.Seconds();
      w.protobuf_bytes += body.size();
      if (options.gzip) {
        Stopwatch gz;
        HT_ASSIGN_OR_RETURN(body, Gzip(body));
        w.gzip_seconds += gz.Seconds();
      }
      w.wire_bytes += body.size();
      w.bodies.push_back(std::move(body));
      w.body_spans.push_back(static_cast<uint32_t>(n));
      taken += n;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(taken));
    if (more && generator.spans_emitted() >= next_progress) {
      Progress("  %llu spans generated and encoded into %zu requests",
               static_cast<unsigned long long>(generator.spans_emitted()), w.bodies.size());
      next_progress += options.spans / 10;
    }
    if (!more) break;
  }
  w.spans = generator.spans_emitted();
  w.traces = generator.traces_emitted();
  return w;
}

SendResult SendOtlpWorkload(const OtlpWorkload& workload, const LoopbackUrl& url, int connections) {
  std::string headers = "Content-Type: application/x-protobuf\r\n";
  if (workload.gzip) headers += "Content-Encoding: gzip\r\n";
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> ok{0}, spans_ok{0}, failures{0}, retries{0};
  std::mutex mu;
  std::vector<double> latencies;  // guarded by mu
  std::string first_failure;      // guarded by mu
  auto fail = [&](std::string what) {
    failures.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    if (first_failure.empty()) first_failure = std::move(what);
  };

  const double cpu_before = ProcessCpuSeconds();
  Stopwatch wall;
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      HttpClient client(url);
      std::vector<double> mine;
      mine.reserve(workload.bodies.size() / static_cast<size_t>(connections) + 16);
      for (size_t i; (i = next.fetch_add(1)) < workload.bodies.size();) {
        for (int attempt = 1;; ++attempt) {
          Stopwatch request;
          StatusOr<HttpResponse> r = client.Send("POST", "/v1/traces", headers, workload.bodies[i]);
          const double ms = request.Millis();
          if (!r.ok()) {
            fail("request " + std::to_string(i) + ": " + r.status().ToString());
            break;
          }
          if (r->status == 200) {
            mine.push_back(ms);
            ok.fetch_add(1);
            spans_ok.fetch_add(workload.body_spans[i]);
            break;
          }
          if (r->status == 503 && attempt < kMaxAttempts) {
            retries.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::seconds(RetryAfterSeconds(r->retry_after)));
            continue;
          }
          fail("request " + std::to_string(i) + ": HTTP " + std::to_string(r->status) + ": " +
               r->body.substr(0, 300));
          break;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : threads) t.join();
  SendResult out;
  out.seconds = wall.Seconds();
  out.client_cpu_seconds = ProcessCpuSeconds() - cpu_before;
  std::sort(latencies.begin(), latencies.end());
  out.latency_ms = std::move(latencies);
  out.ok = ok.load();
  out.spans_ok = spans_ok.load();
  out.failures = failures.load();
  out.retries = retries.load();
  out.first_failure = std::move(first_failure);
  return out;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace hoptrace::bench
