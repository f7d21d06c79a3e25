#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

namespace pb = ::opentelemetry::proto;
using otlp_testing::Sid;
using otlp_testing::Tid;

Resource MakeResource(std::string service) {
  Resource r;
  r.attributes = {{"service.name", AnyValue::String(std::move(service))},
                  {"host.cpus", AnyValue::Int(8)}};
  return r;
}

Scope MakeScope(std::string name) {
  Scope s;
  s.name = std::move(name);
  s.version = "1.2.3";
  return s;
}

Span MakeSpan(uint8_t n, const Resource& resource, const Scope& scope) {
  Span s;
  s.trace_id = Tid("5b8efff798038103d269b633813fc60c");
  s.span_id = Sid("eee19b7ec3c1b100");
  s.span_id[7] = n;
  s.name = "span " + std::to_string(n);
  s.kind = SpanKind::kInternal;
  s.start_unix_nano = 1'000'000'000ULL * n;
  s.end_unix_nano = s.start_unix_nano + 5;
  s.attributes = {{"n", AnyValue::Int(n)}};
  s.resource = resource;
  s.scope = scope;
  return s;
}

// A span with every field the model has set to something other than its default.
Span FullSpan() {
  Resource resource = MakeResource("full");
  resource.dropped_attributes_count = 3;
  resource.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  Scope scope = MakeScope("tracer");
  scope.attributes = {{"scope.attr", AnyValue::Bool(true)}};
  scope.dropped_attributes_count = 4;
  scope.schema_url = "scope-schema";
  Span s = MakeSpan(1, resource, scope);
  s.parent_span_id = Sid("0000000000000007");
  s.trace_state = "rojo=00f067aa0ba902b7";
  s.flags = 0x301;
  s.kind = SpanKind::kClient;
  s.start_unix_nano = std::numeric_limits<uint64_t>::max() - 1;
  s.end_unix_nano = std::numeric_limits<uint64_t>::max();
  s.dropped_attributes_count = 5;
  s.dropped_events_count = 6;
  s.dropped_links_count = 7;
  s.status_code = StatusCodeValue::kError;
  s.status_message = "boom";
  s.attributes = {
      {"s", AnyValue::String("text")},
      {"empty_string", AnyValue::String("")},
      {"b", AnyValue::Bool(false)},
      {"i", AnyValue::Int(std::numeric_limits<int64_t>::min())},
      {"zero", AnyValue::Int(0)},
      {"d", AnyValue::Double(-2.25)},
      {"inf", AnyValue::Double(std::numeric_limits<double>::infinity())},
      {"bytes", AnyValue::Bytes(std::string("\0\x01\xff", 3))},
      {"arr", AnyValue::Array(
                  {AnyValue::Int(1), AnyValue{}, AnyValue::Array({AnyValue::String("deep")})})},
      {"map", AnyValue::KvList({{"inner", AnyValue::Double(1.5)},
                                {"nested", AnyValue::KvList({{"x", AnyValue::Bool(true)}})}})},
      {"empty", AnyValue{}},
      {"", AnyValue::String("empty key")},
      {"large", AnyValue::String(std::string(70'000, 'x'))},  // a 3-byte length prefix
  };
  SpanEvent event;
  event.time_unix_nano = 1500;
  event.name = "exception";
  event.attributes = {{"exception.message", AnyValue::String("bad")}};
  event.dropped_attributes_count = 1;
  s.events = {event, SpanEvent{}};
  SpanLink link;
  link.trace_id = Tid("0af7651916cd43dd8448eb211c80319c");
  link.span_id = Sid("b7ad6b7169203331");
  link.trace_state = "t=1";
  link.attributes = {{"link.attr", AnyValue::String("v")}};
  link.dropped_attributes_count = 2;
  link.flags = 1;
  s.links = {link};
  return s;
}

TEST(OtlpEncodeTest, EmptyInputIsAnEmptyRequest) {
  EXPECT_EQ(EncodeOtlpProtobuf({}), "");
  auto batch = DecodeOtlpProtobuf(EncodeOtlpProtobuf({}));
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->spans.empty());
}

TEST(OtlpEncodeTest, RoundTripsEveryField) {
  std::vector<Span> spans = {FullSpan()};
  const std::string body = EncodeOtlpProtobuf(spans);
  auto batch = DecodeOtlpProtobuf(body);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->rejected, 0u);
  ASSERT_EQ(batch->spans.size(), 1u);
  EXPECT_EQ(batch->spans[0], spans[0]);
}

TEST(OtlpEncodeTest, WritesWhatLibprotobufWrites) {
  std::vector<Span> spans = {FullSpan(), MakeSpan(2, Resource{}, Scope{})};
  const std::string body = EncodeOtlpProtobuf(spans);
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(body));
  // Canonical: libprotobuf re-encodes the parsed message to the same bytes.
  EXPECT_EQ(req.SerializeAsString(), body);
  ASSERT_EQ(req.resource_spans_size(), 2);
  const auto& full = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(full.flags(), 0x301u);
  EXPECT_EQ(full.status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(full.attributes(1).value().value_case(), pb::common::v1::AnyValue::kStringValue);
  EXPECT_EQ(full.attributes(2).value().value_case(), pb::common::v1::AnyValue::kBoolValue);
  EXPECT_EQ(full.attributes(4).value().value_case(), pb::common::v1::AnyValue::kIntValue);
  // Defaults are left out: a root span has no parent id, an unset status no status, an empty
  // resource and scope no message.
  const auto& plain_rs = req.resource_spans(1);
  EXPECT_FALSE(plain_rs.has_resource());
  EXPECT_FALSE(plain_rs.scope_spans(0).has_scope());
  const auto& plain = plain_rs.scope_spans(0).spans(0);
  EXPECT_TRUE(plain.parent_span_id().empty());
  EXPECT_FALSE(plain.has_status());
  EXPECT_EQ(plain.flags(), 0u);
}

TEST(OtlpEncodeTest, GroupsSpansByResourceAndScope) {
  const Resource a = MakeResource("a"), b = MakeResource("b");
  const Scope x = MakeScope("x"), y = MakeScope("y");
  // Interleaved: a/x, b/x, a/y, a/x, b/x.
  std::vector<Span> spans = {MakeSpan(1, a, x), MakeSpan(2, b, x), MakeSpan(3, a, y),
                             MakeSpan(4, a, x), MakeSpan(5, b, x)};
  const std::string body = EncodeOtlpProtobuf(spans);
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(body));
  ASSERT_EQ(req.resource_spans_size(), 2);
  ASSERT_EQ(req.resource_spans(0).scope_spans_size(), 2);  // a: x, y
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 2);
  EXPECT_EQ(req.resource_spans(0).scope_spans(1).spans_size(), 1);
  ASSERT_EQ(req.resource_spans(1).scope_spans_size(), 1);  // b: x
  EXPECT_EQ(req.resource_spans(1).scope_spans(0).spans_size(), 2);

  // Decoded in group order, each span with its own resource and scope.
  auto batch = DecodeOtlpProtobuf(body);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  std::vector<Span> want = {spans[0], spans[3], spans[2], spans[1], spans[4]};
  EXPECT_EQ(batch->spans, want);
}

TEST(OtlpEncodeTest, ContiguousGroupsKeepTheInputOrder) {
  const Resource a = MakeResource("a"), b = MakeResource("b");
  const Scope x = MakeScope("x");
  std::vector<Span> spans = {MakeSpan(1, a, x), MakeSpan(2, a, x), MakeSpan(3, b, x)};
  auto batch = DecodeOtlpProtobuf(EncodeOtlpProtobuf(spans));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->spans, spans);
}

TEST(OtlpEncodeTest, AppendsAfterExistingBytes) {
  std::vector<Span> spans = {MakeSpan(1, MakeResource("a"), MakeScope("x"))};
  std::string out = "prefix";
  AppendOtlpProtobuf(spans, &out);
  EXPECT_EQ(out, "prefix" + EncodeOtlpProtobuf(spans));
}

}  // namespace
}  // namespace hoptrace
