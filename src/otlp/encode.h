// OTLP encoder: spans of the shared model (model/span.h) -> an ExportTraceServiceRequest in
// protobuf, the body of an OTLP/HTTP `POST /v1/traces` with Content-Type
// application/x-protobuf (and the gRPC Export message). The inverse of DecodeOtlpProtobuf
// (decode.h). Hand-written (no libprotobuf), so an exporter can use it without the generated
// classes.
//
// Grouping: spans whose Resource compares equal share one ResourceSpans, and within it spans
// whose Scope compares equal share one ScopeSpans. Groups come in the order of their first span;
// spans keep their relative order within a group (so the request order is the input order
// whenever spans of one resource and scope are contiguous, as an SDK batch usually is).
//
// The output is the canonical encoding libprotobuf writes for the same message: fields in
// field-number order, proto3 defaults (0, empty, all-zero parent span id, status unset without a
// message) left out; every AnyValue writes its oneof member even when it is zero, and an empty
// AnyValue is an empty message. `Span::derived` is not encoded (receivers derive it).
//
// Lossless for every field DecodeOtlpProtobuf keeps, except that text is written as given (the
// decoder repairs invalid UTF-8) and links with an all-zero id are written (the decoder drops
// them). Pinned by otlp_encode_test.cc.
//
// Thread-safety: thread-safe (no shared state).
#pragma once

#include <span>
#include <string>

#include "model/span.h"

namespace hoptrace {

// Appends the encoded request to *out (which may already hold data, e.g. a reused buffer).
void AppendOtlpProtobuf(std::span<const Span> spans, std::string* out);

// The encoded request. An empty `spans` gives an empty body (a valid empty request).
std::string EncodeOtlpProtobuf(std::span<const Span> spans);

}  // namespace hoptrace
