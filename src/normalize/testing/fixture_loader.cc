#include "normalize/testing/fixture_loader.h"

#include <simdjson.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "normalize/openai_agents.h"

namespace hoptrace::testing {

namespace dom = simdjson::dom;

std::string FixturesDir() {
  if (const char* env = std::getenv("HOPTRACE_FIXTURES"); env != nullptr && *env != '\0') {
    return env;
  }
  return HOPTRACE_FIXTURES_DIR;
}

StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoToStatus(errno, "open", path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

namespace {

std::string Str(dom::element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s)) return {};
  return std::string(s);
}

// int64 as a JSON number or a decimal string (OTLP/JSON allows both).
int64_t Int(dom::element e) {
  int64_t i;
  if (!e.get_int64().get(i)) return i;
  uint64_t u;
  if (!e.get_uint64().get(u)) return static_cast<int64_t>(u);
  double d;
  if (!e.get_double().get(d)) return static_cast<int64_t>(d);
  std::string_view s;
  if (!e.get_string().get(s)) return std::strtoll(std::string(s).c_str(), nullptr, 10);
  return 0;
}

uint64_t UInt(dom::element e, const char* key) {
  dom::element v;
  if (e[key].get(v)) return 0;
  return static_cast<uint64_t>(Int(v));
}

AnyValue OtlpValue(dom::element v);

Attributes OtlpAttributes(dom::element parent, const char* key) {
  Attributes out;
  dom::array arr;
  if (parent[key].get_array().get(arr)) return out;
  for (dom::element kv : arr) {
    dom::element value;
    AnyValue av;
    if (!kv["value"].get(value)) av = OtlpValue(value);
    out.push_back(KeyValue{Str(kv, "key"), std::move(av)});
  }
  return out;
}

AnyValue OtlpValue(dom::element v) {
  dom::element x;
  if (!v["stringValue"].get(x)) return AnyValue::String(std::string(x.get_string().value()));
  if (!v["intValue"].get(x)) return AnyValue::Int(Int(x));
  if (!v["doubleValue"].get(x)) {
    double d;
    if (!x.get_double().get(d)) return AnyValue::Double(d);
    return AnyValue::Double(static_cast<double>(Int(x)));
  }
  if (!v["boolValue"].get(x)) return AnyValue::Bool(x.get_bool().value());
  if (!v["bytesValue"].get(x)) return AnyValue::Bytes(std::string(x.get_string().value()));
  if (!v["arrayValue"].get(x)) {
    std::vector<AnyValue> items;
    dom::array arr;
    if (!x["values"].get_array().get(arr)) {
      for (dom::element item : arr) items.push_back(OtlpValue(item));
    }
    return AnyValue::Array(std::move(items));
  }
  if (!v["kvlistValue"].get(x)) return AnyValue::KvList(OtlpAttributes(x, "values"));
  return AnyValue();
}

template <typename Id>
Id ParseId(std::string_view hex, std::optional<Id> (*parse)(std::string_view)) {
  auto id = parse(hex);
  return id ? *id : Id{};
}

// Plain JSON -> AnyValue (objects as kvlists).
AnyValue JsonValue(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      std::vector<KeyValue> kv;
      dom::object object = e.get_object().value();
      for (auto field : object) {
        kv.push_back(KeyValue{std::string(field.key), JsonValue(field.value)});
      }
      return AnyValue::KvList(std::move(kv));
    }
    case dom::element_type::ARRAY: {
      std::vector<AnyValue> items;
      dom::array array = e.get_array().value();
      for (dom::element item : array) items.push_back(JsonValue(item));
      return AnyValue::Array(std::move(items));
    }
    case dom::element_type::STRING:
      return AnyValue::String(std::string(e.get_string().value()));
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return AnyValue::Int(Int(e));
    case dom::element_type::DOUBLE:
      return AnyValue::Double(e.get_double().value());
    case dom::element_type::BOOL:
      return AnyValue::Bool(e.get_bool().value());
    default:
      return AnyValue();
  }
}

// Flattens JSON into dotted keys (arrays by index, or as JSON text when `arrays_as_json`);
// nulls are dropped.
void Flatten(dom::element e, const std::string& key, bool arrays_as_json, Attributes* out) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      dom::object object = e.get_object().value();
      for (auto field : object) {
        Flatten(field.value, key + "." + std::string(field.key), arrays_as_json, out);
      }
      break;
    }
    case dom::element_type::ARRAY: {
      if (arrays_as_json) {
        out->push_back(KeyValue{key, AnyValue::String(simdjson::minify(e))});
        break;
      }
      size_t i = 0;
      dom::array array = e.get_array().value();
      for (dom::element item : array) {
        Flatten(item, key + "." + std::to_string(i++), arrays_as_json, out);
      }
      break;
    }
    case dom::element_type::NULL_VALUE:
      break;
    default:
      out->push_back(KeyValue{key, JsonValue(e)});
  }
}

Status ParseError(simdjson::error_code code) {
  return InvalidArgumentError(std::string("fixture JSON: ") + simdjson::error_message(code));
}

}  // namespace

StatusOr<std::vector<Span>> SpansFromOtlpJson(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) return ParseError(err);
  std::vector<Span> spans;
  dom::array resource_spans = root["resourceSpans"].get_array().value();
  for (dom::element rs : resource_spans) {
    Resource resource;
    dom::element r;
    if (!rs["resource"].get(r)) resource.attributes = OtlpAttributes(r, "attributes");
    dom::array scope_spans = rs["scopeSpans"].get_array().value();
    for (dom::element ss : scope_spans) {
      Scope scope;
      dom::element sc;
      if (!ss["scope"].get(sc)) {
        scope.name = Str(sc, "name");
        scope.version = Str(sc, "version");
      }
      dom::array span_array = ss["spans"].get_array().value();
      for (dom::element s : span_array) {
        Span span;
        span.trace_id = ParseId<TraceId>(Str(s, "traceId"), ParseTraceId);
        span.span_id = ParseId<SpanId>(Str(s, "spanId"), ParseSpanId);
        std::string parent = Str(s, "parentSpanId");
        if (!parent.empty()) span.parent_span_id = ParseId<SpanId>(parent, ParseSpanId);
        span.name = Str(s, "name");
        span.kind = static_cast<SpanKind>(UInt(s, "kind"));
        span.start_unix_nano = UInt(s, "startTimeUnixNano");
        span.end_unix_nano = UInt(s, "endTimeUnixNano");
        span.flags = static_cast<uint32_t>(UInt(s, "flags"));
        span.trace_state = Str(s, "traceState");
        span.attributes = OtlpAttributes(s, "attributes");
        dom::element status;
        if (!s["status"].get(status)) {
          span.status_code = static_cast<StatusCodeValue>(UInt(status, "code"));
          span.status_message = Str(status, "message");
        }
        span.resource = resource;
        span.scope = scope;
        spans.push_back(std::move(span));
      }
    }
  }
  return spans;
}

StatusOr<std::vector<Span>> SpansFromZipkinJson(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) return ParseError(err);
  std::vector<Span> spans;
  dom::array zipkin_spans = root.get_array().value();
  for (dom::element z : zipkin_spans) {
    Span span;
    span.trace_id = ParseId<TraceId>(Str(z, "traceId"), ParseTraceId);
    span.span_id = ParseId<SpanId>(Str(z, "id"), ParseSpanId);
    std::string parent = Str(z, "parentId");
    if (!parent.empty()) span.parent_span_id = ParseId<SpanId>(parent, ParseSpanId);
    span.name = Str(z, "name");
    span.start_unix_nano = UInt(z, "timestamp") * 1000;
    span.end_unix_nano = span.start_unix_nano + UInt(z, "duration") * 1000;
    dom::element endpoint;
    if (!z["localEndpoint"].get(endpoint)) {
      span.resource.attributes.push_back(
          KeyValue{"service.name", AnyValue::String(Str(endpoint, "serviceName"))});
    }
    dom::object tags;
    if (!z["tags"].get_object().get(tags)) {
      for (auto tag : tags) {
        span.attributes.push_back(KeyValue{
            std::string(tag.key), AnyValue::String(std::string(tag.value.get_string().value()))});
      }
    }
    spans.push_back(std::move(span));
  }
  return spans;
}

std::string NativeIdHex(std::string_view id) {
  if (id.substr(0, 5) == "span_") return std::string(id.substr(5, 16));
  if (id.substr(0, 6) == "trace_") return std::string(id.substr(6));
  return std::string(id);
}

StatusOr<std::vector<Span>> SpansFromOpenAiAgentsJson(std::string_view json,
                                                      NativeEncoding encoding) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) return ParseError(err);
  const std::string prefix(openai_agents::kSpanDataPrefix);
  std::vector<Span> spans;
  dom::array data = root["data"].get_array().value();
  for (dom::element item : data) {
    if (Str(item, "object") != "trace.span") continue;
    Span span;
    span.trace_id = ParseId<TraceId>(NativeIdHex(Str(item, "trace_id")), ParseTraceId);
    span.span_id = ParseId<SpanId>(NativeIdHex(Str(item, "id")), ParseSpanId);
    std::string parent = Str(item, "parent_id");
    if (!parent.empty()) span.parent_span_id = ParseId<SpanId>(NativeIdHex(parent), ParseSpanId);
    dom::element span_data = item["span_data"].value();
    std::string type = Str(span_data, "type");
    span.name = Str(span_data, "name");
    if (type == "custom" && span.name == "task") {
      dom::element inner;
      if (!span_data["data"].get(inner) && !Str(inner, "name").empty()) {
        span.name = Str(inner, "name");
      }
    }
    if (span.name.empty()) span.name = type;
    switch (encoding) {
      case NativeEncoding::kFlattened:
        Flatten(span_data, prefix, /*arrays_as_json=*/false, &span.attributes);
        break;
      case NativeEncoding::kArraysAsJson:
        Flatten(span_data, prefix, /*arrays_as_json=*/true, &span.attributes);
        break;
      case NativeEncoding::kNested:
        span.attributes.push_back(KeyValue{prefix, JsonValue(span_data)});
        break;
      case NativeEncoding::kJsonString:
        span.attributes.push_back(KeyValue{prefix, AnyValue::String(simdjson::minify(span_data))});
        break;
    }
    spans.push_back(std::move(span));
  }
  return spans;
}

StatusOr<Expected> ExpectedFromJson(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) return ParseError(err);
  Expected out;
  out.trace_count = static_cast<int>(UInt(root, "trace_count"));
  dom::array expected_spans = root["spans"].get_array().value();
  for (dom::element s : expected_spans) {
    ExpectedSpan e;
    e.span_id = NativeIdHex(Str(s, "span_id"));
    e.parent_span_id = NativeIdHex(Str(s, "parent_span_id"));
    e.name = Str(s, "name");
    e.agent = Str(s, "agent");
    e.operation = Str(s, "operation");
    e.model = Str(s, "model");
    e.provider = Str(s, "provider");
    e.tool = Str(s, "tool");
    dom::element service;
    if (!s["service"].get(service) && service.is_string()) e.service = Str(s, "service");
    e.input_tokens = static_cast<int64_t>(UInt(s, "input_tokens"));
    e.output_tokens = static_cast<int64_t>(UInt(s, "output_tokens"));
    out.spans.push_back(std::move(e));
  }
  dom::element totals = root["token_totals"].value();
  out.total_input_tokens = static_cast<int64_t>(UInt(totals, "input_tokens"));
  out.total_output_tokens = static_cast<int64_t>(UInt(totals, "output_tokens"));
  return out;
}

}  // namespace hoptrace::testing
