// gzip decompression of request bodies (Content-Encoding: gzip, and grpc-encoding: gzip).
//
// Thread-safety: thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hoptrace {

// Inflates the gzip stream `in` (one or more concatenated gzip members, RFC 1952).
// - ResourceExhausted as soon as the output would exceed `max_out` bytes: the limit is checked
//   while inflating and the output buffer never grows past max_out + 1 bytes, so a gzip bomb
//   costs at most that much memory and the time to inflate max_out bytes.
// - InvalidArgument for an empty, corrupt or truncated stream, a bad checksum, or data after
//   the last member that is not another gzip member.
StatusOr<std::string> Gunzip(std::string_view in, size_t max_out);

// Compresses `in` as one gzip member (used by tests, fuzz seeds and response compression).
// `level` is zlib's 0..9 (or -1 for the default).
StatusOr<std::string> Gzip(std::string_view in, int level = -1);

}  // namespace hoptrace
