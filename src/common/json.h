// JSON text helpers shared by everything that writes JSON (API responses, benchmarks).
#pragma once

#include <string>
#include <string_view>

namespace hoptrace {

// Appends `s` as a quoted JSON string (control characters escaped; bytes >= 0x80 passed through).
void AppendJsonString(std::string* out, std::string_view s);
inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}
// The shortest decimal form of `d` that reads back as `d`; NaN and infinities as the strings
// "NaN", "Infinity", "-Infinity" (OTLP/JSON's convention), or `null` when `nonfinite_as_null`.
std::string JsonNumber(double d, bool nonfinite_as_null = false);

}  // namespace hoptrace
