// libFuzzer entry point for FuzzGunzip (fuzz_targets.h). Build with -DHOPTRACE_FUZZ=ON (clang);
// run e.g. `build-fuzz/fuzz/otlp/gunzip_fuzzer fuzz/otlp/corpus/gunzip`.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!hoptrace::fuzz::FuzzGunzip(data, size)) __builtin_trap();
  return 0;
}
