// Internal to src/otlp: the errors of DecodeOtlpProtobuf (decode.h) for a body that cannot be
// read, shared by the decoder and the libprotobuf-based reference decoder of the tests
// (testing/reference_proto_decoder.h) so that both answer an unreadable body with the same
// status, message included.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hoptrace::otlp_internal {

// Bodies of this size or more are refused before parsing (protobuf's own 2 GiB limit; the
// server admits far less, 64 MiB after decompression by default).
inline constexpr size_t kMaxProtobufBody = size_t{1} << 31;

// ResourceExhausted for a body of kMaxProtobufBody bytes or more.
Status ProtobufBodyTooLargeError(size_t body_size);

// InvalidArgument for a body that is not a readable ExportTraceServiceRequest, saying why as
// precisely as a walk over the top-level fields can tell: a body in another encoding (JSON,
// gzip), or the offset of the first broken top-level field.
Status ProtobufParseError(std::string_view body);

}  // namespace hoptrace::otlp_internal
