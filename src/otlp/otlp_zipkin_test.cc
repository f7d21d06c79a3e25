#include <gtest/gtest.h>

#include "otlp/decode.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

using otlp_testing::Sid;
using otlp_testing::Tid;

Span DecodeOne(const std::string& span_json) {
  auto batch = DecodeZipkinJson("[" + span_json + "]");
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (!batch.ok()) return Span{};
  EXPECT_EQ(batch->spans.size(), 1u) << batch->first_rejection;
  return batch->spans.empty() ? Span{} : batch->spans[0];
}

TEST(OtlpZipkinTest, MapsTheDocumentedExample) {
  Span s = DecodeOne(
      R"({"id":"352bff9a74ca9ad2","traceId":"5af7183fb1d4cf5f","parentId":"6b221d5bc9e6496c",)"
      R"("name":"get /api","timestamp":1556604172355737,"duration":1431,"kind":"SERVER",)"
      R"("localEndpoint":{"serviceName":"backend","ipv4":"192.168.99.1","port":3306},)"
      R"("remoteEndpoint":{"ipv4":"172.19.0.2","port":58648},)"
      R"("tags":{"http.method":"GET","http.path":"/api"}})");
  EXPECT_EQ(s.trace_id, Tid("00000000000000005af7183fb1d4cf5f"));  // 64-bit id, left-padded
  EXPECT_EQ(s.span_id, Sid("352bff9a74ca9ad2"));
  EXPECT_EQ(s.parent_span_id, Sid("6b221d5bc9e6496c"));
  EXPECT_EQ(s.name, "get /api");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_unix_nano, 1556604172355737000u);
  EXPECT_EQ(s.end_unix_nano, 1556604172355737000u + 1431000u);
  EXPECT_EQ(s.resource.attributes, (Attributes{{"service.name", AnyValue::String("backend")}}));
  EXPECT_EQ(s.attributes, (Attributes{{"http.method", AnyValue::String("GET")},
                                      {"http.path", AnyValue::String("/api")},
                                      {"network.peer.address", AnyValue::String("172.19.0.2")},
                                      {"network.peer.port", AnyValue::Int(58648)}}));
  EXPECT_EQ(s.status_code, StatusCodeValue::kUnset);
  EXPECT_TRUE(s.scope == Scope{});
}

TEST(OtlpZipkinTest, KindsIdsAndTimes) {
  const std::string ids = R"("traceId":"5AF7183FB1D4CF5F5AF7183FB1D4CF5F","id":"352BFF9A74CA9AD2",)"
                          R"("timestamp":"1000")";
  EXPECT_EQ(DecodeOne("{" + ids + "}").trace_id, Tid("5af7183fb1d4cf5f5af7183fb1d4cf5f"));
  EXPECT_EQ(DecodeOne("{" + ids + "}").kind, SpanKind::kInternal);
  EXPECT_EQ(DecodeOne("{" + ids + "}").duration_ns(), 0);
  EXPECT_EQ(DecodeOne("{" + ids + R"(,"kind":"CLIENT"})").kind, SpanKind::kClient);
  EXPECT_EQ(DecodeOne("{" + ids + R"(,"kind":"PRODUCER"})").kind, SpanKind::kProducer);
  EXPECT_EQ(DecodeOne("{" + ids + R"(,"kind":"CONSUMER"})").kind, SpanKind::kConsumer);
  EXPECT_EQ(DecodeOne("{" + ids + R"(,"kind":"WEIRD"})").kind, SpanKind::kInternal);
  EXPECT_TRUE(DecodeOne("{" + ids + R"(,"parentId":""})").is_root());
  EXPECT_EQ(DecodeOne("{" + ids + "}").start_unix_nano, 1000000u);
}

TEST(OtlpZipkinTest, StatusFromTags) {
  const std::string head =
      R"({"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","timestamp":1,)";
  Span s = DecodeOne(head + R"("tags":{"otel.status_code":"ERROR","error":"EACCES"}})");
  EXPECT_EQ(s.status_code, StatusCodeValue::kError);
  EXPECT_EQ(s.status_message, "EACCES");
  EXPECT_NE(FindAttribute(s.attributes, "error"), nullptr);  // tags kept verbatim
  s = DecodeOne(head + R"("tags":{"error":""}})");
  EXPECT_EQ(s.status_code, StatusCodeValue::kError);
  s = DecodeOne(head + R"("tags":{"otel.status_code":"ERROR","otel.status_description":"d"}})");
  EXPECT_EQ(s.status_message, "d");
  s = DecodeOne(head + R"("tags":{"otel.status_code":"OK"}})");
  EXPECT_EQ(s.status_code, StatusCodeValue::kOk);
  s = DecodeOne(head + R"("tags":{"n":12,"b":true}})");  // non-string tags keep their JSON text
  EXPECT_EQ(s.attributes,
            (Attributes{{"n", AnyValue::String("12")}, {"b", AnyValue::String("true")}}));
}

TEST(OtlpZipkinTest, AnnotationsDebugSharedAndRemoteService) {
  Span s = DecodeOne(
      R"({"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","timestamp":10,"duration":5,)"
      R"("debug":true,"shared":true,"remoteEndpoint":{"serviceName":"db","ipv6":"::1"},)"
      R"("annotations":[{"timestamp":12,"value":"ws"},{"timestamp":13,"value":"wr"}],)"
      R"("tags":{"peer.service":"tagged"}})");
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0], (SpanEvent{12000, "ws", {}, 0}));
  EXPECT_EQ(s.events[1], (SpanEvent{13000, "wr", {}, 0}));
  EXPECT_EQ(*FindAttribute(s.attributes, "zipkin.debug"), AnyValue::Bool(true));
  EXPECT_EQ(*FindAttribute(s.attributes, "zipkin.shared"), AnyValue::Bool(true));
  EXPECT_EQ(*FindAttribute(s.attributes, "peer.service"), AnyValue::String("tagged"));
  EXPECT_EQ(*FindAttribute(s.attributes, "network.peer.address"), AnyValue::String("::1"));
  EXPECT_TRUE(s.resource.attributes.empty());
}

TEST(OtlpZipkinTest, RejectsInvalidSpansKeepsValidOnes) {
  auto batch = DecodeZipkinJson(
      R"([{"traceId":"5af7183fb1d4cf5f","id":"0000000000000001","timestamp":1,"name":"ok"},)"
      R"({"traceId":"5af7183fb1d4cf5","id":"0000000000000002","timestamp":1},)"
      R"({"traceId":"0000000000000000","id":"0000000000000003","timestamp":1},)"
      R"({"id":"0000000000000004","timestamp":1},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"00000000000000zz","timestamp":1},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"0000000000000000","timestamp":1},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"0000000000000005","parentId":"1","timestamp":1},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"0000000000000006"},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"0000000000000007","timestamp":-5},)"
      R"({"traceId":"5af7183fb1d4cf5f","id":"0000000000000008","timestamp":1,"tags":[]},)"
      R"(3])");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->spans.size(), 1u);
  EXPECT_EQ(batch->spans[0].name, "ok");
  EXPECT_EQ(batch->rejected, 10u);
  EXPECT_EQ(batch->rejected_by_reason,
            (std::map<std::string, uint64_t>{{"invalid_trace_id", 3},
                                             {"invalid_span_id", 2},
                                             {"invalid_parent_span_id", 1},
                                             {"invalid_time", 2},
                                             {"malformed_span", 2}}));
  EXPECT_EQ(batch->first_rejection,
            "span #1 rejected (invalid_trace_id): traceId \"5af7183fb1d4cf5\" is not 16 or 32 "
            "hex digits");
}

TEST(OtlpZipkinTest, MalformedBodiesAreInvalidArgument) {
  for (const char* body : {"", "{}", R"({"spans":[]})", "[", "[{]"}) {
    auto batch = DecodeZipkinJson(body);
    ASSERT_FALSE(batch.ok()) << body;
    EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_NE(DecodeZipkinJson("{}").status().message().find("expected a JSON array of spans"),
            std::string::npos);
  auto empty = DecodeZipkinJson("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->spans.empty());
}

}  // namespace
}  // namespace hoptrace
