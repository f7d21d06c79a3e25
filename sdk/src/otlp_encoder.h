// OTLP protobuf encoding of spans (ExportTraceServiceRequest), gzip, and the decoding of the
// ExportTraceServiceResponse's partial_success. Field numbers: tracing.md §2.2 (do not change:
// wire format). Not installed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hoptrace/span_data.h"

namespace hoptrace::internal {

// Spans are grouped by resource (pointer identity) and then by scope (pointer identity), in
// order of first appearance. A span without a resource gets an empty Resource message.
std::string EncodeExportTraceServiceRequest(std::span<const std::unique_ptr<SpanData>> spans);

// gzip (RFC 1952) of `in`; false on a zlib failure.
bool GzipCompress(std::string_view in, std::string* out);

struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
};
// The partial_success of an ExportTraceServiceResponse body; nullopt when absent or when the
// body is not a valid message.
std::optional<PartialSuccess> DecodePartialSuccess(std::string_view body);

}  // namespace hoptrace::internal
