// TracerProvider, the global provider and configuration from OTEL_* variables.
#include "hoptrace/provider.h"

#include <cstdlib>

#include "hoptrace/otlp_http.h"
#include "internal.h"
#include "span_pool.h"

namespace hoptrace {

// ---------------------------------------------------------------------------------------------
// TracerProvider

TracerProvider::TracerProvider(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}

std::shared_ptr<TracerProvider> TracerProvider::Create(TracerProviderOptions options) {
  auto state = std::make_shared<State>();
  state->resource = std::move(options.resource);
  state->sampler =
      options.sampler ? std::move(options.sampler) : ParentBasedSampler(AlwaysOnSampler());
  state->sampler_shortcuts = internal::ShortcutsOf(*state->sampler);
  for (auto& p : options.processors) {
    if (p != nullptr) state->processors.push_back(std::move(p));
  }
  state->limits = options.limits;
  state->shutdown_timeout = options.shutdown_timeout;
  return std::shared_ptr<TracerProvider>(new TracerProvider(std::move(state)));
}

std::shared_ptr<TracerProvider> TracerProvider::Noop() {
  return std::shared_ptr<TracerProvider>(new TracerProvider(nullptr));
}

TracerProvider::~TracerProvider() {
  if (state_ != nullptr) Shutdown(state_->shutdown_timeout);
}

Tracer TracerProvider::GetTracer(std::string_view name, std::string_view version,
                                 std::string_view schema_url) noexcept {
  if (state_ == nullptr || state_->shutdown.load()) return Tracer();
  try {
    std::lock_guard lock(state_->mu);
    for (const auto& core : state_->tracers) {
      if (core->scope.name == name && core->scope.version == version &&
          core->scope.schema_url == schema_url) {
        return Tracer(core);
      }
    }
    auto core = std::make_shared<internal::TracerCore>();
    core->provider = state_;
    core->scope.name.assign(name);
    core->scope.version.assign(version);
    core->scope.schema_url.assign(schema_url);
    state_->tracers.push_back(core);
    return Tracer(std::move(core));
  } catch (...) {
    return Tracer();
  }
}

bool TracerProvider::ForceFlush(std::chrono::milliseconds timeout) noexcept {
  if (state_ == nullptr) return true;
  Deadline deadline = DeadlineAfter(timeout);
  bool ok = true;
  for (const auto& p : state_->processors) ok = p->ForceFlush(deadline) && ok;
  return ok;
}

bool TracerProvider::Shutdown(std::chrono::milliseconds timeout) noexcept {
  if (state_ == nullptr || state_->shutdown.exchange(true)) return true;
  Deadline deadline = DeadlineAfter(timeout);
  bool ok = true;
  for (const auto& p : state_->processors) ok = p->Shutdown(deadline) && ok;
  // Pooled span records of this provider (the processors have handed theirs back) would keep
  // its state alive.
  internal::PurgeSpanPool(&state_->resource);
  // Break the provider -> tracer -> provider cycle.
  std::lock_guard lock(state_->mu);
  state_->tracers.clear();
  return ok;
}

const Resource& TracerProvider::resource() const noexcept {
  static const Resource kEmpty;
  return state_ != nullptr ? state_->resource : kEmpty;
}

// ---------------------------------------------------------------------------------------------
// The global provider. Never destroyed (usable during exit); an atexit handler shuts the
// provider down so queued spans are flushed when the process exits normally.

namespace {

struct Global {
  std::mutex mu;
  std::shared_ptr<TracerProvider> provider = TracerProvider::Noop();
  std::shared_ptr<TracerProvider> noop = provider;
};

void ShutdownGlobalAtExit();

Global& TheGlobal() {
  static Global* global = [] {
    auto* g = new Global();
    std::atexit(ShutdownGlobalAtExit);
    return g;
  }();
  return *global;
}

void ShutdownGlobalAtExit() {
  std::shared_ptr<TracerProvider> p;
  {
    Global& g = TheGlobal();
    std::lock_guard lock(g.mu);
    p = g.provider;
  }
  if (p != nullptr) p->Shutdown();
}

}  // namespace

std::shared_ptr<TracerProvider> GetTracerProvider() noexcept {
  Global& g = TheGlobal();
  std::lock_guard lock(g.mu);
  return g.provider;
}

void SetTracerProvider(std::shared_ptr<TracerProvider> provider) noexcept {
  Global& g = TheGlobal();
  std::shared_ptr<TracerProvider> previous;
  {
    std::lock_guard lock(g.mu);
    previous = std::move(g.provider);
    g.provider = provider != nullptr ? std::move(provider) : g.noop;
  }
  // `previous` is released outside the lock (its destructor may flush).
}

Tracer GetTracer(std::string_view name, std::string_view version) noexcept {
  return GetTracerProvider()->GetTracer(name, version);
}

// ---------------------------------------------------------------------------------------------
// Environment configuration

namespace {

// A non-negative integer variable, or `fallback` (logging a bad value).
std::int64_t EnvInt(const EnvLookup& env, std::string_view name, std::int64_t fallback) {
  std::optional<std::string> v = internal::GetEnv(env, name);
  if (!v) return fallback;
  if (auto n = internal::ParseNonNegative(*v)) return *n;
  internal::Log(LogLevel::kWarning,
                std::string(name) + "=\"" + *v + "\" is not a non-negative integer; ignored");
  return fallback;
}

}  // namespace

BatchSpanProcessorOptions BatchOptionsFromEnvironment(const EnvLookup& env) {
  BatchSpanProcessorOptions o;
  o.schedule_delay =
      std::chrono::milliseconds(EnvInt(env, "OTEL_BSP_SCHEDULE_DELAY", o.schedule_delay.count()));
  o.export_timeout =
      std::chrono::milliseconds(EnvInt(env, "OTEL_BSP_EXPORT_TIMEOUT", o.export_timeout.count()));
  std::int64_t queue =
      EnvInt(env, "OTEL_BSP_MAX_QUEUE_SIZE", static_cast<std::int64_t>(o.max_queue_size));
  std::int64_t batch = EnvInt(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                              static_cast<std::int64_t>(o.max_export_batch_size));
  if (queue > 0) o.max_queue_size = static_cast<std::size_t>(queue);
  if (batch > 0) o.max_export_batch_size = static_cast<std::size_t>(batch);
  if (o.max_export_batch_size > o.max_queue_size) {
    internal::Log(LogLevel::kWarning,
                  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE exceeds OTEL_BSP_MAX_QUEUE_SIZE; clamped");
    o.max_export_batch_size = o.max_queue_size;
  }
  return o;
}

SpanLimits SpanLimitsFromEnvironment(const EnvLookup& env) {
  SpanLimits l;
  auto u32 = [&](std::string_view name, std::uint32_t fallback) {
    std::int64_t v = EnvInt(env, name, fallback);
    return static_cast<std::uint32_t>(std::min<std::int64_t>(v, UINT32_MAX));
  };
  l.attribute_count =
      u32("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", u32("OTEL_ATTRIBUTE_COUNT_LIMIT", l.attribute_count));
  l.attribute_value_length =
      u32("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", u32("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", 0));
  l.event_count = u32("OTEL_SPAN_EVENT_COUNT_LIMIT", l.event_count);
  l.link_count = u32("OTEL_SPAN_LINK_COUNT_LIMIT", l.link_count);
  l.attributes_per_event = u32("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", l.attributes_per_event);
  l.attributes_per_link = u32("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", l.attributes_per_link);
  return l;
}

std::shared_ptr<TracerProvider> InitFromEnvironment(EnvironmentOptions options) {
  const EnvLookup& env = options.env;
  std::shared_ptr<TracerProvider> provider;
  try {
    std::optional<bool> disabled;
    if (auto v = internal::GetEnv(env, "OTEL_SDK_DISABLED")) {
      disabled = internal::ParseBool(*v);
      if (!disabled) {
        internal::Log(LogLevel::kWarning, "OTEL_SDK_DISABLED=\"" + *v + "\" is not a boolean");
      }
    }
    if (disabled.value_or(false)) {
      provider = TracerProvider::Noop();
    } else {
      TracerProviderOptions po;
      po.resource = Resource::Create(std::move(options.resource_attributes), env);
      if (auto name = internal::GetEnv(env, "OTEL_TRACES_SAMPLER")) {
        auto arg = internal::GetEnv(env, "OTEL_TRACES_SAMPLER_ARG").value_or("");
        if (auto s = SamplerFromName(*name, arg)) {
          po.sampler = *s;
        } else {
          internal::Log(LogLevel::kWarning, "OTEL_TRACES_SAMPLER=\"" + *name +
                                                "\" is not supported; using parentbased_always_on");
        }
      }
      po.limits = SpanLimitsFromEnvironment(env);
      BatchSpanProcessorOptions bsp = BatchOptionsFromEnvironment(env);
      po.shutdown_timeout = bsp.export_timeout;

      std::string exporters = internal::GetEnv(env, "OTEL_TRACES_EXPORTER").value_or("otlp");
      std::string_view rest = exporters;
      bool chosen = false;
      while (!rest.empty() && !chosen) {
        std::size_t comma = rest.find(',');
        std::string name = internal::ToLower(internal::Trim(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (name == "none") {
          chosen = true;
        } else if (name == "otlp") {
          if (auto proto = internal::GetEnv(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                               .value_or(internal::GetEnv(env, "OTEL_EXPORTER_OTLP_PROTOCOL")
                                             .value_or("http/protobuf"));
              proto != "http/protobuf") {
            internal::Log(LogLevel::kWarning,
                          "OTLP protocol \"" + proto + "\" is not supported; using http/protobuf");
          }
          auto exporter =
              std::make_shared<OtlpHttpExporter>(OtlpHttpExporterOptions::FromEnvironment(env));
          po.processors.push_back(std::make_shared<BatchSpanProcessor>(exporter, bsp));
          chosen = true;
        } else if (name == "console") {
          po.processors.push_back(std::make_shared<SimpleSpanProcessor>(MakeConsoleExporter()));
          chosen = true;
        } else if (!name.empty()) {
          internal::Log(LogLevel::kWarning,
                        "OTEL_TRACES_EXPORTER value \"" + name + "\" is not supported");
        }
      }
      provider = TracerProvider::Create(std::move(po));
    }
  } catch (const std::exception& e) {
    internal::Log(LogLevel::kError, std::string("configuration failed: ") + e.what());
    provider = TracerProvider::Noop();
  } catch (...) {
    provider = TracerProvider::Noop();
  }
  if (options.set_global) SetTracerProvider(provider);
  return provider;
}

}  // namespace hoptrace
