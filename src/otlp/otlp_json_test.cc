#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "otlp/decode.h"
#include "otlp/json_syntax.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

using otlp_testing::Sid;
using otlp_testing::Tid;

constexpr char kTraceHex[] = "5b8efff798038103d269b633813fc60c";

// A request with one span object whose members are `span_members` (after the ids).
std::string OneSpan(
    std::string_view span_members,
    std::string_view ids =
        R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174")") {
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)";
  body += ids;
  if (!span_members.empty()) {
    body += ',';
    body += span_members;
  }
  body += "}]}]}]}";
  return body;
}

Span DecodeOne(std::string_view body) {
  auto batch = DecodeOtlpJson(body);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (!batch.ok()) return Span{};
  EXPECT_EQ(batch->spans.size(), 1u) << batch->first_rejection;
  return batch->spans.empty() ? Span{} : batch->spans[0];
}

AnyValue AttrValue(std::string_view value_json) {
  Span s =
      DecodeOne(OneSpan(R"("attributes":[{"key":"k","value":)" + std::string(value_json) + "}]"));
  EXPECT_EQ(s.attributes.size(), 1u);
  return s.attributes.empty() ? AnyValue{} : s.attributes[0].value;
}

TEST(OtlpJsonTest, HexIdsInEitherCase) {
  Span s = DecodeOne(
      OneSpan(R"("parentSpanId":"00F067AA0BA902B7")",
              R"("traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EeE19b7EC3C1B174")"));
  EXPECT_EQ(s.trace_id, Tid(kTraceHex));
  EXPECT_EQ(s.span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(s.parent_span_id, Sid("00f067aa0ba902b7"));
}

TEST(OtlpJsonTest, MissingOrEmptyParentIsARoot) {
  EXPECT_TRUE(DecodeOne(OneSpan("")).is_root());
  EXPECT_TRUE(DecodeOne(OneSpan(R"("parentSpanId":"")")).is_root());
  EXPECT_TRUE(DecodeOne(OneSpan(R"("parentSpanId":null)")).is_root());
}

TEST(OtlpJsonTest, Int64AsStringsOrNumbers) {
  Span s = DecodeOne(OneSpan(R"("startTimeUnixNano":"1544712660000000000",)"
                             R"("endTimeUnixNano":18446744073709551615)"));
  EXPECT_EQ(s.start_unix_nano, 1544712660000000000u);
  EXPECT_EQ(s.end_unix_nano, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(AttrValue(R"({"intValue":"10"})"), AnyValue::Int(10));
  EXPECT_EQ(AttrValue(R"({"intValue":1200})"), AnyValue::Int(1200));
  EXPECT_EQ(AttrValue(R"({"intValue":"-9223372036854775808"})"),
            AnyValue::Int(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(AttrValue(R"({"intValue":9223372036854775807})"),
            AnyValue::Int(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(AttrValue(R"({"intValue":1e3})"), AnyValue::Int(1000));
}

TEST(OtlpJsonTest, EnumsAsIntegersOrProtoNames) {
  Span s = DecodeOne(OneSpan(R"("kind":3,"status":{"code":2,"message":"m"})"));
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.status_code, StatusCodeValue::kError);
  EXPECT_EQ(s.status_message, "m");
  s = DecodeOne(OneSpan(R"("kind":"SPAN_KIND_CONSUMER","status":{"code":"STATUS_CODE_OK"})"));
  EXPECT_EQ(s.kind, SpanKind::kConsumer);
  EXPECT_EQ(s.status_code, StatusCodeValue::kOk);
  s = DecodeOne(OneSpan(R"("kind":77,"status":{"code":-1})"));
  EXPECT_EQ(s.kind, SpanKind::kUnspecified);
  EXPECT_EQ(s.status_code, StatusCodeValue::kUnset);
}

TEST(OtlpJsonTest, CamelCaseKeysAndProtoNamesAndUnknownFieldsIgnored) {
  const std::string body =
      R"({"resource_spans":[{"resource":{"attributes":[],"dropped_attributes_count":1,)"
      R"("future":{"x":[1,2]}},"schema_url":"r","scope_spans":[{"scope":{"name":"n"},)"
      R"("spans":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",)"
      R"("start_time_unix_nano":5,"endTimeUnixNano":6,"dropped_events_count":2,)"
      R"("unknownField":{"deep":[{"a":null}]},"anotherOne":true}]}],"extra":1}],"top":2})";
  Span s = DecodeOne(body);
  EXPECT_EQ(s.resource.dropped_attributes_count, 1u);
  EXPECT_EQ(s.resource.schema_url, "r");
  EXPECT_EQ(s.scope.name, "n");
  EXPECT_EQ(s.start_unix_nano, 5u);
  EXPECT_EQ(s.end_unix_nano, 6u);
  EXPECT_EQ(s.dropped_events_count, 2u);
}

TEST(OtlpJsonTest, EveryAnyValueType) {
  EXPECT_EQ(AttrValue(R"({"stringValue":"héllo"})"), AnyValue::String("h\xc3\xa9llo"));
  EXPECT_EQ(AttrValue(R"({"boolValue":true})"), AnyValue::Bool(true));
  EXPECT_EQ(AttrValue(R"({"doubleValue":0.2})"), AnyValue::Double(0.2));
  EXPECT_EQ(AttrValue(R"({"doubleValue":3})"), AnyValue::Double(3));
  EXPECT_EQ(AttrValue(R"({"doubleValue":"2.5"})"), AnyValue::Double(2.5));
  EXPECT_EQ(AttrValue(R"({"doubleValue":"Infinity"})"),
            AnyValue::Double(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(AttrValue(R"({"doubleValue":"-Infinity"})"),
            AnyValue::Double(-std::numeric_limits<double>::infinity()));
  AnyValue nan = AttrValue(R"({"doubleValue":"NaN"})");
  EXPECT_EQ(nan.type, AnyValue::Type::kDouble);
  EXPECT_TRUE(std::isnan(nan.double_value));
  EXPECT_EQ(AttrValue(R"({"bytesValue":"AAEC/w=="})"),
            AnyValue::Bytes(std::string("\0\1\2\xff", 4)));
  EXPECT_EQ(AttrValue(R"({"bytesValue":"AAEC_w"})"), AnyValue::Bytes(std::string("\0\1\2\xff", 4)));
  EXPECT_EQ(AttrValue(R"({"bytesValue":""})"), AnyValue::Bytes(""));
  EXPECT_EQ(AttrValue(R"({"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"x"},{}]}})"),
            AnyValue::Array({AnyValue::Int(1), AnyValue::String("x"), AnyValue{}}));
  EXPECT_EQ(AttrValue(R"({"arrayValue":{}})"), AnyValue::Array({}));
  EXPECT_EQ(
      AttrValue(
          R"({"kvlistValue":{"values":[{"key":"a","value":{"kvlistValue":{"values":[]}}}]}})"),
      AnyValue::KvList({{"a", AnyValue::KvList({})}}));
  EXPECT_EQ(AttrValue(R"({})"), AnyValue{});
  EXPECT_EQ(AttrValue(R"(null)"), AnyValue{});
  EXPECT_EQ(AttrValue(R"({"stringValue":null})"), AnyValue{});
}

TEST(OtlpJsonTest, EventsLinksFlagsAndDroppedCounts) {
  Span s = DecodeOne(OneSpan(
      R"("traceState":"a=b","flags":769,"droppedAttributesCount":"3",)"
      R"("events":[{"timeUnixNano":"7","name":"e","attributes":[{"key":"x","value":{"intValue":1}}],)"
      R"("droppedAttributesCount":1}],"droppedEventsCount":4,)"
      R"("links":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"0000000000000001",)"
      R"("traceState":"t","flags":1,"droppedAttributesCount":2,"attributes":[]},)"
      R"({"traceId":"not-hex","spanId":"0000000000000001"},{"spanId":"0000000000000001"}],)"
      R"("droppedLinksCount":5)"));
  EXPECT_EQ(s.trace_state, "a=b");
  EXPECT_EQ(s.flags, 769u);
  EXPECT_EQ(s.dropped_attributes_count, 3u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0], (SpanEvent{7, "e", {{"x", AnyValue::Int(1)}}, 1}));
  EXPECT_EQ(s.dropped_events_count, 4u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0], (SpanLink{Tid(kTraceHex), Sid("0000000000000001"), "t", {}, 2, 1}));
  EXPECT_EQ(s.dropped_links_count, 7u);  // 5 sent + 2 links without valid ids
}

TEST(OtlpJsonTest, InvalidSpansAreRejectedWithReasons) {
  const std::string body =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000001","name":"ok"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60g","spanId":"0000000000000002","name":"hex"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc6","spanId":"0000000000000002"},)"
      R"({"traceId":"00000000000000000000000000000000","spanId":"0000000000000003"},)"
      R"({"spanId":"0000000000000004"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"000000000000000"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000000"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000005","parentSpanId":"abc"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000006","startTimeUnixNano":"10","endTimeUnixNano":"9"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000007","startTimeUnixNano":"-1"},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000008","name":5},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000009","attributes":[{"key":"k","value":{"intValue":true}}]},)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"000000000000000a","attributes":[{"key":"b","value":{"bytesValue":"***"}}]},)"
      R"("not a span",)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"000000000000000b","name":"ok too"})"
      R"(]}]}]})";
  auto batch = DecodeOtlpJson(body);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 2u);
  EXPECT_EQ(batch->spans[0].name, "ok");
  EXPECT_EQ(batch->spans[1].name, "ok too");
  EXPECT_EQ(batch->rejected, 14u);
  EXPECT_EQ(batch->rejected_by_reason,
            (std::map<std::string, uint64_t>{{"invalid_trace_id", 4},
                                             {"invalid_span_id", 3},
                                             {"invalid_parent_span_id", 1},
                                             {"end_before_start", 1},
                                             {"invalid_time", 1},
                                             {"malformed_span", 4}}));
  EXPECT_EQ(batch->first_rejection,
            "span #1 (name \"hex\") rejected (invalid_trace_id): traceId "
            "\"5b8efff798038103d269b633813fc60g\" is not 32 hex digits");
}

TEST(OtlpJsonTest, SpanProblemsNameTheField) {
  auto batch = DecodeOtlpJson(
      OneSpan(R"("name":"n","attributes":[{"key":"a","value":{"stringValue":"x"}},)"
              R"({"key":"llm.tokens","value":{"arrayValue":{"values":[{"intValue":true}]}}}])"));
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->rejected_by_reason.at("malformed_span"), 1u);
  EXPECT_EQ(batch->first_rejection,
            "span #0 (name \"n\") rejected (malformed_span): attributes[1] (key \"llm.tokens\")"
            ".value.arrayValue.values[0].intValue: expected a signed 64-bit integer (number or "
            "decimal string), got a boolean");
}

TEST(OtlpJsonTest, EmptyRequestsAreValid) {
  for (const char* body :
       {"{}", R"({"resourceSpans":[]})", R"({"resourceSpans":null})", R"({"resourceSpans":[{}]})",
        R"({"resourceSpans":[{"scopeSpans":[{}]}]})"}) {
    auto batch = DecodeOtlpJson(body);
    ASSERT_TRUE(batch.ok()) << body << ": " << batch.status().ToString();
    EXPECT_TRUE(batch->spans.empty());
    EXPECT_EQ(batch->rejected, 0u);
  }
}

TEST(OtlpJsonTest, MalformedBodiesAreInvalidArgumentNamingTheProblem) {
  struct Case {
    std::string body;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"", "it is empty"},
      {"  \n", "it is empty"},
      {R"({"resourceSpans":[})", "invalid JSON at byte 18: expected a value, found '}'"},
      {R"({"resourceSpans":[1 2]})",
       "invalid JSON at byte 20: expected ',' or ']' after an array element, found '2'"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e)",
       "invalid JSON at byte 54: unterminated string"},
      {R"({"resourceSpans":[{"scopeSpans":[)",
       "the document ends inside the array opened at byte 32"},
      {"{\"a\":\"\xff\"}", "invalid JSON at byte 6: invalid UTF-8"},
      {R"({"a":tru})", "invalid JSON at byte 5: invalid literal (expected true)"},
      {R"({"a":1} x)", "invalid JSON at byte 8: unexpected 'x' after the end of the JSON value"},
      {R"({a:1})", "invalid JSON at byte 1: expected a quoted object key, found 'a'"},
      {std::string("\x1f\x8b\x08", 3), "looks gzip-compressed"},
      {R"([1,2])", "expected an object {\"resourceSpans\":[...]}, got an array"},
      {R"("text")", "got a string"},
      {R"({"resourceSpans":{}})", "resourceSpans: expected an array, got an object"},
      {R"({"resourceSpans":[7]})",
       "resourceSpans[0]: expected a ResourceSpans object, got a number"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]})",
       "resourceSpans[0].scopeSpans[0].spans: expected an array"},
      {R"({"resourceSpans":[{"resource":{"attributes":[{"key":1}]}}]})",
       "resourceSpans[0].resource.attributes[0].key: expected a string, got a number"},
      {R"({"resourceSpans":[{"scopeSpans":[{"scope":{"name":false}}]}]})",
       "resourceSpans[0].scopeSpans[0].scope.name: expected a string"},
  };
  for (const Case& c : cases) {
    auto batch = DecodeOtlpJson(c.body);
    ASSERT_FALSE(batch.ok()) << c.body;
    EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(batch.status().message().find(c.expect), std::string::npos)
        << "want \"" << c.expect << "\" in: " << batch.status().message();
  }
}

TEST(OtlpJsonTest, DeepValuesAreRejectedNotOverflowed) {
  std::string value = R"({"intValue":1})";
  for (int i = 0; i < 100; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
  auto batch = DecodeOtlpJson(OneSpan(R"("attributes":[{"key":"k","value":)" + value + "}]"));
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->rejected_by_reason.at("malformed_span"), 1u);
  EXPECT_NE(batch->first_rejection.find("nested deeper than 64"), std::string::npos);
  // Beyond the parser's own depth limit: a request error, not a crash.
  std::string deep(5000, '[');
  auto too_deep = DecodeOtlpJson(R"({"x":)" + deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("nested deeper than 1024"), std::string::npos);
}

TEST(OtlpJsonTest, EveryTruncationOfAFixtureIsHandled) {
  HT_ASSERT_FIXTURE(body, "otel-genai-manual/request.json");
  for (size_t n = 1; n < body.size(); ++n) {
    auto batch = DecodeOtlpJson(std::string_view(body).substr(0, n));
    ASSERT_FALSE(batch.ok()) << n;  // a prefix of one object is never a complete document
    EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(batch.status().message().find("byte"), std::string::npos)
        << n << ": " << batch.status().message();
  }
}

TEST(JsonSyntaxTest, ValidDocumentsHaveNoError) {
  for (const char* doc : {"{}", "[]", "0", "-0.5e+3", R"("\u00e9\n")", "[1,[2,{\"a\":[]}]]",
                          " {\"a\" : null , \"b\":[true,false]} ", "\"h\xc3\xa9\""}) {
    EXPECT_FALSE(otlp_internal::FindJsonSyntaxError(doc).found) << doc;
  }
}

}  // namespace
}  // namespace hoptrace
