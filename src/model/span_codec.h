// Binary encoding of spans, resources and scopes, shared by the WAL and the block files.
// Format documented in docs/storage-format.md. Do not change: persisted (bump kSpanCodecVersion).
//
// Large string/bytes attribute values (span and event attributes, at any nesting depth) at or
// above a threshold are not inlined: the encoder hands them to a LargeValueSink and writes a
// reference (content hash + length); the decoder resolves references through a LargeValueSource.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "model/span.h"

namespace hoptrace {

inline constexpr uint8_t kSpanCodecVersion = 1;

struct LargeValueSink {
  size_t threshold = 4096;
  // Called for every value of at least `threshold` bytes, with its content hash.
  std::function<void(const Hash128& hash, std::string_view value)> store;
};
// Returns the value for a hash, or an error (DataLoss when it cannot be found).
using LargeValueSource =
    std::function<Status(const Hash128& hash, uint64_t size, std::string* out)>;

// Encodes everything of `span` except resource and scope. `sink` may be null (inline all).
void EncodeSpanBody(const Span& span, std::string* out, const LargeValueSink* sink);
// Decodes a body; resource and scope are left untouched. `source` may be null only when the body
// has no references.
Status DecodeSpanBody(std::string_view in, Span* span, const LargeValueSource* source);

void EncodeResource(const Resource& r, std::string* out);
Status DecodeResource(std::string_view in, Resource* r);
void EncodeScope(const Scope& s, std::string* out);
Status DecodeScope(std::string_view in, Scope* s);

// Whole span: body + resource + scope, each length-prefixed.
void EncodeSpan(const Span& span, std::string* out, const LargeValueSink* sink);
Status DecodeSpan(std::string_view in, Span* span, const LargeValueSource* source);

}  // namespace hoptrace
