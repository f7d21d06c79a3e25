// Reading attribute values the way real emitters send them: token counts as ints, doubles or
// decimal strings (Zipkin tags are always strings), nested data flattened into dotted keys,
// nested as kvlist/array values, or sent as a JSON string.
//
// Thread-safety: pure functions; safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/span.h"

namespace hoptrace {

// Text of a scalar value: strings as-is, ints and doubles in decimal, bools as true/false.
// Empty for an empty string, bytes, arrays, maps and empty values (all treated as "absent").
std::string ScalarText(const AnyValue& v);

// A count (tokens): an int, a double holding an integer, or a decimal string ("1200", " 1200 ",
// "1200.0"). nullopt for anything else, negatives and values beyond int64.
std::optional<int64_t> ParseCount(const AnyValue& v);

// An amount (USD): an int, a finite double or a decimal string. nullopt for anything else and
// for negatives.
std::optional<double> ParseAmount(const AnyValue& v);

// Parses JSON text into an AnyValue: objects become kvlists (key order kept), arrays arrays,
// integers that fit int64 ints, other numbers doubles, strings strings, null an empty value.
// nullopt for invalid JSON. Safe on untrusted input (simdjson's depth limit applies).
std::optional<AnyValue> JsonToAnyValue(std::string_view json);

// Looks up `path` (dot-separated; array elements by decimal index, e.g. "output.0.usage") under
// the attributes named `prefix`, however the emitter encoded it:
//   flattened    "prefix.output.0.usage.prompt_tokens" = 57
//   nested       "prefix" = kvlist{output: [kvlist{usage: kvlist{prompt_tokens: 57}}]}
//   JSON string  "prefix.output" = "[{\"usage\":{\"prompt_tokens\":57}}]"  (at any level)
// and any mix of these. The longest matching attribute key wins. An empty `path` looks up the
// attribute `prefix` itself. Returns a copy of the value found, or nullopt.
std::optional<AnyValue> LookupPath(const Attributes& attrs, std::string_view prefix,
                                   std::string_view path);

// Descends from `value` through the dot-separated `path` (kvlist keys, array indexes), parsing
// JSON strings on the way when the path goes on below them. An empty path returns `value`.
std::optional<AnyValue> ValueAtPath(const AnyValue& value, std::string_view path);

}  // namespace hoptrace
