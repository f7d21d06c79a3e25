#include "w1_driver.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <sstream>

#include "bench_util.h"
#include "concurrent_ingest.h"
#include "w1/w1_generator.h"

namespace hoptrace::bench {

namespace {

constexpr uint64_t kHourNs = 3600ULL * 1'000'000'000ULL;
// Batches waiting for the writers with --writers > 1: enough to keep them busy while the
// generator produces the next one, few enough that memory stays bounded.
constexpr size_t kQueueBatches = 4;

std::string FormatTokens(const TokensByAgent& t) {
  std::string out;
  for (const auto& [agent, tokens] : t) {
    out += (out.empty() ? "" : ", ") + agent + "=" + std::to_string(tokens.first) + "/" +
           std::to_string(tokens.second);
  }
  return "{" + out + "}";
}

// Runs `query` once to warm up, then `runs` times; returns the median in milliseconds.
// Stops at the first error.
StatusOr<double> TimeQuery(int runs, const std::function<Status(int run)>& query) {
  HT_RETURN_IF_ERROR(query(-1));
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    Stopwatch sw;
    HT_RETURN_IF_ERROR(query(i));
    ms.push_back(sw.Millis());
  }
  return Median(std::move(ms));
}

}  // namespace

SlowestQuery W1SlowestQuery() {
  SlowestQuery q;
  q.model = "gpt-4o";
  uint64_t middle = kW1StartUnixNano + kW1SpanNanos / 2;
  q.start_min_unix_nano = middle - 3 * kHourNs;
  q.start_max_unix_nano = middle + 3 * kHourNs - 1;
  q.limit = 20;
  return q;
}

std::string W1Result::Serialize() const {
  std::ostringstream out;
  out.precision(17);
  out << "spans " << spans << "\ntraces " << traces << "\ningest_spans_per_s " << ingest_spans_per_s
      << "\ningest_seconds " << ingest_seconds << "\nfinish_seconds " << finish_seconds
      << "\ngenerate_seconds " << generate_seconds << "\nbytes_per_span " << bytes_per_span
      << "\nbytes_on_disk " << bytes_on_disk << "\npeak_rss_mib " << peak_rss_mib << "\nq1_ms "
      << q1_ms << "\nq2_ms " << q2_ms << "\nq3_ms " << q3_ms << "\nwriters " << writers << "\n";
  for (const std::string& p : problems) out << "problem " << p << "\n";
  return out.str();
}

StatusOr<W1Result> W1Result::Parse(const std::string& text) {
  W1Result r;
  std::istringstream in(text);
  std::string line;
  int fields = 0;
  while (std::getline(in, line)) {
    size_t space = line.find(' ');
    if (space == std::string::npos) return InternalError("bad result line: " + line);
    std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "problem") {
      r.problems.push_back(value);
      continue;
    }
    double d = std::strtod(value.c_str(), nullptr);
    ++fields;
    if (key == "spans")
      r.spans = static_cast<uint64_t>(d);
    else if (key == "traces")
      r.traces = static_cast<uint64_t>(d);
    else if (key == "ingest_spans_per_s")
      r.ingest_spans_per_s = d;
    else if (key == "ingest_seconds")
      r.ingest_seconds = d;
    else if (key == "finish_seconds")
      r.finish_seconds = d;
    else if (key == "generate_seconds")
      r.generate_seconds = d;
    else if (key == "bytes_per_span")
      r.bytes_per_span = d;
    else if (key == "bytes_on_disk")
      r.bytes_on_disk = static_cast<uint64_t>(d);
    else if (key == "peak_rss_mib")
      r.peak_rss_mib = d;
    else if (key == "q1_ms")
      r.q1_ms = d;
    else if (key == "q2_ms")
      r.q2_ms = d;
    else if (key == "q3_ms")
      r.q3_ms = d;
    else if (key == "writers")
      r.writers = static_cast<int>(d);
    else
      --fields;
  }
  if (fields != 13) return InternalError("incomplete result from child: " + text);
  return r;
}

StatusOr<W1Result> RunW1(W1System* system, const W1RunOptions& options) {
  W1Result result;
  const SlowestQuery q3 = W1SlowestQuery();

  // What the answers must be, gathered while generating.
  std::vector<std::pair<TraceId, size_t>> traces;
  TokensByAgent expected_tokens;
  std::vector<int64_t> expected_slowest;

  W1Generator generator({.spans = options.spans, .seed = options.seed});
  const size_t batch_size = system->batch_spans();
  const int writers = system->supports_concurrent_ingest() ? std::max(1, options.writers) : 1;
  // With several writers, batches go through the ingester's bounded queue; its destructor
  // joins the writer threads on every early return below.
  std::optional<ConcurrentIngester> ingester;
  if (writers > 1) ingester.emplace(system, writers, kQueueBatches);
  std::vector<Span> pending, trace;
  pending.reserve(batch_size + 64);
  uint64_t next_progress = options.spans / 10;
  // ingest_s is the time this thread waits on the store: inside Ingest with one writer; with
  // several, handing a batch over (including blocked on a full queue) and waiting for the
  // writers to drain the queue. Everything else this thread does (generating spans, noting the
  // expected answers, cutting batches) is excluded in both modes, so with several writers
  // ingest_s is the wall time from the first batch to the end of FinishIngest minus the
  // generating thread's own work in between. With options.pregenerate nothing is generated in
  // between, so ingest_s is that wall time.
  double generate_s = 0, ingest_s = 0;
  uint64_t handed_over = 0;
  std::vector<std::vector<Span>> pregenerated;  // options.pregenerate: every batch, in order
  auto ingest = [&](std::vector<Span> batch) -> Status {
    const size_t n = batch.size();
    Stopwatch sw;
    if (ingester) {
      HT_RETURN_IF_ERROR(ingester->Submit(std::move(batch)));  // writer errors: "ingest: ..."
    } else {
      HT_RETURN_IF_ERROR(system->Ingest(std::move(batch)).WithContext("ingest"));
    }
    ingest_s += sw.Seconds();
    handed_over += n;
    return Status::Ok();
  };
  for (;;) {
    Stopwatch gen_sw;
    bool more = generator.NextTrace(&trace);
    generate_s += gen_sw.Seconds();
    if (more) {
      traces.emplace_back(trace[0].trace_id, trace.size());
      for (const Span& s : trace) {
        auto& [in, out] = expected_tokens[s.derived.agent];
        if (s.derived.usage_counted) {
          in += s.derived.input_tokens;
          out += s.derived.output_tokens;
        }
        if (s.derived.model == q3.model && s.start_unix_nano >= q3.start_min_unix_nano &&
            s.start_unix_nano <= q3.start_max_unix_nano) {
          expected_slowest.push_back(s.duration_ns());
        }
      }
      std::move(trace.begin(), trace.end(), std::back_inserter(pending));
    }
    while (pending.size() >= batch_size || (!more && !pending.empty())) {
      size_t n = std::min(batch_size, pending.size());
      std::vector<Span> batch(std::make_move_iterator(pending.begin()),
                              std::make_move_iterator(pending.begin() + n));
      pending.erase(pending.begin(), pending.begin() + n);
      if (options.pregenerate) {
        pregenerated.push_back(std::move(batch));
      } else {
        HT_RETURN_IF_ERROR(ingest(std::move(batch)));
      }
    }
    if (generator.spans_emitted() >= next_progress && more && options.pregenerate) {
      Progress("  %llu spans generated",
               static_cast<unsigned long long>(generator.spans_emitted()));
      next_progress += options.spans / 10;
    } else if (generator.spans_emitted() >= next_progress && more) {
      uint64_t stored = ingester ? ingester->spans_stored() : handed_over;
      Progress("  %llu spans generated, %llu stored (%.0f spans/s so far)",
               static_cast<unsigned long long>(generator.spans_emitted()),
               static_cast<unsigned long long>(stored),
               ingest_s > 0 ? static_cast<double>(stored) / ingest_s : 0.0);
      next_progress += options.spans / 10;
    }
    if (!more) break;
  }
  if (options.pregenerate) {
    Progress("  generated %zu batches in %.1f s; storing them", pregenerated.size(), generate_s);
    for (std::vector<Span>& batch : pregenerated) HT_RETURN_IF_ERROR(ingest(std::move(batch)));
    std::vector<std::vector<Span>>().swap(pregenerated);
  }
  if (ingester) {
    Stopwatch drain;
    HT_RETURN_IF_ERROR(ingester->Close());
    ingest_s += drain.Seconds();
    if (ingester->spans_stored() != handed_over) {
      return InternalError("writers stored " + std::to_string(ingester->spans_stored()) + " of " +
                           std::to_string(handed_over) + " spans");
    }
    ingester.reset();
  }
  Stopwatch finish;
  HT_RETURN_IF_ERROR(system->FinishIngest().WithContext("finish ingest"));
  result.finish_seconds = finish.Seconds();
  ingest_s += result.finish_seconds;
  result.spans = generator.spans_emitted();
  result.traces = traces.size();
  result.writers = writers;
  result.ingest_seconds = ingest_s;
  result.generate_seconds = generate_s;
  result.ingest_spans_per_s = static_cast<double>(result.spans) / ingest_s;
  HT_ASSIGN_OR_RETURN(result.bytes_on_disk, system->BytesOnDisk());
  result.bytes_per_span =
      static_cast<double>(result.bytes_on_disk) / static_cast<double>(result.spans);
  Progress(
      "  ingested %llu spans in %.1f s with %d writer thread%s (%.0f spans/s; generating them "
      "took %.1f s), %.0f bytes/span",
      static_cast<unsigned long long>(result.spans), ingest_s, writers, writers == 1 ? "" : "s",
      result.ingest_spans_per_s, generate_s, result.bytes_per_span);

  if (!options.run_queries) {
    result.peak_rss_mib = system->in_process() ? PeakRssMib() : -1;
    return result;
  }

  std::sort(expected_slowest.rbegin(), expected_slowest.rend());
  if (expected_slowest.size() > q3.limit) expected_slowest.resize(q3.limit);

  // q1: 20 random traces of the generated set, each read once to warm up.
  W1Random pick(options.seed ^ 0x7131ULL);
  std::vector<size_t> chosen;
  for (int i = 0; i < options.query_runs; ++i) chosen.push_back(pick.Uniform(traces.size()));
  for (size_t c : chosen) {
    HT_ASSIGN_OR_RETURN(size_t n, system->GetTrace(traces[c].first));
    if (n != traces[c].second) {
      result.problems.push_back("q1: trace " + ToHex(traces[c].first) + " has " +
                                std::to_string(n) + " spans, want " +
                                std::to_string(traces[c].second));
    }
  }
  auto q1 = TimeQuery(options.query_runs, [&](int run) -> Status {
    if (run < 0) return Status::Ok();  // warmed above
    return system->GetTrace(traces[chosen[run]].first).status();
  });
  HT_RETURN_IF_ERROR(q1.status().WithContext("q1"));
  result.q1_ms = *q1;
  Progress("  q1 %.3f ms", result.q1_ms);

  TokensByAgent tokens;
  auto q2 = TimeQuery(options.query_runs, [&](int) -> Status {
    HT_ASSIGN_OR_RETURN(tokens, system->TokensByAgentQuery());
    return Status::Ok();
  });
  HT_RETURN_IF_ERROR(q2.status().WithContext("q2"));
  result.q2_ms = *q2;
  if (tokens != expected_tokens) {
    result.problems.push_back("q2: got " + FormatTokens(tokens) + ", want " +
                              FormatTokens(expected_tokens));
  }
  Progress("  q2 %.3f ms", result.q2_ms);

  std::vector<int64_t> slowest;
  auto q3_ms = TimeQuery(options.query_runs, [&](int) -> Status {
    HT_ASSIGN_OR_RETURN(slowest, system->Slowest(q3));
    return Status::Ok();
  });
  HT_RETURN_IF_ERROR(q3_ms.status().WithContext("q3"));
  result.q3_ms = *q3_ms;
  if (slowest != expected_slowest) {
    result.problems.push_back("q3: got " + std::to_string(slowest.size()) +
                              " spans whose durations differ from the expected " +
                              std::to_string(expected_slowest.size()));
  }
  Progress("  q3 %.3f ms", result.q3_ms);
  result.peak_rss_mib = system->in_process() ? PeakRssMib() : -1;
  return result;
}

}  // namespace hoptrace::bench
