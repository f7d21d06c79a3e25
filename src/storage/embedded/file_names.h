// Names of the store's numbered files: <prefix><number, zero-padded to `digits`><suffix>
// (wal-0000000000000001.log, blk-….blk, blob-….dat). Do not change: persisted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hoptrace {

inline std::string NumberedFileName(std::string_view prefix, uint64_t n, size_t digits,
                                    std::string_view suffix) {
  std::string number = std::to_string(n);
  std::string out(prefix);
  if (number.size() < digits) out.append(digits - number.size(), '0');
  out += number;
  out += suffix;
  return out;
}

// False unless `name` is exactly prefix + `digits` decimal digits + suffix.
inline bool ParseNumberedFileName(std::string_view name, std::string_view prefix, size_t digits,
                                  std::string_view suffix, uint64_t* n) {
  if (name.size() != prefix.size() + digits + suffix.size() ||
      name.substr(0, prefix.size()) != prefix || name.substr(prefix.size() + digits) != suffix) {
    return false;
  }
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), digits)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *n = v;
  return true;
}

}  // namespace hoptrace
