// JSON text helpers shared by everything that writes JSON (API responses, benchmarks).
#pragma once

#include <string>
#include <string_view>

namespace hoptrace {

// Appends `s` as a quoted JSON string: control characters escaped, valid UTF-8 passed through,
// each byte that is not part of valid UTF-8 replaced by \ufffd (the output is always valid JSON).
void AppendJsonString(std::string* out, std::string_view s);
// Appends standard base64 (with padding) of `bytes`, unquoted: how OTLP/JSON writes bytes values.
void AppendBase64(std::string* out, std::string_view bytes);
inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}
// The shortest decimal form of `d` that reads back as `d`; NaN and infinities as the strings
// "NaN", "Infinity", "-Infinity" (OTLP/JSON's convention), or `null` when `nonfinite_as_null`.
std::string JsonNumber(double d, bool nonfinite_as_null = false);

}  // namespace hoptrace
