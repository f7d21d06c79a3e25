// Internal to src/otlp: locates the first syntax error in a JSON text, so that a rejected body
// gets a message a user can act on ("invalid JSON at byte 57: expected ',' or '}' after an
// object member"). Only run after simdjson has rejected a document, so it favours clear
// messages over speed.
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hoptrace::otlp_internal {

struct JsonSyntaxError {
  bool found = false;
  size_t offset = 0;    // byte offset of the problem in the text
  std::string problem;  // what is wrong there
};

// Checks `text` against the JSON grammar (RFC 8259, one value, strings valid UTF-8, nesting at
// most 1024 deep). Iterative: any input is safe.
JsonSyntaxError FindJsonSyntaxError(std::string_view text);

}  // namespace hoptrace::otlp_internal
