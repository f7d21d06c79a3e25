#include "otlp/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace hoptrace {

namespace {

// zlib's counters are 32-bit (uInt): feed and drain at most this much per call.
constexpr size_t kMaxChunk = size_t{1} << 30;
constexpr size_t kInitialOutput = size_t{64} << 10;

// Ends the inflate / deflate stream on every exit path.
class ZStream {
 public:
  explicit ZStream(bool inflate) : inflate_(inflate) {}
  ~ZStream() {
    if (!initialised_) return;
    if (inflate_) {
      inflateEnd(&z_);
    } else {
      deflateEnd(&z_);
    }
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  z_stream* get() { return &z_; }
  void set_initialised() { initialised_ = true; }

 private:
  z_stream z_{};
  bool inflate_;
  bool initialised_ = false;
};

Status ZlibError(int code, const z_stream& z, std::string_view what) {
  std::string message = "corrupt gzip body (" + std::string(what);
  if (z.msg != nullptr) message += std::string(": ") + z.msg;
  message += ", zlib code " + std::to_string(code) + ")";
  return InvalidArgumentError(std::move(message));
}

}  // namespace

StatusOr<std::string> Gunzip(std::string_view in, size_t max_out) {
  if (in.empty()) return InvalidArgumentError("empty body with Content-Encoding: gzip");
  ZStream stream(/*inflate=*/true);
  z_stream& z = *stream.get();
  // 16 + MAX_WBITS: gzip wrapper only (no raw deflate or zlib).
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return InternalError("inflateInit2 failed");
  stream.set_initialised();

  // The output may hold max_out + 1 bytes: one byte past the limit proves the body is over it.
  const size_t cap = max_out == std::numeric_limits<size_t>::max() ? max_out : max_out + 1;
  std::string out;
  out.resize(std::min(cap, std::max(kInitialOutput, std::min(in.size() * 4, kMaxChunk))));
  size_t produced = 0;
  size_t consumed = 0;
  bool member_ended = false;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= cap) break;  // full at max_out + 1: over the limit
      // Grow into a buffer of exactly the new size (std::string::resize may double the
      // capacity instead, which would overshoot the limit by up to 2x).
      std::string bigger;
      bigger.resize(std::min(cap, out.size() * 2));
      std::memcpy(bigger.data(), out.data(), produced);
      out.swap(bigger);
    }
    const size_t in_chunk = std::min(in.size() - consumed, kMaxChunk);
    const size_t out_chunk = std::min(out.size() - produced, kMaxChunk);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    z.avail_in = static_cast<uInt>(in_chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out_chunk);
    const int rc = inflate(&z, Z_NO_FLUSH);
    consumed += in_chunk - z.avail_in;
    produced += out_chunk - z.avail_out;
    if (rc == Z_STREAM_END) {
      member_ended = true;
      if (consumed == in.size()) break;
      // Another member must follow (RFC 1952 allows several); anything else is an error.
      if (in.size() - consumed < 2 || static_cast<uint8_t>(in[consumed]) != 0x1f ||
          static_cast<uint8_t>(in[consumed + 1]) != 0x8b) {
        return InvalidArgumentError("corrupt gzip body: " + std::to_string(in.size() - consumed) +
                                    " bytes of trailing data after the gzip stream");
      }
      if (inflateReset(&z) != Z_OK) return InternalError("inflateReset failed");
      member_ended = false;
      continue;
    }
    if (rc == Z_BUF_ERROR) {
      // No progress possible: either the output is full (grow it above) or the input is done.
      if (produced == out.size()) continue;
      if (consumed == in.size()) break;
      return ZlibError(rc, z, "no progress");
    }
    if (rc != Z_OK) return ZlibError(rc, z, rc == Z_DATA_ERROR ? "data error" : "inflate failed");
    if (consumed == in.size() && produced < out.size()) break;  // input exhausted, not ended
  }
  if (produced > max_out) {
    return ResourceExhaustedError("gzip body inflates to more than the limit of " +
                                  std::to_string(max_out) + " bytes");
  }
  if (!member_ended) {
    return InvalidArgumentError("truncated gzip body (the stream ends before its trailer)");
  }
  out.resize(produced);
  return out;
}

StatusOr<std::string> Gzip(std::string_view in, int level) {
  ZStream stream(/*inflate=*/false);
  z_stream& z = *stream.get();
  if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return InvalidArgumentError("deflateInit2 failed (bad level " + std::to_string(level) + ")");
  }
  stream.set_initialised();
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(std::min(in.size(), kMaxChunk))) + 64);
  size_t consumed = 0, produced = 0;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    const size_t in_chunk = std::min(in.size() - consumed, kMaxChunk);
    const size_t out_chunk = std::min(out.size() - produced, kMaxChunk);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    z.avail_in = static_cast<uInt>(in_chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out_chunk);
    const bool last = consumed + in_chunk == in.size();
    const int rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    consumed += in_chunk - z.avail_in;
    produced += out_chunk - z.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return InternalError("deflate failed");
  }
  out.resize(produced);
  return out;
}

}  // namespace hoptrace
