// Test code only: the libprotobuf-based OTLP protobuf decoder that DecodeOtlpProtobuf
// (decode.h) replaced, kept as the reference its hand-written wire decoder must match exactly:
// libprotobuf parses the ExportTraceServiceRequest into an arena (so libprotobuf decides what is
// malformed), then every field is copied into model Spans. The differential test
// (otlp_proto_differential_test.cc) and the differential fuzzer (fuzz/otlp) run both on the same
// inputs and require identical results.
//
// Thread-safety: thread-safe (no shared state).
#pragma once

#include <string_view>

#include "common/status.h"
#include "otlp/decode.h"

namespace hoptrace::otlp_testing {

// The contract of DecodeOtlpProtobuf (decode.h), implemented with libprotobuf.
StatusOr<DecodedBatch> ReferenceDecodeOtlpProtobuf(std::string_view body);

}  // namespace hoptrace::otlp_testing
