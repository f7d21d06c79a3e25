#include "server/ingest.h"

#include <map>

#include "normalize/normalize.h"

namespace hoptrace {
namespace {

// The spans without their attributes, events, links, resource and scope.
std::vector<Span> Skeletons(const std::vector<Span*>& spans) {
  std::vector<Span> out(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = *spans[i];
    Span& k = out[i];
    k.trace_id = s.trace_id;
    k.span_id = s.span_id;
    k.parent_span_id = s.parent_span_id;
    k.name = s.name;
    k.kind = s.kind;
    k.start_unix_nano = s.start_unix_nano;
    k.end_unix_nano = s.end_unix_nano;
    k.status_code = s.status_code;
    k.derived = s.derived;
  }
  return out;
}

}  // namespace

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
  // Per trace: inherit agents and settle wrapper usage together with the spans already stored
  // (children usually arrive in an earlier request than their parent). Stored spans whose
  // derived fields change by that (an agent inherited from the new parent, a wrapper whose
  // children arrived now) are rewritten in the store, so stats and searches agree with the
  // trace view.
  std::vector<DerivedUpdate> updates;
  std::map<TraceId, std::vector<Span*>> by_trace;
  for (Span& s : batch.spans) by_trace[s.trace_id].push_back(&s);
  for (auto& [trace_id, spans] : by_trace) {
    std::vector<Span> stored;
    auto got = store_->GetTrace(trace_id);
    if (got.ok()) stored = std::move(*got);  // else resolved with the new spans alone
    std::vector<AgentFields> before;
    before.reserve(stored.size());
    for (const Span& s : stored) before.push_back(s.derived);
    std::vector<Span*> all = spans;
    for (Span& s : stored) all.push_back(&s);
    ResolveTrace(std::span<Span* const>(all.data(), all.size()));
    if (keep_traces_) out.traces.push_back(Skeletons(all));
    for (size_t k = 0; k < stored.size(); ++k) {
      if (stored[k].derived == before[k]) continue;
      updates.push_back({stored[k].trace_id, stored[k].span_id, std::move(stored[k].derived)});
    }
  }
  HT_ASSIGN_OR_RETURN(AppendResult r, store_->Append(std::move(batch.spans)));
  out.accepted = r.stored;
  for (const auto& [trace_id, spans] : by_trace) out.trace_ids.push_back(trace_id);
  out.duplicates = r.duplicates;
  // Before answering: a success means the new spans and the updates are durable.
  if (!updates.empty()) {
    Status s = store_->UpdateDerived(std::move(updates));
    if (!s.ok()) return s.WithContext("updating derived fields of stored spans");
  }
  return out;
}

}  // namespace hoptrace
