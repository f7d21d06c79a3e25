#include "storage/embedded/block.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/file_system.h"
#include "storage/embedded/block_format.h"
#include "storage/embedded/memtable.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr uint64_t kBase = 1'600'000'000'000'000'000ULL;  // before EveryFieldSpan's starts
constexpr int kTraces = 60;
constexpr int kSpansPerTrace = 5;
constexpr size_t kChunkRows = 64;
constexpr uint64_t kFirstSeq = 3, kLastSeq = 7;

// Spans sorted as a block stores them: by (trace id, start, span id).
bool BlockOrder(const Span& a, const Span& b) {
  if (a.trace_id != b.trace_id) return a.trace_id < b.trace_id;
  if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano < b.start_unix_nano;
  return a.span_id < b.span_id;
}

std::vector<Span> TestSpans() {
  static const char* kAgents[] = {"", "planner", "coder"};
  std::vector<Span> spans;
  for (int t = 1; t <= kTraces; ++t) {
    for (int k = 0; k < kSpansPerTrace; ++k) {
      Span s = MakeSpan(t, t * 100 + k, k == 0 ? 0 : t * 100, k == 0 ? "invoke_agent" : "chat",
                        kBase + t * 1'000'000ull + (kSpansPerTrace - k) * 1000, 500 + 17 * k);
      s.derived.service = "svc-" + std::to_string(t % 3);
      s.derived.agent = kAgents[(t + k) % 3];
      s.derived.operation = k == 0 ? "agent" : "llm";
      s.derived.model = k == 0 ? "" : "gpt-4o";
      s.derived.provider = k == 0 ? "" : "openai";
      s.derived.tool = k == 3 ? "search" : "";
      s.derived.input_tokens = t * 10 + k;
      s.derived.output_tokens = -k;  // negative values survive zig-zag
      s.derived.total_tokens = t * 10;
      s.derived.cost_usd = k == 2 ? -0.0 : 0.001 * (t + k);
      s.derived.usage_counted = k != 0;
      s.status_code = (t + k) % 7 == 0 ? StatusCodeValue::kError : StatusCodeValue::kOk;
      s.attributes = {{"user.id", AnyValue::String("u-" + std::to_string(t % 5))}};
      s.resource.attributes = {{"service.name", AnyValue::String(s.derived.service)}};
      spans.push_back(std::move(s));
    }
  }
  spans.push_back(EveryFieldSpan(100, 1, 1));  // large values: go through the blob store
  spans.push_back(EveryFieldSpan(101, 2, 2));
  spans.push_back(EveryFieldSpan(101, 3, 3));
  return spans;
}

class BlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_block_");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    dir_ = *made;
    blobs_ = std::make_unique<BlobStore>(fs_, JoinPath(dir_, "blobs"), 3, 1 << 20);
    ASSERT_TRUE(blobs_->Open().ok());
    want_ = TestSpans();
    std::sort(want_.begin(), want_.end(), BlockOrder);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A memtable holding `spans` (inserted in a shuffled order), its large values in the blobs.
  std::shared_ptr<MemTable> Fill(std::vector<Span> spans) {
    std::shuffle(spans.begin(), spans.end(), std::mt19937(5));
    std::unordered_map<Hash128, std::string, Hash128Hasher> values;
    LargeValueSink sink;
    sink.threshold = 4096;
    sink.store = [&](const Hash128& h, std::string_view v) { values.emplace(h, std::string(v)); };
    std::vector<EncodedSpan> enc;
    for (const auto& s : spans) enc.push_back(EncodeForStore(s, sink));
    auto mem = std::make_shared<MemTable>(kFirstSeq, blobs_.get());
    EXPECT_EQ(mem->Insert(&enc, &values), spans.size());
    mem->set_wal_last_seq(kLastSeq);
    std::vector<std::pair<Hash128, std::string_view>> put;
    for (const auto& [h, v] : mem->frozen().values) put.push_back({h, v});
    EXPECT_TRUE(blobs_->Put(put).ok());
    return mem;
  }

  std::shared_ptr<BlockReader> Write(const MemTable& mem, BlockWriteOptions o,
                                     BlockWriteResult* result = nullptr) {
    auto r = WriteBlock(fs_, dir_, mem, *blobs_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    if (result) *result = *r;
    auto b = BlockReader::Open(fs_, r->path, blobs_.get());
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : nullptr;
  }

  static BlockWriteOptions SmallOptions() {
    BlockWriteOptions o;
    o.row_group_bytes = 2048;
    o.column_chunk_rows = kChunkRows;
    o.dictionary_bytes = 4096;
    return o;
  }

  std::string Path() const { return JoinPath(dir_, BlockFileName(kLastSeq)); }
  std::string ReadAll(const std::string& path) {
    std::string data;
    EXPECT_TRUE(fs_->ReadFileToString(path, &data).ok());
    return data;
  }
  void WriteAll(const std::string& path, const std::string& data) {
    auto f = fs_->NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  BlockReader::Footer LoadFooter(const std::string& data) {
    uint64_t at = DecodeFixed64(data.data() + data.size() - 24);
    uint64_t len = DecodeFixed64(data.data() + data.size() - 16);
    std::string raw;
    EXPECT_TRUE(ReadChunk(std::string_view(data).substr(at, len), &raw).ok());
    BlockReader::Footer f;
    EXPECT_TRUE(f.Decode(raw).ok());
    return f;
  }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_;
  std::unique_ptr<BlobStore> blobs_;
  std::vector<Span> want_;
};

std::vector<uint64_t> AllRows(uint64_t n) {
  std::vector<uint64_t> rows(n);
  for (uint64_t i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

TEST_F(BlockTest, WritesNamedBlockAndLeavesNoTemporary) {
  auto mem = Fill(TestSpans());
  BlockWriteResult result;
  auto b = Write(*mem, SmallOptions(), &result);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(result.path, Path());
  EXPECT_NE(result.dictionary, nullptr) << "dictionary_bytes was set and the rows suffice";
  EXPECT_FALSE(fs_->FileExists(Path() + ".tmp"));
  EXPECT_EQ(ReadAll(Path()).substr(0, 8), "HTBLK001");
  uint64_t seq = 0;
  EXPECT_TRUE(ParseBlockFileName(BlockFileName(kLastSeq), &seq));
  EXPECT_EQ(seq, kLastSeq);
  EXPECT_FALSE(ParseBlockFileName(BlockFileName(kLastSeq) + ".tmp", &seq));
}

TEST_F(BlockTest, ReadSpansRoundTripsEverySpanExactly) {
  auto mem = Fill(TestSpans());
  for (size_t dict_bytes : {size_t{4096}, size_t{0}}) {
    BlockWriteOptions o = SmallOptions();
    o.dictionary_bytes = dict_bytes;
    auto b = Write(*mem, o);
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->rows(), want_.size());
    std::vector<Span> got;
    ASSERT_TRUE(b->ReadSpans(AllRows(b->rows()), &got).ok());
    ASSERT_EQ(got.size(), want_.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(SpanDiff(got[i], want_[i]), "") << "row " << i;
    // Rows come back in the order asked for, across row groups.
    std::vector<uint64_t> rows = {b->rows() - 1, 0, 150, 3};
    got.clear();
    ASSERT_TRUE(b->ReadSpans(rows, &got).ok());
    for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(SpanDiff(got[i], want_[rows[i]]), "");
    std::vector<SpanId> ids;
    ASSERT_TRUE(b->SpanIds(rows, &ids).ok());
    for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(ids[i], want_[rows[i]].span_id);
  }
}

TEST_F(BlockTest, RowOutOfRangeIsInvalidArgument) {
  auto b = Write(*Fill(TestSpans()), SmallOptions());
  ASSERT_NE(b, nullptr);
  std::vector<Span> got;
  EXPECT_EQ(b->ReadSpans({b->rows()}, &got).code(), StatusCode::kInvalidArgument);
}

TEST_F(BlockTest, FooterMetadataMatches) {
  auto b = Write(*Fill(TestSpans()), SmallOptions());
  ASSERT_NE(b, nullptr);
  uint64_t min_start = UINT64_MAX, max_start = 0, max_end = 0;
  for (const auto& s : want_) {
    min_start = std::min(min_start, s.start_unix_nano);
    max_start = std::max(max_start, s.start_unix_nano);
    max_end = std::max(max_end, s.end_unix_nano);
  }
  EXPECT_EQ(b->min_start(), min_start);
  EXPECT_EQ(b->max_start(), max_start);
  EXPECT_EQ(b->max_end(), max_end);
  EXPECT_EQ(b->wal_first_seq(), kFirstSeq);
  EXPECT_EQ(b->wal_last_seq(), kLastSeq);
  EXPECT_EQ(b->blob_files(), std::set<uint64_t>{1});
  EXPECT_TRUE(b->MayHaveAttribute("user.id"));
  EXPECT_TRUE(b->MayHaveAttribute("large_in_array"));
  EXPECT_FALSE(b->MayHaveAttribute("user"));
  EXPECT_FALSE(b->MayHaveAttribute("gen_ai.prompt")) << "event attributes are not span attributes";
  EXPECT_EQ(b->file_size(), ReadAll(Path()).size());
}

TEST_F(BlockTest, FindTraceReturnsTheTracesRows) {
  auto b = Write(*Fill(TestSpans()), SmallOptions());
  ASSERT_NE(b, nullptr);
  std::map<TraceId, std::vector<Span>> by_trace;
  for (const auto& s : want_) by_trace[s.trace_id].push_back(s);
  for (const auto& [id, spans] : by_trace) {
    std::vector<uint64_t> rows;
    ASSERT_TRUE(b->FindTrace(id, &rows).ok());
    ASSERT_EQ(rows.size(), spans.size());
    for (size_t i = 1; i < rows.size(); ++i)
      EXPECT_EQ(rows[i], rows[i - 1] + 1) << "rows not contiguous";
    uint64_t run_end = 0;
    EXPECT_EQ(b->TraceOfRow(rows[0], &run_end), id);
    EXPECT_EQ(run_end, rows.back() + 1);
    std::vector<Span> got;
    ASSERT_TRUE(b->ReadSpans(rows, &got).ok());
    ASSERT_TRUE(SpansEqual(got, spans));
  }
  std::vector<uint64_t> rows;
  ASSERT_TRUE(b->FindTrace(TestTraceId(99999), &rows).ok());
  EXPECT_TRUE(rows.empty());
  TracePartial p;
  EXPECT_FALSE(b->GetTracePartial(TestTraceId(99999), &p));
}

TEST_F(BlockTest, ScanReturnsCorrectColumnValues) {
  auto b = Write(*Fill(TestSpans()), SmallOptions());
  ASSERT_NE(b, nullptr);
  uint64_t seen = 0;
  int runs = 0;
  Status s = b->Scan(kAllColumns, 0, UINT64_MAX, [&](uint64_t first, const ColumnView& v) {
    ++runs;
    EXPECT_EQ(first, seen);
    for (size_t i = 0; i < v.n; ++i) {
      const Span& w = want_[first + i];
      EXPECT_EQ(v.start[i], w.start_unix_nano);
      EXPECT_EQ(v.duration[i], w.duration_ns());
      EXPECT_EQ(v.flags[i], RowFlags(w));
      EXPECT_EQ(b->DictGet(kDictService, v.dict[kDictService][i]), w.derived.service);
      EXPECT_EQ(b->DictGet(kDictAgent, v.dict[kDictAgent][i]), w.derived.agent);
      EXPECT_EQ(b->DictGet(kDictOperation, v.dict[kDictOperation][i]), w.derived.operation);
      EXPECT_EQ(b->DictGet(kDictModel, v.dict[kDictModel][i]), w.derived.model);
      EXPECT_EQ(b->DictGet(kDictProvider, v.dict[kDictProvider][i]), w.derived.provider);
      EXPECT_EQ(b->DictGet(kDictTool, v.dict[kDictTool][i]), w.derived.tool);
      EXPECT_EQ(b->DictGet(kDictName, v.dict[kDictName][i]), w.name);
      EXPECT_EQ(v.input_tokens[i], w.derived.input_tokens);
      EXPECT_EQ(v.output_tokens[i], w.derived.output_tokens);
      EXPECT_EQ(v.total_tokens[i], w.derived.total_tokens);
      uint64_t got_bits, want_bits;
      std::memcpy(&got_bits, &v.cost[i], 8);
      std::memcpy(&want_bits, &w.derived.cost_usd, 8);
      EXPECT_EQ(got_bits, want_bits) << "row " << first + i;
    }
    seen += v.n;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, want_.size());
  EXPECT_EQ(runs, static_cast<int>((want_.size() + kChunkRows - 1) / kChunkRows));
  uint32_t id;
  EXPECT_TRUE(b->DictFind(kDictModel, "gpt-4o", &id));
  EXPECT_EQ(b->DictGet(kDictModel, id), "gpt-4o");
  EXPECT_FALSE(b->DictFind(kDictModel, "gpt-5", &id));
}

TEST_F(BlockTest, ScanSkipsChunksOutsideTheTimeRangeAndUnrequestedColumns) {
  auto b = Write(*Fill(TestSpans()), SmallOptions());
  ASSERT_NE(b, nullptr);
  // Starts grow with the row (trace ids and starts increase together), so chunk 2 alone holds
  // rows 128..191.
  const uint64_t lo = want_[130].start_unix_nano, hi = want_[140].start_unix_nano;
  std::vector<uint64_t> firsts;
  ASSERT_TRUE(b->Scan(ColumnBit(kColDuration), lo, hi, [&](uint64_t first, const ColumnView& v) {
                 firsts.push_back(first);
                 EXPECT_EQ(v.start, nullptr);
                 EXPECT_EQ(v.flags, nullptr);
                 EXPECT_NE(v.duration, nullptr);
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(firsts, std::vector<uint64_t>{2 * kChunkRows});
  int calls = 0;
  auto count = [&](uint64_t, const ColumnView&) {
    ++calls;
    return Status::Ok();
  };
  ASSERT_TRUE(b->Scan(kAllColumns, 0, b->min_start() - 1, count).ok());
  ASSERT_TRUE(b->Scan(kAllColumns, b->max_start() + 1, UINT64_MAX, count).ok());
  EXPECT_EQ(calls, 0);
  // A callback error stops the scan and is returned.
  Status s = b->Scan(kAllColumns, 0, UINT64_MAX, [](uint64_t, const ColumnView&) {
    return Status(StatusCode::kCancelled, "stop");
  });
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

void ExpectPartialsEqual(const TracePartial& got, const TracePartial& want,
                         const std::string& what) {
  EXPECT_EQ(got.min_start, want.min_start) << what;
  EXPECT_EQ(got.max_end, want.max_end) << what;
  EXPECT_EQ(got.spans, want.spans) << what;
  EXPECT_EQ(got.errors, want.errors) << what;
  EXPECT_EQ(got.input_tokens, want.input_tokens) << what;
  EXPECT_EQ(got.output_tokens, want.output_tokens) << what;
  EXPECT_EQ(got.total_tokens, want.total_tokens) << what;
  EXPECT_TRUE(DoubleNear(got.cost, want.cost)) << what << ": " << got.cost << " vs " << want.cost;
  EXPECT_EQ(got.has_root, want.has_root) << what;
  EXPECT_EQ(got.root_start, want.root_start) << what;
  EXPECT_EQ(got.root_name, want.root_name) << what;
  EXPECT_EQ(got.root_service, want.root_service) << what;
  EXPECT_EQ(got.first_start, want.first_start) << what;
  EXPECT_EQ(got.first_name, want.first_name) << what;
  EXPECT_EQ(got.first_service, want.first_service) << what;
  std::set<std::string> ga(got.agents.begin(), got.agents.end()),
      wa(want.agents.begin(), want.agents.end());
  EXPECT_EQ(ga, wa) << what;
  EXPECT_EQ(got.agents.size(), ga.size()) << what << ": duplicate agents";
}

TEST_F(BlockTest, TracePartialsMatchTheSpansAndTheMemtable) {
  auto mem = Fill(TestSpans());
  auto b = Write(*mem, SmallOptions());
  ASSERT_NE(b, nullptr);
  auto mem_part = mem->Snapshot(mem);
  std::map<TraceId, TracePartial> want;
  for (const auto& s : want_) {
    TracePartial& p = want[s.trace_id];
    p.min_start = std::min(p.min_start, s.start_unix_nano);
    p.max_end = std::max(p.max_end, s.end_unix_nano);
    ++p.spans;
    if (s.status_code == StatusCodeValue::kError) ++p.errors;
    if (s.derived.usage_counted) {
      p.input_tokens += s.derived.input_tokens;
      p.output_tokens += s.derived.output_tokens;
      p.total_tokens += s.derived.total_tokens;
      p.cost += s.derived.cost_usd;
    }
    if (s.is_root() && (!p.has_root || s.start_unix_nano < p.root_start)) {
      p.has_root = true;
      p.root_start = s.start_unix_nano;
      p.root_name = s.name;
      p.root_service = s.derived.service;
    }
    if (s.start_unix_nano < p.first_start) {
      p.first_start = s.start_unix_nano;
      p.first_name = s.name;
      p.first_service = s.derived.service;
    }
    if (!s.derived.agent.empty() &&
        std::find(p.agents.begin(), p.agents.end(), s.derived.agent) == p.agents.end()) {
      p.agents.push_back(s.derived.agent);
    }
  }
  for (const auto& [id, p] : want) {
    TracePartial from_block, from_mem;
    ASSERT_TRUE(b->GetTracePartial(id, &from_block));
    ASSERT_TRUE(mem_part->GetTracePartial(id, &from_mem));
    ExpectPartialsEqual(from_block, p, "block " + ToHex(id));
    ExpectPartialsEqual(from_mem, p, "memtable " + ToHex(id));
  }
}

TEST_F(BlockTest, ReusedDictionaryIsUsed) {
  auto mem = Fill(TestSpans());
  BlockWriteResult first;
  ASSERT_NE(Write(*mem, SmallOptions(), &first), nullptr);
  ASSERT_NE(first.dictionary, nullptr);
  BlockWriteOptions o = SmallOptions();
  o.reuse_dictionary = first.dictionary;
  BlockWriteResult second;
  auto b = Write(*mem, o, &second);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(second.dictionary, first.dictionary);
  std::vector<Span> got;
  ASSERT_TRUE(b->ReadSpans(AllRows(b->rows()), &got).ok());
  EXPECT_TRUE(SpansEqual(got, want_));
}

TEST_F(BlockTest, TruncatedFileIsDataLoss) {
  ASSERT_NE(Write(*Fill(TestSpans()), SmallOptions()), nullptr);
  const std::string data = ReadAll(Path());
  const std::string bad_path = JoinPath(dir_, "truncated.blk");
  std::vector<size_t> cuts = {0, 7, 8, 31, 32, data.size() / 2};
  for (size_t cut = data.size() - 300; cut < data.size(); ++cut) cuts.push_back(cut);
  for (size_t cut : cuts) {
    WriteAll(bad_path, data.substr(0, cut));
    auto b = BlockReader::Open(fs_, bad_path, blobs_.get());
    ASSERT_EQ(b.status().code(), StatusCode::kDataLoss)
        << "cut at " << cut << " of " << data.size();
  }
}

TEST_F(BlockTest, FlippedFooterOrTrailerByteIsDataLoss) {
  ASSERT_NE(Write(*Fill(TestSpans()), SmallOptions()), nullptr);
  const std::string data = ReadAll(Path());
  const uint64_t footer_at = DecodeFixed64(data.data() + data.size() - 24);
  ASSERT_LT(footer_at, data.size());
  const std::string bad_path = JoinPath(dir_, "flipped.blk");
  std::vector<size_t> positions = {0, 3, 7};  // the magic
  for (size_t at = footer_at; at < data.size(); ++at) positions.push_back(at);
  for (size_t at : positions) {
    std::string bad = data;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    WriteAll(bad_path, bad);
    auto b = BlockReader::Open(fs_, bad_path, blobs_.get());
    ASSERT_EQ(b.status().code(), StatusCode::kDataLoss)
        << "flip at " << at << " (footer at " << footer_at << ")";
  }
}

TEST_F(BlockTest, VerifyAllChunksCountsAndFindsAFlippedRowGroupByte) {
  ASSERT_NE(Write(*Fill(TestSpans()), SmallOptions()), nullptr);
  const std::string data = ReadAll(Path());
  BlockReader::Footer f = LoadFooter(data);
  ASSERT_GE(f.row_groups.size(), 3u);
  ASSERT_GT(f.dict_length, 0u);
  {
    auto b = BlockReader::Open(fs_, Path(), blobs_.get());
    ASSERT_TRUE(b.ok());
    auto n = (*b)->VerifyAllChunks();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    uint64_t column_chunks = 0;
    for (const auto& c : f.columns) column_chunks += c.size();
    EXPECT_EQ(*n, 1 + f.row_groups.size() + column_chunks + 1);
    EXPECT_EQ(column_chunks, kNumColumns * ((want_.size() + kChunkRows - 1) / kChunkRows));
  }
  const auto& g = f.row_groups[1];
  std::string bad = data;
  bad[g.offset + g.length / 2] ^= 0x40;
  WriteAll(Path(), bad);
  auto b = BlockReader::Open(fs_, Path(), blobs_.get());
  ASSERT_TRUE(b.ok()) << "the footer is intact: " << b.status().ToString();
  auto n = (*b)->VerifyAllChunks();
  ASSERT_EQ(n.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(n.status().message().find("row group 1"), std::string::npos) << n.status().message();
  // Reads of other row groups work; reads of the damaged one fail and mark the block.
  std::vector<Span> got;
  ASSERT_TRUE((*b)->ReadSpans({0}, &got).ok());
  EXPECT_FALSE((*b)->damaged());
  Status s = (*b)->ReadSpans({g.first_row}, &got);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_TRUE((*b)->damaged());
}

TEST_F(BlockTest, FlippedColumnChunkByteFailsScanAndMarksDamaged) {
  ASSERT_NE(Write(*Fill(TestSpans()), SmallOptions()), nullptr);
  std::string data = ReadAll(Path());
  BlockReader::Footer f = LoadFooter(data);
  const auto& c = f.columns[kColDuration][1];
  data[c.offset + c.length - 1] ^= 0x01;
  WriteAll(Path(), data);
  auto b = BlockReader::Open(fs_, Path(), blobs_.get());
  ASSERT_TRUE(b.ok());
  auto noop = [](uint64_t, const ColumnView&) { return Status::Ok(); };
  ASSERT_TRUE((*b)->Scan(ColumnBit(kColStart), 0, UINT64_MAX, noop).ok())
      << "other columns are fine";
  EXPECT_FALSE((*b)->damaged());
  EXPECT_EQ((*b)->Scan(ColumnBit(kColDuration), 0, UINT64_MAX, noop).code(), StatusCode::kDataLoss);
  EXPECT_TRUE((*b)->damaged());
  EXPECT_EQ((*b)->VerifyAllChunks().status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace hoptrace
