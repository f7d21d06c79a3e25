#include <gtest/gtest.h>

#include "otlp/decode.h"
#include "otlp/json_util.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

using otlp_testing::FindByName;
using otlp_testing::Sid;
using otlp_testing::Tid;

constexpr char kTrace[] = "trace_0123456789abcdef0123456789abcdef";
// The mapping of two ids of the fixture, pinned (ids are persisted).
constexpr char kPinnedSpanId[] = "9ef0f4d7077bb5ac";
constexpr char kPinnedRootId[] = "9c9c889a92f86d9b";

std::string Body(const std::string& items) { return R"({"data":[)" + items + "]}"; }

std::string SpanJson(std::string id, std::string parent, std::string span_data,
                     std::string extra = "") {
  return R"({"object":"trace.span","id":")" + id + R"(","trace_id":")" + kTrace +
         R"(","parent_id":)" + (parent.empty() ? "null" : "\"" + parent + "\"") +
         R"(,"started_at":"2025-01-01T12:00:00.123456+00:00","ended_at":"2025-01-01T12:00:01Z",)"
         R"("span_data":)" +
         span_data + extra + "}";
}

TEST(OtlpOpenAIAgentsTest, IdMapping) {
  EXPECT_EQ(OpenAIAgentsTraceId(kTrace), Tid("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(OpenAIAgentsTraceId("trace_0123456789ABCDEF0123456789ABCDEF"),
            Tid("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(OpenAIAgentsSpanId("span_0123456789abcdef"), Sid("0123456789abcdef"));
  // The SDK's span ids have 24 hex digits: hashed (XXH3-128 of the whole string), stable.
  EXPECT_EQ(ToHex(OpenAIAgentsSpanId("span_2de73e47a6af4840b9f45d4e")),
            ToHex(OpenAIAgentsSpanId("span_2de73e47a6af4840b9f45d4e")));
  EXPECT_NE(OpenAIAgentsSpanId("span_2de73e47a6af4840b9f45d4e"),
            OpenAIAgentsSpanId("span_2de73e47a6af4840b9f45d4f"));
  EXPECT_FALSE(IsZeroId(OpenAIAgentsSpanId("my-custom-id")));
  EXPECT_FALSE(IsZeroId(OpenAIAgentsTraceId("trace_00000000000000000000000000000000")));
  EXPECT_TRUE(IsZeroId(OpenAIAgentsSpanId("")));
  EXPECT_NE(OpenAIAgentsTraceRootSpanId(kTrace), OpenAIAgentsSpanId(kTrace));
  // Pinned values: these ids are persisted, the mapping must never change.
  EXPECT_EQ(ToHex(OpenAIAgentsSpanId("span_2de73e47a6af4840b9f45d4e")), kPinnedSpanId);
  EXPECT_EQ(ToHex(OpenAIAgentsTraceRootSpanId("trace_cecdf54f76114bbca17d42ac5f9a2ccd")),
            kPinnedRootId);
}

TEST(OtlpOpenAIAgentsTest, Iso8601) {
  uint64_t t = 0;
  ASSERT_TRUE(otlp_internal::ParseIso8601("2026-11-24T22:17:13.737Z", &t));
  EXPECT_EQ(t, 1795558633737000000u);
  ASSERT_TRUE(otlp_internal::ParseIso8601("2026-11-24T23:17:13.737000001+01:00", &t));
  EXPECT_EQ(t, 1795558633737000001u);
  ASSERT_TRUE(otlp_internal::ParseIso8601("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t, 0u);
  ASSERT_TRUE(otlp_internal::ParseIso8601("2024-02-29 00:00:00.5-0030", &t));
  EXPECT_EQ(t, 1709166600500000000u);
  for (const char* bad : {"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01",
                          "2024-01-01T00:00:00", "2024-01-01T24:00:00Z", "1969-12-31T23:59:59Z",
                          "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zx", "yesterday"}) {
    EXPECT_FALSE(otlp_internal::ParseIso8601(bad, &t)) << bad;
  }
}

TEST(OtlpOpenAIAgentsTest, SpanDataBecomesPrefixedAttributes) {
  auto batch = DecodeOpenAIAgentsJson(Body(SpanJson(
      "span_a", "span_parent",
      R"({"type":"generation","model":"gpt-4o","model_config":{},"temperature":0.5,"stream":false,)"
      R"("input":[{"role":"user","content":"hi"}],"output":null,)"
      R"("usage":{"input_tokens":10,"output_tokens":2,"details":{"cached":1}}})")));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 1u);
  const Span& s = batch->spans[0];
  EXPECT_EQ(s.name, "generation");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.trace_id, Tid("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(s.span_id, OpenAIAgentsSpanId("span_a"));
  EXPECT_EQ(s.parent_span_id, OpenAIAgentsSpanId("span_parent"));
  EXPECT_EQ(s.start_unix_nano, 1735732800123456000u);
  EXPECT_EQ(s.end_unix_nano, 1735732801000000000u);
  const Attributes want = {
      {"openai_agents.object", AnyValue::String("trace.span")},
      {"openai_agents.trace_id", AnyValue::String(kTrace)},
      {"openai_agents.span_id", AnyValue::String("span_a")},
      {"openai_agents.parent_id", AnyValue::String("span_parent")},
      {"openai_agents.span_data.type", AnyValue::String("generation")},
      {"openai_agents.span_data.model", AnyValue::String("gpt-4o")},
      {"openai_agents.span_data.model_config", AnyValue::String("{}")},
      {"openai_agents.span_data.temperature", AnyValue::Double(0.5)},
      {"openai_agents.span_data.stream", AnyValue::Bool(false)},
      {"openai_agents.span_data.input", AnyValue::String(R"([{"role":"user","content":"hi"}])")},
      {"openai_agents.span_data.usage.input_tokens", AnyValue::Int(10)},
      {"openai_agents.span_data.usage.output_tokens", AnyValue::Int(2)},
      {"openai_agents.span_data.usage.details.cached", AnyValue::Int(1)},
  };
  EXPECT_EQ(s.attributes, want);
  EXPECT_EQ(s.resource.attributes,
            (Attributes{{"telemetry.sdk.name", AnyValue::String("openai-agents")}}));
  EXPECT_EQ(s.scope.name, "openai-agents");
  EXPECT_EQ(s.status_code, StatusCodeValue::kUnset);
}

TEST(OtlpOpenAIAgentsTest, NamesAndErrors) {
  auto batch = DecodeOpenAIAgentsJson(Body(
      SpanJson("span_1", "", R"({"type":"agent","name":"triage","handoffs":["b"],"tools":[]})") +
      "," + SpanJson("span_2", "", R"({"type":"handoff","from_agent":"a","to_agent":"b"})") + "," +
      SpanJson(
          "span_3", "",
          R"({"type":"custom","name":"task","data":{"sdk_span_type":"task","name":"Agent workflow"}})") +
      "," +
      SpanJson("span_4", "", R"({"type":"custom","name":"turn","data":{"sdk_span_type":"turn"}})") +
      "," +
      SpanJson("span_5", "", R"({"type":"function","name":"get_weather"})",
               R"(,"error":{"message":"tool failed","data":{"code":5}})") +
      "," + SpanJson("span_6", "", "null", R"(,"error":"plain")")));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 6u);
  EXPECT_EQ(batch->spans[0].name, "triage");
  EXPECT_EQ(batch->spans[0].kind, SpanKind::kInternal);
  EXPECT_EQ(*FindAttribute(batch->spans[0].attributes, "openai_agents.span_data.handoffs"),
            AnyValue::String(R"(["b"])"));
  EXPECT_EQ(batch->spans[1].name, "handoff");
  EXPECT_EQ(batch->spans[2].name, "Agent workflow");
  EXPECT_EQ(batch->spans[3].name, "turn");
  const Span& failed = batch->spans[4];
  EXPECT_EQ(failed.name, "get_weather");
  EXPECT_EQ(failed.status_code, StatusCodeValue::kError);
  EXPECT_EQ(failed.status_message, "tool failed");
  EXPECT_EQ(*FindAttribute(failed.attributes, "openai_agents.error.data"),
            AnyValue::String(R"({"code":5})"));
  EXPECT_EQ(batch->spans[5].name, "span");
  EXPECT_EQ(batch->spans[5].status_message, "plain");
  for (const Span& s : batch->spans) EXPECT_TRUE(s.is_root()) << s.name;  // no trace object
}

TEST(OtlpOpenAIAgentsTest, TraceObjectBecomesTheRoot) {
  const std::string trace =
      R"({"object":"trace","id":")" + std::string(kTrace) +
      R"(","workflow_name":"wf","group_id":"g1","metadata":{"user":"u","n":2}})";
  const std::string body =
      Body(SpanJson("span_child", "span_top", R"({"type":"function","name":"f"})") + "," +
           SpanJson("span_top", "", R"({"type":"agent","name":"a"})") + "," + trace);
  OpenAIAgentsOptions with_root;
  with_root.trace_root_span = true;
  auto batch = DecodeOpenAIAgentsJson(body, with_root);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 3u);
  const Span& root = batch->spans[2];
  EXPECT_EQ(root.name, "wf");
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.span_id, OpenAIAgentsTraceRootSpanId(kTrace));
  EXPECT_EQ(root.start_unix_nano, batch->spans[1].start_unix_nano);
  EXPECT_EQ(root.end_unix_nano, batch->spans[1].end_unix_nano);
  EXPECT_EQ(*FindAttribute(root.attributes, "openai_agents.object"), AnyValue::String("trace"));
  EXPECT_EQ(*FindAttribute(root.attributes, "openai_agents.trace.metadata.user"),
            AnyValue::String("u"));
  EXPECT_EQ(*FindAttribute(root.attributes, "openai_agents.trace.metadata.n"), AnyValue::Int(2));
  EXPECT_EQ(batch->spans[1].parent_span_id, root.span_id);  // re-parented under the trace
  EXPECT_EQ(batch->spans[0].parent_span_id, OpenAIAgentsSpanId("span_top"));
  for (const Span& s : batch->spans) {
    EXPECT_EQ(*FindAttribute(s.attributes, "openai_agents.workflow_name"), AnyValue::String("wf"));
    EXPECT_EQ(*FindAttribute(s.attributes, "openai_agents.group_id"), AnyValue::String("g1"));
  }
  // A trace object without spans in the body adds nothing.
  auto alone = DecodeOpenAIAgentsJson(Body(trace));
  ASSERT_TRUE(alone.ok());
  EXPECT_TRUE(alone->spans.empty());
  // Flat mapping: no root, the top span stays a root.
  OpenAIAgentsOptions flat;
  flat.trace_root_span = false;
  auto flat_batch = DecodeOpenAIAgentsJson(body, flat);
  ASSERT_TRUE(flat_batch.ok());
  ASSERT_EQ(flat_batch->spans.size(), 2u);
  EXPECT_TRUE(flat_batch->spans[1].is_root());
}

TEST(OtlpOpenAIAgentsTest, RejectionsAndMissingEnd) {
  auto batch = DecodeOpenAIAgentsJson(Body(
      R"({"object":"trace.span","id":"s1","trace_id":"t1","started_at":"2025-01-01T00:00:00Z"},)"
      R"({"object":"trace.span","id":"s2","started_at":"2025-01-01T00:00:00Z"},)"
      R"({"object":"trace.span","trace_id":"t1","started_at":"2025-01-01T00:00:00Z"},)"
      R"({"object":"trace.span","id":"s3","trace_id":"t1","parent_id":5,"started_at":"2025-01-01T00:00:00Z"},)"
      R"({"object":"trace.span","id":"s4","trace_id":"t1"},)"
      R"({"object":"trace.span","id":"s5","trace_id":"t1","started_at":"2025-01-01T00:00:00Z","ended_at":"2024-01-01T00:00:00Z"},)"
      R"({"object":"trace.span","id":"s6","trace_id":"t1","started_at":"2025-01-01T00:00:00Z","span_data":[]},)"
      R"({"object":"trace.span","id":"s7","trace_id":"t1","started_at":"2025-01-01T00:00:00Z","ended_at":"soon"},)"
      R"({"object":"something.else"},"junk")"));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 1u);
  EXPECT_EQ(batch->spans[0].end_unix_nano, batch->spans[0].start_unix_nano);
  EXPECT_EQ(batch->rejected, 8u);
  EXPECT_EQ(batch->rejected_by_reason,
            (std::map<std::string, uint64_t>{{"invalid_trace_id", 1},
                                             {"invalid_span_id", 1},
                                             {"invalid_parent_span_id", 1},
                                             {"invalid_time", 2},
                                             {"end_before_start", 1},
                                             {"malformed_span", 2}}));
}

TEST(OtlpOpenAIAgentsTest, MalformedBodies) {
  for (const char* body : {"", "[]", R"({"data":{}})", R"({"data":[)", "7"}) {
    auto batch = DecodeOpenAIAgentsJson(body);
    ASSERT_FALSE(batch.ok()) << body;
    EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
  }
  for (const char* body : {"{}", R"({"data":null})", R"({"data":[]})"}) {
    auto batch = DecodeOpenAIAgentsJson(body);
    ASSERT_TRUE(batch.ok()) << body;
    EXPECT_TRUE(batch->spans.empty());
  }
}

}  // namespace
}  // namespace hoptrace
