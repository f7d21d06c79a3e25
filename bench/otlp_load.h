// The load generator of ingest_bench: W1 encoded up front into OTLP/HTTP protobuf requests,
// then sent over several keep-alive connections at once.
//
// Thread-safety: BuildOtlpWorkload is single-threaded; SendOtlpWorkload runs its own threads
// and returns when they are done. A workload is read-only while it is sent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "http_client.h"

namespace hoptrace::bench {

struct OtlpWorkloadOptions {
  uint64_t spans = 1'000'000;  // W1's --spans (the last trace is whole, so a few more come)
  uint64_t seed = 42;
  size_t batch_spans = 512;  // spans per request; a trace may be split across two requests
  bool gzip = false;         // Content-Encoding: gzip (zlib's default level)
};

// The requests, ready to send.
struct OtlpWorkload {
  std::vector<std::string> bodies;   // ExportTraceServiceRequest, gzipped when `gzip`
  std::vector<uint32_t> body_spans;  // spans in each body
  bool gzip = false;
  uint64_t spans = 0;
  uint64_t traces = 0;
  uint64_t protobuf_bytes = 0;  // before gzip
  uint64_t wire_bytes = 0;      // the bodies as sent
  double generate_seconds = 0;  // W1Generator
  double encode_seconds = 0;    // EncodeOtlpProtobuf
  double gzip_seconds = 0;
};

// Generates W1 and encodes it into requests of options.batch_spans spans (the last may hold
// fewer). Spans of one resource and scope share a ResourceSpans/ScopeSpans (otlp/encode.h).
StatusOr<OtlpWorkload> BuildOtlpWorkload(const OtlpWorkloadOptions& options);

struct SendResult {
  double seconds = 0;              // from the first request until the last response
  std::vector<double> latency_ms;  // of each request answered 200 (its last attempt), sorted
  uint64_t ok = 0;                 // requests answered 200
  uint64_t spans_ok = 0;           // spans in them
  uint64_t failures = 0;           // requests that never got a 200 (not retried)
  uint64_t retries = 0;            // 503 answers retried after Retry-After
  std::string first_failure;       // what went wrong first, if anything did
  double client_cpu_seconds = 0;   // this process's CPU while sending (all threads)
};

// Sends every body of `workload` as POST /v1/traces (application/x-protobuf) over
// `connections` keep-alive HTTP/1.1 connections, one thread each, each taking the next unsent
// body. A 503 is retried on the same connection after its Retry-After (1 s when absent), up to
// 60 times; any other status, or a transport error, counts as a failure (not retried).
SendResult SendOtlpWorkload(const OtlpWorkload& workload, const LoopbackUrl& url, int connections);

// p in [0, 100] of sorted `values` (nearest rank); 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace hoptrace::bench
