#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

TraceBuilder ThreeAgents(int64_t heavy_tokens) {
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 1000);
  b.Llm(root, "boss", "m1", 1, 10, 1000, 100);
  int a = b.Agent(root, "a", 11, 100);
  b.Llm(a, "a", "m1", 12, 20, 1200, 100);
  int h = b.Agent(root, "heavy", 101, 200);
  b.Llm(h, "heavy", "m2", 102, 150, heavy_tokens, 0);
  return b;
}

TEST(EvaluateCost, AgentOutlierWithoutABaseline) {
  TraceBuilder b = ThreeAgents(20000);  // 20000 vs a median of (1100, 1300) = 1200 -> 16.7x
  std::vector<Finding> f = EvaluateCost(b.spans, CostBudgets{}, nullptr);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kRunawayCost);
  EXPECT_EQ(f[0].agent, "heavy");
  EXPECT_EQ(f[0].key, "runaway_cost:agent:heavy");
  EXPECT_EQ(f[0].wasted_tokens, 20000 - 12000);
  EXPECT_EQ(f[0].span_ids.size(), 1u);
  EXPECT_TRUE(EvaluateCost(ThreeAgents(5000).spans, CostBudgets{}, nullptr).empty());
}

TEST(EvaluateCost, ConfiguredBudgets) {
  TraceBuilder b = ThreeAgents(5000);
  CostBudgets budgets;
  budgets.per_trace.max_tokens = 5000;
  budgets.per_agent["a"].max_tokens = 1000;
  budgets.per_model["m2"].max_cost_usd = 0.001;
  std::vector<Finding> f = EvaluateCost(b.spans, budgets, nullptr);
  std::vector<std::string> keys;
  for (const Finding& x : f) keys.push_back(x.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"runaway_cost:trace", "runaway_cost:agent:a",
                                            "runaway_cost:model:m2"}));
  EXPECT_EQ(f[0].wasted_tokens, 7400 - 5000);
}

TEST(EvaluateCost, RelativeToTheBaselineP95) {
  std::vector<TraceCost> recent;
  for (int i = 0; i < 40; ++i) recent.push_back(SummarizeCost(ThreeAgents(4000 + i * 10).spans));
  CostBaseline base = ComputeCostBaseline(recent);
  EXPECT_EQ(base.trace_count, 40);
  EXPECT_EQ(base.root_name, "invoke_agent boss");
  EXPECT_EQ(base.p95_agent_tokens["heavy"], 4000 + 37 * 10);  // nearest rank: 38th of 40
  EXPECT_TRUE(EvaluateCost(ThreeAgents(4300).spans, CostBudgets{}, &base).empty());
  std::vector<Finding> f = EvaluateCost(ThreeAgents(9000).spans, CostBudgets{}, &base);
  ASSERT_EQ(f.size(), 2u);  // the trace and the heavy agent
  EXPECT_EQ(f[0].key, "runaway_cost:trace");
  EXPECT_EQ(f[1].key, "runaway_cost:agent:heavy");
}

TEST(EvaluateCost, ClimbingRateOnlyWhileInProgress) {
  TraceBuilder b;
  int root = b.Agent(-1, "loop", 0, 0);
  // Windows of 60 s: 1000, 2000, 4000 tokens; the trace started before them.
  const double minute = 60'000;
  int64_t per_window[3] = {1000, 2000, 4000};
  for (int w = 0; w < 3; ++w) {
    for (int k = 0; k < 4; ++k) {
      double s = minute * (w + 1) + 1000 * k + 100;
      b.Llm(root, "loop", "m", s, s + 500, per_window[w] / 4, 0);
    }
  }
  b.spans[root].end_unix_nano = testing::Ms(4 * minute);
  CostBudgets budgets;
  budgets.agent_outlier_ratio = 0;
  EXPECT_TRUE(EvaluateCost(b.spans, budgets, nullptr, /*in_progress=*/false).empty());
  std::vector<Finding> f = EvaluateCost(b.spans, budgets, nullptr, /*in_progress=*/true);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].key, "runaway_cost:rate");
  const AnyValue* rates = FindAttribute(f[0].evidence, "tokens_per_window");
  ASSERT_NE(rates, nullptr);
  ASSERT_EQ(rates->array_value.size(), 3u);
  EXPECT_EQ(rates->array_value[2].int_value, 4000);
  // A flat rate is not climbing.
  for (Span& s : b.spans)
    if (s.derived.operation == "llm") s.derived.total_tokens = 500;
  EXPECT_TRUE(EvaluateCost(b.spans, budgets, nullptr, true).empty());
}

TEST(EvaluateCost, UncountedWrapperUsageIsNotAdded) {
  TraceBuilder b = ThreeAgents(1000);
  int w = b.Llm(0, "boss", "m1", 500, 600, 1'000'000, 0);
  b.spans[w].derived.usage_counted = false;
  EXPECT_TRUE(EvaluateCost(b.spans, CostBudgets{}, nullptr).empty());
  EXPECT_EQ(SummarizeCost(b.spans).tokens, 1100 + 1300 + 1000);
}

}  // namespace
}  // namespace hoptrace::analysis
