#include <gtest/gtest.h>

#include <numeric>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

const AnyValue* Ev(const Finding& f, std::string_view key) {
  return FindAttribute(f.evidence, key);
}

TraceBuilder FanOut(const std::vector<double>& durations, double parent_end) {
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, parent_end);
  for (size_t i = 0; i < durations.size(); ++i)
    b.Agent(root, std::string(1, 'w').append(std::to_string(i)), 10, 10 + durations[i]);
  return b;
}

TEST(FindStragglers, TheChildGatingTheJoin) {
  TraceBuilder b = FanOut({100, 120, 500, 110}, 600);
  std::vector<Finding> f = FindStragglers(b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kStraggler);
  EXPECT_EQ(f[0].span_ids[0], b.spans[3].span_id);
  EXPECT_EQ(f[0].span_ids[1], b.spans[0].span_id);
  EXPECT_EQ(f[0].agent, "w2");
  EXPECT_EQ(Ev(f[0], "median_sibling_ns")->int_value, 110'000'000);
  EXPECT_EQ(Ev(f[0], "skew_ns")->int_value, 390'000'000);
  EXPECT_EQ(Ev(f[0], "parent_wait_ns")->int_value, 380'000'000);
}

TEST(FindStragglers, SimilarSiblingsAreFine) {
  EXPECT_TRUE(FindStragglers(FanOut({100, 120, 150, 110}, 600).spans).empty());
  // 1.9x: under the default ratio of 2.
  EXPECT_TRUE(FindStragglers(FanOut({100, 100, 190, 100}, 600).spans).empty());
  StragglerOptions o;
  o.min_ratio = 1.5;
  EXPECT_EQ(FindStragglers(FanOut({100, 100, 190, 100}, 600).spans, o).size(), 1u);
}

TEST(FindStragglers, NeedsThreeParallelChildrenAndAJoin) {
  EXPECT_TRUE(FindStragglers(FanOut({100, 500}, 600).spans).empty());
  // The parent ended before the slow child: no join (fire and forget).
  EXPECT_TRUE(FindStragglers(FanOut({100, 120, 500, 110}, 300).spans).empty());
  // Sequential children never form a fan-out.
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 1000);
  b.Agent(root, "a", 0, 10);
  b.Agent(root, "b", 10, 20);
  b.Agent(root, "c", 20, 500);
  EXPECT_TRUE(FindStragglers(b.spans).empty());
}

int64_t Sum(const std::vector<CriticalPathStep>& p) {
  int64_t s = 0;
  for (const auto& x : p) s += x.contribution_ns;
  return s;
}

TEST(CriticalPath, ThroughTheLastFinishingChild) {
  TraceBuilder b = FanOut({100, 120, 500, 110}, 600);
  std::vector<CriticalPathStep> p = CriticalPath(b.spans);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].span_id, b.spans[0].span_id);
  EXPECT_EQ(p[0].contribution_ns, 100'000'000);  // 0-10 and 510-600
  EXPECT_EQ(p[1].span_id, b.spans[3].span_id);
  EXPECT_EQ(p[1].contribution_ns, 500'000'000);
  EXPECT_EQ(Sum(p), b.spans[0].duration_ns());
}

TEST(CriticalPath, SequentialChainAndAsyncChildOutlivingItsParent) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  int x = b.Add(root, "x", "a", "", 0, 40);
  b.Add(x, "x1", "a", "", 5, 30);
  int y = b.Add(root, "y", "a", "", 40, 90);
  b.Add(y, "async", "a", "", 50, 300);  // outlives y and the root
  std::vector<CriticalPathStep> p = CriticalPath(b.spans);
  EXPECT_EQ(Sum(p), b.spans[root].duration_ns());
  std::vector<std::string> names;
  for (const auto& s : p)
    for (const Span& sp : b.spans)
      if (sp.span_id == s.span_id) names.push_back(sp.name);
  EXPECT_EQ(names, (std::vector<std::string>{"invoke_agent a", "x", "x1", "y", "async"}));
  // async is clipped to y's end (90): 40 ms; y contributes 40-50.
  EXPECT_EQ(p[4].contribution_ns, 40'000'000);
  EXPECT_EQ(p[3].contribution_ns, 10'000'000);
}

TEST(CriticalPath, EmptyTrace) { EXPECT_TRUE(CriticalPath({}).empty()); }

}  // namespace
}  // namespace hoptrace::analysis
