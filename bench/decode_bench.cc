// decode_bench: DecodeOtlpProtobuf (the hand-written wire decoder) against the libprotobuf-based
// decoder it replaced (src/otlp/testing/reference_proto_decoder.h), on W1 (BENCHMARKS.md) encoded
// as the ingest benchmark sends it: ExportTraceServiceRequests of --batch spans (512), made by
// EncodeOtlpProtobuf before any clock starts.
//
//   decode_bench [--spans N] [--batch N] [--rounds N] [--seed S] [--only new|old]
//
// Each round decodes every body once with each decoder, alternating which goes first; the
// figure is the median over rounds of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per
// 1,000 spans, so that other processes on a shared machine distort it less than wall time.
// Before timing, both decoders' results are checked to be identical on every body. --only runs
// just one of them (for a profiler).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"
#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/testing/batch_diff.h"
#include "otlp/testing/reference_proto_decoder.h"
#include "w1/w1_generator.h"

namespace hoptrace::bench {
namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Flags {
  uint64_t spans = 100'000;
  size_t batch = 512;
  int rounds = 15;
  uint64_t seed = 42;
  std::string only;  // "new", "old" or empty (both)
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--spans") {
      flags->spans = std::strtoull(value, nullptr, 10);
    } else if (arg == "--batch") {
      flags->batch = std::strtoull(value, nullptr, 10);
    } else if (arg == "--rounds") {
      flags->rounds = std::atoi(value);
    } else if (arg == "--seed") {
      flags->seed = std::strtoull(value, nullptr, 10);
    } else if (arg == "--only" && (std::string(value) == "new" || std::string(value) == "old")) {
      flags->only = value;
    } else {
      return false;
    }
  }
  return flags->spans > 0 && flags->batch > 0 && flags->rounds > 0;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: decode_bench [--spans N] [--batch N] [--rounds N] [--seed S] "
                 "[--only new|old]\n");
    return 2;
  }
  // W1 in batches, as bench/otlp_load.cc builds the ingest benchmark's requests.
  W1Generator generator({.spans = flags.spans, .seed = flags.seed});
  std::vector<Span> all, trace;
  while (generator.NextTrace(&trace))
    std::move(trace.begin(), trace.end(), std::back_inserter(all));
  std::vector<std::string> bodies;
  size_t bytes = 0;
  for (size_t at = 0; at < all.size(); at += flags.batch) {
    const size_t n = std::min(flags.batch, all.size() - at);
    bodies.push_back(EncodeOtlpProtobuf(std::span<const Span>(all.data() + at, n)));
    bytes += bodies.back().size();
  }
  const double spans = static_cast<double>(all.size());
  std::printf(
      "W1: %zu spans in %zu requests of %zu spans, %.1f MiB of protobuf (%.0f bytes/span)\n",
      all.size(), bodies.size(), flags.batch, static_cast<double>(bytes) / (1 << 20),
      static_cast<double>(bytes) / spans);

  for (const std::string& body : bodies) {
    const std::string diff = otlp_testing::DiffDecodeResults(
        DecodeOtlpProtobuf(body), otlp_testing::ReferenceDecodeOtlpProtobuf(body));
    if (!diff.empty()) {
      std::fprintf(stderr, "decode_bench: the decoders differ on a W1 body: %s\n", diff.c_str());
      return 1;
    }
  }

  // Decodes every body once; returns CPU seconds. `sink` keeps the work observable.
  size_t sink = 0;
  auto run = [&](auto decode) {
    const double start = ThreadCpuSeconds();
    for (const std::string& body : bodies) {
      auto batch = decode(body);
      sink += batch.ok() ? batch->spans.size() : 0;
    }
    return ThreadCpuSeconds() - start;
  };
  auto decode_new = [](std::string_view b) { return DecodeOtlpProtobuf(b); };
  auto decode_ref = [](std::string_view b) { return otlp_testing::ReferenceDecodeOtlpProtobuf(b); };
  if (!flags.only.empty()) {
    std::vector<double> ms;
    for (int round = 0; round < flags.rounds; ++round) {
      ms.push_back((flags.only == "new" ? run(decode_new) : run(decode_ref)) * 1e3);
    }
    std::printf("decode CPU per 1,000 spans, %s decoder only: %.3f ms (median of %d rounds)\n",
                flags.only.c_str(), Median(ms) * 1000.0 / spans, flags.rounds);
    return sink == 0 ? 1 : 0;
  }
  run(decode_new);  // warm-up: allocator, caches
  run(decode_ref);
  std::vector<double> new_ms, ref_ms;
  for (int round = 0; round < flags.rounds; ++round) {
    if (round % 2 == 0) {
      new_ms.push_back(run(decode_new) * 1e3);
      ref_ms.push_back(run(decode_ref) * 1e3);
    } else {
      ref_ms.push_back(run(decode_ref) * 1e3);
      new_ms.push_back(run(decode_new) * 1e3);
    }
  }
  const double per_k = 1000.0 / spans;
  const double ref = Median(ref_ms) * per_k;
  const double now = Median(new_ms) * per_k;
  auto lo_hi = [&](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    char text[64];
    std::snprintf(text, sizeof(text), "%.3f-%.3f", v.front() * per_k, v.back() * per_k);
    return std::string(text);
  };
  std::printf("decode CPU per 1,000 spans (median of %d rounds; min-max):\n", flags.rounds);
  std::printf("  libprotobuf + copy (old, reference)  %7.3f ms   (%s)\n", ref,
              lo_hi(ref_ms).c_str());
  std::printf("  hand-written wire decoder (new)      %7.3f ms   (%s)\n", now,
              lo_hi(new_ms).c_str());
  std::printf("  speed-up                             %7.2fx\n", ref / now);
  std::printf("  throughput: old %.0f, new %.0f MiB/s of protobuf\n",
              static_cast<double>(bytes) / (1 << 20) / (Median(ref_ms) / 1e3),
              static_cast<double>(bytes) / (1 << 20) / (Median(new_ms) / 1e3));
  return sink == 0 ? 1 : 0;
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) { return hoptrace::bench::Main(argc, argv); }
