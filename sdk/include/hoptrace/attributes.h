// Attribute values and key/value lists: what spans, events, links and resources carry.
//
// An AttributeValue is one of string, bool, int64, double, or a homogeneous array of them (the
// OTLP AnyValue subset OpenTelemetry allows on spans). Construction is implicit from the natural
// C++ types, so call sites read `span.SetAttribute("retries", 3)`:
//   - any integral type except bool    -> int64 (unsigned values above INT64_MAX saturate)
//   - float, double                    -> double
//   - bool                             -> bool
//   - const char*, string_view, string -> string (a null const char* is an empty string)
//   - std::vector<T> of those          -> array
//
// Thread-safety: values are plain data; const access from many threads is safe.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace hoptrace {

class AttributeValue {
 public:
  // The order of the alternatives is part of the API: index() and std::get<> use it.
  using Storage = std::variant<std::string, bool, std::int64_t, double, std::vector<std::string>,
                               std::vector<bool>, std::vector<std::int64_t>, std::vector<double>>;

  AttributeValue() = default;  // the empty string
  AttributeValue(bool v) : v_(v) {}
  template <std::integral T>
  requires(!std::same_as<std::remove_cv_t<T>, bool>) AttributeValue(T v) : v_(ToInt64(v)) {}
  template <std::floating_point T>
  AttributeValue(T v) : v_(static_cast<double>(v)) {}
  AttributeValue(const char* v) : v_(std::string(v == nullptr ? "" : v)) {}
  AttributeValue(std::string_view v) : v_(std::string(v)) {}
  AttributeValue(std::string v) : v_(std::move(v)) {}
  AttributeValue(std::vector<std::string> v) : v_(std::move(v)) {}
  AttributeValue(std::vector<bool> v) : v_(std::move(v)) {}
  AttributeValue(std::vector<std::int64_t> v) : v_(std::move(v)) {}
  AttributeValue(std::vector<double> v) : v_(std::move(v)) {}

  const Storage& storage() const noexcept { return v_; }
  Storage& storage() noexcept { return v_; }

  bool is_string() const noexcept { return v_.index() == 0; }
  bool is_bool() const noexcept { return v_.index() == 1; }
  bool is_int() const noexcept { return v_.index() == 2; }
  bool is_double() const noexcept { return v_.index() == 3; }
  bool is_array() const noexcept { return v_.index() >= 4; }

  // REQUIRES: the matching is_*() is true.
  const std::string& as_string() const { return std::get<std::string>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }

  friend bool operator==(const AttributeValue&, const AttributeValue&) = default;

 private:
  template <class T>
  static std::int64_t ToInt64(T v) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      constexpr auto kMax = static_cast<T>(std::numeric_limits<std::int64_t>::max());
      return v > kMax ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(v);
    } else {
      return static_cast<std::int64_t>(v);
    }
  }

  Storage v_;
};

struct KeyValue {
  std::string key;
  AttributeValue value;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// An ordered list of attributes. Keys are unique where the SDK builds the list (a later set of
// the same key replaces the value in place); lists passed in by callers are deduplicated the
// same way when they are applied to a span.
using Attributes = std::vector<KeyValue>;

// The value of `key` in `attributes`, or nullptr.
inline const AttributeValue* FindAttribute(const Attributes& attributes,
                                           std::string_view key) noexcept {
  for (const KeyValue& kv : attributes) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

}  // namespace hoptrace
