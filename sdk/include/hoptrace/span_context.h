// Identity of a span as it travels: trace id, span id, W3C trace flags, tracestate, and whether
// it came from another process. Value types, cheap to copy (tracestate is usually empty).
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoptrace {

// 16 bytes. All zeros is the invalid id.
class TraceId {
 public:
  static constexpr std::size_t kSize = 16;
  constexpr TraceId() noexcept = default;
  constexpr explicit TraceId(const std::array<std::uint8_t, kSize>& bytes) noexcept
      : bytes_(bytes) {}
  // From exactly 32 lowercase or uppercase hex digits; nullopt otherwise. (W3C parsing is
  // stricter — lowercase only — and lives in propagation.h.)
  static std::optional<TraceId> FromHex(std::string_view hex) noexcept;

  bool IsValid() const noexcept;
  const std::array<std::uint8_t, kSize>& bytes() const noexcept { return bytes_; }
  std::string ToHex() const;  // 32 lowercase hex digits

  friend bool operator==(const TraceId&, const TraceId&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

// 8 bytes. All zeros is the invalid id.
class SpanId {
 public:
  static constexpr std::size_t kSize = 8;
  constexpr SpanId() noexcept = default;
  constexpr explicit SpanId(const std::array<std::uint8_t, kSize>& bytes) noexcept
      : bytes_(bytes) {}
  static std::optional<SpanId> FromHex(std::string_view hex) noexcept;  // 16 hex digits

  bool IsValid() const noexcept;
  const std::array<std::uint8_t, kSize>& bytes() const noexcept { return bytes_; }
  std::string ToHex() const;  // 16 lowercase hex digits

  friend bool operator==(const SpanId&, const SpanId&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

// W3C trace-flags. Bits are tested with masks (the spec reserves the others).
struct TraceFlags {
  static constexpr std::uint8_t kSampled = 0x01;
  static constexpr std::uint8_t kRandom = 0x02;  // Level 2: trace id's low 7 bytes are random
};

// The W3C tracestate list: at most 32 `key=value` members, newest (leftmost) first, keys unique.
// Immutable: Set/Delete return a new list. Keys and values are validated against the W3C grammar
// (tracing.md §2.3); an invalid key or value makes Set return the list unchanged.
class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;

  TraceState() = default;
  // Parses a tracestate header (several header fields joined with ","). Empty members are
  // skipped; any invalid member, a duplicate key or more than 32 members makes the whole value
  // invalid: nullopt (the caller then propagates no tracestate, as the spec says).
  static std::optional<TraceState> Parse(std::string_view header);

  std::optional<std::string_view> Get(std::string_view key) const noexcept;
  // Adds or updates `key` and moves it to the front. When the list is full, the rightmost member
  // is dropped to make room.
  TraceState Set(std::string_view key, std::string_view value) const;
  TraceState Delete(std::string_view key) const;

  bool empty() const noexcept { return members_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& members() const noexcept {
    return members_;
  }
  std::string ToHeader() const;  // "k1=v1,k2=v2"; empty when there are no members

  static bool IsValidKey(std::string_view key) noexcept;
  static bool IsValidValue(std::string_view value) noexcept;

  friend bool operator==(const TraceState&, const TraceState&) = default;

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

class SpanContext {
 public:
  SpanContext() = default;  // invalid
  SpanContext(TraceId trace_id, SpanId span_id, std::uint8_t flags, bool is_remote,
              TraceState trace_state = {}) noexcept
      : trace_id_(trace_id),
        span_id_(span_id),
        flags_(flags),
        remote_(is_remote),
        trace_state_(std::move(trace_state)) {}

  // Both ids valid (non-zero).
  bool IsValid() const noexcept { return trace_id_.IsValid() && span_id_.IsValid(); }
  bool IsSampled() const noexcept { return (flags_ & TraceFlags::kSampled) != 0; }
  bool IsRemote() const noexcept { return remote_; }

  const TraceId& trace_id() const noexcept { return trace_id_; }
  const SpanId& span_id() const noexcept { return span_id_; }
  std::uint8_t flags() const noexcept { return flags_; }
  const TraceState& trace_state() const noexcept { return trace_state_; }

  friend bool operator==(const SpanContext&, const SpanContext&) = default;

 private:
  TraceId trace_id_;
  SpanId span_id_;
  std::uint8_t flags_ = 0;
  bool remote_ = false;
  TraceState trace_state_;
};

}  // namespace hoptrace
