#include "storage/embedded/chunk.h"

#include <zstd.h>

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

void AppendChunk(std::string* out, std::string_view raw, int level) {
  size_t at = out->size();
  size_t bound = ZSTD_compressBound(raw.size());
  out->resize(at + kChunkHeaderSize + bound);
  char* body = out->data() + at + kChunkHeaderSize;
  size_t n = ZSTD_compressCCtx(ThreadCCtx(), body, bound, raw.data(), raw.size(), level);
  uint8_t codec = 1;
  if (ZSTD_isError(n) || n >= raw.size()) {
    codec = 0;
    std::memcpy(body, raw.data(), raw.size());
    n = raw.size();
  }
  out->resize(at + kChunkHeaderSize + n);
  char* h = out->data() + at;
  h[0] = static_cast<char>(codec);
  EncodeFixed32(h + 1, static_cast<uint32_t>(raw.size()));
  EncodeFixed32(h + 5, static_cast<uint32_t>(n));
  EncodeFixed64(h + 9, Checksum64(std::string_view(out->data() + at + kChunkHeaderSize, n)));
}

Status VerifyChunk(std::string_view in, size_t* stored_size) {
  if (in.size() < kChunkHeaderSize) return DataLossError("chunk truncated (header)");
  uint8_t codec = static_cast<uint8_t>(in[0]);
  uint32_t stored = DecodeFixed32(in.data() + 5);
  if (codec > 1) return DataLossError("chunk has unknown codec " + std::to_string(codec));
  if (in.size() - kChunkHeaderSize < stored) return DataLossError("chunk truncated (body)");
  if (Checksum64(in.substr(kChunkHeaderSize, stored)) != DecodeFixed64(in.data() + 9)) {
    return DataLossError("chunk checksum mismatch");
  }
  if (stored_size) *stored_size = kChunkHeaderSize + stored;
  return Status::Ok();
}

Status ReadChunk(std::string_view in, std::string* raw, size_t* stored_size) {
  size_t total;
  HT_RETURN_IF_ERROR(VerifyChunk(in, &total));
  if (stored_size) *stored_size = total;
  uint8_t codec = static_cast<uint8_t>(in[0]);
  uint32_t raw_len = DecodeFixed32(in.data() + 1);
  std::string_view body = in.substr(kChunkHeaderSize, total - kChunkHeaderSize);
  if (codec == 0) {
    if (body.size() != raw_len) return DataLossError("chunk raw length mismatch");
    raw->assign(body);
    return Status::Ok();
  }
  raw->resize(raw_len);
  size_t n = ZSTD_decompressDCtx(ThreadDCtx(), raw->data(), raw_len, body.data(), body.size());
  if (ZSTD_isError(n) || n != raw_len) return DataLossError("chunk does not decompress");
  return Status::Ok();
}

}  // namespace hoptrace
