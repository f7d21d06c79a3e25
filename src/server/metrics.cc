#include "server/metrics.h"

#include <cstdio>

namespace hoptrace {

void ServerMetrics::CountRejected(const std::string& reason, uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  rejected_[reason] += n;
}

void ServerMetrics::CountFinding(const std::string& kind) {
  std::lock_guard<std::mutex> l(mu_);
  ++findings_[kind];
}

void ServerMetrics::CountAutoDiagnosis(const std::string& result, uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  auto_diagnosis_[result] += n;
}

void ServerMetrics::ObserveRequest(const std::string& protocol, const std::string& code,
                                   double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  ++responses_[{protocol, code}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

std::string ServerMetrics::Render(const StoreStats& store) const {
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    line(std::string("# HELP ") + name + " " + help);
    line(std::string("# TYPE ") + name + " counter");
    line(std::string(name) + " " + std::to_string(v));
  };
  counter("hoptrace_spans_received_total", "Spans in ingest requests that could be read.",
          received_.load());
  counter("hoptrace_spans_accepted_total", "Spans stored (durable).", accepted_.load());
  counter("hoptrace_spans_duplicate_total",
          "Spans re-sent with a trace and span id already stored.", duplicates_.load());
  counter("hoptrace_spans_unpriced_total", "LLM spans with tokens but no known price.",
          unpriced_.load());
  counter("hoptrace_ingest_saturated_total",
          "Ingest requests turned away with 503 / UNAVAILABLE because the server was saturated.",
          saturated_.load());
  std::lock_guard<std::mutex> l(mu_);
  line("# HELP hoptrace_spans_rejected_total Invalid spans left out, by reason.");
  line("# TYPE hoptrace_spans_rejected_total counter");
  for (const auto& [reason, n] : rejected_) {
    line("hoptrace_spans_rejected_total{reason=\"" + reason + "\"} " + std::to_string(n));
  }
  line("# HELP hoptrace_findings_total New findings recorded (diagnosis, runaway cost), by kind.");
  line("# TYPE hoptrace_findings_total counter");
  for (const auto& [kind, n] : findings_) {
    line("hoptrace_findings_total{kind=\"" + kind + "\"} " + std::to_string(n));
  }
  line("# HELP hoptrace_auto_diagnosis_total Traces diagnosed in the background once quiet, by "
       "result.");
  line("# TYPE hoptrace_auto_diagnosis_total counter");
  for (const auto& [result, n] : auto_diagnosis_) {
    line("hoptrace_auto_diagnosis_total{result=\"" + result + "\"} " + std::to_string(n));
  }
  line(
      "# HELP hoptrace_ingest_responses_total Ingest requests, by protocol and HTTP status or "
      "gRPC code.");
  line("# TYPE hoptrace_ingest_responses_total counter");
  for (const auto& [key, n] : responses_) {
    line("hoptrace_ingest_responses_total{protocol=\"" + key.first + "\",code=\"" + key.second +
         "\"} " + std::to_string(n));
  }
  line("# HELP hoptrace_ingest_request_duration_seconds Time to answer an ingest request.");
  line("# TYPE hoptrace_ingest_request_duration_seconds histogram");
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", kBuckets[i]);
    line(std::string("hoptrace_ingest_request_duration_seconds_bucket{le=\"") + le + "\"} " +
         std::to_string(bucket_counts_[i]));
  }
  line("hoptrace_ingest_request_duration_seconds_bucket{le=\"+Inf\"} " +
       std::to_string(latency_count_));
  char sum[64];
  std::snprintf(sum, sizeof sum, "%.6f", latency_sum_);
  line(std::string("hoptrace_ingest_request_duration_seconds_sum ") + sum);
  line("hoptrace_ingest_request_duration_seconds_count " + std::to_string(latency_count_));
  auto gauge = [&](const char* name, const char* help, uint64_t v) {
    line(std::string("# HELP ") + name + " " + help);
    line(std::string("# TYPE ") + name + " gauge");
    line(std::string(name) + " " + std::to_string(v));
  };
  gauge("hoptrace_store_spans", "Spans in the store.", store.spans);
  gauge("hoptrace_store_bytes", "Bytes of the store's files on disk.", store.bytes_on_disk);
  gauge("hoptrace_store_wal_unflushed_bytes", "WAL bytes whose spans are not in blocks yet.",
        store.wal_bytes_unflushed);
  gauge("hoptrace_store_memory_bytes", "Bytes of the in-memory recent part.", store.memory_bytes);
  gauge("hoptrace_store_blocks", "Block files.", store.blocks);
  gauge("hoptrace_store_quarantined_blocks", "Blocks found damaged and set aside.",
        store.quarantined_blocks);
  return out;
}

}  // namespace hoptrace
