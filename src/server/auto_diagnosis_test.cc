#include "server/auto_diagnosis.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "analysis/test_traces.h"
#include "server/test_server.h"

namespace hoptrace {
namespace {

using analysis::testing::DemoTrace;
using analysis::testing::MakeDemoTrace;
using std::chrono::seconds;

class AutoDiagnosisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.ok());
    findings_dir_ = store_.dir() + "/findings";
    auto f = FindingsStore::Open(findings_dir_);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    findings_ = std::move(*f);
  }

  std::set<std::string> Kinds(const TraceId& trace) {
    FindingsQuery q;
    q.trace_id = ToHex(trace);
    q.limit = 1000;
    std::set<std::string> kinds;
    for (const FindingRecord& r : findings_->List(q)) kinds.insert(r.kind);
    return kinds;
  }

  TestStore store_;
  std::string findings_dir_;
  std::unique_ptr<FindingsStore> findings_;
  ServerMetrics metrics_;
  DiagnosisService diagnosis_{store_.get()};
};

TEST_F(AutoDiagnosisTest, ATraceIsDiagnosedOnceQuietAndItsFindingsRecorded) {
  AutoDiagnosisOptions o;
  o.background = false;
  o.quiet = seconds(10);
  AutoDiagnoser d(&diagnosis_, findings_.get(), &metrics_, o);
  DemoTrace demo = MakeDemoTrace();
  const TraceId id = demo.spans[0].trace_id;
  ASSERT_TRUE(store_->Append(demo.spans).ok());
  const auto t0 = std::chrono::steady_clock::now();
  d.Touch({id});
  EXPECT_EQ(d.DiagnoseQuiet(t0 + seconds(5)), 0u) << "still active";
  EXPECT_TRUE(Kinds(id).empty());
  EXPECT_EQ(d.DiagnoseQuiet(t0 + seconds(11)), 1u);
  EXPECT_EQ(d.pending(), 0u);
  const std::set<std::string> kinds = Kinds(id);
  for (const char* k : {"comb", "straggler", "root_cause", "runaway_cost"})
    EXPECT_TRUE(kinds.count(k)) << k;
  const std::string metrics = metrics_.Render(StoreStats{});
  EXPECT_NE(metrics.find("hoptrace_auto_diagnosis_total{result=\"diagnosed\"} 1"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hoptrace_findings_total{kind=\"comb\"} 1"), std::string::npos);
  // Touched again later (more spans): diagnosed again, findings upserted, not duplicated.
  d.Touch({id});
  EXPECT_EQ(d.DiagnoseQuiet(std::chrono::steady_clock::now() + seconds(11)), 1u);
  EXPECT_EQ(Kinds(id), kinds);
  EXPECT_NE(metrics_.Render(StoreStats{}).find("hoptrace_findings_total{kind=\"comb\"} 1"),
            std::string::npos);
}

TEST_F(AutoDiagnosisTest, AcrossTracesTheBrokenPropagationGroupIsRecorded) {
  AutoDiagnosisOptions o;
  o.background = false;
  AutoDiagnoser d(&diagnosis_, findings_.get(), &metrics_, o);
  DemoTrace demo = MakeDemoTrace(/*break_propagation=*/true);
  ASSERT_TRUE(store_->Append(demo.spans).ok());
  ASSERT_TRUE(store_->Append(demo.reviewer_spans).ok());
  d.Touch({demo.spans[0].trace_id, demo.reviewer_spans[0].trace_id});
  EXPECT_EQ(d.DiagnoseQuiet(std::chrono::steady_clock::now() + seconds(60)), 2u);
  EXPECT_TRUE(Kinds(demo.spans[0].trace_id).count("broken_propagation"));
}

TEST_F(AutoDiagnosisTest, UnknownTracesFailQuietlyAndTheBacklogIsBounded) {
  AutoDiagnosisOptions o;
  o.background = false;
  o.max_pending = 100;
  AutoDiagnoser d(&diagnosis_, findings_.get(), &metrics_, o);
  std::vector<TraceId> ids;
  for (int i = 0; i < 150; ++i) {
    TraceId t{};
    t[0] = static_cast<uint8_t>(i);
    t[15] = 1;
    ids.push_back(t);
  }
  d.Touch(ids);
  EXPECT_LE(d.pending(), 100u);
  const size_t waiting = d.pending();
  EXPECT_EQ(d.DiagnoseQuiet(std::chrono::steady_clock::now() + seconds(60)), waiting);
  const std::string metrics = metrics_.Render(StoreStats{});
  EXPECT_NE(metrics.find("hoptrace_auto_diagnosis_total{result=\"failed\"} " +
                         std::to_string(waiting)),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hoptrace_auto_diagnosis_total{result=\"skipped\"} " +
                         std::to_string(150 - waiting)),
            std::string::npos) << metrics;
}

TEST_F(AutoDiagnosisTest, TheWorkerThreadDiagnosesInTheBackground) {
  AutoDiagnosisOptions o;
  o.quiet = std::chrono::milliseconds(50);
  o.tick = std::chrono::milliseconds(10);
  AutoDiagnoser d(&diagnosis_, findings_.get(), &metrics_, o);
  DemoTrace demo = MakeDemoTrace();
  ASSERT_TRUE(store_->Append(demo.spans).ok());
  d.Touch({demo.spans[0].trace_id});
  // Findings are recorded one by one: wait for the one checked.
  for (int i = 0; i < 500 && !Kinds(demo.spans[0].trace_id).count("comb"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(Kinds(demo.spans[0].trace_id).count("comb"));
}

}  // namespace
}  // namespace hoptrace
