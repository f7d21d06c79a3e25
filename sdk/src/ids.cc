// Trace and span ids, hex, and the per-thread id generator.
#include <cstring>
#include <random>

#include "hoptrace/span_context.h"
#include "internal.h"

namespace hoptrace {
namespace internal {
namespace {

// xoshiro256** (Blackman & Vigna): 4 words of state, a few ns per draw.
struct Xoshiro {
  std::uint64_t s[4];

  Xoshiro() noexcept {
    std::uint64_t seed[4] = {0, 0, 0, 0};
    try {
      std::random_device rd;
      for (auto& w : seed) w = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    } catch (...) {
      // No entropy device: fall back to time and address.
      seed[0] = static_cast<std::uint64_t>(
          std::chrono::high_resolution_clock::now().time_since_epoch().count());
      seed[1] = reinterpret_cast<std::uintptr_t>(this);
    }
    // splitmix64 over the seed so no state word is zero.
    std::uint64_t x = seed[0] ^ (seed[1] << 1) ^ (seed[2] << 2) ^ (seed[3] << 3);
    for (int i = 0; i < 4; ++i) {
      x += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s[i] = (z ^ (z >> 31)) ^ seed[i];
    }
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
  }

  static std::uint64_t Rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t Next() noexcept {
    const std::uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

Xoshiro& ThreadRng() noexcept {
  thread_local Xoshiro rng;
  return rng;
}

int HexValue(char c, bool lowercase_only) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (!lowercase_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::uint64_t RandomU64() noexcept { return ThreadRng().Next(); }

TraceId NewTraceId() noexcept {
  std::array<std::uint8_t, 16> b;
  Xoshiro& rng = ThreadRng();
  std::uint64_t hi, lo;
  do {
    hi = rng.Next();
    lo = rng.Next();
  } while ((hi | lo) == 0);
  std::memcpy(b.data(), &hi, 8);
  std::memcpy(b.data() + 8, &lo, 8);
  return TraceId(b);
}

SpanId NewSpanId() noexcept {
  std::array<std::uint8_t, 8> b;
  Xoshiro& rng = ThreadRng();
  std::uint64_t v;
  do {
    v = rng.Next();
  } while (v == 0);
  std::memcpy(b.data(), &v, 8);
  return SpanId(b);
}

void AppendHex(const std::uint8_t* data, std::size_t size, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < size; ++i) {
    out->push_back(kDigits[data[i] >> 4]);
    out->push_back(kDigits[data[i] & 0xf]);
  }
}

bool DecodeHex(std::string_view hex, std::uint8_t* out, std::size_t size,
               bool lowercase_only) noexcept {
  if (hex.size() != size * 2) return false;
  for (std::size_t i = 0; i < size; ++i) {
    int hi = HexValue(hex[2 * i], lowercase_only);
    int lo = HexValue(hex[2 * i + 1], lowercase_only);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

std::uint64_t NowUnixNanos() noexcept { return ToUnixNanos(std::chrono::system_clock::now()); }

}  // namespace internal

std::optional<TraceId> TraceId::FromHex(std::string_view hex) noexcept {
  std::array<std::uint8_t, kSize> b;
  if (!internal::DecodeHex(hex, b.data(), kSize, false)) return std::nullopt;
  return TraceId(b);
}

bool TraceId::IsValid() const noexcept {
  std::uint64_t a, b;
  std::memcpy(&a, bytes_.data(), 8);
  std::memcpy(&b, bytes_.data() + 8, 8);
  return (a | b) != 0;
}

std::string TraceId::ToHex() const {
  std::string s;
  s.reserve(32);
  internal::AppendHex(bytes_.data(), kSize, &s);
  return s;
}

std::optional<SpanId> SpanId::FromHex(std::string_view hex) noexcept {
  std::array<std::uint8_t, kSize> b;
  if (!internal::DecodeHex(hex, b.data(), kSize, false)) return std::nullopt;
  return SpanId(b);
}

bool SpanId::IsValid() const noexcept {
  std::uint64_t a;
  std::memcpy(&a, bytes_.data(), 8);
  return a != 0;
}

std::string SpanId::ToHex() const {
  std::string s;
  s.reserve(16);
  internal::AppendHex(bytes_.data(), kSize, &s);
  return s;
}

}  // namespace hoptrace
