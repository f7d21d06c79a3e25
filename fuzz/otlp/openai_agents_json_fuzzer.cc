// libFuzzer entry point for FuzzOpenAIAgentsJson (fuzz_targets.h). Build with -DHOPTRACE_FUZZ=ON
// (clang); run e.g. `build-fuzz/fuzz/otlp/openai_agents_json_fuzzer
// fuzz/otlp/corpus/openai_agents_json`.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!hoptrace::fuzz::FuzzOpenAIAgentsJson(data, size)) __builtin_trap();
  return 0;
}
