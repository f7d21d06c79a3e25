#include "scripted_llm.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agents.h"

namespace hoptrace::demo {
namespace {

TEST(ScriptedLlmTest, EveryTurnIsUniqueAndComplete) {
  std::set<std::string> keys;
  for (const LlmTurn& turn : Script()) {
    EXPECT_TRUE(keys.insert(std::string(turn.agent) + "/" + std::string(turn.step)).second)
        << turn.agent << "/" << turn.step;
    EXPECT_FALSE(turn.model.empty());
    EXPECT_FALSE(turn.answer.empty());
    EXPECT_GT(turn.input_tokens, 0);
    EXPECT_GT(turn.output_tokens, 0);
  }
  ASSERT_NE(FindTurn("coder", "retry-6"), nullptr);
  EXPECT_EQ(FindTurn("coder", "retry-7"), nullptr);
  EXPECT_EQ(FindTurn("reviewer", "plan"), nullptr);
}

// The turns the agents make exist in the script (a missing one would be a ScriptError span).
TEST(ScriptedLlmTest, CoversWhatTheAgentsAsk) {
  for (const char* step : {"plan", "reason", "decompose", "synthesize", "report"}) {
    EXPECT_NE(FindTurn("orchestrator", step), nullptr) << step;
  }
  for (int n = 1; n <= kResearchTopics; ++n) {
    EXPECT_NE(FindTurn("researcher", "query-" + std::to_string(n)), nullptr);
    EXPECT_NE(FindTurn("researcher", "summarize-" + std::to_string(n)), nullptr);
  }
  for (int k = 1; k <= kStuckReads; ++k) {
    EXPECT_NE(FindTurn("coder", "retry-" + std::to_string(k)), nullptr);
  }
  for (const char* step : {"plan", "implement"}) EXPECT_NE(FindTurn("coder", step), nullptr);
  for (const char* step : {"review", "critique", "verdict"}) {
    EXPECT_NE(FindTurn("reviewer", step), nullptr) << step;
  }
}

// The planted token burner: the reviewer uses about ten times the tokens of any other agent.
TEST(ScriptedLlmTest, ReviewerBurnsTenTimesTheTokensOfEveryPeer) {
  const std::int64_t reviewer = ScriptedTokens("reviewer");
  for (const char* peer : {"orchestrator", "researcher", "coder"}) {
    EXPECT_GE(reviewer, 10 * ScriptedTokens(peer)) << peer;
  }
}

}  // namespace
}  // namespace hoptrace::demo
