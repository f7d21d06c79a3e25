#include "otlp/proto_errors.h"

#include <cstdint>

#include "otlp/batch_builder.h"

namespace hoptrace::otlp_internal {

namespace {

// Reads a base-128 varint at body[*pos]; false when truncated or longer than 10 bytes.
bool ReadVarint(std::string_view body, size_t* pos, uint64_t* out) {
  *out = 0;
  for (int shift = 0; shift < 70 && *pos < body.size(); shift += 7) {
    const auto b = static_cast<uint8_t>(body[(*pos)++]);
    *out |= static_cast<uint64_t>(b & 0x7F) << (shift < 64 ? shift : 0);
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::string DescribeParseFailure(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (body[first] == '{' || body[first] == '[')) {
    return "it looks like JSON; send OTLP/JSON with Content-Type: application/json";
  }
  if (body.size() >= 2 && static_cast<uint8_t>(body[0]) == 0x1f &&
      static_cast<uint8_t>(body[1]) == 0x8b) {
    return "it looks gzip-compressed; send Content-Encoding: gzip with it";
  }
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t field_start = pos;
    uint64_t tag = 0;
    if (!ReadVarint(body, &pos, &tag)) {
      return "truncated field tag at byte " + std::to_string(field_start);
    }
    const uint64_t field = tag >> 3;
    const int wire_type = static_cast<int>(tag & 7);
    const std::string at = " (field " + std::to_string(field) + ", wire type " +
                           std::to_string(wire_type) + ") at byte " + std::to_string(field_start);
    if (field == 0) return "invalid field number 0" + at;
    uint64_t len = 0;
    switch (wire_type) {
      case 0:
        if (!ReadVarint(body, &pos, &len)) return "truncated varint" + at;
        break;
      case 1:
      case 5: {
        const size_t n = wire_type == 1 ? 8 : 4;
        if (body.size() - pos < n) return "truncated fixed-width value" + at;
        pos += n;
        break;
      }
      case 2:
        if (!ReadVarint(body, &pos, &len)) return "truncated length" + at;
        if (len > body.size() - pos) {
          return "field" + at + " claims " + ByteCount(len) + " but only " +
                 ByteCount(body.size() - pos) + " follow (truncated body?)";
        }
        pos += len;
        break;
      default:
        return "unsupported wire type" + at + " (not protobuf?)";
    }
  }
  return "a nested message is truncated or corrupt, or nested too deeply";
}

}  // namespace

Status ProtobufBodyTooLargeError(size_t body_size) {
  return ResourceExhaustedError("OTLP protobuf body of " + std::to_string(body_size) +
                                " bytes is over the 2 GiB protobuf limit");
}

Status ProtobufParseError(std::string_view body) {
  return InvalidArgumentError(
      "the body (" + ByteCount(body.size()) +
      ") is not a valid OTLP ExportTraceServiceRequest in protobuf: " + DescribeParseFailure(body));
}

}  // namespace hoptrace::otlp_internal
