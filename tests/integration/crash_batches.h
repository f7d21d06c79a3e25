// The deterministic batches crash_writer appends and crash_test verifies: batch k is derived
// from k alone (trace id, span count, every field), so the checker knows exactly what an
// acknowledged batch must look like after recovery.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/span.h"

namespace hoptrace::crash {

// Batch numbers of run r are kRunStride * (r + 1) + i, so runs never reuse a batch number
// (a re-sent batch would be deduplicated and could hide a partially stored one).
inline constexpr uint64_t kRunStride = 1'000'000;
inline constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

inline uint64_t RunOf(uint64_t k) { return k / kRunStride - 1; }
inline size_t BatchSize(uint64_t k) { return 1 + k % 6; }

inline TraceId BatchTraceId(uint64_t k) {
  TraceId id{};
  id[0] = 0xc4;
  for (int i = 0; i < 8; ++i) id[8 + i] = static_cast<uint8_t>(k >> (56 - 8 * i));
  return id;
}

// The batch number of a trace id made by BatchTraceId, or 0 when it is not one.
inline uint64_t BatchOf(const TraceId& id) {
  if (id[0] != 0xc4) return 0;
  uint64_t k = 0;
  for (int i = 0; i < 8; ++i) k = k << 8 | id[8 + i];
  return k;
}

// A value above the 4 KiB large-value threshold: shared by many batches when k % 8 == 0
// (content-addressed dedup across crashes), otherwise unique to k.
inline std::string LargeValue(uint64_t k) {
  if (k % 8 == 0) return std::string(6000, 'S') + "shared";
  std::string s(4096 + k % 3000, ' ');
  uint64_t x = k * 0x9e3779b97f4a7c15ULL + 1;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>('a' + x % 26);
  }
  return s;
}

// Batch k: one whole trace of BatchSize(k) spans (the root last, as exporters send them).
inline std::vector<Span> CrashBatch(uint64_t k) {
  const size_t n = BatchSize(k);
  std::vector<Span> spans;
  for (size_t j = n; j-- > 0;) {
    Span s;
    s.trace_id = BatchTraceId(k);
    s.span_id = SpanId{0x11, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(j + 1)};
    if (j > 0) s.parent_span_id = SpanId{0x11, 0, 0, 0, 0, 0, 0, 1};
    s.name = j == 0 ? "crash-root" : "crash-child-" + std::to_string(j);
    s.kind = SpanKind::kInternal;
    s.start_unix_nano = kBase + k * 1000 + j * 10;
    s.end_unix_nano = s.start_unix_nano + 1000 * (j + 1) + k % 977;
    s.attributes = {{"k", AnyValue::Int(static_cast<int64_t>(k))},
                    {"run", AnyValue::String(std::to_string(RunOf(k)))},
                    {"j", AnyValue::Int(static_cast<int64_t>(j))}};
    if (j == 0 && k % 3 == 0) s.attributes.push_back({"payload", AnyValue::String(LargeValue(k))});
    s.status_code = k % 5 == 0 ? StatusCodeValue::kError : StatusCodeValue::kOk;
    s.resource.attributes = {{"service.name", AnyValue::String("crash")}};
    s.scope.name = "crash_writer";
    s.derived.service = "crash";
    s.derived.agent = "agent-" + std::to_string(k % 4);
    s.derived.input_tokens = static_cast<int64_t>(k % 100);
    s.derived.total_tokens = static_cast<int64_t>(k % 100);
    spans.push_back(std::move(s));
  }
  return spans;
}

}  // namespace hoptrace::crash
