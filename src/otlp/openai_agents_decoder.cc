// DecodeOpenAIAgentsJson: the OpenAI Agents SDK's trace export (POST /v1/traces/ingest) ->
// Spans. The mapping is documented in decode.h.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/hash.h"
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

// Objects nested deeper than this below span_data are kept as JSON text.
constexpr int kMaxFlattenDepth = 8;

// A JSON value that may be absent (simdjson's default element is not usable).
using Json = std::optional<element>;

bool IsNull(const Json& e) { return !e || e->type() == element_type::NULL_VALUE; }
bool IsType(const Json& e, element_type t) { return e && e->type() == t; }
std::string TypeName(const Json& e) { return e ? std::string(JsonTypeName(*e)) : "nothing"; }

std::string_view StringOr(const Json& e, std::string_view fallback) {
  return IsType(e, element_type::STRING) ? e->get_string().value_unsafe() : fallback;
}

// Looks up `key` in object `obj`; nullopt when absent or when `obj` is not an object.
Json Field(const Json& obj, std::string_view key) {
  element out;
  if (!IsType(obj, element_type::OBJECT) ||
      obj->get_object().value_unsafe().at_key(key).get(out) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> MapId(std::string_view id) {
  std::array<uint8_t, N> out{};
  if (id.empty()) return out;
  const size_t underscore = id.rfind('_');
  const std::string_view tail =
      underscore == std::string_view::npos ? id : id.substr(underscore + 1);
  if (tail.size() == 2 * N) {
    std::optional<std::array<uint8_t, N>> parsed;
    if constexpr (N == 16) {
      parsed = ParseTraceId(tail);
    } else {
      parsed = ParseSpanId(tail);
    }
    if (parsed && !IsZeroId(*parsed)) return *parsed;
  }
  const Hash128 h = ContentHash(id);
  for (size_t i = 0; i < N; ++i) {  // XXH128 canonical form: high word first, big-endian
    const uint64_t word = i < 8 ? h.hi : h.lo;
    out[i] = static_cast<uint8_t>(word >> ((7 - i % 8) * 8));
  }
  if (IsZeroId(out)) out[N - 1] = 1;
  return out;
}

// Adds `e` under `key`: scalars keep their type, objects are flattened into "key.sub" entries,
// arrays and empty objects become JSON text, nulls are left out.
void Flatten(const std::string& key, const element& e, int depth, Attributes* out) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return;
    case element_type::STRING:
      out->push_back(KeyValue{key, AnyValue::String(std::string(e.get_string().value_unsafe()))});
      return;
    case element_type::BOOL:
      out->push_back(KeyValue{key, AnyValue::Bool(e.get_bool().value_unsafe())});
      return;
    case element_type::INT64:
      out->push_back(KeyValue{key, AnyValue::Int(e.get_int64().value_unsafe())});
      return;
    case element_type::UINT64:
      out->push_back(
          KeyValue{key, AnyValue::Double(static_cast<double>(e.get_uint64().value_unsafe()))});
      return;
    case element_type::DOUBLE:
      out->push_back(KeyValue{key, AnyValue::Double(e.get_double().value_unsafe())});
      return;
    case element_type::OBJECT:
      if (AsObject(e).size() > 0 && depth < kMaxFlattenDepth) {
        for (key_value_pair kv : AsObject(e)) {
          Flatten(key + "." + std::string(kv.key), kv.value, depth + 1, out);
        }
        return;
      }
      break;
    case element_type::ARRAY:
      break;
  }
  std::string text;
  otlp_internal::AppendJsonText(e, &text);
  out->push_back(KeyValue{key, AnyValue::String(std::move(text))});
}

std::string Prefixed(std::string_view name) {
  return std::string(kOpenAIAgentsPrefix) + std::string(name);
}

struct TraceInfo {
  Json object;            // the {"object":"trace"} element
  bool has_span = false;  // an accepted span of this trace is in the body
  uint64_t start = std::numeric_limits<uint64_t>::max();
  uint64_t end = 0;
};

void AddTraceAttributes(const Json& trace, Attributes* attrs) {
  std::string_view workflow = StringOr(Field(trace, "workflow_name"), "");
  if (!workflow.empty()) {
    attrs->push_back(KeyValue{Prefixed("workflow_name"), AnyValue::String(std::string(workflow))});
  }
  std::string_view group = StringOr(Field(trace, "group_id"), "");
  if (!group.empty()) {
    attrs->push_back(KeyValue{Prefixed("group_id"), AnyValue::String(std::string(group))});
  }
}

Resource AgentsResource() {
  Resource r;
  r.attributes.push_back(KeyValue{"telemetry.sdk.name", AnyValue::String("openai-agents")});
  return r;
}

Scope AgentsScope() {
  Scope s;
  s.name = "openai-agents";
  return s;
}

// The span's name (see decode.h).
std::string SpanName(const Json& data) {
  std::string_view type = StringOr(Field(data, "type"), "");
  if (type == "custom") {
    const Json custom = Field(data, "data");
    std::string_view task_name = StringOr(Field(custom, "name"), "");
    if (StringOr(Field(custom, "sdk_span_type"), "") == "task" && !task_name.empty()) {
      return std::string(task_name);
    }
  }
  std::string_view name = StringOr(Field(data, "name"), "");
  if (!name.empty()) return std::string(name);
  return std::string(type.empty() ? "span" : type);
}

void DecodeSpan(const element& e, const OpenAIAgentsOptions& options,
                std::unordered_map<std::string_view, TraceInfo>* traces, const Resource& resource,
                const Scope& scope, BatchBuilder* builder) {
  const uint64_t index = builder->NextIndex();
  const Json data = Field(e, "span_data");
  Span span;
  span.name = SpanName(data);
  auto reject = [&](std::string_view reason, std::string detail) {
    builder->Reject(index, reason, span.name, detail);
  };
  const Json id = Field(e, "id"), trace_id = Field(e, "trace_id"), parent = Field(e, "parent_id");
  const std::string_view trace_text = StringOr(trace_id, "");
  const std::string_view id_text = StringOr(id, "");
  if (trace_text.empty())
    return reject(kRejectInvalidTraceId, "trace_id is missing or not a string");
  if (id_text.empty()) return reject(kRejectInvalidSpanId, "id is missing or not a string");
  if (!IsNull(parent) && !IsType(parent, element_type::STRING)) {
    return reject(kRejectInvalidParentSpanId,
                  "parent_id: expected a string or null, got " + TypeName(parent));
  }
  const std::string_view parent_text = StringOr(parent, "");
  span.trace_id = OpenAIAgentsTraceId(trace_text);
  span.span_id = OpenAIAgentsSpanId(id_text);
  if (!parent_text.empty()) span.parent_span_id = OpenAIAgentsSpanId(parent_text);

  const Json started = Field(e, "started_at"), ended = Field(e, "ended_at");
  if (!otlp_internal::ParseIso8601(StringOr(started, ""), &span.start_unix_nano)) {
    return reject(kRejectInvalidTime,
                  IsNull(started) ? std::string("started_at is missing")
                                  : "started_at " + Quoted(StringOr(started, "(not a string)")) +
                                        " is not an ISO 8601 time");
  }
  if (IsNull(ended)) {
    span.end_unix_nano = span.start_unix_nano;
  } else if (!otlp_internal::ParseIso8601(StringOr(ended, ""), &span.end_unix_nano)) {
    return reject(kRejectInvalidTime, "ended_at " + Quoted(StringOr(ended, "(not a string)")) +
                                          " is not an ISO 8601 time");
  }
  if (!IsNull(data) && !IsType(data, element_type::OBJECT)) {
    return reject(kRejectMalformedSpan, "span_data: expected an object, got " + TypeName(data));
  }

  const std::string_view type = StringOr(Field(data, "type"), "");
  span.kind =
      (type == "generation" || type == "response" || type == "transcription" || type == "speech")
          ? SpanKind::kClient
          : SpanKind::kInternal;
  Attributes& attrs = span.attributes;
  attrs.push_back(KeyValue{Prefixed("object"), AnyValue::String("trace.span")});
  attrs.push_back(KeyValue{Prefixed("trace_id"), AnyValue::String(std::string(trace_text))});
  attrs.push_back(KeyValue{Prefixed("span_id"), AnyValue::String(std::string(id_text))});
  if (!parent_text.empty()) {
    attrs.push_back(KeyValue{Prefixed("parent_id"), AnyValue::String(std::string(parent_text))});
  }
  if (IsType(data, element_type::OBJECT)) {
    for (key_value_pair kv : AsObject(*data)) {
      Flatten(Prefixed("span_data.") + std::string(kv.key), kv.value, 0, &attrs);
    }
  }
  const Json error = Field(e, "error");
  if (!IsNull(error)) {
    span.status_code = StatusCodeValue::kError;
    if (IsType(error, element_type::OBJECT)) {
      span.status_message = std::string(StringOr(Field(error, "message"), "error"));
      const Json error_data = Field(error, "data");
      if (!IsNull(error_data)) {
        std::string text;
        otlp_internal::AppendJsonText(*error_data, &text);
        attrs.push_back(KeyValue{Prefixed("error.data"), AnyValue::String(std::move(text))});
      }
    } else if (IsType(error, element_type::STRING)) {
      span.status_message = std::string(error->get_string().value_unsafe());
    } else {
      otlp_internal::AppendJsonText(*error, &span.status_message);
    }
  }
  auto trace = traces->find(trace_text);
  if (trace != traces->end()) {
    AddTraceAttributes(trace->second.object, &attrs);
    if (options.trace_root_span && span.is_root()) {
      span.parent_span_id = OpenAIAgentsTraceRootSpanId(trace_text);
    }
  }
  span.resource = resource;
  span.scope = scope;
  const size_t before = builder->batch().spans.size();
  const uint64_t start = span.start_unix_nano, end = span.end_unix_nano;
  builder->Accept(index, std::move(span));
  if (trace != traces->end() && builder->batch().spans.size() > before) {
    TraceInfo& info = trace->second;
    info.has_span = true;
    info.start = std::min(info.start, start);
    info.end = std::max(info.end, end);
  }
}

// The root span made from a trace object (see OpenAIAgentsOptions::trace_root_span).
Span TraceRootSpan(std::string_view trace_text, const TraceInfo& info, const Resource& resource,
                   const Scope& scope) {
  Span root;
  root.trace_id = OpenAIAgentsTraceId(trace_text);
  root.span_id = OpenAIAgentsTraceRootSpanId(trace_text);
  root.name = std::string(StringOr(Field(info.object, "workflow_name"), "trace"));
  if (root.name.empty()) root.name = "trace";
  root.kind = SpanKind::kInternal;
  root.start_unix_nano = info.start;
  root.end_unix_nano = info.end;
  root.attributes.push_back(KeyValue{Prefixed("object"), AnyValue::String("trace")});
  root.attributes.push_back(
      KeyValue{Prefixed("trace_id"), AnyValue::String(std::string(trace_text))});
  AddTraceAttributes(info.object, &root.attributes);
  const Json metadata = Field(info.object, "metadata");
  if (IsType(metadata, element_type::OBJECT)) {
    for (key_value_pair kv : AsObject(*metadata)) {
      Flatten(Prefixed("trace.metadata.") + std::string(kv.key), kv.value, 0, &root.attributes);
    }
  }
  root.resource = resource;
  root.scope = scope;
  return root;
}

}  // namespace

TraceId OpenAIAgentsTraceId(std::string_view id) { return MapId<16>(id); }
SpanId OpenAIAgentsSpanId(std::string_view id) { return MapId<8>(id); }
SpanId OpenAIAgentsTraceRootSpanId(std::string_view trace_id) {
  if (trace_id.empty()) return SpanId{};
  return MapId<8>(std::string(trace_id) + "#root");
}

StatusOr<DecodedBatch> DecodeOpenAIAgentsJson(std::string_view body,
                                              const OpenAIAgentsOptions& options) {
  otlp_internal::JsonDocument doc;
  HT_RETURN_IF_ERROR(doc.Parse(body, "OpenAI Agents trace export"));
  const Json root = doc.root();
  const Json data = Field(root, "data");
  if (!IsType(root, element_type::OBJECT)) {
    return InvalidArgumentError(
        "malformed OpenAI Agents trace export: expected an object {\"data\":[...]}, got " +
        TypeName(root));
  }
  if (IsNull(data)) return DecodedBatch{};
  if (!IsType(data, element_type::ARRAY)) {
    return InvalidArgumentError(
        "malformed OpenAI Agents trace export: \"data\": expected an array, got " + TypeName(data));
  }
  // Pass 1: the trace objects, so that spans before their trace object still see it.
  std::unordered_map<std::string_view, TraceInfo> traces;
  std::vector<std::string_view> trace_order;
  for (element item : AsArray(*data)) {
    if (StringOr(Field(item, "object"), "") != "trace") continue;
    std::string_view id = StringOr(Field(item, "id"), "");
    if (id.empty() || traces.count(id) != 0) continue;
    traces[id].object = item;
    trace_order.push_back(id);
  }
  // Pass 2: the spans, in body order.
  const Resource resource = AgentsResource();
  const Scope scope = AgentsScope();
  BatchBuilder builder;
  for (element item : AsArray(*data)) {
    if (item.type() != element_type::OBJECT) {
      builder.Reject(builder.NextIndex(), kRejectMalformedSpan, "",
                     "data[]: expected an object, got " + std::string(JsonTypeName(item)));
      continue;
    }
    if (StringOr(Field(item, "object"), "") != "trace.span") continue;
    DecodeSpan(item, options, &traces, resource, scope, &builder);
  }
  // The trace roots, after their spans (as OTLP exporters send parents after children).
  if (options.trace_root_span) {
    for (std::string_view id : trace_order) {
      const TraceInfo& info = traces[id];
      if (info.has_span)
        builder.Accept(builder.NextIndex(), TraceRootSpan(id, info, resource, scope));
    }
  }
  return std::move(builder).Finish();
}

}  // namespace hoptrace
