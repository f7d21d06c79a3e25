// Shared vocabulary of the embedded store's parts (memtable and blocks): the scan columns,
// string dictionaries and the row view queries evaluate over.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/span.h"

namespace hoptrace {

// Dictionary-encoded string columns. Do not reorder: persisted.
enum DictColumn : int {
  kDictService = 0,
  kDictAgent,
  kDictOperation,
  kDictModel,
  kDictProvider,
  kDictTool,
  kDictName,
  kNumDictColumns
};

// Scan columns of a block. Do not reorder: persisted.
inline constexpr int kColStart = 0;     // u64 start, delta-coded from the previous row
inline constexpr int kColDuration = 1;  // i64 ns
inline constexpr int kColFlags = 2;     // u8, see kFlag* below
inline constexpr int kColDictFirst = 3;  // kNumDictColumns dictionary id columns follow
inline constexpr int kColInputTokens = kColDictFirst + static_cast<int>(kNumDictColumns);
inline constexpr int kColOutputTokens = kColInputTokens + 1;
inline constexpr int kColTotalTokens = kColInputTokens + 2;
inline constexpr int kColCost = kColInputTokens + 3;  // f64
// Block format 2 (and every memtable): the span's ids, for narrow reads without the row bodies.
inline constexpr int kColSpanId = kColInputTokens + 4;    // 8 bytes as a little-endian u64
inline constexpr int kColParentId = kColInputTokens + 5;  // likewise; 0 for a root
inline constexpr int kNumColumnsV1 = kColSpanId;          // the columns of block format 1
inline constexpr int kNumColumns = kColParentId + 1;
using ColumnMask = uint32_t;
constexpr ColumnMask ColumnBit(int c) { return 1u << c; }
inline constexpr ColumnMask kAllColumns = (1u << kNumColumns) - 1;
inline constexpr ColumnMask kNarrowColumns = ColumnBit(kColSpanId) | ColumnBit(kColParentId);

// The flags column: bits 0-1 status code, bit 2 usage_counted, bit 3 root (all formats);
// format 2 adds bits 4-6 the span kind and bit 7 "irregular": the row's end time is not
// start + duration (an end before the start: the duration column holds 0), so a narrow read
// takes end and kind from the row body. Format-1 blocks hold 0 in bits 4-7.
inline constexpr uint8_t kFlagCounted = 4;
inline constexpr uint8_t kFlagRoot = 8;
inline constexpr int kFlagKindShift = 4;
inline constexpr uint8_t kFlagKindMask = 0x70;
inline constexpr uint8_t kFlagIrregular = 0x80;
inline constexpr uint8_t kFlagsV1Mask = 0x0f;
inline uint8_t RowFlags(const Span& s) {
  const uint8_t kind = static_cast<uint8_t>(s.kind);
  const bool irregular = s.end_unix_nano < s.start_unix_nano || kind > 7;
  return static_cast<uint8_t>(
      static_cast<uint8_t>(s.status_code) | (s.derived.usage_counted ? kFlagCounted : 0) |
      (s.is_root() ? kFlagRoot : 0) | (irregular ? 0 : (kind << kFlagKindShift) & kFlagKindMask) |
      (irregular ? kFlagIrregular : 0));
}
inline StatusCodeValue FlagsStatus(uint8_t f) { return static_cast<StatusCodeValue>(f & 3); }
inline SpanKind FlagsKind(uint8_t f) {
  return static_cast<SpanKind>((f & kFlagKindMask) >> kFlagKindShift);
}

struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Interned strings: id -> string and string -> id. Not thread-safe; owners lock.
class StringDict {
 public:
  uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(strings_.back(), id);
    return id;
  }
  // Returns false if `s` is not in the dictionary.
  bool Find(std::string_view s, uint32_t* id) const {
    auto it = ids_.find(s);
    if (it == ids_.end()) return false;
    *id = it->second;
    return true;
  }
  const std::string& Get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }
  const std::vector<std::string>& strings() const { return strings_; }
  size_t bytes() const {
    size_t b = 0;
    for (const auto& s : strings_) b += s.size() + 48;
    return b;
  }

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, uint32_t, TransparentStringHash, std::equal_to<>> ids_;
};

// Pointers to the decoded scan columns of `n` consecutive rows. A pointer is null when the
// column was not requested.
struct ColumnView {
  size_t n = 0;
  const uint64_t* start = nullptr;
  const int64_t* duration = nullptr;
  const uint8_t* flags = nullptr;
  const uint32_t* dict[kNumDictColumns] = {};
  const int64_t* input_tokens = nullptr;
  const int64_t* output_tokens = nullptr;
  const int64_t* total_tokens = nullptr;
  const double* cost = nullptr;
  const SpanId* span_id = nullptr;    // kColSpanId
  const SpanId* parent_id = nullptr;  // kColParentId
};

// Per-trace figures of one part, merged across parts into a TraceSummary.
struct TracePartial {
  uint64_t min_start = UINT64_MAX;
  uint64_t max_end = 0;
  uint64_t spans = 0;
  uint64_t errors = 0;
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost = 0;
  bool has_root = false;
  uint64_t root_start = 0;
  std::string root_name, root_service;
  uint64_t first_start = UINT64_MAX;  // earliest span
  std::string first_name, first_service;
  std::vector<std::string> agents;
};

}  // namespace hoptrace
