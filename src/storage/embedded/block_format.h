// In-memory form of a block footer and the integer column codec (internal to block*.cc).
// Thread-safety: a Footer is built by one thread, then only read (safe to share).
#pragma once

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "common/coding.h"
#include "storage/embedded/block.h"

namespace hoptrace {

struct BlockReader::Footer {
  uint32_t version = kBlockFormatVersion;
  uint64_t wal_first_seq = 0, wal_last_seq = 0;
  uint64_t rows = 0;
  uint64_t dict_offset = 0, dict_length = 0;  // the row groups' zstd dictionary chunk (0: none)
  uint64_t min_start = 0, max_start = 0, max_end = 0;
  StringDict dicts[kNumDictColumns];
  std::vector<std::string> resources, scopes;
  struct RowGroup {
    uint64_t offset = 0, length = 0, first_row = 0, rows = 0;
  };
  std::vector<RowGroup> row_groups;
  struct ColumnChunk {
    uint64_t offset = 0, length = 0, min = 0, max = 0;
  };
  uint64_t chunk_rows = 0;
  // chunk k covers rows [k*chunk_rows, ...); format 1 has the first kNumColumnsV1 only.
  std::vector<ColumnChunk> columns[kNumColumns];
  int num_columns() const { return version >= 2 ? kNumColumns : kNumColumnsV1; }
  struct TraceEntry {
    TraceId id{};
    uint64_t first_row = 0, rows = 0;
    uint64_t min_start = 0, max_end = 0, errors = 0;
    int64_t input = 0, output = 0, total = 0;
    double cost = 0;
    bool has_root = false;  // a span without parent is in this block
    uint64_t root_start = 0;
    uint32_t root_name = 0, root_service = 0;    // dict ids of the earliest root span
    uint32_t first_name = 0, first_service = 0;  // dict ids of the earliest span
    std::vector<uint32_t> agents;                // agent dict ids
  };
  std::vector<TraceEntry> traces;           // sorted by id
  std::vector<std::string> attribute_keys;  // sorted
  std::set<uint64_t> blob_files;

  void Encode(std::string* out) const;
  Status Decode(std::string_view in);
};

// Integer column chunk: [u8 width][n * width little-endian bytes], width in {1,2,4,8}.
void EncodeIntColumn(const std::vector<uint64_t>& values, std::string* out);
// Decodes `n` values; DataLoss on malformed input.
Status DecodeIntColumn(std::string_view in, size_t n, uint64_t* out);

// Decodes straight into the column's own type, un-zig-zagging when `zigzag`.
template <typename T>
Status DecodeIntColumnAs(std::string_view in, size_t n, bool zigzag, T* out) {
  if (in.empty()) return DataLossError("empty integer column");
  const uint8_t width = static_cast<uint8_t>(in[0]);
  if ((width != 1 && width != 2 && width != 4 && width != 8) || in.size() != 1 + n * width) {
    return DataLossError("malformed integer column");
  }
  const char* p = in.data() + 1;
  auto run = [&](auto tag) {
    using W = decltype(tag);
    for (size_t i = 0; i < n; ++i) {
      W w;
      std::memcpy(&w, p + i * sizeof(W), sizeof(W));
      uint64_t u = w;
      out[i] = static_cast<T>(zigzag ? static_cast<uint64_t>(UnZigZag(u)) : u);
    }
  };
  switch (width) {
    case 1:
      run(uint8_t{});
      break;
    case 2:
      run(uint16_t{});
      break;
    case 4:
      run(uint32_t{});
      break;
    default:
      run(uint64_t{});
      break;
  }
  return Status::Ok();
}

}  // namespace hoptrace
