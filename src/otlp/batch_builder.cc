#include "otlp/batch_builder.h"

#include "common/json.h"

namespace hoptrace::otlp_internal {

std::string ByteCount(size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string Quoted(std::string_view s, size_t max) {
  size_t n = s.size();
  if (n > max) {
    n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  }
  std::string out;
  AppendJsonString(&out, s.substr(0, n));
  if (n < s.size()) out += "...";
  return out;
}

void BatchBuilder::Accept(uint64_t index, Span&& span) {
  if (IsZeroId(span.trace_id)) {
    Reject(index, kRejectInvalidTraceId, span.name, "trace id is all zero");
  } else if (IsZeroId(span.span_id)) {
    Reject(index, kRejectInvalidSpanId, span.name, "span id is all zero");
  } else if (span.end_unix_nano < span.start_unix_nano) {
    Reject(index, kRejectEndBeforeStart, span.name,
           "end time " + std::to_string(span.end_unix_nano) + " is before start time " +
               std::to_string(span.start_unix_nano));
  } else {
    batch_.spans.push_back(std::move(span));
  }
}

void BatchBuilder::Reject(uint64_t index, std::string_view reason, std::string_view name,
                          std::string_view detail) {
  ++batch_.rejected;
  ++batch_.rejected_by_reason[std::string(reason)];
  if (!batch_.first_rejection.empty()) return;
  std::string& m = batch_.first_rejection;
  m = "span #" + std::to_string(index);
  if (!name.empty()) {
    m += " (name " + Quoted(name) + ")";
  }
  m += " rejected (";
  m += reason;
  m += "): ";
  m += detail;
}

}  // namespace hoptrace::otlp_internal
