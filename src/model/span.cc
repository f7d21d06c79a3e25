#include "model/span.h"

#include <cmath>
#include <cstdio>

#include "common/json.h"

namespace hoptrace {

std::string ToHex(const uint8_t* data, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
template <size_t N>
std::optional<std::array<uint8_t, N>> ParseHexId(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; ++i) {
    int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return JsonNumber(d);
}

}  // namespace

void AppendJson(std::string* out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      *out += "null";
      break;
    case AnyValue::Type::kString:
      AppendJsonString(out, v.string_value);
      break;
    case AnyValue::Type::kBytes:  // base64, as OTLP/JSON writes bytes
      out->push_back('"');
      AppendBase64(out, v.string_value);
      out->push_back('"');
      break;
    case AnyValue::Type::kBool:
      *out += v.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      *out += std::to_string(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      *out += JsonNumber(v.double_value);
      break;
    case AnyValue::Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out->push_back(',');
        AppendJson(out, v.array_value[i]);
      }
      out->push_back(']');
      break;
    case AnyValue::Type::kKvList:
      out->push_back('{');
      for (size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, v.kvlist_value[i].key);
        out->push_back(':');
        AppendJson(out, v.kvlist_value[i].value);
      }
      out->push_back('}');
      break;
  }
}

std::optional<TraceId> ParseTraceId(std::string_view hex) { return ParseHexId<16>(hex); }
std::optional<SpanId> ParseSpanId(std::string_view hex) { return ParseHexId<8>(hex); }

AnyValue AnyValue::String(std::string s) {
  AnyValue v;
  v.type = Type::kString;
  v.string_value = std::move(s);
  return v;
}
AnyValue AnyValue::Bytes(std::string s) {
  AnyValue v;
  v.type = Type::kBytes;
  v.string_value = std::move(s);
  return v;
}
AnyValue AnyValue::Bool(bool b) {
  AnyValue v;
  v.type = Type::kBool;
  v.bool_value = b;
  return v;
}
AnyValue AnyValue::Int(int64_t i) {
  AnyValue v;
  v.type = Type::kInt;
  v.int_value = i;
  return v;
}
AnyValue AnyValue::Double(double d) {
  AnyValue v;
  v.type = Type::kDouble;
  v.double_value = d;
  return v;
}
AnyValue AnyValue::Array(std::vector<AnyValue> a) {
  AnyValue v;
  v.type = Type::kArray;
  v.array_value = std::move(a);
  return v;
}
AnyValue AnyValue::KvList(std::vector<KeyValue> kv) {
  AnyValue v;
  v.type = Type::kKvList;
  v.kvlist_value = std::move(kv);
  return v;
}

bool AnyValue::operator==(const AnyValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case Type::kEmpty:
      return true;
    case Type::kString:
    case Type::kBytes:
      return string_value == o.string_value;
    case Type::kBool:
      return bool_value == o.bool_value;
    case Type::kInt:
      return int_value == o.int_value;
    case Type::kDouble:
      return double_value == o.double_value ||
             (std::isnan(double_value) && std::isnan(o.double_value));
    case Type::kArray:
      return array_value == o.array_value;
    case Type::kKvList:
      return kvlist_value == o.kvlist_value;
  }
  return false;
}

std::string AnyValue::ToText() const {
  switch (type) {
    case Type::kString:
    case Type::kBytes:
      return string_value;
    case Type::kBool:
      return bool_value ? "true" : "false";
    case Type::kInt:
      return std::to_string(int_value);
    case Type::kDouble:
      return DoubleText(double_value);
    case Type::kEmpty:
      return "";
    default: {
      std::string out;
      AppendJson(&out, *this);
      return out;
    }
  }
}

const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

std::string_view SpanKindName(SpanKind k) {
  switch (k) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

std::string_view StatusCodeText(StatusCodeValue c) {
  switch (c) {
    case StatusCodeValue::kUnset:
      return "unset";
    case StatusCodeValue::kOk:
      return "ok";
    case StatusCodeValue::kError:
      return "error";
  }
  return "unset";
}

std::optional<StatusCodeValue> ParseStatusCodeText(std::string_view s) {
  if (s == "unset") return StatusCodeValue::kUnset;
  if (s == "ok") return StatusCodeValue::kOk;
  if (s == "error") return StatusCodeValue::kError;
  return std::nullopt;
}

}  // namespace hoptrace
