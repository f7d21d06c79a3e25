#include "hoptrace_system.h"

#include "bench_util.h"

#ifdef HOPTRACE_BENCH_HAVE_EMBEDDED_STORE
#include "storage/embedded/embedded_store.h"
#endif

namespace hoptrace::bench {

#ifdef HOPTRACE_BENCH_HAVE_EMBEDDED_STORE

namespace {

class HoptraceSystem : public W1System {
 public:
  HoptraceSystem(std::string dir, std::unique_ptr<EmbeddedStore> store, size_t batch_spans)
      : dir_(std::move(dir)), store_(std::move(store)), batch_spans_(batch_spans) {}

  size_t batch_spans() const override { return batch_spans_; }
  // EmbeddedStore::Append is thread-safe; concurrent appenders share WAL fsyncs (group commit).
  bool supports_concurrent_ingest() const override { return true; }
  StatusOr<uint64_t> BytesOnDisk() override { return DirectoryBytes(dir_); }

  Status Ingest(std::vector<Span> batch) override {
    size_t n = batch.size();
    HT_ASSIGN_OR_RETURN(AppendResult r, store_->Append(std::move(batch)));
    if (r.stored != n) {
      return InternalError("Append stored " + std::to_string(r.stored) + " of " +
                           std::to_string(n) + " spans (" + std::to_string(r.duplicates) +
                           " duplicates)");
    }
    return Status::Ok();
  }

  Status FinishIngest() override { return store_->Flush(); }

  StatusOr<size_t> GetTrace(const TraceId& trace_id) override {
    HT_ASSIGN_OR_RETURN(std::vector<Span> spans, store_->GetTrace(trace_id));
    return spans.size();
  }

  StatusOr<TokensByAgent> TokensByAgentQuery() override {
    AggregateRequest request;
    request.group_by = {GroupKey{GroupField::kAgent, ""}};
    request.with_percentiles = false;
    request.with_cost = false;  // q2 asks for input and output sums only
    HT_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, store_->Aggregate(request));
    TokensByAgent out;
    for (const AggregateRow& row : rows) {
      out[row.key.empty() ? "" : row.key[0]] = {row.input_tokens, row.output_tokens};
    }
    return out;
  }

  StatusOr<std::vector<int64_t>> Slowest(const SlowestQuery& q) override {
    SpanFilter filter;
    filter.model = q.model;
    filter.start_min_unix_nano = q.start_min_unix_nano;
    filter.start_max_unix_nano = q.start_max_unix_nano;
    HT_ASSIGN_OR_RETURN(std::vector<Span> spans,
                        store_->SearchSpans(filter, SpanOrder::kLongestFirst, q.limit));
    std::vector<int64_t> durations;
    for (const Span& s : spans) durations.push_back(s.duration_ns());
    return durations;
  }

 private:
  std::string dir_;
  std::unique_ptr<EmbeddedStore> store_;
  const size_t batch_spans_;
};

}  // namespace

StatusOr<std::unique_ptr<W1System>> OpenHoptraceSystem(const std::string& dir, size_t batch_spans) {
  if (batch_spans == 0) return InvalidArgumentError("OpenHoptraceSystem: batch_spans is 0");
  EmbeddedStoreOptions options;
  options.dir = dir;
  HT_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedStore> store, EmbeddedStore::Open(options));
  return std::unique_ptr<W1System>(
      std::make_unique<HoptraceSystem>(dir, std::move(store), batch_spans));
}

#else

StatusOr<std::unique_ptr<W1System>> OpenHoptraceSystem(const std::string&, size_t) {
  return UnimplementedError(
      "the benchmark was built without the embedded store library (see bench/CMakeLists.txt)");
}

#endif

}  // namespace hoptrace::bench
