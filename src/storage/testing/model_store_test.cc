// Runs the conformance suite against ModelStore (so the suite itself is checked even before any
// real backend exists), plus a few checks of the model's own definitions.
#include "storage/testing/model_store.h"

#include <gtest/gtest.h>

#include "storage/testing/span_store_conformance.h"

namespace hoptrace {
namespace {

INSTANTIATE_TEST_SUITE_P(Model, SpanStoreConformanceTest,
                         ::testing::Values(SpanStoreBackend{
                             "model",
                             [](const std::string&) -> std::unique_ptr<SpanStore> {
                               return std::make_unique<ModelStore>();
                             },
                             nullptr, false}),
                         SpanStoreBackendName);

TEST(NearestRankPercentileTest, FollowsTheDocumentedDefinition) {
  EXPECT_EQ(NearestRankPercentileMs({}, 50), 0);
  EXPECT_EQ(NearestRankPercentileMs({7}, 50), 7);
  EXPECT_EQ(NearestRankPercentileMs({7}, 99), 7);
  EXPECT_EQ(NearestRankPercentileMs({4, 1, 3, 2}, 50), 2);     // rank ceil(2.0) = 2
  EXPECT_EQ(NearestRankPercentileMs({4, 1, 3, 2}, 95), 4);     // rank ceil(3.8) = 4
  EXPECT_EQ(NearestRankPercentileMs({5, 1, 4, 2, 3}, 50), 3);  // rank ceil(2.5) = 3
  std::vector<double> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(i);
  EXPECT_EQ(NearestRankPercentileMs(twenty, 95), 19);  // exactly 19, no floating rounding
  EXPECT_EQ(NearestRankPercentileMs(twenty, 99), 20);
}

TEST(SpanMatchesTest, AttributeFilterUsesTheFirstAttributeWithTheKey) {
  Span s;
  s.attributes = {{"k", AnyValue::String("first")}, {"k", AnyValue::String("second")}};
  SpanFilter f;
  f.attributes = {{"k", "first"}};
  EXPECT_TRUE(SpanMatches(f, s));
  f.attributes = {{"k", "second"}};
  EXPECT_FALSE(SpanMatches(f, s));
  f.attributes = {{"absent", ""}};
  EXPECT_FALSE(SpanMatches(f, s));
}

}  // namespace
}  // namespace hoptrace
