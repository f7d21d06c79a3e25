#include "server/ingest.h"

#include <map>

#include "normalize/normalize.h"

namespace hoptrace {

StatusOr<IngestOutcome> Ingester::Ingest(WireFormat format, std::string_view body) {
  StatusOr<DecodedBatch> decoded = InvalidArgumentError("unknown format");
  switch (format) {
    case WireFormat::kOtlpProtobuf:
      decoded = DecodeOtlpProtobuf(body);
      break;
    case WireFormat::kOtlpJson:
      decoded = DecodeOtlpJson(body);
      break;
    case WireFormat::kZipkinJson:
      decoded = DecodeZipkinJson(body);
      break;
    case WireFormat::kOpenAIAgentsJson:
      decoded = DecodeOpenAIAgentsJson(body);
      break;
  }
  if (!decoded.ok()) return decoded.status();
  DecodedBatch& batch = *decoded;
  IngestOutcome out;
  out.received = batch.spans.size() + batch.rejected;
  out.rejected = batch.rejected;
  out.rejected_by_reason = std::move(batch.rejected_by_reason);
  out.first_rejection = std::move(batch.first_rejection);
  if (batch.spans.empty()) return out;

  for (Span& s : batch.spans) {
    if (DeriveAgentFields(&s, *prices_).unpriced()) ++out.unpriced;
  }
  // Per trace: inherit agents and settle wrapper usage with the spans already stored (a parent
  // that arrived in an earlier request). Stored spans are not rewritten here.
  std::map<TraceId, std::vector<Span*>> by_trace;
  for (Span& s : batch.spans) by_trace[s.trace_id].push_back(&s);
  for (auto& [trace_id, spans] : by_trace) {
    std::vector<Span> stored;
    bool needs_context = false;
    for (const Span* s : spans)
      needs_context = needs_context || (!s->is_root() && s->derived.agent.empty());
    if (needs_context) {
      auto got = store_->GetTrace(trace_id);
      if (got.ok()) stored = std::move(*got);
    }
    std::vector<Span*> all = spans;
    for (Span& s : stored) all.push_back(&s);
    ResolveTrace(std::span<Span* const>(all.data(), all.size()));
  }
  HT_ASSIGN_OR_RETURN(AppendResult r, store_->Append(std::move(batch.spans)));
  out.accepted = r.stored;
  out.duplicates = r.duplicates;
  return out;
}

}  // namespace hoptrace
