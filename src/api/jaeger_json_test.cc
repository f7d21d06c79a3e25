#include "api/jaeger_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <limits>
#include <string>
#include <vector>

#include "api/api_test_util.h"

namespace hoptrace {
namespace {

Span Root() {
  Span s;
  s.trace_id = Id<16>(0x01);
  s.span_id = Id<8>(0xa1);
  s.name = "invoke_agent researcher";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1'700'000'000'000'001'999u;  // micros truncate
  s.end_unix_nano = 1'700'000'001'500'002'000u;
  s.attributes = {{"gen_ai.agent.name", AnyValue::String("researcher")}};
  s.resource.attributes = {{"service.name", AnyValue::String("svc")},
                           {"host.name", AnyValue::String("h1")}};
  s.derived.service = "svc";
  s.derived.agent = "researcher";
  s.derived.operation = "agent";
  return s;
}

Span Child() {
  Span s;
  s.trace_id = Id<16>(0x01);
  s.span_id = Id<8>(0xb1);
  s.parent_span_id = Id<8>(0xa1);
  s.name = "chat \"gpt-4o\"";
  s.kind = SpanKind::kClient;
  s.start_unix_nano = 1'700'000'000'100'000'000u;
  s.end_unix_nano = 1'700'000'000'600'000'000u;
  s.status_code = StatusCodeValue::kError;
  s.status_message = "rate limited";
  s.trace_state = "vendor=a";
  s.scope.name = "openai-instrumentation";
  s.scope.version = "1.2";
  s.attributes = {{"gen_ai.request.model", AnyValue::String("gpt-4o")}};
  s.resource.attributes = {{"service.name", AnyValue::String("llm-gw")}};
  SpanEvent event;
  event.time_unix_nano = 1'700'000'000'200'000'000u;
  event.name = "first token";
  event.attributes = {{"n", AnyValue::Int(3)}};
  s.events.push_back(event);
  SpanLink link;
  link.trace_id.fill(0x11);
  link.span_id.fill(0x22);
  s.links.push_back(link);
  s.derived.service = "llm-gw";
  s.derived.agent = "researcher";
  s.derived.operation = "llm";
  s.derived.model = "gpt-4o";
  s.derived.provider = "openai";
  s.derived.input_tokens = 1200;
  s.derived.output_tokens = 300;
  s.derived.total_tokens = 1500;
  s.derived.cost_usd = 0.0045;
  return s;
}

constexpr char kRootSpanJson[] =
    R"({"traceID":"0102030405060708090a0b0c0d0e0f10","spanID":"a1a2a3a4a5a6a7a8","flags":1,)"
    R"("operationName":"invoke_agent researcher","references":[],)"
    R"("startTime":1700000000000001,"duration":1500000,)"
    R"("tags":[{"key":"gen_ai.agent.name","type":"string","value":"researcher"},)"
    R"({"key":"span.kind","type":"string","value":"server"},)"
    R"({"key":"hoptrace.agent","type":"string","value":"researcher"},)"
    R"({"key":"hoptrace.operation","type":"string","value":"agent"}],)"
    R"("logs":[],"processID":"p1","warnings":null})";

constexpr char kChildSpanJson[] =
    R"({"traceID":"0102030405060708090a0b0c0d0e0f10","spanID":"b1b2b3b4b5b6b7b8","flags":1,)"
    R"("operationName":"chat \"gpt-4o\"",)"
    R"("references":[{"refType":"CHILD_OF","traceID":"0102030405060708090a0b0c0d0e0f10",)"
    R"("spanID":"a1a2a3a4a5a6a7a8"},{"refType":"FOLLOWS_FROM",)"
    R"("traceID":"11111111111111111111111111111111","spanID":"2222222222222222"}],)"
    R"("startTime":1700000000100000,"duration":500000,)"
    R"("tags":[{"key":"gen_ai.request.model","type":"string","value":"gpt-4o"},)"
    R"({"key":"span.kind","type":"string","value":"client"},)"
    R"({"key":"otel.status_code","type":"string","value":"ERROR"},)"
    R"({"key":"error","type":"bool","value":true},)"
    R"({"key":"otel.status_description","type":"string","value":"rate limited"},)"
    R"({"key":"w3c.tracestate","type":"string","value":"vendor=a"},)"
    R"({"key":"otel.scope.name","type":"string","value":"openai-instrumentation"},)"
    R"({"key":"otel.scope.version","type":"string","value":"1.2"},)"
    R"({"key":"hoptrace.agent","type":"string","value":"researcher"},)"
    R"({"key":"hoptrace.operation","type":"string","value":"llm"},)"
    R"({"key":"hoptrace.model","type":"string","value":"gpt-4o"},)"
    R"({"key":"hoptrace.provider","type":"string","value":"openai"},)"
    R"({"key":"hoptrace.input_tokens","type":"int64","value":1200},)"
    R"({"key":"hoptrace.output_tokens","type":"int64","value":300},)"
    R"({"key":"hoptrace.total_tokens","type":"int64","value":1500},)"
    R"({"key":"hoptrace.cost_usd","type":"float64","value":0.0045}],)"
    R"("logs":[{"timestamp":1700000000200000,"fields":[)"
    R"({"key":"event","type":"string","value":"first token"},)"
    R"({"key":"n","type":"int64","value":3}]}],)"
    R"("processID":"p2","warnings":null})";

TEST(JaegerJsonTest, TraceWithProcesses) {
  Span other_host = Root();
  other_host.span_id = Id<8>(0xc1);
  other_host.resource.attributes[1].value = AnyValue::String("h2");
  std::string out;
  AppendJaegerTrace(&out, Id<16>(0x01), {Root(), Child(), Root(), other_host});
  EXPECT_TRUE(ParsesAsJson(out));
  std::string root_again = kRootSpanJson;
  std::string other = kRootSpanJson;
  other.replace(other.find("a1a2a3a4a5a6a7a8"), 16, "c1c2c3c4c5c6c7c8");
  other.replace(other.find("\"p1\""), 4, "\"p3\"");
  const std::string expected =
      std::string(R"({"traceID":"0102030405060708090a0b0c0d0e0f10","spans":[)") + kRootSpanJson +
      "," + kChildSpanJson + "," + root_again + "," + other +
      R"(],"processes":{"p1":{"serviceName":"svc","tags":[)"
      R"({"key":"host.name","type":"string","value":"h1"}]},)"
      R"("p2":{"serviceName":"llm-gw","tags":[]},)"
      R"("p3":{"serviceName":"svc","tags":[{"key":"host.name","type":"string","value":"h2"}]}},)"
      R"("warnings":null})";
  EXPECT_EQ(out, expected);
}

TEST(JaegerJsonTest, AttributeTypes) {
  Span s = Root();
  s.kind = SpanKind::kUnspecified;
  s.derived = AgentFields{};
  s.resource.attributes.clear();
  s.attributes = {
      {"s", AnyValue::String("h\xc3\xa9llo \"q\"")},
      {"b", AnyValue::Bool(false)},
      {"i", AnyValue::Int(-42)},
      {"d", AnyValue::Double(2.5)},
      {"nan", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())},
      {"inf", AnyValue::Double(-std::numeric_limits<double>::infinity())},
      {"bytes", AnyValue::Bytes("\x01\x02")},
      {"arr", AnyValue::Array({AnyValue::Int(1), AnyValue::String("x")})},
      {"kv", AnyValue::KvList({{"k", AnyValue::Bool(true)}})},
      {"empty", AnyValue()},
  };
  std::string out;
  AppendJaegerTrace(&out, s.trace_id, {s});
  EXPECT_TRUE(ParsesAsJson(out));
  const std::string tags =
      R"("tags":[{"key":"s","type":"string","value":"h)"
      "\xc3\xa9"
      R"(llo \"q\""},{"key":"b","type":"bool","value":false},)"
      R"({"key":"i","type":"int64","value":-42},{"key":"d","type":"float64","value":2.5},)"
      R"({"key":"nan","type":"string","value":"NaN"},)"
      R"({"key":"inf","type":"string","value":"-Infinity"},)"
      R"({"key":"bytes","type":"binary","value":"AQI="},)"
      R"({"key":"arr","type":"string","value":"[1,\"x\"]"},)"
      R"({"key":"kv","type":"string","value":"{\"k\":true}"},)"
      R"({"key":"empty","type":"string","value":""}],)";
  EXPECT_NE(out.find(tags), std::string::npos) << out;
  // No resource: a process with no tags; no derived service: unknown_service.
  EXPECT_NE(out.find(R"("processes":{"p1":{"serviceName":"unknown_service","tags":[]}})"),
            std::string::npos)
      << out;
}

TEST(JaegerJsonTest, AddedTagsGiveWayToAttributes) {
  Span s = Child();
  s.events.clear();
  s.links.clear();
  s.attributes = {{"span.kind", AnyValue::String("rpc")},
                  {"hoptrace.model", AnyValue::String("mine")},
                  {"error", AnyValue::String("timeout")}};
  std::string out;
  AppendJaegerTrace(&out, s.trace_id, {s});
  EXPECT_TRUE(ParsesAsJson(out));
  auto count = [&](std::string_view needle) {
    size_t n = 0;
    for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(R"("key":"span.kind")"), 1u);
  EXPECT_EQ(count(R"("key":"hoptrace.model")"), 1u);
  EXPECT_EQ(count(R"("value":"mine")"), 1u);
  // "error":"timeout" does not mark the span as failed for Jaeger clients: error=true is added.
  EXPECT_EQ(count(R"({"key":"error","type":"bool","value":true})"), 1u);
  s.attributes = {{"error", AnyValue::Bool(true)}};
  out.clear();
  AppendJaegerTrace(&out, s.trace_id, {s});
  EXPECT_EQ(count(R"("key":"error")"), 1u);
}

TEST(JaegerJsonTest, WrapperUsageAndEventNamedEvent) {
  Span s = Child();
  s.derived.usage_counted = false;
  s.events[0].attributes.push_back({"event", AnyValue::String("custom")});
  s.status_code = StatusCodeValue::kOk;
  s.status_message.clear();
  std::string out;
  AppendJaegerTrace(&out, s.trace_id, {s});
  EXPECT_TRUE(ParsesAsJson(out));
  EXPECT_NE(out.find(R"({"key":"hoptrace.usage_counted","type":"bool","value":false})"),
            std::string::npos);
  EXPECT_NE(out.find(R"({"key":"otel.status_code","type":"string","value":"OK"})"),
            std::string::npos);
  EXPECT_EQ(out.find(R"("key":"error")"), std::string::npos);
  EXPECT_EQ(out.find("otel.status_description"), std::string::npos);
  EXPECT_NE(out.find(R"("fields":[{"key":"n","type":"int64","value":3},)"
                     R"({"key":"event","type":"string","value":"custom"}])"),
            std::string::npos)
      << out;
}

TEST(JaegerJsonTest, Envelopes) {
  EXPECT_EQ(JaegerStringsJson({"a", "b\"c"}),
            R"({"data":["a","b\"c"],"total":2,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(JaegerStringsJson({}), R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(JaegerOperationsJson({{"chat", SpanKind::kClient}, {"run", SpanKind::kUnspecified}}),
            R"({"data":[{"name":"chat","spanKind":"client"},{"name":"run","spanKind":""}],)"
            R"("total":2,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(JaegerErrorJson(400, "service: required"),
            R"({"data":null,"total":0,"limit":0,"offset":0,)"
            R"("errors":[{"code":400,"msg":"service: required"}]})");
  EXPECT_EQ(JaegerTracesJson({}), R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");
  const std::string traces = JaegerTracesJson(
      {{Root()}, {}}, {{0, "trace not found", "00000000000000000000000000000abc"}});
  EXPECT_TRUE(ParsesAsJson(traces));
  EXPECT_EQ(traces, std::string(R"({"data":[{"traceID":"0102030405060708090a0b0c0d0e0f10",)"
                                R"("spans":[)") +
                        kRootSpanJson +
                        R"(],"processes":{"p1":{"serviceName":"svc","tags":[)"
                        R"({"key":"host.name","type":"string","value":"h1"}]}},"warnings":null}],)"
                        R"("total":1,"limit":0,"offset":0,"errors":[{"msg":"trace not found",)"
                        R"("traceID":"00000000000000000000000000000abc"}]})");
  EXPECT_EQ(JaegerSpanKind(SpanKind::kProducer), "producer");
  EXPECT_EQ(JaegerSpanKind(SpanKind::kConsumer), "consumer");
  EXPECT_EQ(JaegerSpanKind(SpanKind::kInternal), "internal");
}

}  // namespace
}  // namespace hoptrace
