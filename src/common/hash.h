// Hashing: 64-bit checksums for on-disk chunks and 128-bit content addresses for blobs (XXH3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hoptrace {

// Checksum of a chunk; stored in files. Do not change: persisted.
uint64_t Checksum64(std::string_view data);
uint32_t Checksum32(std::string_view data);  // low 32 bits of Checksum64
// Low 32 bits of XXH3-64 of `data` with `seed` (binds a length or header field into the sum).
uint32_t Checksum32Seeded(std::string_view data, uint64_t seed);

struct Hash128 {
  uint64_t lo = 0, hi = 0;
  bool operator==(const Hash128&) const = default;
  std::string ToHex() const;
};
Hash128 ContentHash(std::string_view data);

struct Hash128Hasher {
  size_t operator()(const Hash128& h) const {
    return static_cast<size_t>(h.lo ^ (h.hi * 0x9e3779b97f4a7c15ULL));
  }
};

}  // namespace hoptrace
