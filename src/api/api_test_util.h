// Helpers shared by the API JSON tests.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string>

#include "model/span.h"

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

// A span of trace `trace` (last id byte), id `id`, parent `parent` (0: a root), named
// "span <id>", from `start` to `end` unix nanoseconds.
inline Span TestSpan(uint8_t trace, uint8_t id, uint8_t parent, uint64_t start, uint64_t end) {
  Span s;
  s.trace_id.fill(0);
  s.trace_id[15] = trace;
  s.span_id.fill(0);
  s.span_id[7] = id;
  s.parent_span_id.fill(0);
  s.parent_span_id[7] = parent;
  s.name = "span " + std::to_string(id);
  s.start_unix_nano = start;
  s.end_unix_nano = end;
  return s;
}

}  // namespace hoptrace
