// Unit tests of ResolveTrace: agent inheritance and the wrapper (no double count) rule, in any
// arrival order and across requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "normalize/normalize.h"

namespace hoptrace {
namespace {

TraceId Trace(uint8_t n) {
  TraceId t{};
  t[15] = n;
  return t;
}
SpanId Id(uint8_t n) {
  SpanId s{};
  s[7] = n;
  return s;
}

// A span of trace 1 with id `id`, parent `parent` (0 = root), own agent and usage.
Span MakeSpan(uint8_t id, uint8_t parent, std::string agent = "", int64_t input = 0,
              int64_t output = 0) {
  Span s;
  s.trace_id = Trace(1);
  s.span_id = Id(id);
  if (parent != 0) s.parent_span_id = Id(parent);
  s.name = "span" + std::to_string(id);
  s.derived.agent = std::move(agent);
  s.derived.input_tokens = input;
  s.derived.output_tokens = output;
  s.derived.total_tokens = input + output;
  return s;
}

std::vector<Span*> Ptrs(std::vector<Span>& spans) {
  std::vector<Span*> out;
  for (Span& s : spans) out.push_back(&s);
  return out;
}

std::map<uint8_t, AgentFields> ById(const std::vector<Span>& spans) {
  std::map<uint8_t, AgentFields> out;
  for (const Span& s : spans) out[s.span_id[7]] = s.derived;
  return out;
}

TEST(ResolveAgentTest, NearestAncestorWithAnAgent) {
  // 1(orchestrator) -> 2 -> 3(researcher) -> 4 ; 1 -> 5
  std::vector<Span> spans = {MakeSpan(1, 0, "orchestrator"), MakeSpan(2, 1),
                             MakeSpan(3, 2, "researcher"), MakeSpan(4, 3), MakeSpan(5, 1)};
  ResolveReport r = ResolveTrace(&spans);
  auto d = ById(spans);
  EXPECT_EQ(d[1].agent, "orchestrator");
  EXPECT_EQ(d[2].agent, "orchestrator");
  EXPECT_EQ(d[3].agent, "researcher");
  EXPECT_EQ(d[4].agent, "researcher");
  EXPECT_EQ(d[5].agent, "orchestrator");
  EXPECT_EQ(r.agents_inherited, 3u);
  EXPECT_EQ(r.missing_parents, 0u);
}

TEST(ResolveAgentTest, EveryArrivalOrderGivesTheSameResult) {
  std::vector<Span> base = {MakeSpan(1, 0, "a"), MakeSpan(2, 1), MakeSpan(3, 2, "b"),
                            MakeSpan(4, 3), MakeSpan(5, 2)};
  std::vector<int> order = {0, 1, 2, 3, 4};
  do {
    std::vector<Span> spans;
    for (int i : order) spans.push_back(base[i]);
    ResolveTrace(&spans);
    auto d = ById(spans);
    ASSERT_EQ(d[2].agent, "a");
    ASSERT_EQ(d[4].agent, "b");
    ASSERT_EQ(d[5].agent, "a");
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(ResolveAgentTest, ChildrenFirstThenTheParentInALaterRequest) {
  std::vector<Span> spans = {MakeSpan(3, 2), MakeSpan(2, 1)};  // request 1: no root yet
  ResolveReport first = ResolveTrace(&spans);
  EXPECT_EQ(first.missing_parents, 1u);
  EXPECT_EQ(ById(spans)[3].agent, "");
  spans.push_back(MakeSpan(1, 0, "planner"));  // request 2
  ResolveReport second = ResolveTrace(&spans);
  EXPECT_EQ(second.agents_inherited, 2u);
  EXPECT_EQ(ById(spans)[3].agent, "planner");
  // Idempotent: running again changes nothing.
  std::vector<Span> before = spans;
  ResolveReport third = ResolveTrace(&spans);
  EXPECT_EQ(third.agents_inherited, 0u);
  EXPECT_EQ(third.usage_uncounted, 0u);
  EXPECT_EQ(before, spans);
}

TEST(ResolveAgentTest, CyclesSelfParentsAndOtherTracesAreTolerated) {
  std::vector<Span> cycle = {MakeSpan(1, 2), MakeSpan(2, 1), MakeSpan(3, 1)};
  ResolveTrace(&cycle);
  EXPECT_EQ(ById(cycle)[3].agent, "");

  std::vector<Span> self = {MakeSpan(1, 1, "")};
  EXPECT_EQ(ResolveTrace(&self).missing_parents, 1u);

  std::vector<Span> mixed = {MakeSpan(1, 0, "a"), MakeSpan(2, 1)};
  mixed[1].trace_id = Trace(2);  // same parent span id, different trace: not its parent
  ResolveReport r = ResolveTrace(&mixed);
  EXPECT_EQ(ById(mixed)[2].agent, "");
  EXPECT_EQ(r.missing_parents, 1u);
}

TEST(ResolveUsageTest, AgentSpanSummingItsChildrenIsNotCounted) {
  std::vector<Span> spans = {MakeSpan(1, 0, "a", 100, 10), MakeSpan(2, 1, "", 60, 5),
                             MakeSpan(3, 1, "", 40, 5), MakeSpan(4, 1)};
  ResolveReport r = ResolveTrace(&spans);
  auto d = ById(spans);
  EXPECT_FALSE(d[1].usage_counted);
  EXPECT_TRUE(d[2].usage_counted);
  EXPECT_TRUE(d[3].usage_counted);
  EXPECT_EQ(r.usage_uncounted, 1u);
}

TEST(ResolveUsageTest, WrapperArrivingAfterItsChildren) {
  std::vector<Span> spans = {MakeSpan(2, 1, "", 60, 5)};
  ResolveTrace(&spans);
  EXPECT_TRUE(spans[0].derived.usage_counted);
  spans.push_back(MakeSpan(1, 0, "a", 60, 5));
  ResolveTrace(&spans);
  auto d = ById(spans);
  EXPECT_TRUE(d[2].usage_counted);
  EXPECT_FALSE(d[1].usage_counted);
}

TEST(ResolveUsageTest, ChildWithUsageArrivingAfterItsWrapper) {
  // The trace-level flag only ever flips true -> false as spans arrive.
  std::vector<Span> spans = {MakeSpan(1, 0, "a", 60, 5)};
  ResolveTrace(&spans);
  EXPECT_TRUE(spans[0].derived.usage_counted);
  spans.push_back(MakeSpan(2, 1, "", 60, 5));
  ResolveReport r = ResolveTrace(&spans);
  EXPECT_EQ(r.usage_uncounted, 1u);
  EXPECT_FALSE(ById(spans)[1].usage_counted);
}

TEST(ResolveUsageTest, OnlyTheInnermostOfNestedLlmSpansCounts) {
  // LangChain LLM span around the OpenAI client's LLM span around nothing.
  std::vector<Span> spans = {MakeSpan(1, 0, "", 9, 9), MakeSpan(2, 1, "", 9, 9),
                             MakeSpan(3, 2, "", 9, 9)};
  ResolveTrace(&spans);
  auto d = ById(spans);
  EXPECT_FALSE(d[1].usage_counted);
  EXPECT_FALSE(d[2].usage_counted);
  EXPECT_TRUE(d[3].usage_counted);
}

TEST(ResolveUsageTest, SpansWithoutUsageBetweenAreSeenThrough) {
  std::vector<Span> spans = {MakeSpan(1, 0, "", 50, 5), MakeSpan(2, 1), MakeSpan(3, 2, "", 50, 5)};
  ResolveTrace(&spans);
  EXPECT_FALSE(ById(spans)[1].usage_counted);
}

TEST(ResolveUsageTest, UsageWithoutCountedDescendantsStaysCounted) {
  std::vector<Span> spans = {MakeSpan(1, 0, "a", 100, 10), MakeSpan(2, 1), MakeSpan(3, 1)};
  ResolveTrace(&spans);
  EXPECT_TRUE(ById(spans)[1].usage_counted);
}

TEST(ResolveUsageTest, PerSpanUncountedChildDoesNotMakeItsParentAWrapper) {
  // task(no usage) -> agent(usage) -> turn(usage, never counted) ; the agent's usage is the
  // only counted copy.
  std::vector<Span> spans = {MakeSpan(1, 0), MakeSpan(2, 1, "a", 57, 17),
                             MakeSpan(3, 2, "", 57, 17)};
  spans[2].derived.usage_counted = false;
  ResolveTrace(&spans);
  auto d = ById(spans);
  EXPECT_TRUE(d[2].usage_counted);
  EXPECT_FALSE(d[3].usage_counted);
  // ...but a counted generation below the turn makes the agent a wrapper.
  spans.push_back(MakeSpan(4, 3, "", 57, 17));
  ResolveTrace(&spans);
  d = ById(spans);
  EXPECT_FALSE(d[2].usage_counted);
  EXPECT_TRUE(d[4].usage_counted);
}

TEST(ResolveUsageTest, ExplicitCostWithoutTokensIsUsage) {
  std::vector<Span> spans = {MakeSpan(1, 0), MakeSpan(2, 1, "", 10, 1)};
  spans[0].derived.cost_usd = 0.5;
  ResolveTrace(&spans);
  EXPECT_FALSE(ById(spans)[1].usage_counted);
}

TEST(ResolveTest, PointerOverloadOverASubsetOfSpans) {
  std::vector<Span> spans = {MakeSpan(1, 0, "a"), MakeSpan(2, 1), MakeSpan(3, 2)};
  std::vector<Span*> ptrs = Ptrs(spans);
  ResolveTrace(ptrs);
  EXPECT_EQ(spans[2].derived.agent, "a");
  std::vector<Span*> none;
  EXPECT_EQ(ResolveTrace(none).agents_inherited, 0u);
}

}  // namespace
}  // namespace hoptrace
