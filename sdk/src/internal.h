// SDK internals shared by the implementation files (not installed).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/log.h"
#include "hoptrace/provider.h"
#include "hoptrace/resource.h"
#include "hoptrace/sampler.h"
#include "hoptrace/span_data.h"

namespace hoptrace {

namespace internal {

// What a sampler decides without being called, for each kind of parent (indexed by
// ParentKindIndex): kCall when it must be called (it looks at the span, or adds attributes or
// tracestate).
enum class SamplerShortcut : std::uint8_t { kCall, kRecordAndSample, kDrop };
using SamplerShortcuts = std::array<SamplerShortcut, 5>;
// 0: no valid parent; 1: remote sampled; 2: remote not sampled; 3: local sampled; 4: local not
// sampled.
inline std::size_t ParentKindIndex(const SpanContext& parent) noexcept {
  if (!parent.IsValid()) return 0;
  return (parent.IsRemote() ? 1 : 3) + (parent.IsSampled() ? 0 : 1);
}
// The shortcuts of the built-in samplers (sampler.cc); all kCall for any other sampler.
SamplerShortcuts ShortcutsOf(const Sampler& sampler) noexcept;

}  // namespace internal

// What a provider owns. Tracers (TracerCore) keep it alive through a shared_ptr, spans through
// their SpanData::scope (an aliasing pointer to the TracerCore; span records waiting in the span
// pool keep theirs, see span_pool.h).
struct TracerProvider::State {
  Resource resource;
  std::shared_ptr<const Sampler> sampler;
  internal::SamplerShortcuts sampler_shortcuts{};  // of `sampler`
  std::vector<std::shared_ptr<SpanProcessor>> processors;
  SpanLimits limits;
  std::chrono::milliseconds shutdown_timeout{30000};
  std::atomic<bool> shutdown{false};
  std::mutex mu;  // guards tracers
  std::vector<std::shared_ptr<internal::TracerCore>> tracers;
};

namespace internal {

struct TracerCore {
  std::shared_ptr<TracerProvider::State> provider;
  InstrumentationScope scope;
};

// Logs through the handler set with SetLogHandler. Never throws.
void Log(LogLevel level, std::string_view message) noexcept;

// A fast per-thread PRNG (xoshiro256**), seeded from std::random_device once per thread.
std::uint64_t RandomU64() noexcept;
TraceId NewTraceId() noexcept;  // never all-zero
SpanId NewSpanId() noexcept;    // never all-zero

// Lowercase hex of `data`.
void AppendHex(const std::uint8_t* data, std::size_t size, std::string* out);
// Decodes exactly `size` bytes from 2*size hex digits; `lowercase_only` for W3C. False on bad
// input.
bool DecodeHex(std::string_view hex, std::uint8_t* out, std::size_t size,
               bool lowercase_only) noexcept;

std::uint64_t NowUnixNanos() noexcept;

// Environment parsing helpers (env.cc).
std::optional<std::string> GetEnv(const EnvLookup& env, std::string_view name);
std::string_view Trim(std::string_view s) noexcept;
std::string ToLower(std::string_view s);
// "true"/"false" case-insensitive; nullopt otherwise.
std::optional<bool> ParseBool(std::string_view s) noexcept;
// A non-negative decimal integer; nullopt otherwise.
std::optional<std::int64_t> ParseNonNegative(std::string_view s) noexcept;
std::string PercentDecode(std::string_view s);
// "k1=v1,k2=v2" with OWS, percent-decoded keys and values. nullopt if any member is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(
    std::string_view s);

}  // namespace internal
}  // namespace hoptrace
