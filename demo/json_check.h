// A strict JSON syntax check (RFC 8259), the demo's "test suite" loading a config file: it is
// what turns the coder's malformed config into an error two hops later.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::demo {

// nullopt when `text` is one valid JSON value (with surrounding whitespace); else a message like
// "line 6, column 3: expected a string key".
std::optional<std::string> CheckJson(std::string_view text);

}  // namespace hoptrace::demo
