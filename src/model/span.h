// The span / agent model every layer shares: the OTLP span, losslessly (every AnyValue type,
// resource, scope, events, links, trace state, flags), plus the agent fields the normaliser
// derives (DESIGN.md §4).
//
// Thread-safety: plain value types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

std::string ToHex(const uint8_t* data, size_t n);
inline std::string ToHex(const TraceId& id) { return ToHex(id.data(), id.size()); }
inline std::string ToHex(const SpanId& id) { return ToHex(id.data(), id.size()); }
// Parses hex (either case) of exactly 2*N digits.
std::optional<TraceId> ParseTraceId(std::string_view hex);
std::optional<SpanId> ParseSpanId(std::string_view hex);
template <size_t N>
bool IsZeroId(const std::array<uint8_t, N>& id) {
  for (uint8_t b : id)
    if (b) return false;
  return true;
}

struct KeyValue;

// OTLP AnyValue. Arrays and maps nest.
struct AnyValue {
  enum class Type : uint8_t {
    kEmpty = 0,
    kString = 1,
    kBool = 2,
    kInt = 3,
    kDouble = 4,
    kBytes = 5,
    kArray = 6,
    kKvList = 7
  };
  Type type = Type::kEmpty;
  bool bool_value = false;
  int64_t int_value = 0;
  double double_value = 0;
  std::string string_value;  // kString and kBytes
  std::vector<AnyValue> array_value;
  std::vector<KeyValue> kvlist_value;

  static AnyValue String(std::string s);
  static AnyValue Bytes(std::string s);
  static AnyValue Bool(bool b);
  static AnyValue Int(int64_t i);
  static AnyValue Double(double d);
  static AnyValue Array(std::vector<AnyValue> a);
  static AnyValue KvList(std::vector<KeyValue> kv);

  bool operator==(const AnyValue& o) const;
  // Text form used for equality filters and display: strings as-is, numbers in decimal,
  // bools as true/false, arrays and maps as JSON.
  std::string ToText() const;
};

struct KeyValue {
  std::string key;
  AnyValue value;
  bool operator==(const KeyValue& o) const { return key == o.key && value == o.value; }
};
using Attributes = std::vector<KeyValue>;
// Appends `v` as JSON: strings as strings, bytes as base64 strings, numbers as numbers (NaN and infinities as
// OTLP/JSON strings), arrays as arrays, kvlists as objects.
void AppendJson(std::string* out, const AnyValue& v);

// First attribute named `key`, or nullptr.
const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key);

struct Resource {
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
  bool operator==(const Resource&) const = default;
};

struct Scope {
  std::string name;
  std::string version;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
  bool operator==(const Scope&) const = default;
};

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  bool operator==(const SpanEvent&) const = default;
};

struct SpanLink {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  bool operator==(const SpanLink&) const = default;
};

enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};
enum class StatusCodeValue : uint8_t { kUnset = 0, kOk = 1, kError = 2 };
std::string_view SpanKindName(SpanKind k);           // "internal", "server", ...
std::string_view StatusCodeText(StatusCodeValue c);  // "unset", "ok", "error"
std::optional<StatusCodeValue> ParseStatusCodeText(std::string_view s);

// The agent fields derived on ingest (DESIGN.md §4). Empty string / 0 when absent.
struct AgentFields {
  std::string service;
  std::string agent;
  std::string operation;  // llm, embedding, agent, tool, retrieval, workflow, handoff, ...
  std::string model;
  std::string provider;
  std::string tool;
  std::string conversation;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  double cost_usd = 0;
  // False for wrapper spans whose usage repeats their children's (never added in stats).
  bool usage_counted = true;
  bool operator==(const AgentFields&) const = default;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero for a root
  std::string trace_state;
  uint32_t flags = 0;
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  StatusCodeValue status_code = StatusCodeValue::kUnset;
  std::string status_message;
  Resource resource;
  Scope scope;
  AgentFields derived;

  bool is_root() const { return IsZeroId(parent_span_id); }
  int64_t duration_ns() const {
    return end_unix_nano >= start_unix_nano ? static_cast<int64_t>(end_unix_nano - start_unix_nano)
                                            : 0;
  }
  bool operator==(const Span&) const = default;
};

}  // namespace hoptrace
