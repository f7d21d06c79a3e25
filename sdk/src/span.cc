// Tracer::StartSpan and the Span methods: sampling, limits, hand-off to the processors.
#include <algorithm>

#include "hoptrace/trace.h"
#include "internal.h"
#include "span_pool.h"

namespace hoptrace {
namespace {

// Cuts a string to at most `limit` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, std::uint32_t limit) {
  if (limit == 0 || s->size() <= limit) return;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

void ApplyLengthLimit(AttributeValue* value, std::uint32_t limit) {
  if (limit == 0) return;
  if (auto* s = std::get_if<std::string>(&value->storage())) {
    TruncateUtf8(s, limit);
  } else if (auto* v = std::get_if<std::vector<std::string>>(&value->storage())) {
    for (std::string& e : *v) TruncateUtf8(&e, limit);
  }
}

// Sets `key` in `attributes`, replacing an existing value; a new key beyond `max_count` is
// dropped and counted.
void SetLimited(Attributes* attributes, std::uint32_t* dropped, std::uint32_t max_count,
                std::uint32_t value_length, std::string_view key, AttributeValue value) {
  if (key.empty()) return;  // invalid per spec; silently ignored
  ApplyLengthLimit(&value, value_length);
  for (KeyValue& kv : *attributes) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  if (attributes->size() >= max_count) {
    ++*dropped;
    return;
  }
  // One allocation for the first several attributes instead of growing 1, 2, 4, 8.
  if (attributes->capacity() == 0) attributes->reserve(std::min<std::uint32_t>(max_count, 8));
  attributes->emplace_back(internal::MakeAttributeKey(key), std::move(value));
}

Attributes LimitedList(Attributes in, std::uint32_t max_count, std::uint32_t value_length,
                       std::uint32_t* dropped) {
  Attributes out;
  out.reserve(std::min<std::size_t>(in.size(), max_count));
  for (KeyValue& kv : in) {
    SetLimited(&out, dropped, max_count, value_length, kv.key, std::move(kv.value));
  }
  return out;
}

const Context& EmptyContext() noexcept {
  static const Context kEmpty;
  return kEmpty;
}

}  // namespace

Span Tracer::StartSpan(std::string_view name, StartSpanOptions options) const noexcept {
  const Context& parent_ctx = options.root                ? EmptyContext()
                              : options.parent != nullptr ? *options.parent
                                                          : Context::Current();
  const SpanContext& parent = parent_ctx.span_context();
  Span span;
  if (core_ == nullptr || core_->provider->shutdown.load(std::memory_order_relaxed)) {
    // No-op: propagate the parent's context unchanged.
    if (parent.IsValid()) span.context_ = parent;
    return span;
  }
  const TracerProvider::State& state = *core_->provider;
  const bool has_parent = parent.IsValid();
  TraceId trace_id = has_parent ? parent.trace_id() : internal::NewTraceId();
  const internal::SamplerShortcut shortcut =
      state.sampler_shortcuts[internal::ParentKindIndex(parent)];
  if (shortcut == internal::SamplerShortcut::kDrop) {
    // The fast path of a dropping sampler: a span id of its own, the sampled flag cleared, the
    // parent's tracestate.
    const std::uint8_t flags =
        has_parent ? static_cast<std::uint8_t>(parent.flags() & ~TraceFlags::kSampled) : 0;
    span.context_ = has_parent && !parent.trace_state().empty()
                        ? SpanContext(trace_id, internal::NewSpanId(), flags, false,
                                      parent.trace_state())
                        : SpanContext(trace_id, internal::NewSpanId(), flags, false);
    return span;
  }
  SamplingResult result;
  switch (shortcut) {
    case internal::SamplerShortcut::kRecordAndSample:
      result.decision = SamplingDecision::kRecordAndSample;
      break;
    case internal::SamplerShortcut::kDrop:
      result.decision = SamplingDecision::kDrop;
      break;
    case internal::SamplerShortcut::kCall:
      result = state.sampler->ShouldSample(
          {parent, trace_id, name, options.kind, options.attributes, options.links});
      break;
  }
  const bool sampled = result.decision == SamplingDecision::kRecordAndSample;
  std::uint8_t flags = has_parent
                           ? static_cast<std::uint8_t>(parent.flags() & ~TraceFlags::kSampled)
                           : std::uint8_t{0};
  if (sampled) flags |= TraceFlags::kSampled;
  if (result.trace_state) {
    span.context_ = SpanContext(trace_id, internal::NewSpanId(), flags, false,
                                std::move(*result.trace_state));
  } else if (has_parent && !parent.trace_state().empty()) {
    span.context_ =
        SpanContext(trace_id, internal::NewSpanId(), flags, false, parent.trace_state());
  } else {
    span.context_ = SpanContext(trace_id, internal::NewSpanId(), flags, false);
  }
  if (result.decision == SamplingDecision::kDrop) return span;

  const SpanLimits& limits = state.limits;
  std::unique_ptr<SpanData> data = internal::AcquireSpanData();
  data->context = span.context_;
  if (has_parent) {
    data->parent_span_id = parent.span_id();
    data->parent_is_remote = parent.IsRemote();
  }
  data->name.assign(name);
  data->kind = options.kind;
  data->start_unix_nano =
      options.start_time ? ToUnixNanos(*options.start_time) : internal::NowUnixNanos();
  if (!options.attributes.empty() || !result.attributes.empty()) {
    // Into the (recycled, empty) vector in place, as LimitedList would.
    for (KeyValue& kv : options.attributes) {
      SetLimited(&data->attributes, &data->dropped_attributes_count, limits.attribute_count,
                 limits.attribute_value_length, kv.key, std::move(kv.value));
    }
    for (KeyValue& kv : result.attributes) {
      SetLimited(&data->attributes, &data->dropped_attributes_count, limits.attribute_count,
                 limits.attribute_value_length, kv.key, std::move(kv.value));
    }
  }
  for (Link& link : options.links) {
    if (data->links.size() >= limits.link_count) {
      ++data->dropped_links_count;
      continue;
    }
    std::uint32_t dropped = link.dropped_attributes_count;
    Attributes attrs = LimitedList(std::move(link.attributes), limits.attributes_per_link,
                                   limits.attribute_value_length, &dropped);
    data->links.push_back({std::move(link.context), std::move(attrs), dropped});
  }
  // Aliasing pointer: the span keeps the tracer (and so the provider state) alive. A recycled
  // record usually holds it already (span_pool.h): no reference count update then.
  if (data->scope.get() != &core_->scope) {
    data->scope = std::shared_ptr<const InstrumentationScope>(core_, &core_->scope);
  }
  data->resource = &state.resource;
  for (const auto& processor : state.processors) processor->OnStart(*data, parent_ctx);
  span.data_ = std::move(data);
  span.core_ = core_.get();
  return span;
}

void Span::SetAttributeValue(std::string_view key, AttributeValue value) noexcept {
  const SpanLimits& limits = core_->provider->limits;
  SetLimited(&data_->attributes, &data_->dropped_attributes_count, limits.attribute_count,
             limits.attribute_value_length, key, std::move(value));
}

Span& Span::SetAttributes(const Attributes& attributes) noexcept {
  if (data_ == nullptr) return *this;
  for (const KeyValue& kv : attributes) SetAttributeValue(kv.key, kv.value);
  return *this;
}

Span& Span::AddEvent(std::string_view name, Attributes attributes,
                     std::optional<SystemTime> time) noexcept {
  if (data_ == nullptr) return *this;
  const SpanLimits& limits = core_->provider->limits;
  if (data_->events.size() >= limits.event_count) {
    ++data_->dropped_events_count;
    return *this;
  }
  Event event;
  event.name.assign(name);
  event.time_unix_nano = time ? ToUnixNanos(*time) : internal::NowUnixNanos();
  event.attributes = LimitedList(std::move(attributes), limits.attributes_per_event,
                                 limits.attribute_value_length, &event.dropped_attributes_count);
  data_->events.push_back(std::move(event));
  return *this;
}

Span& Span::AddLink(const SpanContext& context, Attributes attributes) noexcept {
  if (data_ == nullptr) return *this;
  const SpanLimits& limits = core_->provider->limits;
  if (data_->links.size() >= limits.link_count) {
    ++data_->dropped_links_count;
    return *this;
  }
  Link link{context, {}, 0};
  link.attributes = LimitedList(std::move(attributes), limits.attributes_per_link,
                                limits.attribute_value_length, &link.dropped_attributes_count);
  data_->links.push_back(std::move(link));
  return *this;
}

Span& Span::SetStatus(StatusCode code, std::string_view description) noexcept {
  if (data_ == nullptr || code == StatusCode::kUnset) return *this;
  if (data_->status_code == StatusCode::kOk) return *this;  // Ok is final
  data_->status_code = code;
  if (code == StatusCode::kError) {
    data_->status_message.assign(description);
  } else {
    data_->status_message.clear();
  }
  return *this;
}

Span& Span::SetName(std::string_view name) noexcept {
  if (data_ != nullptr) data_->name.assign(name);
  return *this;
}

Span& Span::RecordException(std::string_view type, std::string_view message,
                            Attributes attributes) noexcept {
  if (data_ == nullptr) return *this;
  Attributes attrs;
  attrs.reserve(attributes.size() + 2);
  attrs.push_back({"exception.type", type});
  attrs.push_back({"exception.message", message});
  for (KeyValue& kv : attributes) attrs.push_back(std::move(kv));
  return AddEvent("exception", std::move(attrs));
}

void Span::EndRecording(std::optional<SystemTime> end_time) noexcept {
  std::unique_ptr<SpanData> data = std::move(data_);
  internal::TracerCore* core = std::exchange(core_, nullptr);
  data->end_unix_nano = end_time ? ToUnixNanos(*end_time) : internal::NowUnixNanos();
  if (data->end_unix_nano < data->start_unix_nano) data->end_unix_nano = data->start_unix_nano;
  const auto& processors = core->provider->processors;
  if (processors.size() == 1) {
    processors[0]->OnEnd(std::move(data));  // `core` may be gone after this
    return;
  }
  if (processors.empty()) return;
  std::shared_ptr<const InstrumentationScope> keep = data->scope;  // keeps `core` alive
  for (std::size_t i = 0; i + 1 < processors.size(); ++i) {
    processors[i]->OnEnd(std::make_unique<SpanData>(*data));
  }
  processors.back()->OnEnd(std::move(data));
}

}  // namespace hoptrace
