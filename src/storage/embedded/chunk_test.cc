#include "storage/embedded/chunk.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/hash.h"

// Allocation guard: while g_alloc_limit is set, a larger single allocation throws bad_alloc
// (recording its size) instead of committing gigabytes on a shared test machine.
namespace {
std::atomic<size_t> g_alloc_limit{0};
std::atomic<size_t> g_refused{0};
}  // namespace

void* operator new(size_t n) {
  size_t limit = g_alloc_limit.load(std::memory_order_relaxed);
  if (limit != 0 && n > limit) {
    g_refused = n;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace hoptrace {
namespace {

constexpr int kLevel = 3;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Row-like JSON with a shared vocabulary, so a dictionary helps.
std::vector<std::string> Rows(uint32_t seed, const char* flavour, int n) {
  std::mt19937 rng(seed);
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    std::string r = std::string("{\"") + flavour + "\":\"service-" + std::to_string(rng() % 7) +
                    "\",\"gen_ai.request.model\":\"gpt-4o-" + std::to_string(rng() % 3) +
                    "\",\"gen_ai.usage.input_tokens\":" + std::to_string(rng() % 5000) +
                    ",\"user.id\":\"u-" + std::to_string(rng() % 100) + "\",\"payload\":\"";
    for (int k = 0; k < 40; ++k) r += "abcdefgh"[rng() % 8];
    r += "\"}";
    rows.push_back(r);
  }
  return rows;
}

std::unique_ptr<ChunkDictionary> TrainOn(const std::vector<std::string>& rows, size_t capacity) {
  std::vector<std::string_view> samples(rows.begin(), rows.end());
  return ChunkDictionary::Train(samples, capacity, kLevel);
}

// Header: [u64 checksum][u8 codec][u32 raw length][u32 stored length].
constexpr size_t kCodecAt = 8, kRawLenAt = 9, kStoredLenAt = 13;

uint8_t Codec(const std::string& chunk) { return static_cast<uint8_t>(chunk[kCodecAt]); }

// Recomputes the checksum after an edit, as a buggy (but checksumming) writer would produce.
void Reseal(std::string* chunk) {
  EncodeFixed64(chunk->data(), Checksum64(std::string_view(*chunk).substr(8)));
}

TEST(ChunkTest, IncompressibleDataIsStoredRaw) {
  const std::string raw = RandomBytes(4000, 1);
  std::string chunk;
  AppendChunk(&chunk, raw, kLevel);
  ASSERT_EQ(chunk.size(), kChunkHeaderSize + raw.size());
  EXPECT_EQ(Codec(chunk), 0);
  EXPECT_EQ(DecodeFixed32(chunk.data() + kRawLenAt), raw.size());
  EXPECT_EQ(DecodeFixed32(chunk.data() + kStoredLenAt), raw.size());
  EXPECT_EQ(DecodeFixed64(chunk.data()), Checksum64(std::string_view(chunk).substr(8)))
      << "the checksum covers codec, lengths and stored bytes";
  std::string got;
  size_t stored = 0;
  ASSERT_TRUE(ReadChunk(chunk, &got, &stored).ok());
  EXPECT_EQ(got, raw);
  EXPECT_EQ(stored, chunk.size());
}

TEST(ChunkTest, EmptyChunkRoundTrips) {
  std::string chunk;
  AppendChunk(&chunk, "", kLevel);
  EXPECT_EQ(chunk.size(), kChunkHeaderSize);
  std::string got = "stale";
  ASSERT_TRUE(ReadChunk(chunk, &got).ok());
  EXPECT_EQ(got, "");
}

TEST(ChunkTest, CompressibleDataUsesZstd) {
  std::string raw;
  for (int i = 0; i < 2000; ++i) raw += "span-" + std::to_string(i % 10) + ";";
  std::string chunk;
  AppendChunk(&chunk, raw, kLevel);
  EXPECT_EQ(Codec(chunk), 1);
  EXPECT_LT(chunk.size(), raw.size() / 4);
  std::string got;
  ASSERT_TRUE(ReadChunk(chunk, &got).ok());
  EXPECT_EQ(got, raw);
}

TEST(ChunkTest, ChunksAppendBackToBackAndReadInSequence) {
  const std::vector<std::string> parts = {RandomBytes(100, 2), std::string(5000, 'a'), "", "tail"};
  std::string file = "prefix";
  for (const auto& p : parts) AppendChunk(&file, p, kLevel);
  std::string_view in(file);
  in.remove_prefix(6);
  for (const auto& p : parts) {
    std::string got;
    size_t stored = 0;
    ASSERT_TRUE(ReadChunk(in, &got, &stored).ok());
    EXPECT_EQ(got, p);
    in.remove_prefix(stored);
  }
  EXPECT_TRUE(in.empty());
}

TEST(ChunkTest, DictionaryCodecRoundTripsAndNeedsTheDictionary) {
  auto rows = Rows(1, "service.name", 400);
  auto dict = TrainOn(rows, 4096);
  ASSERT_NE(dict, nullptr);
  EXPECT_LE(dict->bytes().size(), 4096u);
  // A small row group: the dictionary is what makes it compress.
  std::string raw = rows[7] + rows[8] + rows[9];
  std::string with_dict, without;
  AppendChunk(&with_dict, raw, kLevel, dict.get());
  AppendChunk(&without, raw, kLevel);
  ASSERT_EQ(Codec(with_dict), 2);
  EXPECT_LT(with_dict.size(), without.size());
  std::string got;
  ASSERT_TRUE(ReadChunk(with_dict, &got, nullptr, dict.get()).ok());
  EXPECT_EQ(got, raw);

  Status s = ReadChunk(with_dict, &got, nullptr, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("dictionary"), std::string::npos) << s.message();

  // A dictionary rebuilt from its bytes (as a block reader does) works too.
  auto reloaded = ChunkDictionary::FromBytes(dict->bytes(), kLevel);
  ASSERT_NE(reloaded, nullptr);
  got.clear();
  ASSERT_TRUE(ReadChunk(with_dict, &got, nullptr, reloaded.get()).ok());
  EXPECT_EQ(got, raw);
}

TEST(ChunkTest, WrongDictionaryIsDataLoss) {
  auto dict_a = TrainOn(Rows(1, "service.name", 400), 4096);
  auto dict_b = TrainOn(Rows(99, "deployment.environment", 400), 4096);
  ASSERT_NE(dict_a, nullptr);
  ASSERT_NE(dict_b, nullptr);
  ASSERT_NE(dict_a->bytes(), dict_b->bytes());
  auto rows = Rows(5, "service.name", 3);
  std::string raw = rows[0] + rows[1] + rows[2];
  std::string chunk;
  AppendChunk(&chunk, raw, kLevel, dict_a.get());
  ASSERT_EQ(Codec(chunk), 2);
  std::string got;
  Status s = ReadChunk(chunk, &got, nullptr, dict_b.get());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
}

TEST(ChunkTest, DictionaryChunkReadWithoutDictThenCodecOneFails) {
  auto rows = Rows(3, "service.name", 400);
  auto dict = TrainOn(rows, 4096);
  ASSERT_NE(dict, nullptr);
  std::string chunk;
  AppendChunk(&chunk, rows[0] + rows[1], kLevel, dict.get());
  ASSERT_EQ(Codec(chunk), 2);
  std::string got;
  std::string flipped = chunk;
  flipped[kCodecAt] = 1;
  Status s = ReadChunk(flipped, &got);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
  // Even with a matching checksum, a dictionary frame read as plain zstd is not returned.
  chunk[kCodecAt] = 1;
  Reseal(&chunk);
  EXPECT_EQ(ReadChunk(chunk, &got).code(), StatusCode::kDataLoss);
}

TEST(ChunkTest, TrainingNeedsEnoughSamples) {
  auto rows = Rows(1, "service.name", 10);  // fewer than 16 samples
  EXPECT_EQ(TrainOn(rows, 4096), nullptr);
}

TEST(ChunkTest, ChecksumMismatchIsDataLoss) {
  std::string raw;
  for (int i = 0; i < 500; ++i) raw += "row " + std::to_string(i) + "\n";
  for (const std::string& input : {raw, RandomBytes(300, 3)}) {
    std::string chunk;
    AppendChunk(&chunk, input, kLevel);
    for (size_t at = kChunkHeaderSize; at < chunk.size(); at += 7) {
      std::string bad = chunk;
      bad[at] = static_cast<char>(bad[at] ^ 0x01);
      std::string got;
      Status s = ReadChunk(bad, &got);
      ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "flip at " << at;
      EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
      EXPECT_EQ(VerifyChunk(bad, nullptr).code(), StatusCode::kDataLoss);
    }
  }
}

// The checksum covers the whole header after it, so every single-bit flip is caught before
// anything is allocated.
TEST(ChunkTest, EveryHeaderByteFlipIsDetected) {
  std::string raw;
  for (int i = 0; i < 500; ++i) raw += "row " + std::to_string(i) + "\n";
  for (const std::string& input : {raw, RandomBytes(300, 4)}) {
    std::string chunk;
    AppendChunk(&chunk, input, kLevel);
    for (size_t at = 0; at < kChunkHeaderSize; ++at) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = chunk;
        bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
        std::string got;
        g_alloc_limit = 64 << 20;
        Status s;
        try {
          s = ReadChunk(bad, &got);
        } catch (const std::bad_alloc&) {
          s = InternalError("allocation of " + std::to_string(g_refused.load()) + " bytes");
        }
        g_alloc_limit = 0;
        EXPECT_EQ(s.code(), StatusCode::kDataLoss)
            << "header byte " << at << " bit " << bit << " (codec " << int{Codec(chunk)}
            << "): " << s.ToString();
      }
    }
  }
}

// A raw length that disagrees with the zstd frame (here: 2 GiB too large, with a matching
// checksum) must be reported as DataLoss, not make ReadChunk allocate (and zero) gigabytes.
TEST(ChunkTest, RawLengthFlipDoesNotAllocateGigabytes) {
  std::string raw;
  for (int i = 0; i < 500; ++i) raw += "row " + std::to_string(i) + "\n";
  std::string chunk;
  AppendChunk(&chunk, raw, kLevel);
  ASSERT_EQ(Codec(chunk), 1);
  chunk[kRawLenAt + 3] = static_cast<char>(chunk[kRawLenAt + 3] ^ 0x80);  // raw length += 2 GiB
  Reseal(&chunk);
  std::string got;
  Status s;
  g_refused = 0;
  g_alloc_limit = 64 << 20;
  bool threw = false;
  try {
    s = ReadChunk(chunk, &got);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  g_alloc_limit = 0;
  EXPECT_FALSE(threw) << "ReadChunk of a " << chunk.size() << "-byte chunk tried to allocate "
                      << g_refused.load() << " bytes";
  if (!threw) {
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  }
}

TEST(ChunkTest, EveryTruncationIsDataLoss) {
  std::string raw;
  for (int i = 0; i < 200; ++i) raw += "row " + std::to_string(i) + "\n";
  std::string chunk;
  AppendChunk(&chunk, raw, kLevel);
  for (size_t cut = 0; cut < chunk.size(); ++cut) {
    std::string got;
    Status s = ReadChunk(std::string_view(chunk).substr(0, cut), &got);
    ASSERT_EQ(s.code(), StatusCode::kDataLoss) << cut;
    EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
  }
}

TEST(ChunkTest, UnknownCodecIsDataLoss) {
  std::string chunk;
  AppendChunk(&chunk, "hello", kLevel);
  chunk[kCodecAt] = 3;
  Reseal(&chunk);
  std::string got;
  Status s = ReadChunk(chunk, &got);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("codec"), std::string::npos) << s.message();
}

TEST(ChunkTest, VerifyChunkReportsSizeWithoutDecompressing) {
  std::string chunk;
  AppendChunk(&chunk, std::string(10000, 'q'), kLevel);
  chunk += "next chunk";
  size_t stored = 0;
  ASSERT_TRUE(VerifyChunk(chunk, &stored).ok());
  EXPECT_EQ(stored, chunk.size() - 10);
}

}  // namespace
}  // namespace hoptrace
