#include "api/api_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "api/api_test_util.h"
#include "common/json.h"

namespace hoptrace {
namespace {

Span RootSpan() {
  Span s;
  s.trace_id = Id<16>(0x01);
  s.span_id = Id<8>(0xa1);
  s.name = "agent run";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1700000000000000000u;
  s.end_unix_nano = 1700000001500000000u;
  s.attributes = {{"gen_ai.agent.name", AnyValue::String("orchestrator")}};
  s.resource.attributes = {{"service.name", AnyValue::String("svc")}};
  s.scope.name = "hoptrace";
  s.scope.version = "0.1.0";
  s.flags = 1;
  s.derived.service = "svc";
  s.derived.agent = "orchestrator";
  s.derived.operation = "agent";
  s.derived.usage_counted = false;
  return s;
}

Span ChildSpan() {
  Span s;
  s.trace_id = Id<16>(0x01);
  s.span_id = Id<8>(0xb1);
  s.parent_span_id = Id<8>(0xa1);
  s.name = "chat \"gpt\"\n";
  s.kind = SpanKind::kClient;
  s.start_unix_nano = 1700000000100000000u;
  s.end_unix_nano = 1700000000600000000u;
  s.status_code = StatusCodeValue::kError;
  s.status_message = "tab\there\x01";
  s.trace_state = "vendor=a";
  s.attributes = {
      {"s", AnyValue::String("h\xc3\xa9llo \\ \"q\"")},
      {"b", AnyValue::Bool(true)},
      {"i", AnyValue::Int(-42)},
      {"d", AnyValue::Double(2.5)},
      {"nan", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())},
      {"bytes", AnyValue::Bytes("\x01\x02")},
      {"arr", AnyValue::Array({AnyValue::Int(1), AnyValue::String("x"), AnyValue()})},
      {"kv", AnyValue::KvList({{"k", AnyValue::Bool(false)},
                               {"nested", AnyValue::Array({AnyValue::Double(0.1)})}})},
      {"empty", AnyValue()},
      {"s", AnyValue::String("dup")},  // a repeated key: the first value wins
  };
  s.resource.attributes = {{"service.name", AnyValue::String("svc")}};
  SpanEvent event;
  event.time_unix_nano = 1700000000200000000u;
  event.name = "first token";
  event.attributes = {{"n", AnyValue::Int(3)}};
  s.events.push_back(event);
  SpanLink link;
  link.trace_id.fill(0x11);
  link.span_id.fill(0x22);
  link.trace_state = "not=shown";
  link.attributes = {{"link.kind", AnyValue::String("follows")}};
  s.links.push_back(link);
  s.derived.service = "svc";
  s.derived.agent = "orchestrator";
  s.derived.operation = "llm";
  s.derived.model = "gpt-4o";
  s.derived.provider = "openai";
  s.derived.input_tokens = 1200;
  s.derived.output_tokens = 300;
  s.derived.total_tokens = 1500;
  s.derived.cost_usd = 0.0045;
  return s;
}

constexpr char kRootJson[] =
    R"({"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"a1a2a3a4a5a6a7a8",)"
    R"("parent_span_id":null,"name":"agent run","kind":"server",)"
    R"("start_unix_nano":"1700000000000000000","end_unix_nano":"1700000001500000000",)"
    R"("duration_ns":"1500000000","status":{"code":"unset","message":""},"service":"svc",)"
    R"("agent":"orchestrator","operation":"agent","model":null,"provider":null,"tool":null,)"
    R"("input_tokens":0,"output_tokens":0,"total_tokens":0,"cost_usd":0,)"
    R"("attributes":{"gen_ai.agent.name":"orchestrator"},"resource":{"service.name":"svc"},)"
    R"("events":[],"links":[],"usage_counted":false,"trace_state":"","flags":1,)"
    R"("scope":{"name":"hoptrace","version":"0.1.0"}})";

constexpr char kChildJson[] =
    R"({"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"b1b2b3b4b5b6b7b8",)"
    R"("parent_span_id":"a1a2a3a4a5a6a7a8","name":"chat \"gpt\"\n","kind":"client",)"
    R"("start_unix_nano":"1700000000100000000","end_unix_nano":"1700000000600000000",)"
    R"("duration_ns":"500000000","status":{"code":"error","message":"tab\there\u0001"},)"
    R"("service":"svc","agent":"orchestrator","operation":"llm","model":"gpt-4o",)"
    R"("provider":"openai","tool":null,"input_tokens":1200,"output_tokens":300,)"
    R"("total_tokens":1500,"cost_usd":0.0045,)"
    R"("attributes":{"s":"h)"
    "\xc3\xa9"
    R"(llo \\ \"q\"","b":true,"i":-42,"d":2.5,"nan":"NaN","bytes":"AQI=",)"
    R"("arr":[1,"x",null],"kv":{"k":false,"nested":[0.1]},"empty":null},)"
    R"("resource":{"service.name":"svc"},)"
    R"("events":[{"time_unix_nano":"1700000000200000000","name":"first token",)"
    R"("attributes":{"n":3}}],)"
    R"("links":[{"trace_id":"11111111111111111111111111111111","span_id":"2222222222222222",)"
    R"("attributes":{"link.kind":"follows"}}],)"
    R"("usage_counted":true,"trace_state":"vendor=a","flags":0,)"
    R"("scope":{"name":"","version":""}})";

TEST(ApiJsonTest, RootSpan) {
  std::string out;
  AppendSpanJson(&out, RootSpan());
  EXPECT_EQ(out, kRootJson);
  EXPECT_TRUE(ParsesAsJson(out));
}

TEST(ApiJsonTest, ChildSpanWithEveryValueType) {
  std::string out;
  AppendSpanJson(&out, ChildSpan());
  EXPECT_EQ(out, kChildJson);
  EXPECT_TRUE(ParsesAsJson(out));
}

TEST(ApiJsonTest, AppendsToExistingText) {
  std::string out = "[";
  AppendSpanJson(&out, RootSpan());
  out += "]";
  EXPECT_EQ(out, std::string("[") + kRootJson + "]");
}

TEST(ApiJsonTest, EndBeforeStartHasZeroDuration) {
  Span s = RootSpan();
  s.end_unix_nano = s.start_unix_nano - 1;
  std::string out;
  AppendSpanJson(&out, s);
  EXPECT_NE(out.find(R"("duration_ns":"0")"), std::string::npos) << out;
}

TEST(ApiJsonTest, NonFiniteCostIsNull) {
  Span s = RootSpan();
  s.derived.cost_usd = std::numeric_limits<double>::infinity();
  std::string out;
  AppendSpanJson(&out, s);
  EXPECT_NE(out.find(R"("cost_usd":null)"), std::string::npos) << out;
  EXPECT_TRUE(ParsesAsJson(out));
}

TEST(ApiJsonTest, ManyRepeatedAttributesKeepFirst) {
  Span s = RootSpan();
  s.attributes.clear();
  std::string expected = "{";
  for (int i = 0; i < 40; ++i) {
    std::string key = "k";
    key += std::to_string(i % 20);
    s.attributes.push_back({key, AnyValue::Int(i)});
    if (i < 20) {
      if (i) expected += ",";
      AppendJsonString(&expected, key);
      expected += ":";
      expected += std::to_string(i);
    }
  }
  expected += "}";
  std::string out;
  AppendSpanJson(&out, s);
  EXPECT_NE(out.find("\"attributes\":" + expected + ","), std::string::npos) << out;
  EXPECT_TRUE(ParsesAsJson(out));
}

TEST(ApiJsonTest, Trace) {
  std::string out = TraceJson(Id<16>(0x01), {RootSpan(), ChildSpan()});
  EXPECT_EQ(out, std::string(R"({"trace_id":"0102030405060708090a0b0c0d0e0f10","spans":[)") +
                     kRootJson + "," + kChildJson + "]}");
  EXPECT_TRUE(ParsesAsJson(out));
  EXPECT_EQ(TraceJson(Id<16>(0xf0), {}),
            R"({"trace_id":"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff","spans":[]})");
}

TEST(ApiJsonTest, TraceSummaries) {
  TraceSummary a;
  a.trace_id = Id<16>(0x01);
  a.root_name = "run \"all\"";
  a.root_service = "svc";
  a.start_unix_nano = 1700000000000000000u;
  a.end_unix_nano = 1700000002000000000u;
  a.span_count = 12;
  a.error_count = 1;
  a.agents = {"coder", "orchestrator"};
  a.input_tokens = 1000;
  a.output_tokens = 250;
  a.total_tokens = 1250;
  a.cost_usd = 0.125;
  TraceSummary b;
  b.trace_id = Id<16>(0xa0);
  b.start_unix_nano = 5;
  b.end_unix_nano = 4;  // clock skew: duration 0
  b.cost_usd = std::numeric_limits<double>::quiet_NaN();
  std::string out = TraceSummariesJson({a, b});
  EXPECT_EQ(out,
            R"({"traces":[)"
            R"({"trace_id":"0102030405060708090a0b0c0d0e0f10","root_name":"run \"all\"",)"
            R"("root_service":"svc","start_unix_nano":"1700000000000000000",)"
            R"("duration_ns":"2000000000","span_count":12,"error_count":1,)"
            R"("agents":["coder","orchestrator"],"input_tokens":1000,"output_tokens":250,)"
            R"("total_tokens":1250,"cost_usd":0.125},)"
            R"({"trace_id":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","root_name":"","root_service":"",)"
            R"("start_unix_nano":"5","duration_ns":"0","span_count":0,"error_count":0,)"
            R"("agents":[],"input_tokens":0,"output_tokens":0,"total_tokens":0,)"
            R"("cost_usd":null}]})");
  EXPECT_TRUE(ParsesAsJson(out));
  EXPECT_EQ(TraceSummariesJson({}), R"({"traces":[]})");
}

TEST(ApiJsonTest, GroupKeyNames) {
  EXPECT_EQ(GroupKeyName({GroupField::kAgent, ""}), "agent");
  EXPECT_EQ(GroupKeyName({GroupField::kModel, ""}), "model");
  EXPECT_EQ(GroupKeyName({GroupField::kProvider, ""}), "provider");
  EXPECT_EQ(GroupKeyName({GroupField::kTool, ""}), "tool");
  EXPECT_EQ(GroupKeyName({GroupField::kService, ""}), "service");
  EXPECT_EQ(GroupKeyName({GroupField::kOperation, ""}), "operation");
  EXPECT_EQ(GroupKeyName({GroupField::kName, ""}), "name");
  EXPECT_EQ(GroupKeyName({GroupField::kStatus, ""}), "status");
  EXPECT_EQ(GroupKeyName({GroupField::kAttribute, "user.id"}), "attr.user.id");
}

TEST(ApiJsonTest, StatsWithAttributeKeys) {
  std::vector<GroupKey> keys = {{GroupField::kAgent, ""},
                                {GroupField::kModel, ""},
                                {GroupField::kAttribute, "user \"id\""},
                                {GroupField::kStatus, ""}};
  AggregateRow r1;
  r1.key = {"orchestrator", "gpt-4o", "u\\1", "ok"};
  r1.spans = 3;
  r1.errors = 1;
  r1.input_tokens = 10;
  r1.output_tokens = 20;
  r1.total_tokens = 30;
  r1.cost_usd = 0.25;
  r1.p50_ms = 1.5;
  r1.p95_ms = 12;
  r1.p99_ms = 120.25;
  AggregateRow r2;
  r2.key = {"", "m"};  // empty and missing values are null
  r2.spans = 1;
  std::string out = StatsJson(keys, {r1, r2});
  EXPECT_EQ(out,
            R"({"rows":[)"
            R"({"agent":"orchestrator","model":"gpt-4o","attr.user \"id\"":"u\\1","status":"ok",)"
            R"("spans":3,"errors":1,"input_tokens":10,"output_tokens":20,"total_tokens":30,)"
            R"("cost_usd":0.25,"p50_ms":1.5,"p95_ms":12,"p99_ms":120.25},)"
            R"({"agent":null,"model":"m","attr.user \"id\"":null,"status":null,)"
            R"("spans":1,"errors":0,"input_tokens":0,"output_tokens":0,"total_tokens":0,)"
            R"("cost_usd":0,"p50_ms":0,"p95_ms":0,"p99_ms":0}]})");
  EXPECT_TRUE(ParsesAsJson(out));
}

TEST(ApiJsonTest, StatsWithoutGroupKeys) {
  AggregateRow row;
  row.spans = 7;
  row.p99_ms = std::numeric_limits<double>::infinity();
  std::string out = StatsJson({}, {row});
  EXPECT_EQ(out, R"({"rows":[{"spans":7,"errors":0,"input_tokens":0,"output_tokens":0,)"
                 R"("total_tokens":0,"cost_usd":0,"p50_ms":0,"p95_ms":0,"p99_ms":null}]})");
  EXPECT_TRUE(ParsesAsJson(out));
  EXPECT_EQ(StatsJson({}, {}), R"({"rows":[]})");
}

TEST(ApiJsonTest, Error) {
  std::string out = ErrorJson("bad parameter \"limit\": -1\n");
  EXPECT_EQ(out, R"({"error":"bad parameter \"limit\": -1\n"})");
  EXPECT_TRUE(ParsesAsJson(out));
}

}  // namespace
}  // namespace hoptrace
