// Test code only: a strict field-by-field comparison of two decode results, for the
// differential tests and fuzzers of the OTLP protobuf decoder (reference_proto_decoder.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/status.h"
#include "otlp/decode.h"

namespace hoptrace::otlp_testing {

// Empty when `a` and `b` are identical: both errors with the same code and message, or both
// batches with the same rejected counts, reasons and first_rejection, and the same spans in the
// same order, every member of the model compared (AnyValue members its type does not use too,
// doubles bit for bit so that NaNs compare). Otherwise says where they first differ, e.g.
// `spans[3].attributes[1].value.int_value: 5 vs 7`.
std::string DiffDecodeResults(const StatusOr<DecodedBatch>& a, const StatusOr<DecodedBatch>& b);

}  // namespace hoptrace::otlp_testing
