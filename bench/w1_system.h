// A system under the W1 store benchmark (BENCHMARKS.md): hoptrace's embedded store or a peer.
// The driver (w1_driver.h) feeds it W1 spans in batches, then times the three queries; each
// query returns what the driver needs to check the answer against the generated data.
//
// Thread-safety: used from one thread, except that a system whose supports_concurrent_ingest()
// is true may have Ingest called from several threads at once (store_bench --writers N); the
// driver calls FinishIngest and the queries only after every Ingest call has returned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace hoptrace::bench {

// q3's window and model: the 6 hours in the middle of W1's 7 days, model gpt-4o.
struct SlowestQuery {
  std::string model;
  uint64_t start_min_unix_nano = 0;  // inclusive
  uint64_t start_max_unix_nano = 0;  // inclusive
  size_t limit = 20;
};

// q2's answer: agent -> (input tokens, output tokens).
using TokensByAgent = std::map<std::string, std::pair<int64_t, int64_t>>;

class W1System {
 public:
  virtual ~W1System() = default;

  // Spans per Ingest call (1,000 for hoptrace and SQLite, 100,000 for ClickHouse).
  virtual size_t batch_spans() const = 0;
  // Stores one batch: spans in trace order, a trace possibly split across two batches.
  virtual Status Ingest(std::vector<Span> batch) = 0;
  // True when Ingest may be called from several threads at once (hoptrace's Append is
  // thread-safe and group-commits). False for peers that take one writer (SQLite) or keep
  // their own batching (ClickHouse's 100k-row inserts): they always get one writer.
  virtual bool supports_concurrent_ingest() const { return false; }
  // Makes everything ingested durable and compact on disk (flush, checkpoint, merge).
  virtual Status FinishIngest() = 0;
  // Bytes on disk of everything stored (after FinishIngest): the files of the data directory
  // for embedded systems, the table parts for a server.
  virtual StatusOr<uint64_t> BytesOnDisk() = 0;
  // False when the data lives in another process (a server), whose memory is not ours to
  // measure.
  virtual bool in_process() const { return true; }

  // q1: all spans of the trace, fully read; returns their number.
  virtual StatusOr<size_t> GetTrace(const TraceId& trace_id) = 0;
  // q2: input and output token sums grouped by agent, over all spans.
  virtual StatusOr<TokensByAgent> TokensByAgentQuery() = 0;
  // q3: the slowest spans of a model in a time window, full spans; returns their durations in
  // nanoseconds, longest first.
  virtual StatusOr<std::vector<int64_t>> Slowest(const SlowestQuery& query) = 0;
};

}  // namespace hoptrace::bench
