// SpanData: a finished (or, inside processors' OnStart, a started) span as processors and
// exporters see it. Field meanings follow OTLP's Span message (tracing.md §2.2).
//
// Thread-safety: plain data, owned by one thread at a time (the span, then the processor).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hoptrace/attributes.h"
#include "hoptrace/span_context.h"

namespace hoptrace {

class Resource;

using SystemTime = std::chrono::system_clock::time_point;
// Absolute deadlines for flush, shutdown and export.
using Deadline = std::chrono::steady_clock::time_point;

// Values are the OTLP enum numbers.
enum class SpanKind : std::uint8_t {
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

const char* SpanKindName(SpanKind kind) noexcept;      // "internal", "server", …
const char* StatusCodeName(StatusCode code) noexcept;  // "unset", "ok", "error"

struct Event {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
};

struct Link {
  SpanContext context;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::string schema_url;
  Attributes attributes;
};

struct SpanData {
  SpanContext context;    // this span: trace id, span id, flags, tracestate
  SpanId parent_span_id;  // invalid (zero) for a root span
  bool parent_is_remote = false;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;  // 0 while the span is running
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<Event> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<Link> links;
  std::uint32_t dropped_links_count = 0;
  StatusCode status_code = StatusCode::kUnset;
  std::string status_message;
  // The tracer's scope. For spans made by a TracerProvider it also keeps the provider's state
  // alive, so `resource` stays valid as long as this SpanData holds `scope`.
  std::shared_ptr<const InstrumentationScope> scope;
  const Resource* resource = nullptr;  // not owned; may be null in hand-built SpanData
};

std::uint64_t ToUnixNanos(SystemTime t) noexcept;

}  // namespace hoptrace
