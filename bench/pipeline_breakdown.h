// Where ingest_bench's server time goes, measured in-process on one thread over the first
// requests of the workload: the server's own ingest pipeline (server/ingest.h Ingester, into
// an EmbeddedStore with default options), with its phases timed apart on the thread's CPU
// clock:
//   gunzip      (with --gzip) Gunzip of the body;
//   decode      DecodeOtlpProtobuf of the body;
//   normalise   DeriveAgentFields per span and ResolveTrace per trace over the request's spans
//               (the part of normalising that needs no store);
//   ingest rest Ingester::Ingest's CPU minus decode and normalise, which it repeats: reading
//               each trace's stored spans, settling derived fields with them, Append (encoding,
//               WAL write, memtable insert) and derived-field updates;
//   background  the process's CPU outside those phases, over the loop and the final Flush:
//               the store's own threads (flushing memtables into compressed blocks, WAL fsyncs).
// What this leaves out of the server's CPU is HTTP (reading the request, answering it) and
// contention between concurrent requests.
//
// Thread-safety: MeasurePipeline starts store threads; run it in a process of its own
// (RunInChild) so that the process CPU clock sees only its work.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "otlp_load.h"

namespace hoptrace::bench {

struct PipelineBreakdown {
  uint64_t requests = 0;
  uint64_t spans = 0;
  double gunzip_cpu_s = 0;
  double decode_cpu_s = 0;
  double normalize_cpu_s = 0;
  double ingest_rest_cpu_s = 0;
  double background_cpu_s = 0;

  // Milliseconds of CPU per 1,000 spans.
  double PerThousand(double seconds) const {
    return spans ? seconds * 1e6 / static_cast<double>(spans) : 0;
  }
  double total_cpu_s() const {
    return gunzip_cpu_s + decode_cpu_s + normalize_cpu_s + ingest_rest_cpu_s + background_cpu_s;
  }

  // One "key value" line per field, for passing the result out of a child process.
  std::string Serialize() const;
  static StatusOr<PipelineBreakdown> Parse(const std::string& text);
};

// Runs the pipeline over the first requests of `workload` holding at least `max_spans` spans
// (all of them when there are fewer), storing into a fresh embedded store in `store_dir`.
StatusOr<PipelineBreakdown> MeasurePipeline(const OtlpWorkload& workload, uint64_t max_spans,
                                            const std::string& store_dir);

}  // namespace hoptrace::bench
