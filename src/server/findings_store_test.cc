#include "server/findings_store.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "analysis/test_traces.h"
#include "server/cost_watcher.h"
#include "server/test_server.h"

namespace hoptrace {
namespace {

analysis::Finding MakeFinding(uint8_t trace, const std::string& key, const std::string& agent,
                              analysis::FindingKind kind = analysis::FindingKind::kRunawayCost) {
  analysis::Finding f;
  f.kind = kind;
  f.severity = analysis::Severity::kWarning;
  f.trace_id.fill(0);
  f.trace_id[15] = trace;
  f.key = key;
  f.agent = agent;
  f.summary = agent + " burned tokens";
  f.wasted_tokens = 100;
  return f;
}

class FindingsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("hoptrace_findings_");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FindingsStoreTest, UpsertListAndReplay) {
  {
    auto store = FindingsStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto& s = **store;
    EXPECT_EQ(*s.Upsert(MakeFinding(1, "runaway_cost:agent:reviewer", "reviewer"), 100),
              FindingsStore::UpsertResult::kNew);
    EXPECT_EQ(*s.Upsert(MakeFinding(1, "runaway_cost:agent:reviewer", "reviewer"), 150),
              FindingsStore::UpsertResult::kUnchanged);
    auto changed = MakeFinding(1, "runaway_cost:agent:reviewer", "reviewer");
    changed.wasted_tokens = 500;
    EXPECT_EQ(*s.Upsert(changed, 200), FindingsStore::UpsertResult::kChanged);
    EXPECT_EQ(*s.Upsert(MakeFinding(2, "comb:x", "coder", analysis::FindingKind::kComb), 300),
              FindingsStore::UpsertResult::kNew);
    EXPECT_EQ(s.size(), 2u);
  }
  auto store = FindingsStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  auto all = s.List({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, "comb");  // newest first
  EXPECT_EQ(all[1].kind, "runaway_cost");
  EXPECT_EQ(all[1].first_seen_unix_nano, 100u);
  EXPECT_EQ(all[1].updated_unix_nano, 200u);
  EXPECT_NE(all[1].json.find("\"wasted_tokens\":500"), std::string::npos) << all[1].json;
  FindingsQuery q;
  q.kind = "runaway_cost";
  EXPECT_EQ(s.List(q).size(), 1u);
  q = {};
  q.agent = "coder";
  EXPECT_EQ(s.List(q).size(), 1u);
  q = {};
  q.since_unix_nano = 250;
  EXPECT_EQ(s.List(q).size(), 1u);
  q = {};
  q.limit = 1;
  EXPECT_EQ(s.List(q).size(), 1u);

  const std::string json = FindingRecordsJson(all);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["findings"].at(1)["first_seen_unix_nano"]), "100");
  EXPECT_EQ(std::string_view(doc["findings"].at(1)["kind"]), "runaway_cost");
  EXPECT_EQ(FindingRecordsJson({}), "{\"findings\":[]}");
}

TEST_F(FindingsStoreTest, TheLogIsCompactedWhenSupersededRecordsPileUp) {
  const std::string log = dir_ + "/findings.log";
  uint64_t size_after_few = 0;
  {
    auto store = FindingsStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto f = MakeFinding(1, "runaway_cost:trace", "reviewer");
    for (int i = 0; i < 5000; ++i) {
      f.wasted_tokens = i;  // a changed finding: a new record each time
      ASSERT_EQ(*(*store)->Upsert(f, 100 + i), i == 0 ? FindingsStore::UpsertResult::kNew
                                                      : FindingsStore::UpsertResult::kChanged);
      if (i == 9) size_after_few = std::filesystem::file_size(log);
    }
    ASSERT_TRUE(
        (*store)->Upsert(MakeFinding(2, "comb:x", "coder", analysis::FindingKind::kComb), 9000).ok());
    EXPECT_EQ((*store)->size(), 2u);
    // 5,001 records written; compaction keeps the log near its live size.
    EXPECT_LT(std::filesystem::file_size(log), 1100 * size_after_few / 10);
  }
  auto store = FindingsStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->size(), 2u);
  FindingsQuery q;
  q.kind = "runaway_cost";
  auto listed = (*store)->List(q);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_NE(listed[0].json.find("\"wasted_tokens\":4999"), std::string::npos) << listed[0].json;
  EXPECT_EQ(listed[0].first_seen_unix_nano, 100u);
}

TEST_F(FindingsStoreTest, ATornTailIsCutAtOpen) {
  {
    auto store = FindingsStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Upsert(MakeFinding(1, "a", "x"), 1).ok());
    ASSERT_TRUE((*store)->Upsert(MakeFinding(2, "b", "y"), 2).ok());
  }
  const std::string log = dir_ + "/findings.log";
  const auto size = std::filesystem::file_size(log);
  std::filesystem::resize_file(log, size - 3);  // the second record torn
  {
    auto store = FindingsStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->size(), 1u);
    ASSERT_TRUE((*store)->Upsert(MakeFinding(3, "c", "z"), 3).ok());
  }
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('\xff');  // corrupt the first record: nothing after it is trusted
  }
  auto store = FindingsStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->size(), 0u);
}

TEST_F(FindingsStoreTest, CostWatcherRecordsTheTokenBurnerOnce) {
  TestStore spans;
  ASSERT_TRUE(spans.ok());
  auto store = FindingsStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  ServerMetrics metrics;
  CostWatcher watcher(spans.get(), store->get(), &metrics);
  analysis::testing::DemoTrace d = analysis::testing::MakeDemoTrace();
  ASSERT_TRUE(spans->Append(d.spans).ok());
  watcher.Notify({d.spans[0].trace_id});
  watcher.Drain();
  watcher.Notify({d.spans[0].trace_id});  // re-evaluated: the same finding, not a new one
  watcher.Drain();
  auto found = (*store)->List({});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "runaway_cost");
  EXPECT_EQ(found[0].agent, "reviewer");
  EXPECT_NE(metrics.Render({}).find("hoptrace_findings_total{kind=\"runaway_cost\"} 1\n"),
            std::string::npos);
}

// One agent "orchestrator" (root "invoke_agent orchestrator") spending `tokens` in one call.
std::vector<Span> OrchestratorTrace(uint8_t n, int64_t tokens) {
  analysis::testing::TraceBuilder b(n);
  int root = b.Agent(-1, "orchestrator", 0, 1000);
  b.Llm(root, "orchestrator", "m1", 1, 900, tokens, 0);
  return b.spans;
}

class CostWatcherBaselineTest : public FindingsStoreTest {
 protected:
  // Offers 25 traces of 1000..1240 tokens (p95: 1230), one at a time, then `last_tokens`.
  std::vector<FindingRecord> Run(int64_t last_tokens, CostWatcherOptions options) {
    TestStore spans;
    EXPECT_TRUE(spans.ok());
    auto store = FindingsStore::Open(dir_);
    EXPECT_TRUE(store.ok());
    ServerMetrics metrics;
    CostWatcher watcher(spans.get(), store->get(), &metrics, std::move(options));
    for (int i = 0; i < 25; ++i) {
      watcher.Offer({OrchestratorTrace(static_cast<uint8_t>(i + 1), 1000 + i * 10)});
      watcher.Drain();
    }
    EXPECT_EQ((*store)->size(), 0u);  // no baseline yet, and a lone agent is no outlier
    watcher.Offer({OrchestratorTrace(100, last_tokens)});
    watcher.Drain();
    watcher.Offer({OrchestratorTrace(100, last_tokens)});  // settled now: excluded from its own
    watcher.Drain();
    return (*store)->List({});
  }
  static CostWatcherOptions NoQuietPeriod() {
    CostWatcherOptions o;
    o.baseline_quiet = std::chrono::steady_clock::duration::zero();
    return o;
  }
};

TEST_F(CostWatcherBaselineTest, ATraceAboveThePercentileOfItsRootNameIsRunaway) {
  std::vector<FindingRecord> found = Run(3700, NoQuietPeriod());  // 3x the p95 of 1230
  ASSERT_EQ(found.size(), 2u);  // the trace, and the orchestrator agent
  std::vector<std::string> keys;
  for (const FindingRecord& r : found) {
    keys.push_back(r.key);
    EXPECT_EQ(r.kind, "runaway_cost");
    EXPECT_NE(r.json.find("the p95 of"), std::string::npos) << r.json;
    EXPECT_NE(r.json.find("25 recent 'invoke_agent orchestrator' traces"), std::string::npos)
        << r.json;
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"runaway_cost:agent:orchestrator",
                                            "runaway_cost:trace"}));
  for (const FindingRecord& r : found) {
    if (r.key == "runaway_cost:trace") {
      EXPECT_NE(r.json.find("budget of 1,845 tokens"), std::string::npos) << r.json;
    }
  }
}

TEST_F(CostWatcherBaselineTest, ATraceLikeTheOthersIsNot) {
  EXPECT_TRUE(Run(1100, NoQuietPeriod()).empty());
}

TEST_F(CostWatcherBaselineTest, TracesInProgressAreNotCountedUntilQuiet) {
  // With the default quiet period (30 s) none of the 25 traces has settled yet: no baseline.
  EXPECT_TRUE(Run(3700, CostWatcherOptions{}).empty());
}

TEST_F(CostWatcherBaselineTest, ATraceCountsOnceWithItsLatestCost) {
  TestStore spans;
  ASSERT_TRUE(spans.ok());
  auto store = FindingsStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  ServerMetrics metrics;
  CostWatcher watcher(spans.get(), store->get(), &metrics, NoQuietPeriod());
  // 20 traces, each offered 3 times growing to 1000 tokens (settling in between): 20 entries.
  for (int step = 1; step <= 3; ++step)
    for (int i = 0; i < 20; ++i) {
      watcher.Offer({OrchestratorTrace(static_cast<uint8_t>(i + 1), 1000 * step / 3)});
      watcher.Drain();
    }
  watcher.Offer({OrchestratorTrace(100, 1400)});  // below 1.5 x 1000
  watcher.Drain();
  EXPECT_TRUE((*store)->List({}).empty());
  watcher.Offer({OrchestratorTrace(100, 3000)});
  watcher.Drain();
  std::vector<FindingRecord> found = (*store)->List({});
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found[0].json.find("20 recent 'invoke_agent orchestrator' traces"), std::string::npos)
      << found[0].json;
}

}  // namespace
}  // namespace hoptrace
