// EmbeddedStore::UpdateDerived: where updates live (active memtable in place, frozen memtable and
// block overlays), the patches log (compaction after a flush, torn tail, failed fsync, retention)
// and crashes at random points.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/fault_file_system.h"
#include "common/file_system.h"
#include "storage/embedded/derived_patch.h"
#include "storage/embedded/embedded_store.h"
#include "storage/embedded/store_dir_test.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

Span Child(uint64_t t, uint64_t id) {
  Span s = MakeSpan(t, id, id == 1 ? 0 : 1, id == 1 ? "agent" : "chat",
                    kBase + t * 1000 * kMs + id * kMs, kMs);
  s.derived.service = "svc";
  s.derived.input_tokens = static_cast<int64_t>(10 * id);
  s.derived.output_tokens = static_cast<int64_t>(id);
  s.derived.model = "m";
  return s;
}

std::vector<Span> Trace(uint64_t t, uint64_t n) {
  std::vector<Span> out;
  for (uint64_t k = 1; k <= n; ++k) out.push_back(Child(t, k));
  return out;
}

AgentFields WithAgent(const Span& s, const std::string& agent, bool counted = true) {
  AgentFields a = s.derived;
  a.agent = agent;
  a.usage_counted = counted;
  return a;
}

class DerivedUpdateTest : public StoreDirTest {
 protected:
  EmbeddedStoreOptions Options() {
    EmbeddedStoreOptions o;
    o.dir = dir_;
    o.fs = &fault_;
    o.background_flush = false;
    return o;
  }
  // (agent -> input tokens) over counted spans, from Aggregate.
  std::map<std::string, int64_t> ByAgent() {
    AggregateRequest r;
    r.group_by = {GroupKey{GroupField::kAgent, ""}};
    auto rows = store_->Aggregate(r);
    EXPECT_TRUE(rows.ok());
    std::map<std::string, int64_t> out;
    if (rows.ok())
      for (const auto& row : *rows) out[row.key[0]] = row.input_tokens;
    return out;
  }
  uint64_t PatchLogBytes() {
    auto size = DefaultFileSystem()->GetFileSize(JoinPath(dir_, kPatchLogName));
    return size.ok() ? *size : 0;
  }

  // The store (StoreDirTest::store_) is closed in TearDown, before this goes.
  FaultFileSystem fault_{DefaultFileSystem()};
};

TEST_F(DerivedUpdateTest, UpdateOfFrozenMemtableFollowsItIntoItsBlock) {
  auto o = Options();
  o.memtable_bytes = 1;  // every append freezes: the spans wait in frozen memtables
  Open(o);
  auto spans = Trace(1, 4);
  ASSERT_TRUE(store_->Append(spans).ok());
  ASSERT_TRUE(store_->Append(Trace(2, 2)).ok());
  std::vector<DerivedUpdate> u;
  for (const Span& s : spans) u.push_back({s.trace_id, s.span_id, WithAgent(s, "fresh")});
  ASSERT_TRUE(store_->UpdateDerived(u).ok());
  const std::map<std::string, int64_t> want = {{"", 30}, {"fresh", 100}};
  EXPECT_EQ(ByAgent(), want);
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(ByAgent(), want);
  EXPECT_GT(PatchLogBytes(), 0u) << "updates in a block overlay must stay in the log";
  Open(o);
  EXPECT_EQ(ByAgent(), want);
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->patch_updates, 4u);
}

TEST_F(DerivedUpdateTest, UpdatesFoldedIntoABlockLeaveThePatchesLog) {
  Open(Options());
  auto spans = Trace(1, 3);
  ASSERT_TRUE(store_->Append(spans).ok());
  ASSERT_TRUE(store_->UpdateDerived({{spans[1].trace_id, spans[1].span_id,
                                      WithAgent(spans[1], "a", false)}})
                  .ok());
  EXPECT_GT(PatchLogBytes(), 0u);
  ASSERT_TRUE(store_->Flush().ok());  // the active memtable's rows carry the update into the block
  EXPECT_EQ(PatchLogBytes(), 0u);
  const std::map<std::string, int64_t> want = {{"", 40}, {"a", 0}};
  EXPECT_EQ(ByAgent(), want);
  Open(Options());
  EXPECT_EQ(ByAgent(), want);
  auto t = store_->GetTrace(spans[0].trace_id);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[1].derived, WithAgent(spans[1], "a", false));
}

TEST_F(DerivedUpdateTest, TornTailOfThePatchesLogIsTruncatedAtOpen) {
  Open(Options());
  auto spans = Trace(1, 2);
  ASSERT_TRUE(store_->Append(spans).ok());
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(
      store_->UpdateDerived({{spans[0].trace_id, spans[0].span_id, WithAgent(spans[0], "x")}})
          .ok());
  fault_.TornNextAppend(7);
  EXPECT_FALSE(
      store_->UpdateDerived({{spans[1].trace_id, spans[1].span_id, WithAgent(spans[1], "y")}})
          .ok());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"", 20}, {"x", 10}}))
      << "a failed update is visible";
  fault_.Reset();
  store_.reset();
  auto report = VerifyStore(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->patch_torn_bytes, 7u);
  Open(Options());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"", 20}, {"x", 10}}));
  // The log goes on after the truncated tail.
  ASSERT_TRUE(
      store_->UpdateDerived({{spans[1].trace_id, spans[1].span_id, WithAgent(spans[1], "y")}})
          .ok());
  Open(Options());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"x", 10}, {"y", 20}}));
}

TEST_F(DerivedUpdateTest, FailedFsyncAppliesNothingAndTheNextUpdateWorks) {
  Open(Options());
  auto spans = Trace(1, 2);
  ASSERT_TRUE(store_->Append(spans).ok());
  fault_.FailNextSyncs(1);
  EXPECT_FALSE(
      store_->UpdateDerived({{spans[0].trace_id, spans[0].span_id, WithAgent(spans[0], "x")}})
          .ok());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"", 30}}));
  ASSERT_TRUE(
      store_->UpdateDerived({{spans[1].trace_id, spans[1].span_id, WithAgent(spans[1], "y")}})
          .ok());
  Open(Options());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"", 10}, {"y", 20}}));
}

TEST_F(DerivedUpdateTest, RetentionDropsTheUpdatesOfItsBlocks) {
  Open(Options());
  auto spans = Trace(1, 2);
  ASSERT_TRUE(store_->Append(spans).ok());
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(
      store_->UpdateDerived({{spans[0].trace_id, spans[0].span_id, WithAgent(spans[0], "x")}})
          .ok());
  EXPECT_GT(PatchLogBytes(), 0u);
  RetentionPolicy p;
  p.max_bytes = 1;
  auto r = store_->ApplyRetention(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->spans_dropped, 2u);
  EXPECT_EQ(PatchLogBytes(), 0u);
  // The same ids sent again are new spans with their own fields.
  ASSERT_TRUE(store_->Append(spans).ok());
  Open(Options());
  EXPECT_EQ(ByAgent(), (std::map<std::string, int64_t>{{"", 30}}));
}

// Random updates, appends and flushes; at a random point a write or fsync fails and the machine
// crashes. After reopening, every acknowledged update holds, and an unacknowledged one is either
// wholly there or not at all.
TEST_F(DerivedUpdateTest, CrashAtRandomPointsKeepsAcknowledgedUpdates) {
  for (int seed = 0; seed < 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_);
    fault_.Reset();
    auto o = Options();
    o.memtable_bytes = 4 << 10;
    Open(o);
    std::map<std::pair<TraceId, SpanId>, AgentFields> acked;  // latest acknowledged value
    std::map<std::pair<TraceId, SpanId>, AgentFields> maybe;  // failed: either this or acked
    std::vector<Span> stored;
    const int crash_at = 5 + static_cast<int>(rng() % 40);
    for (int step = 0; step < 60; ++step) {
      if (step == crash_at) {
        if (rng() % 2) {
          fault_.TornNextAppend(rng() % 40);
        } else {
          fault_.FailNextSyncs(1);
        }
      }
      const int op = static_cast<int>(rng() % 6);
      Status s;
      std::vector<DerivedUpdate> u;
      if (op == 0 || stored.empty()) {
        auto t = Trace(100 + static_cast<uint64_t>(step), 3);
        auto r = store_->Append(t);
        if (r.ok()) {
          stored.insert(stored.end(), t.begin(), t.end());
          for (const Span& x : t) acked[{x.trace_id, x.span_id}] = x.derived;
        }
        s = r.status();
      } else if (op == 1) {
        s = store_->Flush();
      } else {
        for (int k = 0; k < 3; ++k) {
          const Span& x = stored[rng() % stored.size()];
          u.push_back({x.trace_id, x.span_id,
                       WithAgent(x, "agent" + std::to_string(rng() % 5), rng() % 2)});
        }
        s = store_->UpdateDerived(u);
        for (const auto& x : u) (s.ok() ? acked : maybe)[{x.trace_id, x.span_id}] = x.derived;
      }
      if (step >= crash_at && (!s.ok() || step > crash_at + 3)) break;
    }
    fault_.Crash();
    store_.reset();
    fault_.Reset();
    Open(o);
    ASSERT_NE(store_, nullptr);
    for (const auto& [key, want] : acked) {
      auto t = store_->GetTrace(key.first);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      bool seen = false;
      for (const Span& x : *t) {
        if (x.span_id != key.second) continue;
        seen = true;
        auto m = maybe.find(key);
        EXPECT_TRUE(x.derived == want || (m != maybe.end() && x.derived == m->second))
            << x.derived.agent << " vs " << want.agent;
      }
      EXPECT_TRUE(seen);
    }
    // The figures of stats agree with the spans themselves.
    SpanFilter all;
    auto spans = store_->SearchSpans(all, SpanOrder::kNewestFirst, 100000);
    ASSERT_TRUE(spans.ok());
    std::map<std::string, int64_t> want;
    for (const Span& x : *spans)
      if (x.derived.usage_counted) want[x.derived.agent] += x.derived.input_tokens;
      else want[x.derived.agent] += 0;
    EXPECT_EQ(ByAgent(), want);
  }
}

}  // namespace
}  // namespace hoptrace
