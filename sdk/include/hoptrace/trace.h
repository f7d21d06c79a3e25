// Tracer and Span: the instrumentation API.
//
//   hoptrace::Tracer tracer = hoptrace::GetTracerProvider()->GetTracer("my-agent");
//   {
//     hoptrace::Span span = tracer.StartSpan("plan", {.kind = hoptrace::SpanKind::kInternal});
//     auto scope = span.Activate();       // children started in this block get `span` as parent
//     span.SetAttribute("steps", 3);
//   }                                     // span ends here (RAII), scope is restored first
//
// A Span is a move-only handle. When the tracer is a no-op (no provider configured, SDK disabled)
// or the sampler dropped the span, the handle is non-recording: every call on it is a cheap no-op
// (no allocation) but it still carries a SpanContext so propagation keeps working. No call here
// throws.
//
// Thread-safety: a Span is used by one thread at a time (move it to hand it over). Tracer is
// safe to share and copy between threads.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "hoptrace/attributes.h"
#include "hoptrace/context.h"
#include "hoptrace/span_context.h"
#include "hoptrace/span_data.h"

namespace hoptrace {

namespace internal {
struct TracerCore;
}

struct StartSpanOptions {
  SpanKind kind = SpanKind::kInternal;
  // The parent. nullptr: this thread's current context (Context::Current()). Not retained.
  const Context* parent = nullptr;
  // Start a new trace, ignoring `parent` and the current context.
  bool root = false;
  // Initial attributes; unlike later SetAttribute calls, the sampler sees these.
  Attributes attributes;
  std::vector<Link> links;
  std::optional<SystemTime> start_time;  // default: now
};

class Span {
 public:
  Span() noexcept = default;  // non-recording, invalid context
  Span(Span&& other) noexcept
      : context_(std::move(other.context_)),
        data_(std::move(other.data_)),
        core_(std::exchange(other.core_, nullptr)) {}
  Span& operator=(Span&& other) noexcept {
    if (this != &other) {
      End();
      context_ = std::move(other.context_);
      data_ = std::move(other.data_);
      core_ = std::exchange(other.core_, nullptr);
    }
    return *this;
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }

  const SpanContext& context() const noexcept { return context_; }
  // True from a sampled (or record-only) start until End().
  bool IsRecording() const noexcept { return data_ != nullptr; }

  // Sets (or replaces) one attribute. Beyond the attribute count limit new keys are dropped and
  // counted. The value is only built when the span records.
  template <class T>
  Span& SetAttribute(std::string_view key, T&& value) noexcept {
    if (data_ != nullptr) SetAttributeValue(key, AttributeValue(std::forward<T>(value)));
    return *this;
  }
  Span& SetAttributes(const Attributes& attributes) noexcept;
  Span& AddEvent(std::string_view name, Attributes attributes = {},
                 std::optional<SystemTime> time = std::nullopt) noexcept;
  Span& AddLink(const SpanContext& context, Attributes attributes = {}) noexcept;
  // OpenTelemetry semantics: kOk is final; kUnset is ignored; the description is kept only
  // with kError.
  Span& SetStatus(StatusCode code, std::string_view description = {}) noexcept;
  Span& SetName(std::string_view name) noexcept;
  // An `exception` event with exception.type and exception.message (+ `attributes`). Does not
  // change the status.
  Span& RecordException(std::string_view type, std::string_view message,
                        Attributes attributes = {}) noexcept;

  // Ends the span (idempotent) and hands it to the processors. Later calls are no-ops.
  void End(std::optional<SystemTime> end_time = std::nullopt) noexcept {
    if (data_ != nullptr) EndRecording(end_time);
  }

  // Makes this span's context current on this thread until the returned Scope dies.
  // REQUIRES: the Scope does not outlive the block that owns this span (LIFO).
  Scope Activate() const noexcept { return Scope(Context::Current().WithSpan(context_)); }

 private:
  friend class Tracer;
  void SetAttributeValue(std::string_view key, AttributeValue value) noexcept;
  void EndRecording(std::optional<SystemTime> end_time) noexcept;

  SpanContext context_;
  std::unique_ptr<SpanData> data_;        // null when not recording
  internal::TracerCore* core_ = nullptr;  // kept alive by data_->scope
};

class Tracer {
 public:
  Tracer() noexcept = default;  // a no-op tracer
  explicit Tracer(std::shared_ptr<internal::TracerCore> core) noexcept : core_(std::move(core)) {}

  // Starts a span. Never fails: with a no-op tracer or a dropping sampler the span is
  // non-recording (a no-op tracer's span carries the parent's context; a sampler-dropped span
  // gets its own span id with the sampled flag cleared).
  Span StartSpan(std::string_view name, StartSpanOptions options = {}) const noexcept;

  // False for a no-op tracer.
  bool enabled() const noexcept { return core_ != nullptr; }

 private:
  std::shared_ptr<internal::TracerCore> core_;
};

}  // namespace hoptrace
