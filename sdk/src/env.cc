// Environment lookup and the parsing helpers of the OTEL_* variables.
#include <cstdlib>

#include "internal.h"

namespace hoptrace {

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

namespace internal {

std::optional<std::string> GetEnv(const EnvLookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  std::optional<std::string> v = env(name);
  if (!v) return std::nullopt;
  std::string_view t = Trim(*v);
  if (t.empty()) return std::nullopt;  // the spec: empty means unset
  return std::string(t);
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<bool> ParseBool(std::string_view s) noexcept {
  std::string_view t = Trim(s);
  auto eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (eq(t, "true")) return true;
  if (eq(t, "false")) return false;
  return std::nullopt;
}

std::optional<std::int64_t> ParseNonNegative(std::string_view s) noexcept {
  std::string_view t = Trim(s);
  if (t.empty() || t.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::uint8_t byte;
    if (s[i] == '%' && i + 2 < s.size() && DecodeHex(s.substr(i + 1, 2), &byte, 1, false)) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(
    std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!s.empty()) {
    std::size_t comma = s.find(',');
    std::string_view member = Trim(s.substr(0, comma));
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    if (member.empty()) continue;
    std::size_t eq = member.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = Trim(member.substr(0, eq));
    std::string_view value = Trim(member.substr(eq + 1));
    if (key.empty()) return std::nullopt;
    out.emplace_back(PercentDecode(key), PercentDecode(value));
  }
  return out;
}

}  // namespace internal
}  // namespace hoptrace
