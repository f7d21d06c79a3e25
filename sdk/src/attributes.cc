// Small shared definitions: enum names, time conversion, deadlines.
#include <limits>

#include "hoptrace/export.h"
#include "hoptrace/span_data.h"

namespace hoptrace {

const char* SpanKindName(SpanKind kind) noexcept {
  switch (kind) {
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

const char* StatusCodeName(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::kUnset:
      return "unset";
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kError:
      return "error";
  }
  return "unset";
}

std::uint64_t ToUnixNanos(SystemTime t) noexcept {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
}

Deadline DeadlineAfter(std::chrono::nanoseconds timeout) noexcept {
  Deadline now = std::chrono::steady_clock::now();
  if (timeout.count() < 0) return now;
  if (timeout > Deadline::max() - now) return Deadline::max();
  return now + std::chrono::duration_cast<Deadline::duration>(timeout);
}

}  // namespace hoptrace
