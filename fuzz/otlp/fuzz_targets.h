// The bodies of the src/otlp fuzz targets, shared by the libFuzzer entry points
// (*_fuzzer.cc, built with -DHOPTRACE_FUZZ=ON) and otlp_corpus_replay_test.cc (always built), which
// runs every seed and regression input in corpus/<target>/ as an ordinary test.
//
// Each function feeds `data` to one decoder and checks the invariants of its result. It returns
// false when an invariant is broken (the fuzzer entry points then trap); crashes and sanitizer
// reports are found by running them at all.
//
// Thread-safety: as the decoders (thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hoptrace::fuzz {

bool FuzzOtlpProtobuf(const uint8_t* data, size_t size);
// Differential: DecodeOtlpProtobuf must give exactly what the libprotobuf-based reference
// decoder gives (src/otlp/testing/reference_proto_decoder.h), error message included.
bool FuzzOtlpProtobufDifferential(const uint8_t* data, size_t size);
bool FuzzOtlpJson(const uint8_t* data, size_t size);
bool FuzzZipkinJson(const uint8_t* data, size_t size);
bool FuzzOpenAIAgentsJson(const uint8_t* data, size_t size);
bool FuzzGunzip(const uint8_t* data, size_t size);

// Corpus folder name -> target, for the replay test.
struct FuzzTarget {
  std::string_view corpus;
  bool (*run)(const uint8_t* data, size_t size);
};
inline constexpr FuzzTarget kFuzzTargets[] = {
    {"otlp_protobuf", FuzzOtlpProtobuf},
    {"otlp_protobuf_differential", FuzzOtlpProtobufDifferential},
    {"otlp_json", FuzzOtlpJson},
    {"zipkin_json", FuzzZipkinJson},
    {"openai_agents_json", FuzzOpenAIAgentsJson},
    {"gunzip", FuzzGunzip},
};

}  // namespace hoptrace::fuzz
