#include "cli/budget_flags.h"

#include <gtest/gtest.h>

namespace hoptrace::cli {
namespace {

TEST(BudgetFlagsTest, TokensDollarsAndSuffixes) {
  std::map<std::string, analysis::Budget> b;
  EXPECT_EQ(ParseBudgetList("reviewer=150000,coder=20k,gpt-4o=1.5m,reviewer=$2.50", &b),
            std::nullopt);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b["reviewer"].max_tokens, 150000);
  EXPECT_DOUBLE_EQ(b["reviewer"].max_cost_usd, 2.5);
  EXPECT_EQ(b["coder"].max_tokens, 20000);
  EXPECT_EQ(b["coder"].max_cost_usd, 0);
  EXPECT_EQ(b["gpt-4o"].max_tokens, 1500000);
}

TEST(BudgetFlagsTest, BadItemsNameThemselvesAndChangeNothing) {
  std::map<std::string, analysis::Budget> b;
  b["kept"].max_tokens = 5;
  for (const char* bad : {"", "reviewer", "=100", "reviewer=", "reviewer=lots", "a=1,b=x",
                          "a=$", "a=$0", "a=$-1", "a=0", "a=1.5", "a=-5", "a=1e9"}) {
    auto err = ParseBudgetList(bad, &b);
    ASSERT_TRUE(err.has_value()) << bad;
    EXPECT_FALSE(err->empty());
    EXPECT_EQ(b.size(), 1u) << bad;
  }
  auto err = ParseBudgetList("ok=10,broken=x", &b);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("broken=x"), std::string::npos) << *err;
  EXPECT_EQ(b.count("ok"), 0u);
}

}  // namespace
}  // namespace hoptrace::cli
