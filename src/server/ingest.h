// The ingest pipeline shared by every receiver: decode -> validate -> normalise -> store.
//
// Thread-safety: Ingester is thread-safe (the store and price table are).
#pragma once

#include <string>
#include <string_view>

#include "normalize/price_table.h"
#include "otlp/decode.h"
#include "storage/span_store.h"

namespace hoptrace {

enum class WireFormat { kOtlpProtobuf, kOtlpJson, kZipkinJson, kOpenAIAgentsJson };

struct IngestOutcome {
  uint64_t received = 0;    // spans in the request
  uint64_t accepted = 0;    // stored now
  uint64_t duplicates = 0;  // already stored (a retry)
  uint64_t rejected = 0;    // invalid spans left out
  std::map<std::string, uint64_t> rejected_by_reason;
  std::string first_rejection;
  uint64_t unpriced = 0;  // LLM spans with tokens but no price
  std::vector<TraceId> trace_ids;  // the traces the stored spans belong to, each once
  // With Ingester::set_keep_traces(true): each touched trace as it stands after this request
  // (stored and new spans, resolved), as skeletons: ids, name, kind, times, status and derived
  // fields, without attributes, events or links. What a cost evaluation needs, without
  // reading the trace again.
  std::vector<std::vector<Span>> traces;
};

class Ingester {
 public:
  Ingester(SpanStore* store, const PriceTable* prices) : store_(store), prices_(prices) {}
  const PriceTable* prices() const { return prices_; }

  // Decodes `body` (already decompressed) and stores its valid spans. InvalidArgument for a body
  // that cannot be read (nothing stored); store errors (Unavailable, ResourceExhausted) as they
  // come. Returns only once the stored spans are durable.
  StatusOr<IngestOutcome> Ingest(WireFormat format, std::string_view body);

  // Fill IngestOutcome::traces. REQUIRES: set before the first Ingest.
  void set_keep_traces(bool keep) { keep_traces_ = keep; }

 private:
  SpanStore* const store_;
  const PriceTable* const prices_;
  bool keep_traces_ = false;
};

}  // namespace hoptrace
