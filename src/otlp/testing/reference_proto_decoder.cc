// ReferenceDecodeOtlpProtobuf: ExportTraceServiceRequest (parsed by libprotobuf into an arena)
// -> Spans. The DecodeOtlpProtobuf of before the hand-written wire decoder, unchanged except that
// its error statuses (same text) are built by proto_errors.h, which the replacement shares.
#include "otlp/testing/reference_proto_decoder.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/batch_builder.h"
#include "otlp/proto_errors.h"
#include "otlp/utf8.h"

namespace hoptrace::otlp_testing {

namespace {

namespace pb_common = ::opentelemetry::proto::common::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_collector = ::opentelemetry::proto::collector::trace::v1;
using otlp_internal::BatchBuilder;
using otlp_internal::ByteCount;

// Text fields are `bytes` in our .proto (see common.proto): repaired here if not valid UTF-8.
std::string Text(const std::string& bytes) { return otlp_internal::ToValidUtf8(bytes); }

AnyValue ConvertValue(const pb_common::AnyValue& v);

Attributes ConvertAttributes(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& kvs) {
  Attributes out;
  out.reserve(kvs.size());
  for (const pb_common::KeyValue& kv : kvs) {
    out.push_back(KeyValue{Text(kv.key()), kv.has_value() ? ConvertValue(kv.value()) : AnyValue{}});
  }
  return out;
}

// Recursion depth is bounded by protobuf's parse recursion limit (100).
AnyValue ConvertValue(const pb_common::AnyValue& v) {
  switch (v.value_case()) {
    case pb_common::AnyValue::kStringValue:
      return AnyValue::String(Text(v.string_value()));
    case pb_common::AnyValue::kBoolValue:
      return AnyValue::Bool(v.bool_value());
    case pb_common::AnyValue::kIntValue:
      return AnyValue::Int(v.int_value());
    case pb_common::AnyValue::kDoubleValue:
      return AnyValue::Double(v.double_value());
    case pb_common::AnyValue::kBytesValue:
      return AnyValue::Bytes(v.bytes_value());
    case pb_common::AnyValue::kArrayValue: {
      std::vector<AnyValue> items;
      items.reserve(v.array_value().values_size());
      for (const pb_common::AnyValue& item : v.array_value().values()) {
        items.push_back(ConvertValue(item));
      }
      return AnyValue::Array(std::move(items));
    }
    case pb_common::AnyValue::kKvlistValue:
      return AnyValue::KvList(ConvertAttributes(v.kvlist_value().values()));
    case pb_common::AnyValue::kStringValueStrindex:  // profiles only: no string table here
    case pb_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return AnyValue{};
}

template <size_t N>
bool CopyId(const std::string& bytes, std::array<uint8_t, N>* out) {
  if (bytes.size() != N) return false;
  std::memcpy(out->data(), bytes.data(), N);
  return true;
}

SpanKind ConvertKind(int kind) {
  if (kind >= 0 && kind <= static_cast<int>(SpanKind::kConsumer)) {
    return static_cast<SpanKind>(kind);
  }
  return SpanKind::kUnspecified;
}

StatusCodeValue ConvertStatusCode(int code) {
  if (code >= 0 && code <= static_cast<int>(StatusCodeValue::kError)) {
    return static_cast<StatusCodeValue>(code);
  }
  return StatusCodeValue::kUnset;
}

void DecodeSpan(const pb_trace::Span& in, const Resource& resource, const Scope& scope,
                BatchBuilder* builder) {
  const uint64_t index = builder->NextIndex();
  Span span;
  if (!CopyId(in.trace_id(), &span.trace_id)) {
    builder->Reject(index, kRejectInvalidTraceId, Text(in.name()),
                    "trace id is " + ByteCount(in.trace_id().size()) + ", want 16");
    return;
  }
  if (!CopyId(in.span_id(), &span.span_id)) {
    builder->Reject(index, kRejectInvalidSpanId, Text(in.name()),
                    "span id is " + ByteCount(in.span_id().size()) + ", want 8");
    return;
  }
  if (!in.parent_span_id().empty() && !CopyId(in.parent_span_id(), &span.parent_span_id)) {
    builder->Reject(index, kRejectInvalidParentSpanId, Text(in.name()),
                    "parent span id is " + ByteCount(in.parent_span_id().size()) +
                        ", want 8 (or empty for a root span)");
    return;
  }
  span.trace_state = Text(in.trace_state());
  span.flags = in.flags();
  span.name = Text(in.name());
  span.kind = ConvertKind(in.kind());
  span.start_unix_nano = in.start_time_unix_nano();
  span.end_unix_nano = in.end_time_unix_nano();
  span.attributes = ConvertAttributes(in.attributes());
  span.dropped_attributes_count = in.dropped_attributes_count();
  span.events.reserve(in.events_size());
  for (const pb_trace::Span::Event& e : in.events()) {
    SpanEvent event;
    event.time_unix_nano = e.time_unix_nano();
    event.name = Text(e.name());
    event.attributes = ConvertAttributes(e.attributes());
    event.dropped_attributes_count = e.dropped_attributes_count();
    span.events.push_back(std::move(event));
  }
  span.dropped_events_count = in.dropped_events_count();
  span.dropped_links_count = in.dropped_links_count();
  span.links.reserve(in.links_size());
  for (const pb_trace::Span::Link& l : in.links()) {
    SpanLink link;
    if (!CopyId(l.trace_id(), &link.trace_id) || !CopyId(l.span_id(), &link.span_id) ||
        IsZeroId(link.trace_id) || IsZeroId(link.span_id)) {
      ++span.dropped_links_count;  // a link to nowhere: dropped, and counted as such
      continue;
    }
    link.trace_state = Text(l.trace_state());
    link.attributes = ConvertAttributes(l.attributes());
    link.dropped_attributes_count = l.dropped_attributes_count();
    link.flags = l.flags();
    span.links.push_back(std::move(link));
  }
  if (in.has_status()) {
    span.status_code = ConvertStatusCode(in.status().code());
    span.status_message = Text(in.status().message());
  }
  span.resource = resource;
  span.scope = scope;
  builder->Accept(index, std::move(span));
}

}  // namespace

StatusOr<DecodedBatch> ReferenceDecodeOtlpProtobuf(std::string_view body) {
  if (body.size() >= otlp_internal::kMaxProtobufBody) {
    return otlp_internal::ProtobufBodyTooLargeError(body.size());
  }
  google::protobuf::ArenaOptions arena_options;
  // Start with a block in proportion to the body: most of the parsed request is copies of it.
  arena_options.start_block_size = std::max<size_t>(4096, std::min<size_t>(body.size(), 1 << 20));
  google::protobuf::Arena arena(arena_options);
  auto* request =
      google::protobuf::Arena::CreateMessage<pb_collector::ExportTraceServiceRequest>(&arena);
  if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return otlp_internal::ProtobufParseError(body);
  }
  BatchBuilder builder;
  for (const pb_trace::ResourceSpans& rs : request->resource_spans()) {
    Resource resource;
    if (rs.has_resource()) {
      resource.attributes = ConvertAttributes(rs.resource().attributes());
      resource.dropped_attributes_count = rs.resource().dropped_attributes_count();
    }
    resource.schema_url = Text(rs.schema_url());
    for (const pb_trace::ScopeSpans& ss : rs.scope_spans()) {
      Scope scope;
      if (ss.has_scope()) {
        scope.name = Text(ss.scope().name());
        scope.version = Text(ss.scope().version());
        scope.attributes = ConvertAttributes(ss.scope().attributes());
        scope.dropped_attributes_count = ss.scope().dropped_attributes_count();
      }
      scope.schema_url = Text(ss.schema_url());
      for (const pb_trace::Span& span : ss.spans()) DecodeSpan(span, resource, scope, &builder);
    }
  }
  return std::move(builder).Finish();
}

}  // namespace hoptrace::otlp_testing
