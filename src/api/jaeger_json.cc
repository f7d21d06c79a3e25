#include "api/jaeger_json.h"

#include <cmath>
#include <cstdint>

#include "common/json.h"

namespace hoptrace {
namespace {

constexpr std::string_view kUnknownService = "unknown_service";

// Appends `"key":` (key is a trusted literal without characters to escape).
void AppendKey(std::string* out, std::string_view key) {
  out->push_back('"');
  *out += key;
  *out += "\":";
}

uint64_t Micros(uint64_t nanos) { return nanos / 1'000; }

// Appends one KeyValue with a string value.
void AppendStringTag(std::string* out, std::string_view key, std::string_view value) {
  *out += "{\"key\":";
  AppendJsonString(out, key);
  *out += ",\"type\":\"string\",\"value\":";
  AppendJsonString(out, value);
  out->push_back('}');
}

// Appends one KeyValue typed after `value` (see the header).
void AppendTag(std::string* out, std::string_view key, const AnyValue& value) {
  *out += "{\"key\":";
  AppendJsonString(out, key);
  switch (value.type) {
    case AnyValue::Type::kBool:
      *out += ",\"type\":\"bool\",\"value\":";
      *out += value.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      *out += ",\"type\":\"int64\",\"value\":";
      *out += std::to_string(value.int_value);
      break;
    case AnyValue::Type::kDouble:
      if (std::isfinite(value.double_value)) {
        *out += ",\"type\":\"float64\",\"value\":";
        *out += JsonNumber(value.double_value);
      } else {
        *out += ",\"type\":\"string\",\"value\":";
        AppendJsonString(out, value.ToText());
      }
      break;
    case AnyValue::Type::kBytes:
      *out += ",\"type\":\"binary\",\"value\":\"";
      AppendBase64(out, value.string_value);
      out->push_back('"');
      break;
    case AnyValue::Type::kString:
      *out += ",\"type\":\"string\",\"value\":";
      AppendJsonString(out, value.string_value);
      break;
    case AnyValue::Type::kEmpty:
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList:
      *out += ",\"type\":\"string\",\"value\":";
      AppendJsonString(out, value.ToText());
      break;
  }
  out->push_back('}');
}

// Writes a JSON array of KeyValues element by element.
class TagList {
 public:
  explicit TagList(std::string* out) : out_(out) { out_->push_back('['); }
  void Add(std::string_view key, const AnyValue& value) {
    Comma();
    AppendTag(out_, key, value);
  }
  void AddString(std::string_view key, std::string_view value) {
    Comma();
    AppendStringTag(out_, key, value);
  }
  void Close() { out_->push_back(']'); }

 private:
  void Comma() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

void AppendSpanTags(std::string* out, const Span& s) {
  TagList tags(out);
  for (const KeyValue& kv : s.attributes) tags.Add(kv.key, kv.value);
  // Added tags give way to attributes of the same name.
  auto absent = [&](std::string_view key) { return FindAttribute(s.attributes, key) == nullptr; };
  auto add_string = [&](std::string_view key, std::string_view value) {
    if (!value.empty() && absent(key)) tags.AddString(key, value);
  };
  add_string("span.kind", JaegerSpanKind(s.kind));
  if (s.status_code == StatusCodeValue::kError) {
    add_string("otel.status_code", "ERROR");
    const AnyValue* error = FindAttribute(s.attributes, "error");
    const bool says_true = error != nullptr && error->ToText() == "true";
    if (!says_true) tags.Add("error", AnyValue::Bool(true));
  } else if (s.status_code == StatusCodeValue::kOk) {
    add_string("otel.status_code", "OK");
  }
  add_string("otel.status_description", s.status_message);
  add_string("w3c.tracestate", s.trace_state);
  add_string("otel.scope.name", s.scope.name);
  add_string("otel.scope.version", s.scope.version);
  const AgentFields& d = s.derived;
  add_string("hoptrace.agent", d.agent);
  add_string("hoptrace.operation", d.operation);
  add_string("hoptrace.model", d.model);
  add_string("hoptrace.provider", d.provider);
  add_string("hoptrace.tool", d.tool);
  add_string("hoptrace.conversation", d.conversation);
  auto add_int = [&](std::string_view key, int64_t value) {
    if (value != 0 && absent(key)) tags.Add(key, AnyValue::Int(value));
  };
  add_int("hoptrace.input_tokens", d.input_tokens);
  add_int("hoptrace.output_tokens", d.output_tokens);
  add_int("hoptrace.total_tokens", d.total_tokens);
  if (d.cost_usd > 0 && std::isfinite(d.cost_usd) && absent("hoptrace.cost_usd")) {
    tags.Add("hoptrace.cost_usd", AnyValue::Double(d.cost_usd));
  }
  const bool has_usage =
      d.input_tokens != 0 || d.output_tokens != 0 || d.total_tokens != 0 || d.cost_usd > 0;
  if (has_usage && !d.usage_counted && absent("hoptrace.usage_counted")) {
    tags.Add("hoptrace.usage_counted", AnyValue::Bool(false));
  }
  tags.Close();
}

void AppendLog(std::string* out, const SpanEvent& e) {
  *out += "{\"timestamp\":";
  *out += std::to_string(Micros(e.time_unix_nano));
  *out += ",\"fields\":";
  TagList fields(out);
  if (!e.name.empty() && FindAttribute(e.attributes, "event") == nullptr) {
    fields.AddString("event", e.name);
  }
  for (const KeyValue& kv : e.attributes) fields.Add(kv.key, kv.value);
  fields.Close();
  out->push_back('}');
}

void AppendReference(std::string* out, std::string_view type, const TraceId& trace,
                     const SpanId& span) {
  *out += "{\"refType\":\"";
  *out += type;
  *out += "\",\"traceID\":\"";
  *out += ToHex(trace);
  *out += "\",\"spanID\":\"";
  *out += ToHex(span);
  *out += "\"}";
}

void AppendSpan(std::string* out, const Span& s, size_t process) {
  *out += "{\"traceID\":\"";
  *out += ToHex(s.trace_id);
  *out += "\",\"spanID\":\"";
  *out += ToHex(s.span_id);
  // Every stored span was sampled.
  *out += "\",\"flags\":1,";
  AppendKey(out, "operationName");
  AppendJsonString(out, s.name);
  *out += ",\"references\":[";
  bool first = true;
  if (!s.is_root()) {
    AppendReference(out, "CHILD_OF", s.trace_id, s.parent_span_id);
    first = false;
  }
  for (const SpanLink& link : s.links) {
    if (!first) out->push_back(',');
    first = false;
    AppendReference(out, "FOLLOWS_FROM", link.trace_id, link.span_id);
  }
  *out += "],\"startTime\":";
  *out += std::to_string(Micros(s.start_unix_nano));
  *out += ",\"duration\":";
  *out += std::to_string(Micros(static_cast<uint64_t>(s.duration_ns())));
  *out += ",\"tags\":";
  AppendSpanTags(out, s);
  *out += ",\"logs\":[";
  for (size_t i = 0; i < s.events.size(); ++i) {
    if (i) out->push_back(',');
    AppendLog(out, s.events[i]);
  }
  *out += "],\"processID\":\"p";
  *out += std::to_string(process + 1);
  *out += "\",\"warnings\":null}";
}

struct Process {
  std::string_view service;
  const Attributes* resource;
};

std::string_view ServiceOf(const Span& s) {
  return s.derived.service.empty() ? kUnknownService : std::string_view(s.derived.service);
}

// Appends the envelope's tail after "data": total, limit, offset, errors.
void AppendEnvelopeTail(std::string* out, size_t total, const std::vector<JaegerError>& errors) {
  *out += ",\"total\":";
  *out += std::to_string(total);
  *out += ",\"limit\":0,\"offset\":0,\"errors\":";
  if (errors.empty()) {
    *out += "null}";
    return;
  }
  out->push_back('[');
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('{');
    if (errors[i].code != 0) {
      *out += "\"code\":";
      *out += std::to_string(errors[i].code);
      out->push_back(',');
    }
    AppendKey(out, "msg");
    AppendJsonString(out, errors[i].msg);
    if (!errors[i].trace_id.empty()) {
      out->push_back(',');
      AppendKey(out, "traceID");
      AppendJsonString(out, errors[i].trace_id);
    }
    out->push_back('}');
  }
  *out += "]}";
}

}  // namespace

std::string_view JaegerSpanKind(SpanKind kind) {
  return kind == SpanKind::kUnspecified ? std::string_view() : SpanKindName(kind);
}

void AppendJaegerTrace(std::string* out, const TraceId& trace_id, const std::vector<Span>& spans) {
  // Processes: distinct (service, resource attributes), numbered in order of first appearance.
  // A trace has few; consecutive spans usually share the last one found.
  std::vector<Process> processes;
  std::vector<size_t> process_of(spans.size());
  size_t last = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const Process p{ServiceOf(spans[i]), &spans[i].resource.attributes};
    auto same = [&](const Process& q) {
      return q.service == p.service && (q.resource == p.resource || *q.resource == *p.resource);
    };
    if (!processes.empty() && same(processes[last])) {
      process_of[i] = last;
      continue;
    }
    size_t k = 0;
    while (k < processes.size() && !same(processes[k])) ++k;
    if (k == processes.size()) processes.push_back(p);
    process_of[i] = last = k;
  }
  *out += "{\"traceID\":\"";
  *out += ToHex(trace_id);
  *out += "\",\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out->push_back(',');
    AppendSpan(out, spans[i], process_of[i]);
  }
  *out += "],\"processes\":{";
  for (size_t k = 0; k < processes.size(); ++k) {
    if (k) out->push_back(',');
    *out += "\"p";
    *out += std::to_string(k + 1);
    *out += "\":{\"serviceName\":";
    AppendJsonString(out, processes[k].service);
    *out += ",\"tags\":";
    TagList tags(out);
    for (const KeyValue& kv : *processes[k].resource) {
      if (kv.key != "service.name") tags.Add(kv.key, kv.value);
    }
    tags.Close();
    out->push_back('}');
  }
  *out += "},\"warnings\":null}";
}

std::string JaegerTracesJson(const std::vector<std::vector<Span>>& traces,
                             const std::vector<JaegerError>& errors) {
  std::string out = "{\"data\":[";
  size_t total = 0;
  for (const std::vector<Span>& spans : traces) {
    if (spans.empty()) continue;
    if (total++) out.push_back(',');
    AppendJaegerTrace(&out, spans.front().trace_id, spans);
  }
  out.push_back(']');
  AppendEnvelopeTail(&out, total, errors);
  return out;
}

std::string JaegerStringsJson(const std::vector<std::string>& data) {
  std::string out = "{\"data\":[";
  for (size_t i = 0; i < data.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(&out, data[i]);
  }
  out.push_back(']');
  AppendEnvelopeTail(&out, data.size(), {});
  return out;
}

std::string JaegerOperationsJson(const std::vector<JaegerOperation>& operations) {
  std::string out = "{\"data\":[";
  for (size_t i = 0; i < operations.size(); ++i) {
    if (i) out.push_back(',');
    out += "{\"name\":";
    AppendJsonString(&out, operations[i].name);
    out += ",\"spanKind\":\"";
    out += JaegerSpanKind(operations[i].kind);
    out += "\"}";
  }
  out.push_back(']');
  AppendEnvelopeTail(&out, operations.size(), {});
  return out;
}

std::string JaegerErrorJson(int code, std::string_view msg) {
  std::string out = "{\"data\":null";
  AppendEnvelopeTail(&out, 0, {JaegerError{code, std::string(msg), ""}});
  return out;
}

}  // namespace hoptrace
