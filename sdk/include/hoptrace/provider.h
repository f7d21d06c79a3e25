// TracerProvider: owns the resource, the sampler, the span limits and the processors, and hands
// out Tracers. The global provider (SetTracerProvider/GetTracerProvider) defaults to a no-op one,
// so instrumented code never checks for null.
//
//   auto provider = hoptrace::InitFromEnvironment();       // OTEL_* variables; also made global
//   hoptrace::Tracer tracer = provider->GetTracer("my-agent", "1.0");
//
// Destroying a provider shuts it down: the processors flush what is queued (each waiting at most
// its export timeout). The global provider is destroyed at process exit, so a program that
// returns from main (or calls exit) flushes its spans.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/export.h"
#include "hoptrace/resource.h"
#include "hoptrace/sampler.h"
#include "hoptrace/trace.h"

namespace hoptrace {

// OpenTelemetry's span limits (defaults 128; OTEL_SPAN_*_COUNT_LIMIT). Items over a limit are
// dropped and counted in the span's dropped_*_count. A value length limit truncates strings
// (and strings inside arrays) to that many bytes, at a UTF-8 character boundary.
struct SpanLimits {
  std::uint32_t attribute_count = 128;
  std::uint32_t event_count = 128;
  std::uint32_t link_count = 128;
  std::uint32_t attributes_per_event = 128;
  std::uint32_t attributes_per_link = 128;
  std::uint32_t attribute_value_length = 0;  // 0: unlimited
};

struct TracerProviderOptions {
  Resource resource = Resource::Create({});
  std::shared_ptr<const Sampler> sampler;  // nullptr: ParentBased(AlwaysOn)
  std::vector<std::shared_ptr<SpanProcessor>> processors;
  SpanLimits limits;
  // How long the destructor's shutdown may take in total.
  std::chrono::milliseconds shutdown_timeout{30000};
};

class TracerProvider {
 public:
  // A provider that records spans according to `options`.
  static std::shared_ptr<TracerProvider> Create(TracerProviderOptions options);
  // A provider whose tracers are no-ops.
  static std::shared_ptr<TracerProvider> Noop();

  ~TracerProvider();
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // Tracers with the same name and version share their scope. Cheap to call, but callers
  // usually keep the Tracer.
  Tracer GetTracer(std::string_view name, std::string_view version = {},
                   std::string_view schema_url = {}) noexcept;

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::seconds(30)) noexcept;
  // Idempotent; tracers become no-ops afterwards (spans already started still end quietly).
  bool Shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(30)) noexcept;

  bool enabled() const noexcept { return state_ != nullptr; }
  // The resource (empty for a no-op provider).
  const Resource& resource() const noexcept;

  struct State;  // implementation detail

 private:
  explicit TracerProvider(std::shared_ptr<State> state) noexcept;
  std::shared_ptr<State> state_;  // null for a no-op provider
};

// The process-wide provider; never null (a no-op provider until one is set).
std::shared_ptr<TracerProvider> GetTracerProvider() noexcept;
// Replaces the global provider (nullptr restores the no-op one). The previous provider is not
// shut down here; it is when its last reference goes.
void SetTracerProvider(std::shared_ptr<TracerProvider> provider) noexcept;
// GetTracerProvider()->GetTracer(name, version).
Tracer GetTracer(std::string_view name, std::string_view version = {}) noexcept;

struct EnvironmentOptions {
  // Resource attributes set in code; OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME fill in
  // what these leave out.
  Attributes resource_attributes;
  // Make the result the global provider.
  bool set_global = true;
  EnvLookup env = ProcessEnvironment();
};

// Builds a provider from the standard variables:
//   OTEL_SDK_DISABLED=true          -> a no-op provider
//   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
//   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on)
//   OTEL_TRACES_EXPORTER=otlp|console|none (default otlp; a list takes the first known one)
//   OTEL_EXPORTER_OTLP_* (see OtlpHttpExporterOptions::FromEnvironment)
//   OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_QUEUE_SIZE,
//   OTEL_BSP_MAX_EXPORT_BATCH_SIZE
//   OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,
//   OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT,
//   OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT
// The exporter goes behind a BatchSpanProcessor (console: a SimpleSpanProcessor). Invalid values
// are logged and replaced by defaults; never throws.
std::shared_ptr<TracerProvider> InitFromEnvironment(EnvironmentOptions options = {});

// The pieces InitFromEnvironment uses, for callers that assemble their own provider.
BatchSpanProcessorOptions BatchOptionsFromEnvironment(const EnvLookup& env = ProcessEnvironment());
SpanLimits SpanLimitsFromEnvironment(const EnvLookup& env = ProcessEnvironment());

}  // namespace hoptrace
