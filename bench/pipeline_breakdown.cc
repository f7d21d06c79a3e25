#include "pipeline_breakdown.h"

#include <time.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include "normalize/normalize.h"
#include "otlp/decode.h"
#include "otlp/gzip.h"
#include "server/ingest.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace::bench {

namespace {

constexpr size_t kMaxBody = size_t{1} << 30;

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
double ThreadCpu() { return CpuSeconds(CLOCK_THREAD_CPUTIME_ID); }
double ProcessCpu() { return CpuSeconds(CLOCK_PROCESS_CPUTIME_ID); }

// The store-free part of normalising a request's spans, as Ingester::Ingest starts it.
void Normalize(std::vector<Span>* spans, const PriceTable& prices) {
  for (Span& s : *spans) DeriveAgentFields(&s, prices);
  std::map<TraceId, std::vector<Span*>> by_trace;
  for (Span& s : *spans) by_trace[s.trace_id].push_back(&s);
  for (auto& [trace_id, trace] : by_trace) {
    ResolveTrace(std::span<Span* const>(trace.data(), trace.size()));
  }
}

constexpr const char* kFields[] = {"requests",        "spans",           "gunzip_cpu_s",
                                   "decode_cpu_s",    "normalize_cpu_s", "ingest_rest_cpu_s",
                                   "background_cpu_s"};

}  // namespace

std::string PipelineBreakdown::Serialize() const {
  const double values[] = {static_cast<double>(requests),
                           static_cast<double>(spans),
                           gunzip_cpu_s,
                           decode_cpu_s,
                           normalize_cpu_s,
                           ingest_rest_cpu_s,
                           background_cpu_s};
  std::ostringstream out;
  out.precision(17);
  for (size_t i = 0; i < std::size(kFields); ++i) out << kFields[i] << " " << values[i] << "\n";
  return out.str();
}

StatusOr<PipelineBreakdown> PipelineBreakdown::Parse(const std::string& text) {
  std::map<std::string, double> v;
  std::istringstream in(text);
  std::string key;
  double d;
  while (in >> key >> d) v[key] = d;
  for (const char* k : kFields) {
    if (!v.count(k)) return InternalError("incomplete pipeline breakdown: " + text);
  }
  PipelineBreakdown b;
  b.requests = static_cast<uint64_t>(v["requests"]);
  b.spans = static_cast<uint64_t>(v["spans"]);
  b.gunzip_cpu_s = v["gunzip_cpu_s"];
  b.decode_cpu_s = v["decode_cpu_s"];
  b.normalize_cpu_s = v["normalize_cpu_s"];
  b.ingest_rest_cpu_s = v["ingest_rest_cpu_s"];
  b.background_cpu_s = v["background_cpu_s"];
  return b;
}

StatusOr<PipelineBreakdown> MeasurePipeline(const OtlpWorkload& workload, uint64_t max_spans,
                                            const std::string& store_dir) {
  EmbeddedStoreOptions options;
  options.dir = store_dir;
  HT_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedStore> store, EmbeddedStore::Open(options));
  const PriceTable prices = PriceTable::Builtin();
  Ingester ingester(store.get(), &prices);
  PipelineBreakdown b;
  double ingest_cpu_s = 0;  // all of Ingester::Ingest, decode and normalise included
  const double process_before = ProcessCpu();
  for (size_t i = 0; i < workload.bodies.size() && b.spans < max_spans; ++i) {
    std::string inflated;
    std::string_view body = workload.bodies[i];
    double t = ThreadCpu();
    if (workload.gzip) {
      HT_ASSIGN_OR_RETURN(inflated, Gunzip(body, kMaxBody));
      body = inflated;
      const double now = ThreadCpu();
      b.gunzip_cpu_s += now - t;
      t = now;
    }
    HT_ASSIGN_OR_RETURN(DecodedBatch batch, DecodeOtlpProtobuf(body));
    double now = ThreadCpu();
    b.decode_cpu_s += now - t;
    t = now;
    Normalize(&batch.spans, prices);
    now = ThreadCpu();
    b.normalize_cpu_s += now - t;
    t = now;
    HT_ASSIGN_OR_RETURN(IngestOutcome outcome, ingester.Ingest(WireFormat::kOtlpProtobuf, body));
    ingest_cpu_s += ThreadCpu() - t;
    if (outcome.rejected || outcome.accepted != batch.spans.size()) {
      return InternalError("request " + std::to_string(i) + ": " +
                           std::to_string(outcome.accepted) + " of " +
                           std::to_string(batch.spans.size()) + " spans stored (" +
                           std::to_string(outcome.rejected) + " rejected, " +
                           std::to_string(outcome.duplicates) + " duplicates)");
    }
    b.spans += batch.spans.size();
    ++b.requests;
  }
  HT_RETURN_IF_ERROR(store->Flush().WithContext("flush"));
  store.reset();  // joins the store's threads: their CPU is counted below
  // Ingest repeats decode and normalise; what it does beyond them is the rest. Everything the
  // process did outside the timed phases (the store's threads, the final Flush) is background.
  b.ingest_rest_cpu_s = std::max(0.0, ingest_cpu_s - b.decode_cpu_s - b.normalize_cpu_s);
  b.background_cpu_s = std::max(0.0, ProcessCpu() - process_before - b.gunzip_cpu_s -
                                         b.decode_cpu_s - b.normalize_cpu_s - ingest_cpu_s);
  return b;
}

}  // namespace hoptrace::bench
