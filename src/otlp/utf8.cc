#include "otlp/utf8.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace hoptrace::otlp_internal {

size_t Utf8SequenceLength(std::string_view s, size_t at) {
  const unsigned char c = static_cast<unsigned char>(s[at]);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (at + n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    const unsigned char b = static_cast<unsigned char>(s[at + i]);
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return n;
}

namespace {
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
}  // namespace

bool IsValidUtf8(std::string_view s) {
  // Most strings in traces are short: a scalar scan beats simdjson's per-call setup there.
  constexpr size_t kSimdFrom = 128;
  if (s.size() >= kSimdFrom) return simdjson::validate_utf8(s.data(), s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint64_t word;
    if (s.size() - i >= 8 && (std::memcpy(&word, s.data() + i, 8), (word & kHighBits) == 0)) {
      i += 8;  // eight ASCII bytes
      continue;
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    out += "\xEF\xBF\xBD";  // U+FFFD
    // Skip the lead byte and the continuation bytes that followed it.
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return out;
}

}  // namespace hoptrace::otlp_internal
