// Runs W1 against one W1System: ingest, bytes on disk, q1/q2/q3 medians, and checks of every
// answer against what the generator produced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "w1_system.h"

namespace hoptrace::bench {

struct W1RunOptions {
  uint64_t spans = 2'000'000;
  uint64_t seed = 42;
  int query_runs = 20;
  // Threads calling Ingest at once, for a system whose supports_concurrent_ingest() is true
  // (others always get 1). With more than 1, the calling thread keeps generating and hands
  // batches through a bounded queue to the writers (concurrent_ingest.h).
  int writers = 1;
  // False: ingest only (ingest_bench's store-only figure); the query figures stay 0.
  bool run_queries = true;
  // True: generate every batch before the first Ingest (all spans in memory at once), so that
  // the store's background work (flushing blocks) cannot overlap span generation and escape
  // the clock. False: batches are stored as they are generated (store_bench).
  bool pregenerate = false;
};

struct W1Result {
  uint64_t spans = 0;
  uint64_t traces = 0;
  double ingest_spans_per_s = 0;
  int writers = 1;  // threads that called Ingest
  // The generating thread's time spent waiting on the store: inside Ingest calls (or, with
  // several writers, handing batches over, blocked on a full queue, and waiting for the
  // writers to drain it) + FinishIngest.
  double ingest_seconds = 0;
  double finish_seconds = 0;    // of which the final FinishIngest (flush, checkpoint, merge)
  double generate_seconds = 0;  // generating the spans (not part of the ingest figure)
  double bytes_per_span = 0;
  uint64_t bytes_on_disk = 0;
  double peak_rss_mib = 0;  // -1: not measured (the data lives in a server process)
  double q1_ms = 0, q2_ms = 0, q3_ms = 0;
  // Wrong answers (empty when every answer matched the generated data).
  std::vector<std::string> problems;

  // One "key value" line per field, for passing the result out of a child process.
  std::string Serialize() const;
  static StatusOr<W1Result> Parse(const std::string& text);
};

// q3's fixed query: model gpt-4o, the 6 hours around the middle of W1's 7 days.
SlowestQuery W1SlowestQuery();

// Generates W1 with `options`, ingests it into `system`, and runs the queries (unless
// options.run_queries is false).
// An error means the system failed (not a wrong answer: those go to `problems`).
StatusOr<W1Result> RunW1(W1System* system, const W1RunOptions& options);

}  // namespace hoptrace::bench
