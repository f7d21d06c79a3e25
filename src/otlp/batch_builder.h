// Internal to src/otlp: collects decoded spans into a DecodedBatch, applying the checks every
// wire format shares and counting rejections by reason.
//
// Thread-safety: not thread-safe; one builder per decode call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "otlp/decode.h"

namespace hoptrace::otlp_internal {

class BatchBuilder {
 public:
  // Starts a span at position `index` of the request (counting every span, valid or not).
  // Returns the index to pass to Accept / Reject.
  uint64_t NextIndex() { return next_index_++; }

  // Checks the invariants every format shares (trace id and span id not all zero, end not before
  // start) and keeps `span`, or rejects it with the matching reason.
  void Accept(uint64_t index, Span&& span);

  // Leaves out span #`index` for `reason` (one of the kReject* constants); `detail` says what
  // was wrong ("trace id is 15 bytes, want 16"); `name` is the span's name if known.
  void Reject(uint64_t index, std::string_view reason, std::string_view name,
              std::string_view detail);

  DecodedBatch Finish() && { return std::move(batch_); }
  DecodedBatch& batch() { return batch_; }

 private:
  DecodedBatch batch_;
  uint64_t next_index_ = 0;
};

// "15 bytes" / "1 byte".
std::string ByteCount(size_t n);
// `s` as a JSON string literal for messages, cut (on a UTF-8 character boundary) to at most
// `max` bytes of text with "..." appended when cut.
std::string Quoted(std::string_view s, size_t max = 80);

}  // namespace hoptrace::otlp_internal
