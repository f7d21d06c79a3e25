// Encoders for the bodies of OTLP export responses (../shared/reference/tracing.md §2.1
// "Responses"). The response uses the request's encoding: protobuf for application/x-protobuf
// and gRPC, JSON for application/json.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hoptrace {

// ExportTraceServiceResponse. With rejected == 0 and an empty message: full success, an empty
// message (0 bytes in protobuf, "{}" in JSON). Otherwise partial_success{rejected_spans,
// error_message} (rejected == 0 with a message is a warning). `message` must be UTF-8; it is cut
// to kMaxResponseMessage bytes (on a character boundary).
std::string EncodeExportResponseProto(uint64_t rejected, std::string_view message);
std::string EncodeExportResponseJson(uint64_t rejected, std::string_view message);

// google.rpc.Status{code, message}, the body of a 4xx/5xx answer. `code` is a gRPC canonical
// code (hoptrace::StatusCode values match). `message` is cut like the above.
std::string EncodeRpcStatusProto(int code, std::string_view message);
std::string EncodeRpcStatusJson(int code, std::string_view message);

// Longest message put in a response (OTLP recommends responses under 4 MiB).
inline constexpr size_t kMaxResponseMessage = 64 * 1024;

}  // namespace hoptrace
