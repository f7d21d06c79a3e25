// EmbeddedStore::ReadTraceSpans (trace_spans.cc), beyond the conformance suite: derived-field
// updates seen through every kind of part (active memtable in place, frozen memtable overlay,
// block overlay), blocks of format 1 (no id columns: read through their rows) beside format-2
// blocks and memtables in one trace, many blocks over several workers, and `store verify` of
// the new columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "common/file_system.h"
#include "storage/embedded/block.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/store_dir_test.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

// Span k of trace t: an agent root, then llm / tool / handoff children; every seventh ends
// before it starts; kinds vary.
Span TestSpan(uint64_t t, uint64_t k) {
  Span s = MakeSpan(t, k, k == 1 ? 0 : 1, "op " + std::to_string(k),
                    kBase + t * 1000 * kMs + k * kMs, (k % 5 + 1) * kMs);
  s.kind = static_cast<SpanKind>(k % 6);
  s.derived.agent = k == 1 ? "orchestrator" : (k % 2 ? "researcher" : "");
  s.derived.operation = k == 1 ? "agent" : (k % 4 == 0 ? "handoff" : (k % 2 ? "llm" : "tool"));
  s.derived.model = s.derived.operation == "llm" ? "gpt-4o" : "";
  s.derived.input_tokens = static_cast<int64_t>(k * 10);
  s.derived.output_tokens = static_cast<int64_t>(k);
  s.derived.total_tokens = static_cast<int64_t>(k * 11);
  s.derived.cost_usd = 0.0001 * static_cast<double>(k);
  s.derived.conversation = "c";
  s.status_code = k % 9 == 0 ? StatusCodeValue::kError : StatusCodeValue::kUnset;
  if (k % 7 == 0) s.end_unix_nano = s.start_unix_nano - kMs;
  s.attributes = {{"handoff.to_agent", AnyValue::String("agent-" + std::to_string(k))},
                  {"text", AnyValue::String(std::string(100, 'x'))}};
  s.events = {SpanEvent{s.start_unix_nano, "exception", {}, 0}};
  return s;
}

std::vector<Span> Spans(uint64_t t, uint64_t first, uint64_t last) {
  std::vector<Span> out;
  for (uint64_t k = first; k <= last; ++k) out.push_back(TestSpan(t, k));
  return out;
}

SpanProjection GraphProjection() {
  SpanProjection p;
  p.attribute_keys = {"handoff.to_agent"};
  p.attribute_operations = {"handoff"};
  return p;
}

class TraceSpansTest : public StoreDirTest {
 protected:
  EmbeddedStoreOptions Options() {
    EmbeddedStoreOptions o;
    o.dir = dir_;
    o.background_flush = false;
    o.column_chunk_rows = 16;  // traces straddle column chunks
    o.row_group_bytes = 1 << 10;
    return o;
  }
  void Append(std::vector<Span> spans) {
    auto r = store_->Append(std::move(spans));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Update(const TraceId& t, const SpanId& s, const std::string& agent) {
    auto spans = store_->GetTrace(t);
    ASSERT_TRUE(spans.ok());
    for (const Span& x : *spans) {
      if (x.span_id != s) continue;
      AgentFields a = x.derived;
      a.agent = agent;
      ASSERT_TRUE(store_->UpdateDerived({{t, s, a}}).ok());
      return;
    }
    FAIL() << "no span " << ToHex(s);
  }

  // The narrow read of every trace, by trace id; checks each trace comes once.
  std::map<TraceId, std::vector<Span>> ReadAll(const SpanProjection& projection, size_t workers,
                                               std::vector<size_t>* worker_calls = nullptr) {
    std::map<TraceId, std::vector<Span>> out;
    std::mutex mu;
    TraceSpansRequest request;
    request.limit = 1'000'000;
    request.projection = projection;
    request.max_workers = workers;
    if (worker_calls) worker_calls->assign(workers, 0);
    Status st = store_->ReadTraceSpans(request, [&](size_t w, std::span<Span> spans) {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_LT(w, workers);
      if (worker_calls && w < workers) ++(*worker_calls)[w];
      EXPECT_FALSE(spans.empty());
      if (spans.empty()) return Status::Ok();
      EXPECT_FALSE(out.count(spans[0].trace_id)) << "twice: " << ToHex(spans[0].trace_id);
      out[spans[0].trace_id].assign(spans.begin(), spans.end());
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  // The narrow read equals ProjectSpan of GetTrace for every stored trace.
  void ExpectMatchesFullRead(size_t workers) {
    auto all = store_->SearchTraces(SpanFilter{}, 1'000'000);
    ASSERT_TRUE(all.ok());
    for (const SpanProjection& p : {SpanProjection{}, GraphProjection()}) {
      auto got = ReadAll(p, workers);
      EXPECT_EQ(got.size(), all->size());
      for (const TraceSummary& t : *all) {
        auto full = store_->GetTrace(t.trace_id);
        ASSERT_TRUE(full.ok());
        std::vector<Span> want;
        for (const Span& s : *full) want.push_back(ProjectSpan(s, p));
        EXPECT_TRUE(SpansEqual(got[t.trace_id], want)) << ToHex(t.trace_id);
      }
    }
  }

  std::string AgentOf(const TraceId& t, const SpanId& s) {
    auto got = ReadAll(GraphProjection(), 2);
    for (const Span& x : got[t])
      if (x.span_id == s) return x.derived.agent;
    return "(absent)";
  }

};

TEST_F(TraceSpansTest, PatchedAgentIsReadBackFromMemtableFrozenMemtableAndBlock) {
  // One trace in three parts: a block, a frozen memtable and the active memtable, with an agent
  // patched by UpdateDerived in each (block and frozen memtable: overlays; active: in place).
  auto o = Options();
  o.memtable_bytes = 2500;  // about 12 of these spans
  Open(o);
  Append(Spans(1, 1, 14));  // freezes the memtable
  ASSERT_TRUE(store_->Flush().ok());
  Append(Spans(1, 15, 28));  // frozen, waiting for a flush (no background flush)
  Append(Spans(1, 29, 30));  // stays in the active memtable
  Append(Spans(2, 1, 3));
  ASSERT_EQ(store_->GetStats().blocks, 1u);
  Update(TestTraceId(1), TestSpanId(3), "patched-in-block");
  Update(TestTraceId(1), TestSpanId(17), "patched-in-frozen");
  Update(TestTraceId(1), TestSpanId(29), "patched-in-memtable");
  auto check = [&](const std::string& state) {
    SCOPED_TRACE(state);
    EXPECT_EQ(AgentOf(TestTraceId(1), TestSpanId(3)), "patched-in-block");
    EXPECT_EQ(AgentOf(TestTraceId(1), TestSpanId(17)), "patched-in-frozen");
    EXPECT_EQ(AgentOf(TestTraceId(1), TestSpanId(29)), "patched-in-memtable");
    EXPECT_EQ(AgentOf(TestTraceId(1), TestSpanId(30)), "");
    for (size_t workers : {1, 2, 3}) ExpectMatchesFullRead(workers);
  };
  check("block + frozen memtable + memtable");
  // A patch turning a span into a handoff makes its attribute wanted.
  {
    auto spans = store_->GetTrace(TestTraceId(1));
    ASSERT_TRUE(spans.ok());
    AgentFields a = (*spans)[17].derived;
    ASSERT_NE(a.operation, "handoff");
    a.operation = "handoff";
    ASSERT_TRUE(store_->UpdateDerived({{TestTraceId(1), (*spans)[17].span_id, a}}).ok());
    auto got = ReadAll(GraphProjection(), 1);
    ASSERT_EQ(got[TestTraceId(1)].size(), 30u);
    EXPECT_EQ(got[TestTraceId(1)][17].attributes.size(), 1u);
  }
  ASSERT_TRUE(store_->Flush().ok());
  check("blocks");
  Open(o);
  check("reopened");
}

TEST_F(TraceSpansTest, FormatOneBlocksAreReadThroughTheirRows) {
  auto o = Options();
  o.block_format_version = 1;
  Open(o);
  Append(Spans(1, 1, 20));
  Append(Spans(2, 1, 10));  // trace 2 continues in a format-2 block and the memtable
  ASSERT_TRUE(store_->Flush().ok());
  Update(TestTraceId(1), TestSpanId(2), "patched-in-v1");
  o.block_format_version = kBlockFormatVersion;
  Open(o);
  Append(Spans(2, 11, 25));
  Append(Spans(3, 1, 30));
  ASSERT_TRUE(store_->Flush().ok());
  Append(Spans(2, 26, 30));
  Append(Spans(4, 1, 5));
  EXPECT_EQ(AgentOf(TestTraceId(1), TestSpanId(2)), "patched-in-v1");
  for (size_t workers : {1, 2, 4}) ExpectMatchesFullRead(workers);
  auto got = ReadAll(GraphProjection(), 2);
  EXPECT_EQ(got[TestTraceId(2)].size(), 30u);
  // Kinds and ends before starts come back from format-1 rows as from format-2 columns.
  for (uint64_t t : {1, 3}) {
    for (const Span& s : got[TestTraceId(t)]) {
      const Span want = TestSpan(t, std::stoull(s.name.substr(3)));
      EXPECT_EQ(s.kind, want.kind);
      EXPECT_EQ(s.end_unix_nano, want.end_unix_nano);
    }
  }
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
  const std::map<uint32_t, uint64_t> formats = {{1, 1}, {kBlockFormatVersion, 1}};
  EXPECT_EQ(report->block_formats, formats);
  EXPECT_GT(report->id_column_bytes, 0u);
  Open(o);
  ExpectMatchesFullRead(2);
}

TEST_F(TraceSpansTest, ManyBlocksOverSeveralWorkersGiveEveryTraceOnce) {
  auto o = Options();
  o.memtable_bytes = 4000;
  Open(o);
  // 40 traces of 13 spans, appended in batches of 7 spans: traces are cut across blocks.
  std::vector<Span> all;
  for (uint64_t t = 1; t <= 40; ++t) {
    for (Span& s : Spans(t, 1, 13)) all.push_back(std::move(s));
  }
  for (size_t at = 0; at < all.size(); at += 7) {
    Append(std::vector<Span>(all.begin() + static_cast<ptrdiff_t>(at),
                             all.begin() + static_cast<ptrdiff_t>(std::min(at + 7, all.size()))));
  }
  ASSERT_TRUE(store_->Flush().ok());
  Append(Spans(41, 1, 3));
  EXPECT_GT(store_->GetStats().blocks, 10u);
  for (size_t workers : {1, 2, 5}) ExpectMatchesFullRead(workers);
  std::vector<size_t> calls;
  auto got = ReadAll(GraphProjection(), 2, &calls);
  EXPECT_EQ(got.size(), 41u);
  EXPECT_GT(calls[0], 0u);
  EXPECT_GT(calls[1], 0u);
  // A limit picks the newest traces, as SearchTraces does.
  TraceSpansRequest request;
  request.limit = 5;
  request.max_workers = 2;
  std::set<TraceId> ids;
  std::mutex mu;
  ASSERT_TRUE(store_
                  ->ReadTraceSpans(request,
                                   [&](size_t, std::span<Span> spans) {
                                     std::lock_guard<std::mutex> lock(mu);
                                     ids.insert(spans[0].trace_id);
                                     return Status::Ok();
                                   })
                  .ok());
  std::set<TraceId> newest;
  for (uint64_t t = 37; t <= 41; ++t) newest.insert(TestTraceId(t));
  EXPECT_EQ(ids, newest);
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
}

}  // namespace
}  // namespace hoptrace
