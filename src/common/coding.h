// Little-endian fixed-width and varint encoding used by every on-disk format.
// Do not change: persisted.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hoptrace {

inline void PutFixed32(std::string* dst, uint32_t v) {
  dst->append(reinterpret_cast<const char*>(&v), 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  dst->append(reinterpret_cast<const char*>(&v), 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void EncodeFixed32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void EncodeFixed64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }

inline void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline void PutVarsint64(std::string* dst, int64_t v) { PutVarint64(dst, ZigZag(v)); }
inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}

// Sequential reader over a byte range. Every Get* returns false (and leaves the reader failed)
// on truncated or malformed input instead of reading past the end.
// Thread-safety: not thread-safe; one reader per thread (the bytes themselves may be shared).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool GetVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && p_ < end_; shift += 7) {
      uint64_t byte = static_cast<unsigned char>(*p_++);
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  bool GetVarsint64(int64_t* v) {
    uint64_t u;
    if (!GetVarint64(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool GetVarint32(uint32_t* v) {
    uint64_t u;
    if (!GetVarint64(&u) || u > 0xffffffffu) return Fail();
    *v = static_cast<uint32_t>(u);
    return true;
  }
  bool GetFixed32(uint32_t* v) {
    if (end_ - p_ < 4) return Fail();
    *v = DecodeFixed32(p_);
    p_ += 4;
    return true;
  }
  bool GetFixed64(uint64_t* v) {
    if (end_ - p_ < 8) return Fail();
    *v = DecodeFixed64(p_);
    p_ += 8;
    return true;
  }
  bool GetBytes(size_t n, std::string_view* out) {
    if (static_cast<size_t>(end_ - p_) < n) return Fail();
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool GetLengthPrefixed(std::string_view* out) {
    uint64_t n;
    return GetVarint64(&n) && GetBytes(n, out);
  }
  bool GetByte(uint8_t* v) {
    if (p_ >= end_) return Fail();
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  size_t remaining() const { return end_ - p_; }
  bool failed() const { return failed_; }

 private:
  bool Fail() {
    failed_ = true;
    p_ = end_;
    return false;
  }
  const char* p_;
  const char* end_;
  bool failed_ = false;
};

}  // namespace hoptrace
