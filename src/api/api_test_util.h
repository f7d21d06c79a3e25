// Helpers shared by the API JSON tests.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string>

namespace hoptrace {

// True when `doc` is one complete, valid JSON document.
inline ::testing::AssertionResult ParsesAsJson(const std::string& doc) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(doc);
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    return ::testing::AssertionFailure() << simdjson::error_message(error) << " in " << doc;
  }
  return ::testing::AssertionSuccess();
}

// An id of N bytes counting up from `first`.
template <size_t N>
std::array<uint8_t, N> Id(uint8_t first) {
  std::array<uint8_t, N> id{};
  for (size_t i = 0; i < N; ++i) id[i] = static_cast<uint8_t>(first + i);
  return id;
}

}  // namespace hoptrace
