#include "storage/embedded/wal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/coding.h"
#include "common/file_system.h"
#include "common/hash.h"

namespace hoptrace {
namespace {

using Records = std::vector<std::pair<uint8_t, std::string>>;

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_wal_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
    path_ = JoinPath(dir_, WalSegmentName(1));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void WriteSegment(const std::string& data) {
    auto f = fs_->NewWritableFile(path_);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  StatusOr<WalReadResult> Read(Records* out) {
    return ReadWalSegment(fs_, path_, [out](uint8_t type, std::string_view payload) {
      out->emplace_back(type, std::string(payload));
      return Status::Ok();
    });
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_, path_;
};

// Three records; offsets[i] is where record i starts, offsets[3] the end.
std::string ThreeRecords(std::vector<size_t>* offsets, Records* want) {
  *want = {{kWalRecordBatch, "first"},
           {kWalRecordBatch, std::string("second\0with nul", 15)},
           {7, std::string(300, 'z')}};
  std::string data;
  for (const auto& [type, payload] : *want) {
    offsets->push_back(data.size());
    AppendWalRecord(&data, type, payload);
  }
  offsets->push_back(data.size());
  return data;
}

TEST_F(WalTest, RecordsRoundTrip) {
  std::vector<size_t> off;
  Records want;
  std::string data = ThreeRecords(&off, &want);
  EXPECT_EQ(off[1], kWalHeaderSize + 5);
  WriteSegment(data);
  Records got;
  auto r = Read(&got);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(got, want);
  EXPECT_EQ(r->records, 3u);
  EXPECT_EQ(r->valid_bytes, data.size());
  EXPECT_EQ(r->dropped_bytes, 0u);
  EXPECT_FALSE(r->corrupt);
}

TEST_F(WalTest, HeaderLayoutMatchesTheDocumentedFormat) {
  std::string data;
  AppendWalRecord(&data, kWalRecordBatch, "abc");
  ASSERT_EQ(data.size(), kWalHeaderSize + 3);
  EXPECT_EQ(DecodeFixed32(data.data()), 3u);
  EXPECT_EQ(static_cast<uint8_t>(data[8]), kWalRecordBatch);
  // Seeded with the payload length, so a damaged length field fails the checksum too.
  EXPECT_EQ(DecodeFixed32(data.data() + 4), Checksum32Seeded(std::string_view(data).substr(8), 3));
  EXPECT_EQ(data.substr(9), "abc");
}

TEST_F(WalTest, EmptySegmentAndEmptyPayload) {
  WriteSegment("");
  Records got;
  auto r = Read(&got);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records, 0u);
  EXPECT_EQ(r->dropped_bytes, 0u);
  std::string data;
  AppendWalRecord(&data, kWalRecordBatch, "");
  WriteSegment(data);
  r = Read(&got);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records, 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "");
}

TEST_F(WalTest, MissingSegmentIsNotFound) {
  Records got;
  auto r = Read(&got);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// A crash can cut the last record anywhere: the valid prefix is kept and the rest is reported as
// a torn tail, not as corruption.
TEST_F(WalTest, TornTailAtEveryBytePositionOfLastRecord) {
  std::vector<size_t> off;
  Records want;
  std::string data = ThreeRecords(&off, &want);
  for (size_t cut = off[2] + 1; cut < off[3]; ++cut) {
    WriteSegment(data.substr(0, cut));
    Records got;
    auto r = Read(&got);
    ASSERT_TRUE(r.ok()) << cut;
    ASSERT_EQ(got, Records(want.begin(), want.begin() + 2)) << "cut at " << cut;
    EXPECT_EQ(r->records, 2u) << cut;
    EXPECT_EQ(r->valid_bytes, off[2]) << cut;
    EXPECT_EQ(r->dropped_bytes, cut - off[2]) << cut;
    EXPECT_FALSE(r->corrupt) << "cut at " << cut;
  }
}

TEST_F(WalTest, GarbageAfterLastRecordIsDroppedNotReplayed) {
  std::vector<size_t> off;
  Records want;
  std::string data = ThreeRecords(&off, &want);
  WriteSegment(data + std::string(5, '\0'));  // a preallocated, never-written tail
  Records got;
  auto r = Read(&got);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(got, want);
  EXPECT_EQ(r->valid_bytes, data.size());
  EXPECT_EQ(r->dropped_bytes, 5u);
}

// Flipping a checksummed byte of a middle record (checksum, type, payload) stops reading there
// and reports corruption, since complete records follow it.
TEST_F(WalTest, FlippedByteInMiddleRecordPayloadIsCorrupt) {
  std::vector<size_t> off;
  Records want;
  std::string data = ThreeRecords(&off, &want);
  for (size_t at = off[1] + 4; at < off[2]; ++at) {
    std::string bad = data;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    WriteSegment(bad);
    Records got;
    auto r = Read(&got);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(got, Records(want.begin(), want.begin() + 1)) << "flip at " << at;
    EXPECT_EQ(r->records, 1u);
    EXPECT_EQ(r->valid_bytes, off[1]);
    EXPECT_EQ(r->dropped_bytes, data.size() - off[1]);
    EXPECT_TRUE(r->corrupt) << "flip at " << at;
  }
}

// The same for the four length bytes of a middle record: two complete records follow, so this is
// damage, not a torn tail, and must be reported as corrupt (VerifyStore only reports `corrupt`).
TEST_F(WalTest, FlippedLengthByteInMiddleRecordIsCorrupt) {
  std::vector<size_t> off;
  Records want;
  std::string data = ThreeRecords(&off, &want);
  for (size_t at = off[1]; at < off[1] + 4; ++at) {
    for (uint8_t mask : {0x01, 0x80}) {
      std::string bad = data;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      WriteSegment(bad);
      Records got;
      auto r = Read(&got);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->records, 1u) << "flip at " << at;
      EXPECT_EQ(r->valid_bytes, off[1]);
      EXPECT_TRUE(r->corrupt) << "length byte " << (at - off[1]) << " flipped with mask "
                              << int{mask} << ": reported as a torn tail, " << r->dropped_bytes
                              << " bytes of later complete records silently dropped";
    }
  }
}

TEST_F(WalTest, CallbackErrorStopsReading) {
  std::vector<size_t> off;
  Records want;
  WriteSegment(ThreeRecords(&off, &want));
  int calls = 0;
  auto r = ReadWalSegment(fs_, path_, [&](uint8_t, std::string_view) -> Status {
    return ++calls == 2 ? DataLossError("bad batch") : Status::Ok();
  });
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "bad batch");
  EXPECT_EQ(calls, 2);
}

TEST(WalSegmentNameTest, FormatsSixteenDigits) {
  EXPECT_EQ(WalSegmentName(0), "wal-0000000000000000.log");
  EXPECT_EQ(WalSegmentName(42), "wal-0000000000000042.log");
  EXPECT_EQ(WalSegmentName(9999999999999999ull), "wal-9999999999999999.log");
}

TEST(WalSegmentNameTest, ParsesWhatItFormats) {
  for (uint64_t seq : {0ull, 1ull, 42ull, 1234567890123456ull, 9999999999999999ull}) {
    uint64_t got = 12345;
    ASSERT_TRUE(ParseWalSegmentName(WalSegmentName(seq), &got)) << seq;
    EXPECT_EQ(got, seq);
  }
}

TEST(WalSegmentNameTest, RejectsOtherNames) {
  const char* bad[] = {"",
                       "wal-42.log",
                       "wal-000000000000004x.log",
                       "wal-00000000000000042.log",
                       "wal-0000000000000042.log.tmp",
                       "wal-0000000000000042.lag",
                       "WAL-0000000000000042.log",
                       "blk-0000000000000042.blk",
                       "wal-+000000000000042.log",
                       "wal- 000000000000042.log"};
  for (const char* name : bad) {
    uint64_t got = 777;
    EXPECT_FALSE(ParseWalSegmentName(name, &got)) << name;
    EXPECT_EQ(got, 777u) << name;
  }
}

}  // namespace
}  // namespace hoptrace
