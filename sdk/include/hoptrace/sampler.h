// Head samplers, with OpenTelemetry semantics (tracing.md §1.7):
//   AlwaysOn, AlwaysOff,
//   TraceIdRatioBased(r): samples when the trace id's last 8 bytes (big-endian, shifted right by
//     one) are below r·2^63 — the algorithm of the Go and Java SDKs, so a trace gets the same
//     decision in every process and every such SDK,
//   ParentBased(root, …): follows the parent's sampled flag (separately configurable for remote
//     and local parents) and uses `root` when there is no valid parent.
// The default of a TracerProvider is ParentBased(AlwaysOn).
//
// Thread-safety: ShouldSample is called concurrently from every thread that starts spans; it must
// be thread-safe and noexcept.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/attributes.h"
#include "hoptrace/span_context.h"
#include "hoptrace/span_data.h"

namespace hoptrace {

enum class SamplingDecision : std::uint8_t {
  kDrop,             // not recorded, not sampled
  kRecordOnly,       // recorded (processors see it) but the sampled flag is not set
  kRecordAndSample,  // recorded and sampled: exported
};

struct SamplingParams {
  const SpanContext& parent;  // invalid when the span is a root
  const TraceId& trace_id;    // the new span's trace id
  std::string_view name;
  SpanKind kind;
  const Attributes& attributes;
  const std::vector<Link>& links;
};

struct SamplingResult {
  SamplingDecision decision = SamplingDecision::kDrop;
  Attributes attributes;                  // added to the span
  std::optional<TraceState> trace_state;  // replaces the parent's tracestate when set
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual SamplingResult ShouldSample(const SamplingParams& params) const noexcept = 0;
  virtual std::string Description() const = 0;
};

std::shared_ptr<const Sampler> AlwaysOnSampler();
std::shared_ptr<const Sampler> AlwaysOffSampler();
// `ratio` is clamped to [0, 1].
std::shared_ptr<const Sampler> TraceIdRatioBasedSampler(double ratio);

struct ParentBasedOptions {
  // Used when a parent exists; nullptr means the OpenTelemetry default shown.
  std::shared_ptr<const Sampler> remote_parent_sampled;      // AlwaysOn
  std::shared_ptr<const Sampler> remote_parent_not_sampled;  // AlwaysOff
  std::shared_ptr<const Sampler> local_parent_sampled;       // AlwaysOn
  std::shared_ptr<const Sampler> local_parent_not_sampled;   // AlwaysOff
};
std::shared_ptr<const Sampler> ParentBasedSampler(std::shared_ptr<const Sampler> root,
                                                  ParentBasedOptions options = {});

// The sampler named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG values: always_on,
// always_off, traceidratio, parentbased_always_on, parentbased_always_off,
// parentbased_traceidratio. An unknown name yields nullopt (callers log it and fall back to the
// default); a missing ratio means 1.0, and so does a bad one (logged), as the spec says.
std::optional<std::shared_ptr<const Sampler>> SamplerFromName(std::string_view name,
                                                              std::string_view arg);

}  // namespace hoptrace
