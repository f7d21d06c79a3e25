// Unit tests of DeriveAgentFields: each rule of DESIGN.md §4, each dialect generation.
#include <gtest/gtest.h>

#include "normalize/normalize.h"
#include "normalize/openai_agents.h"

namespace hoptrace {
namespace {

KeyValue S(std::string key, std::string value) {
  return {std::move(key), AnyValue::String(std::move(value))};
}
KeyValue I(std::string key, int64_t value) { return {std::move(key), AnyValue::Int(value)}; }
KeyValue D(std::string key, double value) { return {std::move(key), AnyValue::Double(value)}; }

Span MakeSpan(Attributes attrs, std::string name = "span") {
  Span s;
  s.name = std::move(name);
  s.attributes = std::move(attrs);
  return s;
}

const PriceTable& Prices() {
  static const PriceTable table = PriceTable::Builtin();
  return table;
}

AgentFields Derive(Attributes attrs, std::string name = "span", DeriveReport* report = nullptr) {
  Span s = MakeSpan(std::move(attrs), std::move(name));
  DeriveReport r = DeriveAgentFields(&s, Prices());
  if (report != nullptr) *report = r;
  return s.derived;
}

TEST(DeriveOtelGenAiTest, NewNames) {
  AgentFields d =
      Derive({S("gen_ai.operation.name", "chat"), S("gen_ai.provider.name", "openai"),
              S("gen_ai.request.model", "gpt-4o"), S("gen_ai.response.model", "gpt-4o-2024-08-06"),
              I("gen_ai.usage.input_tokens", 1200), I("gen_ai.usage.output_tokens", 85)});
  EXPECT_EQ(d.operation, "llm");
  EXPECT_EQ(d.provider, "openai");
  EXPECT_EQ(d.model, "gpt-4o-2024-08-06");  // response model before request model
  EXPECT_EQ(d.input_tokens, 1200);
  EXPECT_EQ(d.output_tokens, 85);
  EXPECT_EQ(d.total_tokens, 1285);  // input + output when no total is sent
  EXPECT_TRUE(d.usage_counted);
}

TEST(DeriveOtelGenAiTest, OldNames) {
  AgentFields d =
      Derive({S("gen_ai.operation.name", "chat"), S("gen_ai.system", "anthropic"),
              S("gen_ai.request.model", "claude-3-5-sonnet-20241022"),
              I("gen_ai.usage.prompt_tokens", 640), I("gen_ai.usage.completion_tokens", 210)});
  EXPECT_EQ(d.provider, "anthropic");
  EXPECT_EQ(d.model, "claude-3-5-sonnet-20241022");
  EXPECT_EQ(d.input_tokens, 640);
  EXPECT_EQ(d.output_tokens, 210);
}

TEST(DeriveOtelGenAiTest, NewNamesWinOverOldOnes) {
  AgentFields d =
      Derive({S("gen_ai.system", "old"), S("gen_ai.provider.name", "new"),
              I("gen_ai.usage.prompt_tokens", 1), I("gen_ai.usage.input_tokens", 2),
              I("gen_ai.usage.completion_tokens", 3), I("gen_ai.usage.output_tokens", 4)});
  EXPECT_EQ(d.provider, "new");
  EXPECT_EQ(d.input_tokens, 2);
  EXPECT_EQ(d.output_tokens, 4);
}

TEST(DeriveOtelGenAiTest, OperationValues) {
  const std::pair<const char*, const char*> cases[] = {
      {"chat", "llm"},
      {"text_completion", "llm"},
      {"generate_content", "llm"},
      {"embeddings", "embedding"},
      {"invoke_agent", "agent"},
      {"create_agent", "agent"},
      {"execute_tool", "tool"},
      {"retrieval", "retrieval"},
      {"invoke_workflow", "workflow"},
      {"CHAT", "llm"},
      {"execute_task", "task"},  // OpenLLMetry custom
      {"plan", "plan"},          // unknown: kept
  };
  for (const auto& [value, op] : cases) {
    EXPECT_EQ(Derive({S("gen_ai.operation.name", value)}).operation, op) << value;
  }
}

TEST(DeriveOpenInferenceTest, SpanKinds) {
  const std::pair<const char*, const char*> cases[] = {
      {"LLM", "llm"},           {"EMBEDDING", "embedding"}, {"CHAIN", "chain"},
      {"TOOL", "tool"},         {"AGENT", "agent"},         {"RETRIEVER", "retrieval"},
      {"RERANKER", "reranker"}, {"GUARDRAIL", "guardrail"}, {"UNKNOWN", ""},
  };
  for (const auto& [value, op] : cases) {
    EXPECT_EQ(Derive({S("openinference.span.kind", value)}).operation, op) << value;
  }
}

TEST(DeriveOpenInferenceTest, LlmSpan) {
  AgentFields d =
      Derive({S("openinference.span.kind", "LLM"), S("llm.model_name", "gpt-4o-mini-2024-07-18"),
              S("llm.system", "openai"), I("llm.token_count.prompt", 57),
              I("llm.token_count.completion", 17), I("llm.token_count.total", 74)});
  EXPECT_EQ(d.operation, "llm");
  EXPECT_EQ(d.model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(d.provider, "openai");  // llm.system when there is no llm.provider
  EXPECT_EQ(d.total_tokens, 74);
  EXPECT_GT(d.cost_usd, 0);
}

TEST(DeriveOpenInferenceTest, LlmProviderBeforeLlmSystem) {
  EXPECT_EQ(Derive({S("llm.system", "openai"), S("llm.provider", "azure")}).provider, "azure");
}

TEST(DeriveOperationTest, FirstSourceWins) {
  EXPECT_EQ(
      Derive({S("openinference.span.kind", "CHAIN"), S("gen_ai.operation.name", "chat")}).operation,
      "llm");
  EXPECT_EQ(
      Derive({S("traceloop.span.kind", "task"), S("openinference.span.kind", "TOOL")}).operation,
      "tool");
  // UNKNOWN falls through to the next source.
  EXPECT_EQ(
      Derive({S("openinference.span.kind", "UNKNOWN"), S("traceloop.span.kind", "task")}).operation,
      "task");
}

TEST(DeriveTraceloopTest, SpanKindsAndEntityName) {
  AgentFields wf = Derive(
      {S("traceloop.span.kind", "workflow"), S("traceloop.entity.name", "weather_workflow")});
  EXPECT_EQ(wf.operation, "workflow");
  EXPECT_EQ(wf.agent, "");  // the entity name is an agent only for kind=agent
  EXPECT_EQ(wf.tool, "");

  AgentFields agent =
      Derive({S("traceloop.span.kind", "agent"), S("traceloop.entity.name", "weather_agent")});
  EXPECT_EQ(agent.operation, "agent");
  EXPECT_EQ(agent.agent, "weather_agent");

  AgentFields tool =
      Derive({S("traceloop.span.kind", "tool"), S("traceloop.entity.name", "get_weather"),
              S("traceloop.entity.path", "")});
  EXPECT_EQ(tool.operation, "tool");
  EXPECT_EQ(tool.tool, "get_weather");

  EXPECT_EQ(Derive({S("traceloop.span.kind", "unknown")}).operation, "");
}

TEST(DeriveTraceloopTest, OldTotalTokensName) {
  AgentFields d = Derive({I("gen_ai.usage.prompt_tokens", 10),
                          I("gen_ai.usage.completion_tokens", 5), I("llm.usage.total_tokens", 15)});
  EXPECT_EQ(d.total_tokens, 15);
}

TEST(DeriveVercelTest, OperationIds) {
  const std::pair<const char*, const char*> cases[] = {
      {"ai.generateText.doGenerate", "llm"},
      {"ai.streamText.doStream", "llm"},
      {"ai.generateObject.doGenerate", "llm"},
      {"ai.streamObject.doStream", "llm"},
      {"ai.embed.doEmbed", "embedding"},
      {"ai.embedMany.doEmbed", "embedding"},
      {"ai.toolCall", "tool"},
      {"ai.somethingNew", ""},
  };
  for (const auto& [id, op] : cases) {
    AgentFields d = Derive({S("ai.operationId", id)});
    EXPECT_EQ(d.operation, op) << id;
    EXPECT_TRUE(d.usage_counted) << id;
  }
}

TEST(DeriveVercelTest, WrappersAreWorkflowsWhoseUsageIsNeverCounted) {
  for (const char* id : {"ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject",
                         "ai.embed", "ai.embedMany"}) {
    AgentFields d = Derive({S("ai.operationId", id), S("ai.model.id", "gpt-4o"),
                            I("ai.usage.inputTokens", 148), I("ai.usage.outputTokens", 29)});
    EXPECT_EQ(d.operation, "workflow") << id;
    EXPECT_FALSE(d.usage_counted) << id;
    EXPECT_EQ(d.input_tokens, 148) << id;  // still shown on the span
  }
}

TEST(DeriveVercelTest, TokenNameGenerations) {
  // v4/v5
  AgentFields v5 = Derive({S("ai.operationId", "ai.generateText.doGenerate"),
                           I("ai.usage.promptTokens", 11), I("ai.usage.completionTokens", 7)});
  EXPECT_EQ(v5.input_tokens, 11);
  EXPECT_EQ(v5.output_tokens, 7);
  EXPECT_EQ(v5.total_tokens, 18);
  // v6 / v7-legacy
  AgentFields v6 =
      Derive({S("ai.operationId", "ai.generateText.doGenerate"), I("ai.usage.inputTokens", 57),
              I("ai.usage.outputTokens", 17), I("ai.usage.totalTokens", 74)});
  EXPECT_EQ(v6.input_tokens, 57);
  EXPECT_EQ(v6.output_tokens, 17);
  EXPECT_EQ(v6.total_tokens, 74);
  // embeddings: ai.usage.tokens
  EXPECT_EQ(Derive({S("ai.operationId", "ai.embed.doEmbed"), I("ai.usage.tokens", 9)}).input_tokens,
            9);
}

TEST(DeriveVercelTest, ModelProviderToolConversation) {
  AgentFields llm = Derive(
      {S("ai.operationId", "ai.generateText.doGenerate"), S("ai.model.id", "mock-model-id"),
       S("ai.model.provider", "openai.chat"), S("ai.response.model", "mock-model-id-2025-01-01"),
       S("ai.telemetry.metadata.sessionId", "s-9"), S("ai.telemetry.functionId", "weather-agent")});
  EXPECT_EQ(llm.model, "mock-model-id");   // ai.model.id before ai.response.model
  EXPECT_EQ(llm.provider, "openai.chat");  // literal
  EXPECT_EQ(llm.conversation, "s-9");
  EXPECT_EQ(llm.agent, "");  // functionId is not an agent key
  AgentFields tool =
      Derive({S("ai.operationId", "ai.toolCall"), S("ai.toolCall.name", "getWeather")});
  EXPECT_EQ(tool.tool, "getWeather");
}

TEST(DeriveVercelTest, OperationNameAndResourceNameAttributesAreNotSemconv) {
  Span s = MakeSpan({S("operation.name", "chat"), S("resource.name", "weather-agent")});
  s.resource.attributes = {S("service.name", "svc")};
  DeriveAgentFields(&s, Prices());
  EXPECT_EQ(s.derived.operation, "");
  EXPECT_EQ(s.derived.service, "svc");
}

TEST(DeriveZipkinTest, StringTokenCounts) {
  AgentFields d =
      Derive({S("gen_ai.operation.name", "chat"), S("gen_ai.request.model", "gpt-4o"),
              S("gen_ai.usage.input_tokens", "1200"), S("gen_ai.usage.output_tokens", "85")});
  EXPECT_EQ(d.input_tokens, 1200);
  EXPECT_EQ(d.output_tokens, 85);
  EXPECT_NEAR(d.cost_usd, 0.00385, 1e-12);
}

TEST(DeriveTokensTest, UnparsableValueFallsThroughToTheNextKey) {
  AgentFields d = Derive({S("gen_ai.usage.input_tokens", "n/a"), I("llm.token_count.prompt", 7)});
  EXPECT_EQ(d.input_tokens, 7);
}

TEST(DeriveTokensTest, TotalOnlyCountsButIsUnpriced) {
  DeriveReport r;
  AgentFields d = Derive({S("gen_ai.request.model", "gpt-4o"), I("gen_ai.usage.total_tokens", 500)},
                         "span", &r);
  EXPECT_EQ(d.total_tokens, 500);
  EXPECT_EQ(d.input_tokens, 0);
  EXPECT_EQ(d.output_tokens, 0);
  EXPECT_EQ(d.cost_usd, 0);
  EXPECT_EQ(r.price_status, PriceStatus::kTotalOnly);
  EXPECT_TRUE(r.unpriced());
}

TEST(DeriveTokensTest, TotalAndOneHalfGiveTheOtherHalf) {
  DeriveReport r;
  AgentFields d = Derive({S("gen_ai.request.model", "gpt-4o"), I("gen_ai.usage.input_tokens", 400),
                          I("gen_ai.usage.total_tokens", 500)},
                         "span", &r);
  EXPECT_EQ(d.output_tokens, 100);
  EXPECT_EQ(r.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(d.cost_usd, (400 * 2.5 + 100 * 10.0) / 1e6, 1e-12);
}

TEST(DeriveAgentTest, Sources) {
  EXPECT_EQ(Derive({S("agent.name", "b"), S("gen_ai.agent.name", "a")}).agent, "a");
  EXPECT_EQ(Derive({S("agent.name", "b")}).agent, "b");
  EXPECT_EQ(Derive({S("gen_ai.agent.name", "")}).agent, "");  // empty counts as absent
}

TEST(DeriveAgentTest, OpenInferenceAgentSpanNameNeedsGraphNodeId) {
  EXPECT_EQ(Derive({S("openinference.span.kind", "AGENT"), S("graph.node.id", "triage_agent")},
                   "triage_agent")
                .agent,
            "triage_agent");
  // The openai-agents bridge's withTrace root: AGENT kind, no graph.node.id -> not an agent.
  EXPECT_EQ(Derive({S("openinference.span.kind", "AGENT")}, "weather workflow").agent, "");
  // An agent attribute wins over the span name.
  EXPECT_EQ(Derive({S("openinference.span.kind", "AGENT"), S("graph.node.id", "n"),
                    S("agent.name", "named")},
                   "span name")
                .agent,
            "named");
}

TEST(DeriveLangChainTest, AgentProviderAndModelFromMetadataJson) {
  AgentFields d =
      Derive({S("openinference.span.kind", "LLM"),
              S("metadata", R"({"lc_agent_name":"researcher","ls_provider":"openai",)"
                            R"("ls_model_name":"gpt-4o-mini","langgraph_node":"agent"})"),
              I("llm.token_count.prompt", 10), I("llm.token_count.completion", 2)});
  EXPECT_EQ(d.agent, "researcher");
  EXPECT_EQ(d.provider, "openai");
  EXPECT_EQ(d.model, "gpt-4o-mini");
  EXPECT_GT(d.cost_usd, 0);
}

TEST(DeriveLangChainTest, AttributesWinAndBadMetadataIsIgnored) {
  AgentFields d = Derive({S("metadata", R"({"lc_agent_name":"x","ls_provider":"openai"})"),
                          S("llm.provider", "azure"), S("gen_ai.agent.name", "real")});
  EXPECT_EQ(d.agent, "real");
  EXPECT_EQ(d.provider, "azure");
  EXPECT_EQ(Derive({S("metadata", "{not json")}).agent, "");
  EXPECT_EQ(Derive({S("metadata", "[1,2]")}).agent, "");
}

TEST(DeriveToolTest, SourcesInOrder) {
  EXPECT_EQ(Derive({S("tool.name", "c"), S("gen_ai.tool.name", "a")}).tool, "a");
  EXPECT_EQ(Derive({S("tool.name", "c"), S("agent.tool.name", "b")}).tool, "b");
  EXPECT_EQ(Derive({S("ai.toolCall.name", "d"), S("tool.name", "c")}).tool, "c");
  EXPECT_EQ(Derive({S("traceloop.span.kind", "tool"), S("traceloop.entity.name", "e"),
                    S("gen_ai.tool.name", "a")})
                .tool,
            "a");
}

TEST(DeriveConversationTest, SourcesInOrder) {
  EXPECT_EQ(Derive({S("session.id", "b"), S("gen_ai.conversation.id", "a")}).conversation, "a");
  EXPECT_EQ(Derive({S("ai.telemetry.metadata.sessionId", "c"), S("session.id", "b")}).conversation,
            "b");
  EXPECT_EQ(Derive({I("session.id", 42)}).conversation, "42");
}

TEST(DeriveServiceTest, ResourceThenSpanAttribute) {
  Span s = MakeSpan({S("service.name", "from-tag")});
  DeriveAgentFields(&s, Prices());
  EXPECT_EQ(s.derived.service, "from-tag");  // Zipkin copies resource attributes into tags
  s.resource.attributes = {S("service.name", "from-resource")};
  DeriveAgentFields(&s, Prices());
  EXPECT_EQ(s.derived.service, "from-resource");
}

TEST(DeriveCostTest, CachedInputAtItsOwnPrice) {
  DeriveReport r;
  AgentFields d =
      Derive({S("gen_ai.response.model", "gpt-4o-2024-11-20"), I("gen_ai.usage.input_tokens", 1000),
              I("gen_ai.usage.cache_read.input_tokens", 400), I("gen_ai.usage.output_tokens", 100)},
             "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(d.cost_usd, (600 * 2.5 + 400 * 1.25 + 100 * 10.0) / 1e6, 1e-12);
}

TEST(DeriveCostTest, CachedInputFromEachDialect) {
  for (const char* key :
       {"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
        "llm.token_count.prompt_details.cache_read", "ai.usage.cachedInputTokens",
        "ai.usage.inputTokenDetails.cacheReadTokens"}) {
    AgentFields d = Derive({S("gen_ai.request.model", "gpt-4o-mini"),
                            I("gen_ai.usage.input_tokens", 1000000), I(key, 1000000)});
    EXPECT_NEAR(d.cost_usd, 0.075, 1e-12) << key;
  }
}

TEST(DeriveCostTest, ExplicitCostWins) {
  DeriveReport r;
  AgentFields d = Derive({S("llm.model_name", "gpt-4o"), I("llm.token_count.prompt", 1000),
                          I("llm.token_count.completion", 1000), D("llm.cost.total", 0.25)},
                         "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kExplicit);
  EXPECT_DOUBLE_EQ(d.cost_usd, 0.25);
  AgentFields unknown = Derive({S("llm.model_name", "in-house-7b"), I("llm.token_count.prompt", 10),
                                S("llm.cost.total", "0.5")},
                               "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kExplicit);
  EXPECT_DOUBLE_EQ(unknown.cost_usd, 0.5);
}

TEST(DeriveCostTest, UnknownOrMissingModelIsUnpricedNotGuessed) {
  DeriveReport r;
  AgentFields d = Derive({S("gen_ai.request.model", "gpt-4o-turbo-ultra"),
                          I("gen_ai.usage.input_tokens", 10), I("gen_ai.usage.output_tokens", 10)},
                         "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kUnknownModel);
  EXPECT_EQ(d.cost_usd, 0);
  Derive({I("gen_ai.usage.input_tokens", 10)}, "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kUnknownModel);
  Derive({S("gen_ai.request.model", "gpt-4o")}, "span", &r);
  EXPECT_EQ(r.price_status, PriceStatus::kNoUsage);
  EXPECT_FALSE(r.unpriced());
}

TEST(DeriveCostTest, EmptyTableLeavesEverythingUnpriced) {
  Span s = MakeSpan({S("gen_ai.request.model", "gpt-4o"), I("gen_ai.usage.input_tokens", 10)});
  EXPECT_EQ(DeriveAgentFields(&s, PriceTable()).price_status, PriceStatus::kUnknownModel);
}

TEST(DeriveTest, OverwritesEarlierDerivedFieldsAndFirstDuplicateKeyWins) {
  Span s = MakeSpan({S("gen_ai.agent.name", "first"), S("gen_ai.agent.name", "second")});
  s.derived.agent = "stale";
  s.derived.tool = "stale";
  s.derived.usage_counted = false;
  DeriveAgentFields(&s, Prices());
  EXPECT_EQ(s.derived.agent, "first");
  EXPECT_EQ(s.derived.tool, "");
  EXPECT_TRUE(s.derived.usage_counted);
}

// OpenAI Agents native spans, flattened under the decoder's prefix.
Attributes Native(std::initializer_list<KeyValue> fields) {
  Attributes out;
  for (const KeyValue& kv : fields) {
    out.push_back({std::string(openai_agents::kSpanDataPrefix) + "." + kv.key, kv.value});
  }
  return out;
}

TEST(DeriveOpenAiAgentsTest, SpanTypes) {
  AgentFields agent = Derive(Native({S("type", "agent"), S("name", "triage_agent")}));
  EXPECT_EQ(agent.operation, "agent");
  EXPECT_EQ(agent.agent, "triage_agent");
  AgentFields fn = Derive(Native({S("type", "function"), S("name", "get_weather")}));
  EXPECT_EQ(fn.operation, "tool");
  EXPECT_EQ(fn.tool, "get_weather");
  AgentFields handoff = Derive(Native({S("type", "handoff"), S("from_agent", "a")}));
  EXPECT_EQ(handoff.operation, openai_agents::kHandoffOperation);
  EXPECT_EQ(Derive(Native({S("type", "guardrail")})).operation, "guardrail");
  EXPECT_EQ(Derive(Native({S("from_agent", "a")})).operation, "");  // no type: not native
}

TEST(DeriveOpenAiAgentsTest, GenerationUsageInEitherApiShape) {
  DeriveReport r;
  AgentFields responses = Derive(
      Native({S("type", "generation"), S("model", "gpt-4o"), I("usage.input_tokens", 1000),
              I("usage.input_tokens_details.cached_tokens", 1000), I("usage.output_tokens", 0)}),
      "generation", &r);
  EXPECT_EQ(responses.operation, "llm");
  EXPECT_EQ(responses.model, "gpt-4o");
  EXPECT_EQ(responses.input_tokens, 1000);
  EXPECT_EQ(r.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(responses.cost_usd, 1000 * 1.25 / 1e6, 1e-12);
  AgentFields chat = Derive(Native(
      {S("type", "generation"), S("model", "gpt-4o-mini"), I("output.0.usage.prompt_tokens", 57),
       I("output.0.usage.completion_tokens", 17), I("output.0.usage.total_tokens", 74)}));
  EXPECT_EQ(chat.input_tokens, 57);
  EXPECT_EQ(chat.output_tokens, 17);
  EXPECT_EQ(chat.total_tokens, 74);
  EXPECT_EQ(chat.provider, "");  // the native format names no provider
}

TEST(DeriveOpenAiAgentsTest, TraceRootSpanAndGroupId) {
  AgentFields root = Derive(
      {S("openai_agents.object", "trace"), S("openai_agents.workflow_name", "weather workflow"),
       S("openai_agents.group_id", "group_1")},
      "weather workflow");
  EXPECT_EQ(root.operation, "workflow");
  EXPECT_EQ(root.agent, "");
  EXPECT_EQ(root.conversation, "group_1");
  Attributes attrs = Native({S("type", "agent"), S("name", "a")});
  attrs.push_back(S("openai_agents.group_id", "group_1"));
  EXPECT_EQ(Derive(attrs).conversation, "group_1");
  EXPECT_EQ(Derive({S("openai_agents.span_id", "span_x")}).operation, "");
}

TEST(DeriveOpenAiAgentsTest, OutputArrayAsJsonTextIsParsedForUsage) {
  Attributes attrs = Native({S("type", "generation"), S("model", "gpt-4o-mini")});
  attrs.push_back(S("openai_agents.span_data.output",
                    R"([{"model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":91,)"
                    R"("completion_tokens":12,"prompt_tokens_details":{"cached_tokens":64}}}])"));
  DeriveReport r;
  AgentFields d = Derive(attrs, "generation", &r);
  EXPECT_EQ(d.input_tokens, 91);
  EXPECT_EQ(d.output_tokens, 12);
  EXPECT_EQ(r.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(d.cost_usd, (27 * 0.15 + 64 * 0.075 + 12 * 0.6) / 1e6, 1e-15);
}

TEST(DeriveOpenAiAgentsTest, TurnAndTaskSpansAreNeverCounted) {
  for (const char* name : {"turn", "task"}) {
    AgentFields d =
        Derive(Native({S("type", "custom"), S("name", name), I("data.usage.input_tokens", 57)}));
    EXPECT_EQ(d.operation, "chain") << name;
    EXPECT_FALSE(d.usage_counted) << name;
    EXPECT_EQ(d.input_tokens, 0) << name;
  }
  AgentFields by_sdk_type =
      Derive(Native({S("type", "custom"), S("name", "x"), S("data.sdk_span_type", "turn")}));
  EXPECT_FALSE(by_sdk_type.usage_counted);
  EXPECT_TRUE(Derive(Native({S("type", "custom"), S("name", "mine")})).usage_counted);
}

}  // namespace
}  // namespace hoptrace
