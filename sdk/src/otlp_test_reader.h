// A tiny protobuf reader for tests: decodes a message into its fields, so tests can check the
// encoder's bytes without libprotobuf. Not installed, not used by the library.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace hoptrace::testing {

struct PbField {
  int wire = 0;
  std::uint64_t number = 0;  // varint, fixed64, fixed32
  std::string bytes;         // length-delimited
};

class PbMessage {
 public:
  explicit PbMessage(std::string_view in) {
    while (!in.empty()) {
      std::uint64_t tag = Varint(&in);
      PbField f;
      f.wire = static_cast<int>(tag & 7);
      int number = static_cast<int>(tag >> 3);
      switch (f.wire) {
        case 0:
          f.number = Varint(&in);
          break;
        case 1:
          f.number = Fixed(&in, 8);
          break;
        case 5:
          f.number = Fixed(&in, 4);
          break;
        case 2: {
          std::uint64_t len = Varint(&in);
          if (len > in.size()) throw std::runtime_error("truncated");
          f.bytes.assign(in.substr(0, len));
          in.remove_prefix(len);
          break;
        }
        default:
          throw std::runtime_error("bad wire type");
      }
      fields_.emplace(number, std::move(f));
    }
  }

  std::size_t count(int field) const { return fields_.count(field); }
  const PbField& field(int number, std::size_t index = 0) const {
    auto [b, e] = fields_.equal_range(number);
    for (auto it = b; it != e; ++it, --index) {
      if (index == 0) return it->second;
    }
    throw std::runtime_error("missing field " + std::to_string(number));
  }
  PbMessage sub(int number, std::size_t index = 0) const {
    return PbMessage(field(number, index).bytes);
  }
  std::vector<PbMessage> subs(int number) const {
    std::vector<PbMessage> out;
    auto [b, e] = fields_.equal_range(number);
    for (auto it = b; it != e; ++it) out.emplace_back(it->second.bytes);
    return out;
  }
  const std::string& str(int number) const { return field(number).bytes; }
  std::uint64_t num(int number) const { return field(number).number; }
  double dbl(int number) const {
    double d;
    std::uint64_t v = num(number);
    std::memcpy(&d, &v, 8);
    return d;
  }

 private:
  static std::uint64_t Varint(std::string_view* in) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (in->empty()) throw std::runtime_error("truncated varint");
      auto b = static_cast<std::uint8_t>(in->front());
      in->remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw std::runtime_error("varint too long");
  }
  static std::uint64_t Fixed(std::string_view* in, int n) {
    if (in->size() < static_cast<std::size_t>(n)) throw std::runtime_error("truncated fixed");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>((*in)[static_cast<std::size_t>(i)]))
           << (8 * i);
    }
    in->remove_prefix(static_cast<std::size_t>(n));
    return v;
  }

  std::multimap<int, PbField> fields_;
};

// A gzip stream inflated; "<bad gzip>" when it is not a whole, valid one.
inline std::string Gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string("<bad gzip>");
}

}  // namespace hoptrace::testing
