#include "storage/embedded/chunk.h"

#include <zdict.h>
#include <zstd.h>

#include <cstring>

#include "common/coding.h"
#include "common/hash.h"

namespace hoptrace {
namespace {
ZSTD_CCtx* ThreadCCtx() {
  thread_local struct Holder {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~Holder() { ZSTD_freeCCtx(ctx); }
  } holder;
  return holder.ctx;
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  } holder;
  return holder.ctx;
}
}  // namespace

ChunkDictionary::~ChunkDictionary() {
  ZSTD_freeCDict(static_cast<ZSTD_CDict*>(cdict_));
  ZSTD_freeDDict(static_cast<ZSTD_DDict*>(ddict_));
}

std::unique_ptr<ChunkDictionary> ChunkDictionary::FromBytes(std::string bytes, int level) {
  std::unique_ptr<ChunkDictionary> d(new ChunkDictionary());
  d->bytes_ = std::move(bytes);
  d->cdict_ = ZSTD_createCDict(d->bytes_.data(), d->bytes_.size(), level);
  d->ddict_ = ZSTD_createDDict(d->bytes_.data(), d->bytes_.size());
  if (!d->cdict_ || !d->ddict_) return nullptr;
  return d;
}

std::unique_ptr<ChunkDictionary> ChunkDictionary::Train(
    const std::vector<std::string_view>& samples, size_t capacity, int level) {
  std::string joined;
  std::vector<size_t> sizes;
  for (auto s : samples) {
    if (s.empty()) continue;
    joined.append(s);
    sizes.push_back(s.size());
  }
  if (sizes.size() < 16 || joined.size() < 16 * capacity / 4) return nullptr;
  std::string dict(capacity, '\0');
  size_t n = ZDICT_trainFromBuffer(dict.data(), capacity, joined.data(), sizes.data(),
                                   static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return nullptr;
  dict.resize(n);
  return FromBytes(std::move(dict), level);
}

void AppendChunk(std::string* out, std::string_view raw, int level, const ChunkDictionary* dict) {
  size_t at = out->size();
  size_t bound = ZSTD_compressBound(raw.size());
  out->resize(at + kChunkHeaderSize + bound);
  char* body = out->data() + at + kChunkHeaderSize;
  size_t n = dict ? ZSTD_compress_usingCDict(ThreadCCtx(), body, bound, raw.data(), raw.size(),
                                             static_cast<const ZSTD_CDict*>(dict->cdict_))
                  : ZSTD_compressCCtx(ThreadCCtx(), body, bound, raw.data(), raw.size(), level);
  uint8_t codec = dict ? 2 : 1;
  // Keep chunks raw unless zstd saves at least a sixth: decoding raw bytes is a copy, while
  // decompressing barely-compressible columns costs scans more than the few bytes saved.
  if (ZSTD_isError(n) || n >= raw.size() - raw.size() / 6) {
    codec = 0;
    std::memcpy(body, raw.data(), raw.size());
    n = raw.size();
  }
  out->resize(at + kChunkHeaderSize + n);
  char* h = out->data() + at;
  h[8] = static_cast<char>(codec);
  EncodeFixed32(h + 9, static_cast<uint32_t>(raw.size()));
  EncodeFixed32(h + 13, static_cast<uint32_t>(n));
  EncodeFixed64(h, Checksum64(std::string_view(h + 8, kChunkHeaderSize - 8 + n)));
}

Status VerifyChunk(std::string_view in, size_t* stored_size) {
  if (in.size() < kChunkHeaderSize) return DataLossError("chunk truncated (header)");
  uint32_t stored = DecodeFixed32(in.data() + 13);
  if (in.size() - kChunkHeaderSize < stored) return DataLossError("chunk truncated (body)");
  // The checksum covers codec, both lengths and the stored bytes.
  if (Checksum64(in.substr(8, kChunkHeaderSize - 8 + stored)) != DecodeFixed64(in.data())) {
    return DataLossError("chunk checksum mismatch");
  }
  uint8_t codec = static_cast<uint8_t>(in[8]);
  if (codec > 2) return DataLossError("chunk has unknown codec " + std::to_string(codec));
  if (stored_size) *stored_size = kChunkHeaderSize + stored;
  return Status::Ok();
}

Status ReadChunk(std::string_view in, std::string* raw, size_t* stored_size,
                 const ChunkDictionary* dict) {
  size_t total;
  HT_RETURN_IF_ERROR(VerifyChunk(in, &total));
  if (stored_size) *stored_size = total;
  uint8_t codec = static_cast<uint8_t>(in[8]);
  uint32_t raw_len = DecodeFixed32(in.data() + 9);
  std::string_view body = in.substr(kChunkHeaderSize, total - kChunkHeaderSize);
  if (codec == 0) {
    if (body.size() != raw_len) return DataLossError("chunk raw length mismatch");
    raw->assign(body);
    return Status::Ok();
  }
  if (ZSTD_getFrameContentSize(body.data(), body.size()) != raw_len) {
    return DataLossError("chunk raw length does not match its frame");
  }
  raw->resize(raw_len);
  size_t n;
  if (codec == 2) {
    if (!dict) return DataLossError("chunk needs a dictionary the file does not have");
    n = ZSTD_decompress_usingDDict(ThreadDCtx(), raw->data(), raw_len, body.data(), body.size(),
                                   static_cast<const ZSTD_DDict*>(dict->ddict_));
  } else {
    n = ZSTD_decompressDCtx(ThreadDCtx(), raw->data(), raw_len, body.data(), body.size());
  }
  if (ZSTD_isError(n) || n != raw_len) return DataLossError("chunk does not decompress");
  return Status::Ok();
}

}  // namespace hoptrace
