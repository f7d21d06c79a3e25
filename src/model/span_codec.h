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

#include "common/coding.h"
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

// The tail of a span body holding the derived fields: lp(service) lp(agent) lp(operation)
// lp(model) lp(provider) lp(tool) lp(conversation) svarint input | svarint output | svarint
// total | u64 cost bits | u8 usage_counted. Also the unit of the store's patches log.
void EncodeDerivedFields(const AgentFields& a, std::string* out);
bool DecodeDerivedFields(Decoder* d, AgentFields* a);

void EncodeResource(const Resource& r, std::string* out);
Status DecodeResource(std::string_view in, Resource* r);
void EncodeScope(const Scope& s, std::string* out);
Status DecodeScope(std::string_view in, Scope* s);

// Whole span: body + resource + scope, each length-prefixed.
void EncodeSpan(const Span& span, std::string* out, const LargeValueSink* sink);
Status DecodeSpan(std::string_view in, Span* span, const LargeValueSource* source);

}  // namespace hoptrace
