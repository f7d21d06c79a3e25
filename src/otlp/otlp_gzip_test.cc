#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <random>

#include "otlp/gzip.h"

// Replacing the global allocation functions with malloc/free is intended here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Allocation accounting for this test binary: the largest single allocation, so that the bomb
// test can prove Gunzip never allocates much more than its limit.
namespace {
std::atomic<size_t> g_largest_allocation{0};
}  // namespace

void* operator new(size_t n) {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace hoptrace {
namespace {

std::string RandomText(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (char& c : s) c = static_cast<char>('a' + rng() % 8);
  return s;
}

// `zeros` bytes of zeros as one gzip member, compressed in 1 MiB steps (no big buffer).
std::string GzipZeros(size_t zeros) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_RLE), Z_OK);
  std::string chunk(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  size_t left = zeros;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    const size_t n = std::min(left, chunk.size());
    z.next_in = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_in = static_cast<uInt>(n);
    left -= n;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

TEST(OtlpGzipTest, RoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{3} << 20}) {
    const std::string in = RandomText(n, static_cast<uint32_t>(n));
    auto packed = Gzip(in);
    ASSERT_TRUE(packed.ok());
    auto out = Gunzip(*packed, 64 << 20);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(*out, in);
  }
}

TEST(OtlpGzipTest, ConcatenatedMembers) {
  auto a = Gzip("hello, ");
  auto b = Gzip("world");
  ASSERT_TRUE(a.ok() && b.ok());
  auto out = Gunzip(*a + *b, 100);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hello, world");
}

TEST(OtlpGzipTest, ExactlyAtTheLimitIsAccepted) {
  const std::string in = RandomText(5000, 7);
  auto packed = Gzip(in);
  ASSERT_TRUE(packed.ok());
  auto out = Gunzip(*packed, 5000);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), 5000u);
  auto over = Gunzip(*packed, 4999);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
}

TEST(OtlpGzipTest, CorruptInputIsInvalidArgument) {
  auto packed = Gzip(RandomText(10000, 3));
  ASSERT_TRUE(packed.ok());
  struct Case {
    std::string body;
    std::string expect;
  };
  std::string flipped = *packed;
  flipped[flipped.size() / 2] ^= 0x55;
  std::string bad_crc = *packed;
  bad_crc[bad_crc.size() - 6] ^= 1;
  const std::vector<Case> cases = {
      {"", "empty body"},
      {"plain text, not gzip", "corrupt gzip body"},
      {packed->substr(0, packed->size() - 4), "truncated gzip body"},
      {packed->substr(0, 10), "truncated gzip body"},
      {flipped, "corrupt gzip body"},
      {bad_crc, "corrupt gzip body"},
      {*packed + "garbage", "trailing data"},
  };
  for (const Case& c : cases) {
    auto out = Gunzip(c.body, 1 << 20);
    ASSERT_FALSE(out.ok()) << c.expect;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << out.status().ToString();
    EXPECT_NE(out.status().message().find(c.expect), std::string::npos) << out.status().message();
  }
}

TEST(OtlpGzipTest, EveryTruncationIsAnErrorNotACrash) {
  const std::string in = RandomText(3000, 11);
  auto packed = Gzip(in);
  ASSERT_TRUE(packed.ok());
  for (size_t n = 0; n < packed->size(); ++n) {
    auto out = Gunzip(packed->substr(0, n), 1 << 20);
    ASSERT_FALSE(out.ok()) << n;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(OtlpGzipTest, GzipBombIsRejectedQuicklyWithoutLargeAllocation) {
  // 1 GiB of zeros in about 1 MiB of gzip.
  const std::string bomb = GzipZeros(size_t{1} << 30);
  ASSERT_LT(bomb.size(), size_t{4} << 20);
  constexpr size_t kLimit = 8 << 20;
  g_largest_allocation = 0;
  const auto start = std::chrono::steady_clock::now();
  auto out = Gunzip(bomb, kLimit);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("8388608"), std::string::npos) << out.status().message();
  EXPECT_LE(g_largest_allocation.load(), kLimit + 1 + (64 << 10));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  // The same bomb split into many members is stopped the same way.
  std::string members;
  const std::string one = GzipZeros(size_t{1} << 20);
  for (int i = 0; i < 64; ++i) members += one;
  g_largest_allocation = 0;
  auto out2 = Gunzip(members, kLimit);
  ASSERT_FALSE(out2.ok());
  EXPECT_EQ(out2.status().code(), StatusCode::kResourceExhausted);
  EXPECT_LE(g_largest_allocation.load(), kLimit + 1 + (64 << 10));
}

}  // namespace
}  // namespace hoptrace
