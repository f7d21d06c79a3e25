#include "server/analysis_params.h"

#include <gtest/gtest.h>

namespace hoptrace {
namespace {

constexpr uint64_t kNow = 1'700'000'000'000'000'000ULL;

TEST(AnalysisParamsTest, Bools) {
  EXPECT_TRUE(*ParseBoolParam("tools", "true"));
  EXPECT_TRUE(*ParseBoolParam("tools", "1"));
  EXPECT_TRUE(*ParseBoolParam("tools", ""));
  EXPECT_FALSE(*ParseBoolParam("tools", "false"));
  EXPECT_FALSE(*ParseBoolParam("tools", "0"));
  auto bad = ParseBoolParam("tools", "yes");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("tools: ", 0), 0u) << bad.status().message();

  EXPECT_FALSE(*ParseSingleBool({}, "stitched"));
  EXPECT_TRUE(*ParseSingleBool({{"stitched", "true"}}, "stitched"));
  auto other = ParseSingleBool({{"tools", "true"}}, "stitched");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message().rfind("tools: unknown parameter", 0), 0u);
  auto twice = ParseSingleBool({{"stitched", "1"}, {"stitched", "0"}}, "stitched");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message().rfind("stitched: given more than once", 0), 0u);
}

TEST(AnalysisParamsTest, Graph) {
  auto p = ParseGraphParams({}, kNow);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, kDefaultGraphTraceLimit);
  EXPECT_FALSE(p->include_tools);
  p = ParseGraphParams({{"since", "1h"}, {"agent", "coder"}, {"tools", "true"}, {"limit", "50"}},
                       kNow);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->filter.start_min_unix_nano, kNow - 3'600'000'000'000ULL);
  EXPECT_EQ(p->filter.agent, "coder");
  EXPECT_TRUE(p->include_tools);
  EXPECT_EQ(p->limit, 50u);
  // The graph's limit goes far past /api/v1/traces' 10000 (W1 holds ~48,700 traces).
  p = ParseGraphParams({{"limit", "1000000"}}, kNow);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->limit, kMaxGraphTraceLimit);
  p = ParseGraphParams({{"limit", "48682"}}, kNow);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->limit, 48682u);
  for (const auto& [name, value] : QueryParams{{"limit", "0"},
                                               {"limit", "x"},
                                               {"limit", "1000001"},
                                               {"limit", "-5"},
                                               {"limit", "+5"},
                                               {"limit", "5 "},
                                               {"since", "soon"},
                                               {"tools", "2"},
                                               {"colour", "red"}}) {
    auto bad = ParseGraphParams({{name, value}}, kNow);
    ASSERT_FALSE(bad.ok()) << name;
    EXPECT_EQ(bad.status().message().rfind(name + ":", 0), 0u) << bad.status().message();
  }
}

TEST(AnalysisParamsTest, Findings) {
  auto p = ParseFindingsParams({}, kNow);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->since_unix_nano, 0u);
  EXPECT_FALSE(p->kind);
  EXPECT_EQ(p->limit, kDefaultFindingsLimit);
  p = ParseFindingsParams({{"since", "15m"},
                           {"kind", "runaway_cost"},
                           {"agent", "reviewer"},
                           {"trace_id", std::string(31, 'A') + "1"},
                           {"limit", "7"}},
                          kNow);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->since_unix_nano, kNow - 15 * 60'000'000'000ULL);
  EXPECT_EQ(*p->kind, analysis::FindingKind::kRunawayCost);
  EXPECT_EQ(p->agent, "reviewer");
  EXPECT_EQ(p->trace_id, std::string(31, 'a') + "1");
  EXPECT_EQ(p->limit, 7u);
  for (const auto& [name, value] : QueryParams{{"kind", "loop"}, {"limit", "10001"},
                                               {"trace_id", "abc"}, {"since", "-1"},
                                               {"severity", "critical"}}) {
    auto bad = ParseFindingsParams({{name, value}}, kNow);
    ASSERT_FALSE(bad.ok()) << name;
    EXPECT_EQ(bad.status().message().rfind(name + ":", 0), 0u) << bad.status().message();
  }
}

}  // namespace
}  // namespace hoptrace
