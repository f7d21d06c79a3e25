// The wall clock as unix nanoseconds (span times, finding times, "since" defaults).
#pragma once

#include <chrono>
#include <cstdint>

namespace hoptrace {

inline uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace hoptrace
