// DecodeOtlpJson: OTLP/JSON ExportTraceServiceRequest -> Spans (simdjson DOM).
//
// Problems are reported as strings ("" = fine) that name the JSON path of the bad value, e.g.
// `attributes[2] ("llm.tokens").value.intValue: expected an integer ..., got a boolean`.
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
using Problem = std::string;  // empty: no problem

// AnyValue nesting limit (protobuf's recursion limit of 100 messages allows about 50).
constexpr int kMaxValueDepth = 64;

// True when `key` is the lowerCamelCase JSON name or the proto field name.
bool Is(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

bool IsNull(const element& e) { return e.type() == element_type::NULL_VALUE; }

Problem Expected(std::string_view field, std::string_view what, const element& e) {
  return std::string(field) + ": expected " + std::string(what) + ", got " +
         std::string(JsonTypeName(e));
}

// Reads an optional string field (null = absent).
Problem ReadString(const element& e, std::string_view field, std::string* out) {
  if (IsNull(e)) return {};
  if (e.type() != element_type::STRING) return Expected(field, "a string", e);
  *out = std::string(e.get_string().value_unsafe());
  return {};
}

Problem ReadCount(const element& e, std::string_view field, uint32_t* out) {
  if (IsNull(e)) return {};
  if (!otlp_internal::ReadUint32(e, out)) {
    return Expected(field, "an unsigned 32-bit integer (number or decimal string)", e);
  }
  return {};
}

// An enum given as an integer (OTLP/JSON) or by its proto name (accepted for leniency).
// `names[i]` is the name of value i. Out-of-range integers are kept (the caller maps them).
Problem ReadEnum(const element& e, std::string_view field,
                 std::initializer_list<std::string_view> names, int64_t* out) {
  if (IsNull(e)) return {};
  if (e.type() == element_type::STRING) {
    std::string_view s = e.get_string().value_unsafe();
    int64_t i = 0;
    for (std::string_view name : names) {
      if (s == name) {
        *out = i;
        return {};
      }
      ++i;
    }
    if (otlp_internal::ParseInt64Text(s, out)) return {};
    return std::string(field) + ": unknown value " + Quoted(s) +
           " (enums are integers in OTLP/JSON)";
  }
  if (!otlp_internal::ReadInt64(e, out)) return Expected(field, "an integer enum value", e);
  return {};
}

Problem ReadKeyValues(const element& e, std::string_view field, int depth, Attributes* out);

Problem ReadAnyValue(const element& e, int depth, AnyValue* out) {
  *out = AnyValue{};
  if (IsNull(e)) return {};
  if (e.type() != element_type::OBJECT) return Expected("", "an AnyValue object", e);
  if (depth > kMaxValueDepth) {
    return "values nested deeper than " + std::to_string(kMaxValueDepth) + " levels";
  }
  for (key_value_pair kv : AsObject(e)) {
    const element& v = kv.value;
    if (IsNull(v)) continue;
    std::string_view k = kv.key;
    if (Is(k, "stringValue", "string_value")) {
      if (v.type() != element_type::STRING) return Expected(k, "a string", v);
      *out = AnyValue::String(std::string(v.get_string().value_unsafe()));
    } else if (Is(k, "boolValue", "bool_value")) {
      if (v.type() != element_type::BOOL) return Expected(k, "true or false", v);
      *out = AnyValue::Bool(v.get_bool().value_unsafe());
    } else if (Is(k, "intValue", "int_value")) {
      int64_t i = 0;
      if (!otlp_internal::ReadInt64(v, &i)) {
        return Expected(k, "a signed 64-bit integer (number or decimal string)", v);
      }
      *out = AnyValue::Int(i);
    } else if (Is(k, "doubleValue", "double_value")) {
      double d = 0;
      if (!otlp_internal::ReadDouble(v, &d)) {
        return Expected(k, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", v);
      }
      *out = AnyValue::Double(d);
    } else if (Is(k, "bytesValue", "bytes_value")) {
      if (v.type() != element_type::STRING) return Expected(k, "a base64 string", v);
      std::string bytes;
      if (!otlp_internal::DecodeBase64(v.get_string().value_unsafe(), &bytes)) {
        return std::string(k) + ": not valid base64";
      }
      *out = AnyValue::Bytes(std::move(bytes));
    } else if (Is(k, "arrayValue", "array_value")) {
      if (v.type() != element_type::OBJECT) return Expected(k, "an object {\"values\":[...]}", v);
      std::vector<AnyValue> items;
      for (key_value_pair inner : AsObject(v)) {
        if (inner.key != "values" || IsNull(inner.value)) continue;
        if (inner.value.type() != element_type::ARRAY) {
          return Expected("arrayValue.values", "an array", inner.value);
        }
        size_t i = 0;
        for (element item : AsArray(inner.value)) {
          AnyValue value;
          if (Problem p = ReadAnyValue(item, depth + 1, &value); !p.empty()) {
            return "arrayValue.values[" + std::to_string(i) + "]" + (p[0] == ':' ? "" : ".") + p;
          }
          items.push_back(std::move(value));
          ++i;
        }
      }
      *out = AnyValue::Array(std::move(items));
    } else if (Is(k, "kvlistValue", "kvlist_value")) {
      if (v.type() != element_type::OBJECT) return Expected(k, "an object {\"values\":[...]}", v);
      Attributes kvs;
      for (key_value_pair inner : AsObject(v)) {
        if (inner.key != "values") continue;
        if (Problem p = ReadKeyValues(inner.value, "kvlistValue.values", depth + 1, &kvs);
            !p.empty()) {
          return p;
        }
      }
      *out = AnyValue::KvList(std::move(kvs));
    }
    // Unknown keys (including stringValueStrindex, profiles only) are ignored.
  }
  return {};
}

// A list of {"key": ..., "value": AnyValue}.
Problem ReadKeyValues(const element& e, std::string_view field, int depth, Attributes* out) {
  out->clear();
  if (IsNull(e)) return {};
  if (e.type() != element_type::ARRAY) return Expected(field, "an array of {key, value}", e);
  size_t i = 0;
  // The path of item i, built only for a message.
  auto where = [&] { return std::string(field) + "[" + std::to_string(i) + "]"; };
  for (element item : AsArray(e)) {
    if (item.type() != element_type::OBJECT)
      return Expected(where(), "a {key, value} object", item);
    KeyValue kv;
    for (key_value_pair f : AsObject(item)) {
      if (f.key == "key") {
        if (Problem p = ReadString(f.value, "key", &kv.key); !p.empty()) return where() + "." + p;
      } else if (f.key == "value") {
        if (Problem p = ReadAnyValue(f.value, depth, &kv.value); !p.empty()) {
          return where() + " (key " + Quoted(kv.key) + ").value" + (p[0] == ':' ? "" : ".") + p;
        }
      }
    }
    out->push_back(std::move(kv));
    ++i;
  }
  return {};
}

// Hex id of N bytes; "" / null leave `out` unchanged and `*present` false.
template <size_t N>
Problem ReadHexId(const element& e, std::string_view field, std::array<uint8_t, N>* out,
                  bool* present) {
  *present = false;
  if (IsNull(e)) return {};
  if (e.type() != element_type::STRING) return Expected(field, "a hex string", e);
  std::string_view hex = e.get_string().value_unsafe();
  if (hex.empty()) return {};
  *present = true;
  std::optional<std::array<uint8_t, N>> id;
  if constexpr (N == 16) {
    id = ParseTraceId(hex);
  } else {
    id = ParseSpanId(hex);
  }
  if (!id) {
    return std::string(field) + " " + Quoted(hex, 48) + " is not " + std::to_string(2 * N) +
           " hex digits";
  }
  *out = *id;
  return {};
}

// The problem found first in a span and the reason it maps to.
struct SpanProblem {
  std::string_view reason;
  Problem detail;
  bool Set(std::string_view r, Problem p) {
    if (p.empty()) return false;
    reason = r;
    detail = std::move(p);
    return true;
  }
};

Problem ReadEvent(const element& e, SpanEvent* out) {
  if (e.type() != element_type::OBJECT) return Expected("", "an event object", e);
  for (key_value_pair f : AsObject(e)) {
    Problem p;
    if (Is(f.key, "timeUnixNano", "time_unix_nano")) {
      if (!IsNull(f.value) && !otlp_internal::ReadUint64(f.value, &out->time_unix_nano)) {
        p = Expected(f.key, "an unsigned 64-bit integer (number or decimal string)", f.value);
      }
    } else if (f.key == "name") {
      p = ReadString(f.value, "name", &out->name);
    } else if (f.key == "attributes") {
      p = ReadKeyValues(f.value, "attributes", 0, &out->attributes);
    } else if (Is(f.key, "droppedAttributesCount", "dropped_attributes_count")) {
      p = ReadCount(f.value, f.key, &out->dropped_attributes_count);
    }
    if (!p.empty()) return p;
  }
  return {};
}

// Reads a link; `*valid` is false when its ids are missing or invalid (the link is dropped).
Problem ReadLink(const element& e, SpanLink* out, bool* valid) {
  if (e.type() != element_type::OBJECT) return Expected("", "a link object", e);
  bool has_trace = false, has_span = false, ids_ok = true;
  for (key_value_pair f : AsObject(e)) {
    Problem p;
    if (Is(f.key, "traceId", "trace_id")) {
      ids_ok &= ReadHexId(f.value, f.key, &out->trace_id, &has_trace).empty();
    } else if (Is(f.key, "spanId", "span_id")) {
      ids_ok &= ReadHexId(f.value, f.key, &out->span_id, &has_span).empty();
    } else if (Is(f.key, "traceState", "trace_state")) {
      p = ReadString(f.value, f.key, &out->trace_state);
    } else if (f.key == "attributes") {
      p = ReadKeyValues(f.value, "attributes", 0, &out->attributes);
    } else if (Is(f.key, "droppedAttributesCount", "dropped_attributes_count")) {
      p = ReadCount(f.value, f.key, &out->dropped_attributes_count);
    } else if (f.key == "flags") {
      p = ReadCount(f.value, f.key, &out->flags);
    }
    if (!p.empty()) return p;
  }
  *valid = ids_ok && has_trace && has_span && !IsZeroId(out->trace_id) && !IsZeroId(out->span_id);
  return {};
}

// Appends "[i]" and the problem's own path to `field`.
Problem At(std::string_view field, size_t i, const Problem& p) {
  return std::string(field) + "[" + std::to_string(i) + "]" + (p[0] == ':' ? "" : ".") + p;
}

// Decodes one span object, or rejects it.
void DecodeSpan(const element& e, const Resource& resource, const Scope& scope,
                BatchBuilder* builder) {
  const uint64_t index = builder->NextIndex();
  if (e.type() != element_type::OBJECT) {
    builder->Reject(index, kRejectMalformedSpan, "", Expected("span", "an object", e));
    return;
  }
  Span span;
  SpanProblem problem;
  bool has_trace = false, has_span = false, has_parent = false;
  for (key_value_pair f : AsObject(e)) {
    std::string_view k = f.key;
    const element& v = f.value;
    if (Is(k, "traceId", "trace_id")) {
      if (problem.Set(kRejectInvalidTraceId, ReadHexId(v, k, &span.trace_id, &has_trace))) break;
    } else if (Is(k, "spanId", "span_id")) {
      if (problem.Set(kRejectInvalidSpanId, ReadHexId(v, k, &span.span_id, &has_span))) break;
    } else if (Is(k, "parentSpanId", "parent_span_id")) {
      if (problem.Set(kRejectInvalidParentSpanId,
                      ReadHexId(v, k, &span.parent_span_id, &has_parent))) {
        break;
      }
    } else if (Is(k, "startTimeUnixNano", "start_time_unix_nano") ||
               Is(k, "endTimeUnixNano", "end_time_unix_nano")) {
      uint64_t* t = k[0] == 's' ? &span.start_unix_nano : &span.end_unix_nano;
      if (!IsNull(v) && !otlp_internal::ReadUint64(v, t) &&
          problem.Set(kRejectInvalidTime,
                      Expected(k, "unix nanoseconds (number or decimal string)", v))) {
        break;
      }
    } else {
      Problem p;
      if (k == "name") {
        p = ReadString(v, k, &span.name);
      } else if (Is(k, "traceState", "trace_state")) {
        p = ReadString(v, k, &span.trace_state);
      } else if (k == "kind") {
        int64_t kind = 0;
        p = ReadEnum(v, k,
                     {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                      "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"},
                     &kind);
        span.kind = kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::kUnspecified;
      } else if (k == "attributes") {
        p = ReadKeyValues(v, k, 0, &span.attributes);
      } else if (Is(k, "droppedAttributesCount", "dropped_attributes_count")) {
        p = ReadCount(v, k, &span.dropped_attributes_count);
      } else if (Is(k, "droppedEventsCount", "dropped_events_count")) {
        p = ReadCount(v, k, &span.dropped_events_count);
      } else if (Is(k, "droppedLinksCount", "dropped_links_count")) {
        // Added to, not assigned: links dropped for bad ids may already be counted.
        uint32_t n = 0;
        p = ReadCount(v, k, &n);
        span.dropped_links_count += n;
      } else if (k == "flags") {
        p = ReadCount(v, k, &span.flags);
      } else if (k == "events" && !IsNull(v)) {
        if (v.type() != element_type::ARRAY) {
          p = Expected(k, "an array", v);
        } else {
          size_t i = 0;
          for (element item : AsArray(v)) {
            SpanEvent event;
            if (Problem ep = ReadEvent(item, &event); !ep.empty()) {
              p = At("events", i, ep);
              break;
            }
            span.events.push_back(std::move(event));
            ++i;
          }
        }
      } else if (k == "links" && !IsNull(v)) {
        if (v.type() != element_type::ARRAY) {
          p = Expected(k, "an array", v);
        } else {
          size_t i = 0;
          for (element item : AsArray(v)) {
            SpanLink link;
            bool valid = false;
            if (Problem lp = ReadLink(item, &link, &valid); !lp.empty()) {
              p = At("links", i, lp);
              break;
            }
            if (valid) {
              span.links.push_back(std::move(link));
            } else {
              ++span.dropped_links_count;  // a link to nowhere: dropped, and counted as such
            }
            ++i;
          }
        }
      } else if (k == "status" && !IsNull(v)) {
        if (v.type() != element_type::OBJECT) {
          p = Expected(k, "an object", v);
        } else {
          for (key_value_pair s : AsObject(v)) {
            if (s.key == "message") {
              p = ReadString(s.value, "status.message", &span.status_message);
            } else if (s.key == "code") {
              int64_t code = 0;
              p = ReadEnum(s.value, "status.code",
                           {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}, &code);
              span.status_code = code >= 0 && code <= 2 ? static_cast<StatusCodeValue>(code)
                                                        : StatusCodeValue::kUnset;
            }
            if (!p.empty()) break;
          }
        }
      }
      if (problem.Set(kRejectMalformedSpan, std::move(p))) break;
    }
  }
  if (problem.detail.empty()) {
    if (!has_trace) {
      problem.Set(kRejectInvalidTraceId, "traceId is missing");
    } else if (!has_span) {
      problem.Set(kRejectInvalidSpanId, "spanId is missing");
    }
  }
  if (!problem.detail.empty()) {
    // The scan stopped at the problem: find the name for the message if it comes later.
    element name;
    if (span.name.empty() && e.at_key("name").get(name) == simdjson::SUCCESS &&
        name.type() == element_type::STRING) {
      span.name = std::string(name.get_string().value_unsafe());
    }
    builder->Reject(index, problem.reason, span.name, problem.detail);
    return;
  }
  span.resource = resource;
  span.scope = scope;
  builder->Accept(index, std::move(span));
}

Status RequestError(const std::string& path, const Problem& p) {
  return InvalidArgumentError("malformed OTLP/JSON request at " + path + (p[0] == ':' ? "" : ".") +
                              p);
}

// Iterates an optional array field; `fn(element, index)` returns a Status.
template <typename Fn>
Status ForEach(const element& v, const std::string& path, Fn fn) {
  if (IsNull(v)) return Status::Ok();
  if (v.type() != element_type::ARRAY) {
    return InvalidArgumentError("malformed OTLP/JSON request: " + path +
                                ": expected an array, got " + std::string(JsonTypeName(v)));
  }
  size_t i = 0;
  for (element item : AsArray(v)) HT_RETURN_IF_ERROR(fn(item, i++));
  return Status::Ok();
}

Status DecodeScopeSpans(const element& e, const std::string& path, const Resource& resource,
                        BatchBuilder* builder) {
  if (e.type() != element_type::OBJECT) {
    return RequestError(path, Expected("", "a ScopeSpans object", e));
  }
  Scope scope;
  element spans;
  bool has_spans = false;
  for (key_value_pair f : AsObject(e)) {
    if (f.key == "scope" && !IsNull(f.value)) {
      if (f.value.type() != element_type::OBJECT) {
        return RequestError(path, Expected("scope", "an object", f.value));
      }
      for (key_value_pair s : AsObject(f.value)) {
        Problem p;
        if (s.key == "name") {
          p = ReadString(s.value, "name", &scope.name);
        } else if (s.key == "version") {
          p = ReadString(s.value, "version", &scope.version);
        } else if (s.key == "attributes") {
          p = ReadKeyValues(s.value, "attributes", 0, &scope.attributes);
        } else if (Is(s.key, "droppedAttributesCount", "dropped_attributes_count")) {
          p = ReadCount(s.value, s.key, &scope.dropped_attributes_count);
        }
        if (!p.empty()) return RequestError(path + ".scope", p);
      }
    } else if (Is(f.key, "schemaUrl", "schema_url")) {
      if (Problem p = ReadString(f.value, f.key, &scope.schema_url); !p.empty()) {
        return RequestError(path, p);
      }
    } else if (f.key == "spans") {
      spans = f.value;
      has_spans = true;
    }
  }
  if (!has_spans) return Status::Ok();
  return ForEach(spans, path + ".spans", [&](const element& span, size_t) {
    DecodeSpan(span, resource, scope, builder);
    return Status::Ok();
  });
}

Status DecodeResourceSpans(const element& e, const std::string& path, BatchBuilder* builder) {
  if (e.type() != element_type::OBJECT) {
    return RequestError(path, Expected("", "a ResourceSpans object", e));
  }
  Resource resource;
  element scope_spans;
  bool has_scope_spans = false;
  for (key_value_pair f : AsObject(e)) {
    if (f.key == "resource" && !IsNull(f.value)) {
      if (f.value.type() != element_type::OBJECT) {
        return RequestError(path, Expected("resource", "an object", f.value));
      }
      for (key_value_pair r : AsObject(f.value)) {
        Problem p;
        if (r.key == "attributes") {
          p = ReadKeyValues(r.value, "attributes", 0, &resource.attributes);
        } else if (Is(r.key, "droppedAttributesCount", "dropped_attributes_count")) {
          p = ReadCount(r.value, r.key, &resource.dropped_attributes_count);
        }
        if (!p.empty()) return RequestError(path + ".resource", p);
      }
    } else if (Is(f.key, "schemaUrl", "schema_url")) {
      if (Problem p = ReadString(f.value, f.key, &resource.schema_url); !p.empty()) {
        return RequestError(path, p);
      }
    } else if (Is(f.key, "scopeSpans", "scope_spans")) {
      scope_spans = f.value;
      has_scope_spans = true;
    }
  }
  if (!has_scope_spans) return Status::Ok();
  return ForEach(scope_spans, path + ".scopeSpans", [&](const element& ss, size_t i) {
    return DecodeScopeSpans(ss, path + ".scopeSpans[" + std::to_string(i) + "]", resource, builder);
  });
}

}  // namespace

StatusOr<DecodedBatch> DecodeOtlpJson(std::string_view body) {
  otlp_internal::JsonDocument doc;
  HT_RETURN_IF_ERROR(doc.Parse(body, "OTLP/JSON request"));
  const element root = doc.root();
  if (root.type() != element_type::OBJECT) {
    return InvalidArgumentError(
        "malformed OTLP/JSON request: expected an object {\"resourceSpans\":[...]}, got " +
        std::string(JsonTypeName(root)));
  }
  BatchBuilder builder;
  for (key_value_pair f : AsObject(root)) {
    if (!Is(f.key, "resourceSpans", "resource_spans")) continue;
    HT_RETURN_IF_ERROR(ForEach(f.value, "resourceSpans", [&](const element& rs, size_t i) {
      return DecodeResourceSpans(rs, "resourceSpans[" + std::to_string(i) + "]", &builder);
    }));
  }
  return std::move(builder).Finish();
}

}  // namespace hoptrace
