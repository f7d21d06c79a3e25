// Compressed, checksummed chunks: the unit of every block file and blob record.
//   [u64 checksum][u8 codec][u32 raw length][u32 stored length][stored bytes]
// The checksum (XXH3-64) covers everything after it: codec, both lengths and the stored bytes.
// codec 0 = stored raw, 1 = zstd, 2 = zstd with the block's dictionary. Do not change: persisted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace hoptrace {

inline constexpr size_t kChunkHeaderSize = 17;

// A zstd dictionary trained on a block's rows, so small row groups compress like large ones
// (codec 2). Thread-safety: immutable, safe for concurrent use.
class ChunkDictionary {
 public:
  ~ChunkDictionary();
  // Trains a dictionary of at most `capacity` bytes from samples; nullptr if training fails
  // (too few or too uniform samples).
  static std::unique_ptr<ChunkDictionary> Train(const std::vector<std::string_view>& samples,
                                                size_t capacity, int level);
  static std::unique_ptr<ChunkDictionary> FromBytes(std::string bytes, int level);
  const std::string& bytes() const { return bytes_; }

 private:
  friend void AppendChunk(std::string*, std::string_view, int, const ChunkDictionary*);
  friend Status ReadChunk(std::string_view, std::string*, size_t*, const ChunkDictionary*);
  ChunkDictionary() = default;
  std::string bytes_;
  void* cdict_ = nullptr;  // ZSTD_CDict*
  void* ddict_ = nullptr;  // ZSTD_DDict*
};

// Compresses `raw` with zstd at `level` (with `dict` when given; kept raw if that is not
// smaller) and appends the chunk.
void AppendChunk(std::string* out, std::string_view raw, int level,
                 const ChunkDictionary* dict = nullptr);

// Parses and checks a chunk at the start of `in`; on success sets *stored_size to the chunk's
// total size and decompresses it into *raw. `dict` is required for codec-2 chunks.
Status ReadChunk(std::string_view in, std::string* raw, size_t* stored_size = nullptr,
                 const ChunkDictionary* dict = nullptr);
// Only verifies the checksum (no decompression).
Status VerifyChunk(std::string_view in, size_t* stored_size);

}  // namespace hoptrace
