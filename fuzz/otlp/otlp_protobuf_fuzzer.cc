// libFuzzer entry point for FuzzOtlpProtobuf (fuzz_targets.h). Build with -DHOPTRACE_FUZZ=ON
// (clang); run e.g. `build-fuzz/fuzz/otlp/otlp_protobuf_fuzzer fuzz/otlp/corpus/otlp_protobuf`.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!hoptrace::fuzz::FuzzOtlpProtobuf(data, size)) __builtin_trap();
  return 0;
}
