#include "hoptrace/genai.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "hoptrace/hoptrace.h"

namespace hoptrace::genai {
namespace {

struct Harness {
  std::shared_ptr<InMemorySpanExporter> exporter = std::make_shared<InMemorySpanExporter>();
  std::shared_ptr<TracerProvider> provider;
  Tracer tracer;
  Harness() {
    TracerProviderOptions o;
    o.processors.push_back(std::make_shared<SimpleSpanProcessor>(exporter));
    provider = TracerProvider::Create(std::move(o));
    tracer = provider->GetTracer("genai_test");
  }
};

std::string Str(const SpanData& s, std::string_view key) {
  const AttributeValue* v = FindAttribute(s.attributes, key);
  return v != nullptr && v->is_string() ? v->as_string() : "<missing>";
}
std::int64_t Int(const SpanData& s, std::string_view key) {
  const AttributeValue* v = FindAttribute(s.attributes, key);
  return v != nullptr && v->is_int() ? v->as_int() : -1;
}

TEST(GenAiTest, AgentLlmToolTreeWithTheServerAttributeNames) {
  Harness h;
  {
    auto agent = InvokeAgent(h.tracer, "researcher", {.conversation_id = "c1"});
    auto scope = agent.Activate();
    {
      auto llm = Chat(h.tracer, "openai", "gpt-4o", {.max_tokens = 100});
      RecordResponse(llm, "gpt-4o-2024-08-06", "resp-1", {"stop"});
      RecordUsage(llm, {.input = 1200, .output = 300, .cache_read = 1000});
    }
    {
      auto tool = ExecuteTool(h.tracer, "read_file",
                              {.call_id = "call_1", .type = "function", .arguments = "{\"p\":1}"});
      RecordToolResult(tool, "contents");
    }
  }
  auto spans = h.exporter->GetFinishedSpans();
  ASSERT_EQ(spans.size(), 3u);
  const SpanData& llm = spans[0];
  const SpanData& tool = spans[1];
  const SpanData& agent = spans[2];

  EXPECT_EQ(agent.name, "invoke_agent researcher");
  EXPECT_EQ(agent.kind, SpanKind::kInternal);
  EXPECT_EQ(Str(agent, "gen_ai.operation.name"), "invoke_agent");
  EXPECT_EQ(Str(agent, "gen_ai.agent.name"), "researcher");
  EXPECT_EQ(Str(agent, "agent.name"), "researcher");
  EXPECT_EQ(Str(agent, "gen_ai.conversation.id"), "c1");

  EXPECT_EQ(llm.name, "chat gpt-4o");
  EXPECT_EQ(llm.kind, SpanKind::kClient);
  EXPECT_EQ(llm.parent_span_id, agent.context.span_id());
  EXPECT_EQ(Str(llm, "gen_ai.operation.name"), "chat");
  EXPECT_EQ(Str(llm, "gen_ai.provider.name"), "openai");
  EXPECT_EQ(Str(llm, "gen_ai.system"), "openai");
  EXPECT_EQ(Str(llm, "gen_ai.request.model"), "gpt-4o");
  EXPECT_EQ(Str(llm, "gen_ai.response.model"), "gpt-4o-2024-08-06");
  EXPECT_EQ(Str(llm, "gen_ai.response.id"), "resp-1");
  EXPECT_EQ(Int(llm, "gen_ai.request.max_tokens"), 100);
  EXPECT_EQ(Int(llm, "gen_ai.usage.input_tokens"), 1200);
  EXPECT_EQ(Int(llm, "gen_ai.usage.output_tokens"), 300);
  EXPECT_EQ(Int(llm, "gen_ai.usage.cache_read.input_tokens"), 1000);
  EXPECT_EQ(FindAttribute(llm.attributes, "gen_ai.usage.reasoning.output_tokens"), nullptr);

  EXPECT_EQ(tool.name, "execute_tool read_file");
  EXPECT_EQ(Str(tool, "gen_ai.operation.name"), "execute_tool");
  EXPECT_EQ(Str(tool, "gen_ai.tool.name"), "read_file");
  EXPECT_EQ(Str(tool, "agent.tool.name"), "read_file");
  EXPECT_EQ(Str(tool, "gen_ai.tool.call.id"), "call_1");
  EXPECT_EQ(Str(tool, "gen_ai.tool.type"), "function");
  EXPECT_EQ(Str(tool, "gen_ai.tool.call.arguments"), "{\"p\":1}");
  EXPECT_EQ(Str(tool, "gen_ai.tool.call.result"), "contents");
}

TEST(GenAiTest, FileOperationHandoffAndErrors) {
  Harness h;
  {
    auto f = FileOperation(h.tracer, "write", "/tmp/out.py", {.size = 42});
    try {
      throw std::runtime_error("disk full");
    } catch (const std::exception& e) {
      RecordError(f, e);
    }
  }
  Handoff(h.tracer, "orchestrator", "coder", {.reason = "needs code"}).End();
  auto spans = h.exporter->GetFinishedSpans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& f = spans[0];
  EXPECT_EQ(f.name, "file.write");
  EXPECT_EQ(Str(f, "file.path"), "/tmp/out.py");
  EXPECT_EQ(Str(f, "file.operation"), "write");
  EXPECT_EQ(Int(f, "file.size"), 42);
  EXPECT_EQ(f.status_code, StatusCode::kError);
  EXPECT_EQ(f.status_message, "disk full");
  EXPECT_EQ(Str(f, "error.type"), "std::runtime_error");
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].name, "exception");
  EXPECT_EQ(*FindAttribute(f.events[0].attributes, "exception.type"),
            AttributeValue("std::runtime_error"));
  EXPECT_EQ(*FindAttribute(f.events[0].attributes, "exception.message"),
            AttributeValue("disk full"));

  const SpanData& hand = spans[1];
  EXPECT_EQ(hand.name, "handoff orchestrator -> coder");
  EXPECT_EQ(Str(hand, "gen_ai.operation.name"), "handoff");
  EXPECT_EQ(Str(hand, "gen_ai.agent.name"), "orchestrator");
  EXPECT_EQ(Str(hand, "handoff.from_agent"), "orchestrator");
  EXPECT_EQ(Str(hand, "handoff.to_agent"), "coder");
  EXPECT_EQ(Str(hand, "handoff.reason"), "needs code");
}

TEST(GenAiTest, HelpersAreNoopsWithoutAProvider) {
  Tracer noop;
  auto agent = InvokeAgent(noop, "a");
  auto llm = Chat(noop, "openai", "m");
  RecordUsage(llm, {.input = 1, .output = 2});
  RecordError(llm, "t", "m");
  EXPECT_FALSE(agent.IsRecording());
  EXPECT_FALSE(llm.IsRecording());
}

}  // namespace
}  // namespace hoptrace::genai
