// libFuzzer entry point for FuzzOtlpProtobufDifferential (fuzz_targets.h): the hand-written
// OTLP protobuf decoder against the libprotobuf-based reference. Build with -DHOPTRACE_FUZZ=ON
// (clang); run e.g. `build-fuzz/fuzz/otlp/otlp_protobuf_differential_fuzzer
// fuzz/otlp/corpus/otlp_protobuf_differential fuzz/otlp/corpus/otlp_protobuf`.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!hoptrace::fuzz::FuzzOtlpProtobufDifferential(data, size)) __builtin_trap();
  return 0;
}
