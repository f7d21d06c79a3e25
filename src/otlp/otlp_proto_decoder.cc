// DecodeOtlpProtobuf: ExportTraceServiceRequest (parsed by libprotobuf into an arena) -> Spans.
#include <google/protobuf/arena.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/batch_builder.h"
#include "otlp/decode.h"
#include "otlp/utf8.h"

namespace hoptrace {

namespace {

namespace pb_common = ::opentelemetry::proto::common::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_collector = ::opentelemetry::proto::collector::trace::v1;
using otlp_internal::BatchBuilder;
using otlp_internal::ByteCount;

// Text fields are `bytes` in our .proto (see common.proto): repaired here if not valid UTF-8.
std::string Text(const std::string& bytes) { return otlp_internal::ToValidUtf8(bytes); }

// Request bodies are bounded by the server (64 MiB after decompression by default); protobuf's
// own default limit is 2 GiB, so this only guards against misuse.
constexpr size_t kMaxBody = size_t{1} << 31;

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

// Reads a base-128 varint at body[*pos]; false when truncated or longer than 10 bytes.
bool ReadVarint(std::string_view body, size_t* pos, uint64_t* out) {
  *out = 0;
  for (int shift = 0; shift < 70 && *pos < body.size(); shift += 7) {
    const auto b = static_cast<uint8_t>(body[(*pos)++]);
    *out |= static_cast<uint64_t>(b & 0x7F) << (shift < 64 ? shift : 0);
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Says why `body` failed to parse, as precisely as a walk over the top-level fields can tell:
// a body in another encoding, or the offset of the first broken top-level field.
std::string DescribeParseFailure(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (body[first] == '{' || body[first] == '[')) {
    return "it looks like JSON; send OTLP/JSON with Content-Type: application/json";
  }
  if (body.size() >= 2 && static_cast<uint8_t>(body[0]) == 0x1f &&
      static_cast<uint8_t>(body[1]) == 0x8b) {
    return "it looks gzip-compressed; send Content-Encoding: gzip with it";
  }
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t field_start = pos;
    uint64_t tag = 0;
    if (!ReadVarint(body, &pos, &tag)) {
      return "truncated field tag at byte " + std::to_string(field_start);
    }
    const uint64_t field = tag >> 3;
    const int wire_type = static_cast<int>(tag & 7);
    const std::string at = " (field " + std::to_string(field) + ", wire type " +
                           std::to_string(wire_type) + ") at byte " + std::to_string(field_start);
    if (field == 0) return "invalid field number 0" + at;
    uint64_t len = 0;
    switch (wire_type) {
      case 0:
        if (!ReadVarint(body, &pos, &len)) return "truncated varint" + at;
        break;
      case 1:
      case 5: {
        const size_t n = wire_type == 1 ? 8 : 4;
        if (body.size() - pos < n) return "truncated fixed-width value" + at;
        pos += n;
        break;
      }
      case 2:
        if (!ReadVarint(body, &pos, &len)) return "truncated length" + at;
        if (len > body.size() - pos) {
          return "field" + at + " claims " + ByteCount(len) + " but only " +
                 ByteCount(body.size() - pos) + " follow (truncated body?)";
        }
        pos += len;
        break;
      default:
        return "unsupported wire type" + at + " (not protobuf?)";
    }
  }
  return "a nested message is truncated or corrupt, or nested too deeply";
}

}  // namespace

StatusOr<DecodedBatch> DecodeOtlpProtobuf(std::string_view body) {
  if (body.size() >= kMaxBody) {
    return ResourceExhaustedError("OTLP protobuf body of " + std::to_string(body.size()) +
                                  " bytes is over the 2 GiB protobuf limit");
  }
  google::protobuf::ArenaOptions arena_options;
  // Start with a block in proportion to the body: most of the parsed request is copies of it.
  arena_options.start_block_size = std::max<size_t>(4096, std::min<size_t>(body.size(), 1 << 20));
  google::protobuf::Arena arena(arena_options);
  auto* request =
      google::protobuf::Arena::CreateMessage<pb_collector::ExportTraceServiceRequest>(&arena);
  if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("the body (" + ByteCount(body.size()) +
                                ") is not a valid OTLP ExportTraceServiceRequest in protobuf: " +
                                DescribeParseFailure(body));
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

}  // namespace hoptrace
