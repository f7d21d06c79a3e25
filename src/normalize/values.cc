#include "normalize/values.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

namespace hoptrace {

std::string ScalarText(const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kString:
      return v.string_value;
    case AnyValue::Type::kBool:
    case AnyValue::Type::kInt:
    case AnyValue::Type::kDouble:
      return v.ToText();
    default:
      return {};
  }
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<double> ParseDoubleText(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<int64_t> CountFromDouble(double d) {
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (!std::isfinite(d) || d < 0 || d >= 9223372036854775808.0 || d != std::floor(d)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

}  // namespace

std::optional<int64_t> ParseCount(const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kInt:
      if (v.int_value < 0) return std::nullopt;
      return v.int_value;
    case AnyValue::Type::kDouble:
      return CountFromDouble(v.double_value);
    case AnyValue::Type::kString: {
      std::string_view s = Trim(v.string_value);
      if (s.empty()) return std::nullopt;
      int64_t i = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && end == s.data() + s.size()) {
        if (i < 0) return std::nullopt;
        return i;
      }
      auto d = ParseDoubleText(s);
      if (!d) return std::nullopt;
      return CountFromDouble(*d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> ParseAmount(const AnyValue& v) {
  std::optional<double> d;
  switch (v.type) {
    case AnyValue::Type::kInt:
      d = static_cast<double>(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      d = v.double_value;
      break;
    case AnyValue::Type::kString:
      d = ParseDoubleText(v.string_value);
      break;
    default:
      break;
  }
  if (!d || !std::isfinite(*d) || *d < 0) return std::nullopt;
  return d;
}

namespace {

AnyValue ConvertElement(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      std::vector<KeyValue> kv;
      simdjson::dom::object object;
      if (e.get_object().get(object)) return AnyValue();
      for (auto field : object) {
        kv.push_back(KeyValue{std::string(field.key), ConvertElement(field.value)});
      }
      return AnyValue::KvList(std::move(kv));
    }
    case element_type::ARRAY: {
      std::vector<AnyValue> items;
      simdjson::dom::array array;
      if (e.get_array().get(array)) return AnyValue();
      for (auto item : array) items.push_back(ConvertElement(item));
      return AnyValue::Array(std::move(items));
    }
    case element_type::STRING:
      return AnyValue::String(std::string(e.get_string().value_unsafe()));
    case element_type::INT64:
      return AnyValue::Int(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return AnyValue::Double(static_cast<double>(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE:
      return AnyValue::Double(e.get_double().value_unsafe());
    case element_type::BOOL:
      return AnyValue::Bool(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
    default:
      return AnyValue();
  }
}

bool LooksLikeJson(std::string_view s) {
  s = Trim(s);
  return !s.empty() && (s.front() == '{' || s.front() == '[');
}

// Descends from `v` through the dot-separated `path`. Values that are JSON strings are parsed
// when the path goes on below them. Returns nullopt when a step is missing.
std::optional<AnyValue> Descend(const AnyValue& start, std::string_view path) {
  AnyValue owned;  // holds a parsed JSON string while we descend into it
  const AnyValue* v = &start;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view seg = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (v->type == AnyValue::Type::kString && LooksLikeJson(v->string_value)) {
      auto parsed = JsonToAnyValue(v->string_value);
      if (!parsed) return std::nullopt;
      owned = std::move(*parsed);
      v = &owned;
    }
    const AnyValue* next = nullptr;
    if (v->type == AnyValue::Type::kKvList) {
      for (const KeyValue& kv : v->kvlist_value) {
        if (kv.key == seg) {
          next = &kv.value;
          break;
        }
      }
    } else if (v->type == AnyValue::Type::kArray) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(seg.data(), seg.data() + seg.size(), index);
      if (ec == std::errc() && end == seg.data() + seg.size() && index < v->array_value.size()) {
        next = &v->array_value[index];
      }
    }
    if (next == nullptr) return std::nullopt;
    // `next` may point into `owned`; copy before `owned` is replaced on the next step.
    AnyValue step = *next;
    owned = std::move(step);
    v = &owned;
  }
  return *v;
}

}  // namespace

std::optional<AnyValue> ValueAtPath(const AnyValue& value, std::string_view path) {
  return Descend(value, path);
}

std::optional<AnyValue> JsonToAnyValue(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), /*realloc_if_needed=*/true).get(root)) {
    return std::nullopt;
  }
  return ConvertElement(root);
}

std::optional<AnyValue> LookupPath(const Attributes& attrs, std::string_view prefix,
                                   std::string_view path) {
  // Split points: the attribute key is prefix + the first i segments of path; longest first.
  std::vector<size_t> cuts;  // offsets in `path` where segment boundaries (dots) are
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '.') cuts.push_back(i);
  }
  std::string key;
  for (size_t n = cuts.size() + 1 + (path.empty() ? 0 : 1); n-- > 0;) {
    // n segments go into the key: n == 0 means the key is the prefix alone.
    std::string_view head, rest;
    if (path.empty()) {
      if (n != 0) continue;
      rest = {};
    } else if (n == 0) {
      rest = path;
    } else if (n == cuts.size() + 1) {
      head = path;
    } else {
      head = path.substr(0, cuts[n - 1]);
      rest = path.substr(cuts[n - 1] + 1);
    }
    key.assign(prefix);
    if (!head.empty()) {
      key.push_back('.');
      key.append(head);
    }
    const AnyValue* v = FindAttribute(attrs, key);
    if (v == nullptr) continue;
    if (rest.empty()) return *v;
    if (auto found = Descend(*v, rest)) return found;
  }
  return std::nullopt;
}

}  // namespace hoptrace
