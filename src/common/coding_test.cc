#include "common/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace hoptrace {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(CodingTest, VarintRoundTripsAndHasExpectedLength) {
  struct Case {
    uint64_t v;
    size_t len;
  };
  const Case cases[] = {{0, 1},
                        {1, 1},
                        {127, 1},
                        {128, 2},
                        {16383, 2},
                        {16384, 3},
                        {(1ull << 32) - 1, 5},
                        {1ull << 32, 5},
                        {(1ull << 63) - 1, 9},
                        {1ull << 63, 10},
                        {kMax, 10}};
  for (const auto& c : cases) {
    std::string buf;
    PutVarint64(&buf, c.v);
    EXPECT_EQ(buf.size(), c.len) << c.v;
    Decoder d(buf);
    uint64_t got = 0;
    ASSERT_TRUE(d.GetVarint64(&got)) << c.v;
    EXPECT_EQ(got, c.v);
    EXPECT_EQ(d.remaining(), 0u);
    EXPECT_FALSE(d.failed());
  }
}

TEST(CodingTest, MaxUint64EncodesAsNineContinuationBytesThenOne) {
  std::string buf;
  PutVarint64(&buf, kMax);
  ASSERT_EQ(buf.size(), 10u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(static_cast<unsigned char>(buf[i]), 0xffu) << i;
  EXPECT_EQ(static_cast<unsigned char>(buf[9]), 0x01u);
}

TEST(CodingTest, SignedVarintsRoundTripIncludingExtremes) {
  const int64_t values[] = {0,
                            1,
                            -1,
                            63,
                            -64,
                            64,
                            -65,
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};
  std::string buf;
  for (int64_t v : values) PutVarsint64(&buf, v);
  Decoder d(buf);
  for (int64_t v : values) {
    int64_t got = 0;
    ASSERT_TRUE(d.GetVarsint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(d.remaining(), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(std::numeric_limits<int64_t>::min()), kMax);
}

TEST(CodingTest, FixedWidthIsLittleEndian) {
  std::string buf;
  PutFixed32(&buf, 0x04030201u);
  PutFixed64(&buf, 0x0807060504030201ull);
  ASSERT_EQ(buf.size(), 12u);
  EXPECT_EQ(buf.substr(0, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(buf.substr(4), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  Decoder d(buf);
  uint32_t a = 0;
  uint64_t b = 0;
  ASSERT_TRUE(d.GetFixed32(&a));
  ASSERT_TRUE(d.GetFixed64(&b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0807060504030201ull);
  char raw[8];
  EncodeFixed64(raw, kMax - 5);
  EXPECT_EQ(DecodeFixed64(raw), kMax - 5);
  EncodeFixed32(raw, 0xdeadbeef);
  EXPECT_EQ(DecodeFixed32(raw), 0xdeadbeefu);
}

TEST(CodingTest, TruncatedVarintFailsAndStaysFailed) {
  std::string buf;
  PutVarint64(&buf, kMax);
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    Decoder d(std::string_view(buf).substr(0, cut));
    uint64_t v = 12345;
    EXPECT_FALSE(d.GetVarint64(&v)) << cut;
    EXPECT_TRUE(d.failed());
    EXPECT_EQ(d.remaining(), 0u);
    EXPECT_EQ(v, 12345u) << "output written on failure";
    uint8_t byte;
    EXPECT_FALSE(d.GetByte(&byte));
  }
}

TEST(CodingTest, OverlongVarintFails) {
  std::string buf(11, '\x80');
  buf.push_back('\x01');
  Decoder d(buf);
  uint64_t v;
  EXPECT_FALSE(d.GetVarint64(&v));
  EXPECT_TRUE(d.failed());
}

TEST(CodingTest, Varint32RejectsValuesAbove32Bits) {
  std::string buf;
  PutVarint64(&buf, 0xffffffffull);
  PutVarint64(&buf, 0x100000000ull);
  Decoder d(buf);
  uint32_t v = 0;
  ASSERT_TRUE(d.GetVarint32(&v));
  EXPECT_EQ(v, 0xffffffffu);
  EXPECT_FALSE(d.GetVarint32(&v));
  EXPECT_TRUE(d.failed());
}

TEST(CodingTest, FixedAndBytesFailOnShortInput) {
  std::string buf("abcdefg");  // 7 bytes
  {
    Decoder d(buf);
    uint64_t v;
    EXPECT_FALSE(d.GetFixed64(&v));
    EXPECT_TRUE(d.failed());
  }
  {
    Decoder d(std::string_view(buf).substr(0, 3));
    uint32_t v;
    EXPECT_FALSE(d.GetFixed32(&v));
  }
  {
    Decoder d(buf);
    std::string_view out;
    EXPECT_FALSE(d.GetBytes(8, &out));
    EXPECT_TRUE(d.failed());
  }
  {
    Decoder d(buf);
    std::string_view out;
    ASSERT_TRUE(d.GetBytes(7, &out));
    EXPECT_EQ(out, "abcdefg");
    EXPECT_EQ(d.remaining(), 0u);
  }
}

TEST(CodingTest, LengthPrefixedRejectsHugeLengthWithoutReading) {
  std::string buf;
  PutVarint64(&buf, kMax);  // claims 2^64-1 bytes follow
  buf += "xyz";
  Decoder d(buf);
  std::string_view out;
  EXPECT_FALSE(d.GetLengthPrefixed(&out));
  EXPECT_TRUE(d.failed());
}

TEST(CodingTest, LengthPrefixedRoundTripsWithEmbeddedNuls) {
  std::string buf;
  const std::string a("a\0b\0", 4);
  PutLengthPrefixed(&buf, a);
  PutLengthPrefixed(&buf, "");
  PutLengthPrefixed(&buf, std::string(300, 'x'));
  Decoder d(buf);
  std::string_view out;
  ASSERT_TRUE(d.GetLengthPrefixed(&out));
  EXPECT_EQ(out, a);
  ASSERT_TRUE(d.GetLengthPrefixed(&out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(d.GetLengthPrefixed(&out));
  EXPECT_EQ(out, std::string(300, 'x'));
  EXPECT_EQ(d.remaining(), 0u);
}

// A mixed record decoded from every proper prefix must fail somewhere, never read past the end.
TEST(CodingTest, EveryTruncationOfAMixedRecordFails) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> vs;
  for (int i = 0; i < 20; ++i) vs.push_back(rng() >> (rng() % 64));
  std::string buf;
  for (uint64_t v : vs) {
    PutVarint64(&buf, v);
    PutFixed32(&buf, static_cast<uint32_t>(v));
    PutLengthPrefixed(&buf, std::string(v % 7, 'q'));
  }
  auto decode_all = [&](std::string_view in) {
    Decoder d(in);
    for (size_t i = 0; i < vs.size(); ++i) {
      uint64_t v;
      uint32_t f;
      std::string_view s;
      if (!d.GetVarint64(&v) || !d.GetFixed32(&f) || !d.GetLengthPrefixed(&s)) return false;
      if (v != vs[i] || f != static_cast<uint32_t>(vs[i]) || s.size() != vs[i] % 7) return false;
    }
    return d.remaining() == 0;
  };
  ASSERT_TRUE(decode_all(buf));
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    EXPECT_FALSE(decode_all(std::string_view(buf).substr(0, cut))) << cut;
  }
}

}  // namespace
}  // namespace hoptrace
