// Internal to src/otlp: UTF-8 validation and repair of text taken from protobuf `bytes` fields.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hoptrace::otlp_internal {

// Length of the valid UTF-8 sequence starting at s[at] (a byte >= 0x80), or 0 when it is not
// valid (overlong forms, surrogates, code points above U+10FFFF and truncation are invalid).
size_t Utf8SequenceLength(std::string_view s, size_t at);

bool IsValidUtf8(std::string_view s);

// `s` as valid UTF-8: each maximal invalid subsequence becomes U+FFFD. Fast when already valid.
std::string ToValidUtf8(std::string_view s);

}  // namespace hoptrace::otlp_internal
