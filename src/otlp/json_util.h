// Internal to src/otlp: reading JSON documents with simdjson (DOM API, error codes only) and the
// value conversions the JSON formats share (int64 as number or string, base64, ISO 8601...).
//
// Thread-safety: JsonDocument is not thread-safe; use one per decode call. The free functions
// are thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hoptrace::otlp_internal {

// A parsed JSON document. Small documents reuse a per-thread parser (its buffers stay
// allocated, at most kMaxCachedParserBytes worth); large ones get their own parser, freed with
// the document.
class JsonDocument {
 public:
  JsonDocument() = default;
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  ~JsonDocument();

  // Parses `body`. On a syntax error returns InvalidArgument naming the problem and, when it can
  // be found, the byte offset ("invalid JSON at byte 17: ..."); `what` names the expected
  // document in messages ("OTLP/JSON request"). The root element stays valid while *this lives.
  Status Parse(std::string_view body, std::string_view what);
  simdjson::dom::element root() const { return root_; }

 private:
  std::unique_ptr<simdjson::dom::parser> own_parser_;
  simdjson::dom::parser* parser_ = nullptr;
  bool borrowed_ = false;
  simdjson::dom::element root_;
};
inline constexpr size_t kMaxCachedParserBytes = size_t{1} << 20;

// The array / object of `e`. REQUIRES: e is of that type. (Returned by value: iterating
// `e.get_array().value_unsafe()` directly would dangle, the result object being a temporary.)
inline simdjson::dom::array AsArray(const simdjson::dom::element& e) {
  return simdjson::dom::array(e.get_array().value_unsafe());
}
inline simdjson::dom::object AsObject(const simdjson::dom::element& e) {
  return simdjson::dom::object(e.get_object().value_unsafe());
}

// "string", "number", "object"...: the JSON type of `e`, for messages.
std::string_view JsonTypeName(const simdjson::dom::element& e);

// An unsigned 64-bit integer given as a JSON number (integral) or a decimal string.
bool ReadUint64(const simdjson::dom::element& e, uint64_t* out);
// A signed 64-bit integer given as a JSON number (integral) or a decimal string.
bool ReadInt64(const simdjson::dom::element& e, int64_t* out);
bool ReadUint32(const simdjson::dom::element& e, uint32_t* out);
// A double given as a JSON number, a decimal string, or "NaN" / "Infinity" / "-Infinity".
bool ReadDouble(const simdjson::dom::element& e, double* out);

// Parses a decimal integer string (optional leading '-' for the signed form); no spaces.
bool ParseUint64Text(std::string_view s, uint64_t* out);
bool ParseInt64Text(std::string_view s, int64_t* out);

// Decodes base64 in the standard or URL-safe alphabet, padding optional. False on any other
// character or an impossible length.
bool DecodeBase64(std::string_view in, std::string* out);

// Parses an ISO 8601 / RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)"
// ('T' may be a space or 't'; 'z' accepted; fraction up to 9 digits used, more are truncated)
// into unix nanoseconds. False for anything else, or a time before 1970.
bool ParseIso8601(std::string_view s, uint64_t* unix_nano);

// Appends the compact JSON text of `e` (simdjson's minified serialisation).
void AppendJsonText(const simdjson::dom::element& e, std::string* out);

}  // namespace hoptrace::otlp_internal
