#include "fuzz_targets.h"

#include <cstdio>
#include <string>

#include "otlp/decode.h"
#include "otlp/gzip.h"
#include "otlp/json_syntax.h"
#include "otlp/testing/batch_diff.h"
#include "otlp/testing/reference_proto_decoder.h"

namespace hoptrace::fuzz {

namespace {

std::string_view View(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Invariants of any decoder's result.
bool CheckBatch(const StatusOr<DecodedBatch>& result) {
  if (!result.ok()) {
    // Bad input is an error value with a message, never an empty one.
    return !result.status().message().empty() &&
           (result.status().code() == StatusCode::kInvalidArgument ||
            result.status().code() == StatusCode::kResourceExhausted);
  }
  const DecodedBatch& batch = *result;
  uint64_t by_reason = 0;
  for (const auto& [reason, n] : batch.rejected_by_reason) by_reason += n;
  if (by_reason != batch.rejected) return false;
  if ((batch.rejected == 0) != batch.first_rejection.empty()) return false;
  for (const Span& span : batch.spans) {
    if (IsZeroId(span.trace_id) || IsZeroId(span.span_id)) return false;
    if (span.end_unix_nano < span.start_unix_nano) return false;
    if (static_cast<int>(span.kind) > 5 || static_cast<int>(span.status_code) > 2) return false;
  }
  return true;
}

// A document the syntax checker calls broken must not have been accepted by simdjson.
bool CheckJson(std::string_view body, const StatusOr<DecodedBatch>& result) {
  if (!CheckBatch(result)) return false;
  return !(result.ok() && otlp_internal::FindJsonSyntaxError(body).found);
}

}  // namespace

bool FuzzOtlpProtobuf(const uint8_t* data, size_t size) {
  return CheckBatch(DecodeOtlpProtobuf(View(data, size)));
}

bool FuzzOtlpProtobufDifferential(const uint8_t* data, size_t size) {
  const StatusOr<DecodedBatch> got = DecodeOtlpProtobuf(View(data, size));
  if (!CheckBatch(got)) return false;
  const std::string diff = otlp_testing::DiffDecodeResults(
      got, otlp_testing::ReferenceDecodeOtlpProtobuf(View(data, size)));
  if (diff.empty()) return true;
  std::fprintf(stderr, "DecodeOtlpProtobuf differs from the reference decoder: %s\n", diff.c_str());
  return false;
}

bool FuzzOtlpJson(const uint8_t* data, size_t size) {
  return CheckJson(View(data, size), DecodeOtlpJson(View(data, size)));
}

bool FuzzZipkinJson(const uint8_t* data, size_t size) {
  return CheckJson(View(data, size), DecodeZipkinJson(View(data, size)));
}

bool FuzzOpenAIAgentsJson(const uint8_t* data, size_t size) {
  const std::string_view body = View(data, size);
  if (!CheckJson(body, DecodeOpenAIAgentsJson(body))) return false;
  OpenAIAgentsOptions flat;
  flat.trace_root_span = false;
  return CheckBatch(DecodeOpenAIAgentsJson(body, flat));
}

bool FuzzGunzip(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 1 << 20;
  StatusOr<std::string> out = Gunzip(View(data, size), kLimit);
  if (!out.ok()) {
    return out.status().code() == StatusCode::kInvalidArgument ||
           out.status().code() == StatusCode::kResourceExhausted;
  }
  if (out->size() > kLimit) return false;
  // Whatever inflated must survive a round trip.
  StatusOr<std::string> again = Gzip(*out);
  if (!again.ok()) return false;
  StatusOr<std::string> back = Gunzip(*again, kLimit);
  return back.ok() && *back == *out;
}

}  // namespace hoptrace::fuzz
