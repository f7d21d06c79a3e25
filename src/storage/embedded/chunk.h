// Compressed, checksummed chunks: the unit of every block file and blob record.
//   [u8 codec][u32 raw length][u32 stored length][u64 checksum of the stored bytes][stored bytes]
// codec 0 = stored raw, 1 = zstd. Do not change: persisted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hoptrace {

inline constexpr size_t kChunkHeaderSize = 17;

// Compresses `raw` with zstd at `level` (kept raw if that is not smaller) and appends the chunk.
void AppendChunk(std::string* out, std::string_view raw, int level);

// Parses and checks a chunk at the start of `in`; on success sets *stored_size to the chunk's
// total size and decompresses it into *raw.
Status ReadChunk(std::string_view in, std::string* raw, size_t* stored_size = nullptr);
// Only verifies the checksum (no decompression).
Status VerifyChunk(std::string_view in, size_t* stored_size);

}  // namespace hoptrace
