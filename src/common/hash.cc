#include "common/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace hoptrace {

uint64_t Checksum64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }
uint32_t Checksum32(std::string_view data) { return static_cast<uint32_t>(Checksum64(data)); }
uint32_t Checksum32Seeded(std::string_view data, uint64_t seed) {
  return static_cast<uint32_t>(XXH3_64bits_withSeed(data.data(), data.size(), seed));
}

Hash128 ContentHash(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  return Hash128{h.low64, h.high64};
}

std::string Hash128::ToHex() const {
  static const char* kHex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    uint64_t word = i < 8 ? hi : lo;
    int shift = (7 - (i % 8)) * 8;
    unsigned b = static_cast<unsigned>((word >> shift) & 0xff);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 15];
  }
  return out;
}

}  // namespace hoptrace
