// DecodeZipkinJson: Zipkin v2 JSON span list -> Spans (mapping documented in decode.h).
#include <limits>
#include <string>

#include "otlp/batch_builder.h"
#include "otlp/decode.h"
#include "otlp/json_util.h"

namespace hoptrace {

namespace {

using otlp_internal::AsArray;
using otlp_internal::AsObject;
using otlp_internal::BatchBuilder;
using otlp_internal::JsonTypeName;
using otlp_internal::Quoted;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::key_value_pair;

constexpr uint64_t kMaxMicros = std::numeric_limits<uint64_t>::max() / 1000;

bool IsNull(const element& e) { return e.type() == element_type::NULL_VALUE; }

std::string Expected(std::string_view field, std::string_view what, const element& e) {
  return std::string(field) + ": expected " + std::string(what) + ", got " +
         std::string(JsonTypeName(e));
}

// Microseconds (number or decimal string) -> nanoseconds.
bool ReadMicros(const element& e, uint64_t* nanos) {
  uint64_t micros = 0;
  if (!otlp_internal::ReadUint64(e, &micros) || micros > kMaxMicros) return false;
  *nanos = micros * 1000;
  return true;
}

struct Endpoint {
  std::string service_name, ipv4, ipv6;
  int64_t port = 0;
};

std::string ReadEndpoint(const element& e, std::string_view field, Endpoint* out) {
  if (IsNull(e)) return {};
  if (e.type() != element_type::OBJECT) return Expected(field, "an object", e);
  for (key_value_pair f : AsObject(e)) {
    if (IsNull(f.value)) continue;
    std::string* s = f.key == "serviceName" ? &out->service_name
                     : f.key == "ipv4"      ? &out->ipv4
                     : f.key == "ipv6"      ? &out->ipv6
                                            : nullptr;
    if (s != nullptr) {
      if (f.value.type() != element_type::STRING) {
        return Expected(std::string(field) + "." + std::string(f.key), "a string", f.value);
      }
      *s = std::string(f.value.get_string().value_unsafe());
    } else if (f.key == "port") {
      if (!otlp_internal::ReadInt64(f.value, &out->port)) {
        return Expected(std::string(field) + ".port", "an integer", f.value);
      }
    }
  }
  return {};
}

// Hex id of `want` bytes; a 64-bit trace id (16 hex digits) is left-padded for 16-byte ids.
template <size_t N>
bool ParseZipkinId(std::string_view hex, std::array<uint8_t, N>* out) {
  if constexpr (N == 16) {
    if (hex.size() == 16) {
      auto low = ParseSpanId(hex);
      if (!low) return false;
      out->fill(0);
      std::copy(low->begin(), low->end(), out->begin() + 8);
      return true;
    }
    auto id = ParseTraceId(hex);
    if (!id) return false;
    *out = *id;
  } else {
    auto id = ParseSpanId(hex);
    if (!id) return false;
    *out = *id;
  }
  return true;
}

void DecodeSpan(const element& e, BatchBuilder* builder) {
  const uint64_t index = builder->NextIndex();
  if (e.type() != element_type::OBJECT) {
    builder->Reject(index, kRejectMalformedSpan, "", Expected("span", "an object", e));
    return;
  }
  Span span;
  span.kind = SpanKind::kInternal;
  std::string_view reason;
  std::string problem;
  auto fail = [&](std::string_view r, std::string p) {
    if (problem.empty()) {
      reason = r;
      problem = std::move(p);
    }
  };
  bool has_trace = false, has_id = false, has_timestamp = false;
  uint64_t duration = 0;
  Endpoint local, remote;
  std::string otel_status_code, otel_status_description, error_tag;
  bool has_error_tag = false;
  for (key_value_pair f : AsObject(e)) {
    std::string_view k = f.key;
    const element& v = f.value;
    if (IsNull(v)) continue;
    if (k == "traceId" || k == "id" || k == "parentId") {
      const std::string_view r = k == "traceId" ? kRejectInvalidTraceId
                                 : k == "id"    ? kRejectInvalidSpanId
                                                : kRejectInvalidParentSpanId;
      if (v.type() != element_type::STRING) {
        fail(r, Expected(k, "a hex string", v));
        continue;
      }
      std::string_view hex = v.get_string().value_unsafe();
      bool ok;
      if (k == "traceId") {
        ok = ParseZipkinId(hex, &span.trace_id);
        has_trace = true;
      } else if (k == "id") {
        ok = ParseZipkinId(hex, &span.span_id);
        has_id = true;
      } else {
        ok = hex.empty() || ParseZipkinId(hex, &span.parent_span_id);
      }
      if (!ok) {
        fail(r, std::string(k) + " " + Quoted(hex, 48) + " is not " +
                    (k == "traceId" ? "16 or 32" : "16") + " hex digits");
      }
    } else if (k == "name") {
      if (v.type() != element_type::STRING) {
        fail(kRejectMalformedSpan, Expected(k, "a string", v));
      } else {
        span.name = std::string(v.get_string().value_unsafe());
      }
    } else if (k == "kind") {
      std::string_view kind = v.type() == element_type::STRING ? v.get_string().value_unsafe() : "";
      span.kind = kind == "CLIENT"     ? SpanKind::kClient
                  : kind == "SERVER"   ? SpanKind::kServer
                  : kind == "PRODUCER" ? SpanKind::kProducer
                  : kind == "CONSUMER" ? SpanKind::kConsumer
                                       : SpanKind::kInternal;
    } else if (k == "timestamp") {
      has_timestamp = true;
      if (!ReadMicros(v, &span.start_unix_nano)) {
        fail(kRejectInvalidTime, Expected(k, "epoch microseconds", v));
      }
    } else if (k == "duration") {
      if (!ReadMicros(v, &duration)) fail(kRejectInvalidTime, Expected(k, "microseconds", v));
    } else if (k == "localEndpoint" || k == "remoteEndpoint") {
      std::string p = ReadEndpoint(v, k, k[0] == 'l' ? &local : &remote);
      if (!p.empty()) fail(kRejectMalformedSpan, std::move(p));
    } else if (k == "annotations") {
      if (v.type() != element_type::ARRAY) {
        fail(kRejectMalformedSpan, Expected(k, "an array", v));
        continue;
      }
      for (element a : AsArray(v)) {
        SpanEvent event;
        if (a.type() != element_type::OBJECT) {
          fail(kRejectMalformedSpan, Expected("annotations[]", "an object", a));
          break;
        }
        for (key_value_pair af : AsObject(a)) {
          if (af.key == "timestamp" && !ReadMicros(af.value, &event.time_unix_nano)) {
            fail(kRejectInvalidTime, Expected("annotations[].timestamp", "microseconds", af.value));
          } else if (af.key == "value" && af.value.type() == element_type::STRING) {
            event.name = std::string(af.value.get_string().value_unsafe());
          }
        }
        span.events.push_back(std::move(event));
      }
    } else if (k == "tags") {
      if (v.type() != element_type::OBJECT) {
        fail(kRejectMalformedSpan, Expected(k, "an object of strings", v));
        continue;
      }
      for (key_value_pair t : AsObject(v)) {
        std::string value;
        if (t.value.type() == element_type::STRING) {
          value = std::string(t.value.get_string().value_unsafe());
        } else if (!IsNull(t.value)) {
          // Zipkin tags are strings; a sender that used another type keeps its JSON text.
          otlp_internal::AppendJsonText(t.value, &value);
        }
        if (t.key == "otel.status_code") otel_status_code = value;
        if (t.key == "otel.status_description") otel_status_description = value;
        if (t.key == "error") {
          has_error_tag = true;
          error_tag = value;
        }
        span.attributes.push_back(KeyValue{std::string(t.key), AnyValue::String(std::move(value))});
      }
    } else if ((k == "debug" || k == "shared") && v.type() == element_type::BOOL &&
               v.get_bool().value_unsafe()) {
      span.attributes.push_back(
          KeyValue{k == "debug" ? "zipkin.debug" : "zipkin.shared", AnyValue::Bool(true)});
    }
  }
  if (problem.empty() && !has_trace) fail(kRejectInvalidTraceId, "traceId is missing");
  if (problem.empty() && !has_id) fail(kRejectInvalidSpanId, "id is missing");
  if (problem.empty() && !has_timestamp) fail(kRejectInvalidTime, "timestamp is missing");
  if (!problem.empty()) {
    builder->Reject(index, reason, span.name, problem);
    return;
  }
  span.end_unix_nano = span.start_unix_nano + std::min(duration, ~span.start_unix_nano);
  if (otel_status_code == "ERROR" || (otel_status_code.empty() && has_error_tag)) {
    span.status_code = StatusCodeValue::kError;
    span.status_message = !error_tag.empty() ? error_tag : otel_status_description;
  } else if (otel_status_code == "OK") {
    span.status_code = StatusCodeValue::kOk;
  }
  auto add_if_absent = [&](std::string key, AnyValue value) {
    if (FindAttribute(span.attributes, key) == nullptr) {
      span.attributes.push_back(KeyValue{std::move(key), std::move(value)});
    }
  };
  if (!remote.service_name.empty())
    add_if_absent("peer.service", AnyValue::String(remote.service_name));
  if (!remote.ipv4.empty() || !remote.ipv6.empty()) {
    add_if_absent("network.peer.address",
                  AnyValue::String(!remote.ipv6.empty() ? remote.ipv6 : remote.ipv4));
  }
  if (remote.port != 0) add_if_absent("network.peer.port", AnyValue::Int(remote.port));
  if (!local.service_name.empty()) {
    span.resource.attributes.push_back(
        KeyValue{"service.name", AnyValue::String(std::move(local.service_name))});
  }
  builder->Accept(index, std::move(span));
}

}  // namespace

StatusOr<DecodedBatch> DecodeZipkinJson(std::string_view body) {
  otlp_internal::JsonDocument doc;
  HT_RETURN_IF_ERROR(doc.Parse(body, "Zipkin v2 JSON span list"));
  const element root = doc.root();
  if (root.type() != element_type::ARRAY) {
    return InvalidArgumentError(
        "malformed Zipkin v2 request: expected a JSON array of spans, got " +
        std::string(JsonTypeName(root)));
  }
  BatchBuilder builder;
  for (element span : AsArray(root)) DecodeSpan(span, &builder);
  return std::move(builder).Finish();
}

}  // namespace hoptrace
