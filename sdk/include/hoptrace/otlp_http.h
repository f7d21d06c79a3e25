// The OTLP/HTTP protobuf span exporter: POSTs ExportTraceServiceRequest messages
// (application/x-protobuf, optionally gzip) to a collector or hoptrace server.
//
// Retries (tracing.md §2.1): on 429, 502, 503, 504 and on connection failures, with exponential
// backoff and full jitter, waiting at least the server's Retry-After (seconds or HTTP-date), until
// `max_elapsed` since the first attempt or the Export deadline, whichever comes first. Any other
// status is final. A 200 with partial_success is logged (never retried).
//
// Thread-safety: Export is called by one thread at a time (processors serialise it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hoptrace/export.h"
#include "hoptrace/resource.h"

namespace hoptrace {

struct OtlpHttpExporterOptions {
  // The full URL spans are posted to (http only; https is not supported by this exporter).
  std::string endpoint = "http://localhost:4318/v1/traces";
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  enum class Compression : std::uint8_t { kNone, kGzip };
  Compression compression = Compression::kNone;
  std::chrono::milliseconds timeout{10000};  // per attempt
  // Retry schedule: attempt n waits a random time in [0, min(initial·multiplier^n, max)], but at
  // least Retry-After; gives up once `max_elapsed` has passed since the first attempt.
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double backoff_multiplier = 1.5;
  std::chrono::milliseconds max_elapsed{30000};

  // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+
  // "/v1/traces"), OTEL_EXPORTER_OTLP[_TRACES]_HEADERS (k=v,… percent-decoded),
  // OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION (gzip|none), OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT
  // (milliseconds). Invalid values are logged and leave the default.
  static OtlpHttpExporterOptions FromEnvironment(const EnvLookup& env = ProcessEnvironment());
};

struct OtlpHttpExporterStats {
  std::uint64_t requests = 0;  // HTTP attempts, including retries
  std::uint64_t retries = 0;
  std::uint64_t exported_spans = 0;  // in batches answered 200
  std::uint64_t failed_spans = 0;    // in batches given up on
  std::uint64_t rejected_spans = 0;  // reported by partial_success
};

class OtlpHttpExporter final : public SpanExporter {
 public:
  explicit OtlpHttpExporter(OtlpHttpExporterOptions options);
  ~OtlpHttpExporter() override;

  ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                      Deadline deadline) noexcept override;
  // Interrupts a pending retry wait; later Exports fail.
  bool Shutdown(Deadline deadline) noexcept override;

  OtlpHttpExporterStats stats() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoptrace
