// Helpers for the src/otlp tests (header-only, test code only).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "model/span.h"

namespace hoptrace::otlp_testing {

// ../shared/fixtures, from the compile definition HOPTRACE_FIXTURES_DIR.
inline std::filesystem::path FixturesDir() { return HOPTRACE_FIXTURES_DIR; }

inline std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads fixtures/<relative>, or fails the calling test with a clear message when the fixtures
// folder (testdata/fixtures, in the repository) is missing. Use as:
// HT_ASSERT_FIXTURE(body, "zipkin/request.json");
#define HT_ASSERT_FIXTURE(var, relative)                                                          \
  std::string var;                                                                                \
  do {                                                                                            \
    if (!std::filesystem::exists(::hoptrace::otlp_testing::FixturesDir())) {                      \
      GTEST_FAIL() << "fixtures folder " << ::hoptrace::otlp_testing::FixturesDir()               \
                   << " is missing (testdata/fixtures in the repository)";                        \
    }                                                                                             \
    auto content_ =                                                                               \
        ::hoptrace::otlp_testing::ReadFile(::hoptrace::otlp_testing::FixturesDir() / (relative)); \
    ASSERT_TRUE(content_.has_value()) << "cannot read fixture " << (relative);                    \
    var = std::move(*content_);                                                                   \
  } while (0)

template <size_t N>
std::array<uint8_t, N> IdFromHex(std::string_view hex) {
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N && 2 * i + 1 < hex.size(); ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return out;
}
inline TraceId Tid(std::string_view hex) { return IdFromHex<16>(hex); }
inline SpanId Sid(std::string_view hex) { return IdFromHex<8>(hex); }

// First span named `name`, or nullptr.
inline const Span* FindByName(const std::vector<Span>& spans, std::string_view name) {
  for (const Span& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}
inline const Span* FindById(const std::vector<Span>& spans, const SpanId& id) {
  for (const Span& s : spans) {
    if (s.span_id == id) return &s;
  }
  return nullptr;
}

}  // namespace hoptrace::otlp_testing
