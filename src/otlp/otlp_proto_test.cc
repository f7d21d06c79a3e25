#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

namespace pb = ::opentelemetry::proto;
using otlp_testing::Sid;
using otlp_testing::Tid;

const std::string kTrace =
    std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16);
const std::string kSpan = std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8);
const std::string kParent = std::string("\x00\x00\x00\x00\x00\x00\x00\x07", 8);

pb::trace::v1::Span* AddSpan(pb::collector::trace::v1::ExportTraceServiceRequest* req,
                             std::string name) {
  if (req->resource_spans_size() == 0) req->add_resource_spans()->add_scope_spans();
  auto* span = req->mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  span->set_trace_id(kTrace);
  span->set_span_id(kSpan);
  span->set_name(std::move(name));
  span->set_start_time_unix_nano(1000);
  span->set_end_time_unix_nano(2000);
  return span;
}

void SetKv(pb::common::v1::KeyValue* kv, std::string key) { kv->set_key(std::move(key)); }

TEST(OtlpProtoTest, EmptyBodyIsAnEmptyRequest) {
  auto batch = DecodeOtlpProtobuf("");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_TRUE(batch->spans.empty());
  EXPECT_EQ(batch->rejected, 0u);
}

TEST(OtlpProtoTest, DecodesEveryField) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  rs->set_schema_url("https://opentelemetry.io/schemas/1.24.0");
  auto* res_kv = rs->mutable_resource()->add_attributes();
  SetKv(res_kv, "service.name");
  res_kv->mutable_value()->set_string_value("svc");
  rs->mutable_resource()->set_dropped_attributes_count(3);
  auto* ss = rs->add_scope_spans();
  ss->set_schema_url("scope-schema");
  ss->mutable_scope()->set_name("tracer");
  ss->mutable_scope()->set_version("1.2.3");
  ss->mutable_scope()->set_dropped_attributes_count(4);
  auto* scope_kv = ss->mutable_scope()->add_attributes();
  SetKv(scope_kv, "scope.attr");
  scope_kv->mutable_value()->set_bool_value(true);

  auto* span = ss->add_spans();
  span->set_trace_id(kTrace);
  span->set_span_id(kSpan);
  span->set_parent_span_id(kParent);
  span->set_trace_state("rojo=00f067aa0ba902b7");
  span->set_name("chat gpt-4o");
  span->set_kind(pb::trace::v1::Span::SPAN_KIND_CLIENT);
  span->set_start_time_unix_nano(std::numeric_limits<uint64_t>::max() - 1);
  span->set_end_time_unix_nano(std::numeric_limits<uint64_t>::max());
  span->set_flags(0x301);
  span->set_dropped_attributes_count(5);
  span->set_dropped_events_count(6);
  span->set_dropped_links_count(7);
  span->mutable_status()->set_code(pb::trace::v1::Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("boom");
  auto add = [&](std::string key) {
    auto* kv = span->add_attributes();
    SetKv(kv, std::move(key));
    return kv->mutable_value();
  };
  add("s")->set_string_value("text");
  add("b")->set_bool_value(false);
  add("i")->set_int_value(std::numeric_limits<int64_t>::min());
  add("d")->set_double_value(std::nan(""));
  add("bytes")->set_bytes_value(std::string("\0\x01\xff", 3));
  auto* arr = add("arr")->mutable_array_value();
  arr->add_values()->set_int_value(1);
  arr->add_values()->mutable_array_value()->add_values()->set_string_value("deep");
  auto* kvl = add("map")->mutable_kvlist_value()->add_values();
  kvl->set_key("inner");
  kvl->mutable_value()->set_double_value(1.5);
  add("empty");
  span->add_attributes()->set_key("no_value");
  auto* ev = span->add_events();
  ev->set_time_unix_nano(1500);
  ev->set_name("exception");
  ev->set_dropped_attributes_count(1);
  auto* ev_kv = ev->add_attributes();
  SetKv(ev_kv, "exception.message");
  ev_kv->mutable_value()->set_string_value("bad");
  auto* link = span->add_links();
  link->set_trace_id(kTrace);
  link->set_span_id(kParent);
  link->set_trace_state("t=1");
  link->set_flags(1);
  link->set_dropped_attributes_count(2);
  SetKv(link->add_attributes(), "link.attr");
  auto* bad_link = span->add_links();  // 15-byte trace id: dropped and counted
  bad_link->set_trace_id(kTrace.substr(1));
  bad_link->set_span_id(kSpan);

  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 1u);
  const Span& s = batch->spans[0];
  EXPECT_EQ(ToHex(s.trace_id), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(ToHex(s.span_id), "eee19b7ec3c1b174");
  EXPECT_EQ(ToHex(s.parent_span_id), "0000000000000007");
  EXPECT_FALSE(s.is_root());
  EXPECT_EQ(s.trace_state, "rojo=00f067aa0ba902b7");
  EXPECT_EQ(s.name, "chat gpt-4o");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.start_unix_nano, std::numeric_limits<uint64_t>::max() - 1);
  EXPECT_EQ(s.end_unix_nano, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s.flags, 0x301u);
  EXPECT_EQ(s.dropped_attributes_count, 5u);
  EXPECT_EQ(s.dropped_events_count, 6u);
  EXPECT_EQ(s.dropped_links_count, 8u);  // 7 sent + the invalid link
  EXPECT_EQ(s.status_code, StatusCodeValue::kError);
  EXPECT_EQ(s.status_message, "boom");

  ASSERT_EQ(s.attributes.size(), 9u);
  EXPECT_EQ(s.attributes[0], (KeyValue{"s", AnyValue::String("text")}));
  EXPECT_EQ(s.attributes[1], (KeyValue{"b", AnyValue::Bool(false)}));
  EXPECT_EQ(s.attributes[2], (KeyValue{"i", AnyValue::Int(std::numeric_limits<int64_t>::min())}));
  EXPECT_EQ(s.attributes[3].value.type, AnyValue::Type::kDouble);
  EXPECT_TRUE(std::isnan(s.attributes[3].value.double_value));
  EXPECT_EQ(s.attributes[4], (KeyValue{"bytes", AnyValue::Bytes(std::string("\0\x01\xff", 3))}));
  EXPECT_EQ(s.attributes[5],
            (KeyValue{"arr", AnyValue::Array({AnyValue::Int(1),
                                              AnyValue::Array({AnyValue::String("deep")})})}));
  EXPECT_EQ(s.attributes[6],
            (KeyValue{"map", AnyValue::KvList({{"inner", AnyValue::Double(1.5)}})}));
  EXPECT_EQ(s.attributes[7], (KeyValue{"empty", AnyValue{}}));
  EXPECT_EQ(s.attributes[8], (KeyValue{"no_value", AnyValue{}}));

  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].time_unix_nano, 1500u);
  EXPECT_EQ(s.events[0].name, "exception");
  EXPECT_EQ(s.events[0].dropped_attributes_count, 1u);
  EXPECT_EQ(s.events[0].attributes, (Attributes{{"exception.message", AnyValue::String("bad")}}));
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].trace_id, Tid("5b8efff798038103d269b633813fc60c"));
  EXPECT_EQ(s.links[0].span_id, Sid("0000000000000007"));
  EXPECT_EQ(s.links[0].trace_state, "t=1");
  EXPECT_EQ(s.links[0].flags, 1u);
  EXPECT_EQ(s.links[0].dropped_attributes_count, 2u);
  EXPECT_EQ(s.links[0].attributes, (Attributes{{"link.attr", AnyValue{}}}));

  EXPECT_EQ(s.resource.attributes, (Attributes{{"service.name", AnyValue::String("svc")}}));
  EXPECT_EQ(s.resource.dropped_attributes_count, 3u);
  EXPECT_EQ(s.resource.schema_url, "https://opentelemetry.io/schemas/1.24.0");
  EXPECT_EQ(s.scope.name, "tracer");
  EXPECT_EQ(s.scope.version, "1.2.3");
  EXPECT_EQ(s.scope.attributes, (Attributes{{"scope.attr", AnyValue::Bool(true)}}));
  EXPECT_EQ(s.scope.dropped_attributes_count, 4u);
  EXPECT_EQ(s.scope.schema_url, "scope-schema");
}

TEST(OtlpProtoTest, UnknownEnumValuesMapToDefaults) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* span = AddSpan(&req, "odd");
  span->set_kind(static_cast<pb::trace::v1::Span::SpanKind>(42));
  span->mutable_status()->set_code(static_cast<pb::trace::v1::Status::StatusCode>(9));
  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->spans.size(), 1u);
  EXPECT_EQ(batch->spans[0].kind, SpanKind::kUnspecified);
  EXPECT_EQ(batch->spans[0].status_code, StatusCodeValue::kUnset);
}

TEST(OtlpProtoTest, RejectsInvalidSpansAndKeepsTheValidOnes) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  AddSpan(&req, "ok-1");
  AddSpan(&req, "short trace")->set_trace_id(kTrace.substr(0, 15));
  AddSpan(&req, "zero trace")->set_trace_id(std::string(16, '\0'));
  AddSpan(&req, "no span id")->clear_span_id();
  AddSpan(&req, "zero span")->set_span_id(std::string(8, '\0'));
  AddSpan(&req, "long parent")->set_parent_span_id(std::string(9, 'x'));
  AddSpan(&req, "backwards")->set_end_time_unix_nano(999);
  auto* zero_parent = AddSpan(&req, "zero parent is a root");
  zero_parent->set_parent_span_id(std::string(8, '\0'));
  AddSpan(&req, "ok-2")->set_parent_span_id(kParent);

  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 3u);
  EXPECT_EQ(batch->spans[0].name, "ok-1");
  EXPECT_EQ(batch->spans[1].name, "zero parent is a root");
  EXPECT_TRUE(batch->spans[1].is_root());
  EXPECT_EQ(batch->spans[2].name, "ok-2");
  EXPECT_EQ(batch->rejected, 6u);
  EXPECT_EQ(batch->rejected_by_reason,
            (std::map<std::string, uint64_t>{{"invalid_trace_id", 2},
                                             {"invalid_span_id", 2},
                                             {"invalid_parent_span_id", 1},
                                             {"end_before_start", 1}}));
  EXPECT_EQ(batch->first_rejection,
            "span #1 (name \"short trace\") rejected (invalid_trace_id): trace id is 15 bytes, "
            "want 16");
}

TEST(OtlpProtoTest, EndEqualToStartIsValid) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  AddSpan(&req, "instant")->set_end_time_unix_nano(1000);
  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->spans.size(), 1u);
}

TEST(OtlpProtoTest, MalformedBodiesAreInvalidArgumentWithAReason) {
  struct Case {
    std::string body;
    std::string expect;  // substring of the message
  };
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  AddSpan(&req, "x");
  const std::string good = req.SerializeAsString();
  const std::vector<Case> cases = {
      {R"({"resourceSpans":[]})", "looks like JSON"},
      {std::string("\x1f\x8b\x08\x00", 4), "gzip-compressed"},
      {good.substr(0, good.size() - 3), "truncated body?"},
      {std::string("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11), "truncated length"},
      {std::string("\x0f", 1), "unsupported wire type"},
      {std::string("\x00", 1), "invalid field number 0"},
  };
  for (const Case& c : cases) {
    auto batch = DecodeOtlpProtobuf(c.body);
    ASSERT_FALSE(batch.ok()) << c.expect;
    EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(batch.status().message().find(c.expect), std::string::npos)
        << batch.status().message();
    EXPECT_NE(batch.status().message().find("ExportTraceServiceRequest"), std::string::npos);
  }
}

TEST(OtlpProtoTest, InvalidUtf8IsRepairedNotFatal) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* span = AddSpan(&req, std::string("caf\xc3", 4));  // truncated "é"
  auto* kv = span->add_attributes();
  kv->set_key(std::string("k\xff", 2));
  kv->mutable_value()->set_string_value(std::string("\xed\xa0\x80x", 4));  // a surrogate
  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->spans.size(), 1u);
  EXPECT_EQ(batch->spans[0].name, "caf\xef\xbf\xbd");
  EXPECT_EQ(batch->spans[0].attributes,
            (Attributes{{"k\xef\xbf\xbd", AnyValue::String("\xef\xbf\xbdx")}}));
}

TEST(OtlpProtoTest, EveryTruncationOfTheFixturesIsHandled) {
  for (const char* path : {"otel-genai-manual/request.pb", "vercel-ai-sdk/request.pb",
                           "vercel-ai-sdk-stream/request.pb", "vercel-ai-sdk-stream/request-2.pb",
                           "openinference-openai/request.pb", "openai-agents-js/request.pb",
                           "openllmetry-sdk-workflow/sdk-default-proto/req-3.pb"}) {
    HT_ASSERT_FIXTURE(body, path);
    SCOPED_TRACE(path);
    auto full = DecodeOtlpProtobuf(body);
    ASSERT_TRUE(full.ok());
    ASSERT_FALSE(full->spans.empty());
    for (size_t n = 0; n < body.size(); ++n) {
      auto batch = DecodeOtlpProtobuf(std::string_view(body).substr(0, n));
      if (batch.ok()) {
        // A prefix that parses holds fewer spans (the cut fell between resource_spans).
        EXPECT_LT(batch->spans.size() + batch->rejected, full->spans.size() + 1) << n;
      } else {
        EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument) << n;
      }
    }
  }
}

TEST(OtlpProtoTest, RandomByteFlipsNeverCrash) {
  HT_ASSERT_FIXTURE(body, "vercel-ai-sdk/request.pb");
  std::mt19937 rng(20261124);
  size_t ok = 0, failed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string mutated = body;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      mutated[rng() % mutated.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    auto batch = DecodeOtlpProtobuf(mutated);
    if (batch.ok()) {
      ++ok;
      uint64_t by_reason = 0;
      for (const auto& [reason, n] : batch->rejected_by_reason) by_reason += n;
      EXPECT_EQ(by_reason, batch->rejected);
    } else {
      ++failed;
      EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_GT(ok, 0u);
  EXPECT_GT(failed, 0u);
}

TEST(OtlpProtoTest, DeepNestingIsAnError) {
  // 200 nested arrays: beyond protobuf's recursion limit.
  pb::common::v1::AnyValue value;
  pb::common::v1::AnyValue* cur = &value;
  for (int i = 0; i < 200; ++i) cur = cur->mutable_array_value()->add_values();
  cur->set_int_value(1);
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* kv = AddSpan(&req, "deep")->add_attributes();
  kv->set_key("k");
  *kv->mutable_value() = value;
  auto batch = DecodeOtlpProtobuf(req.SerializeAsString());
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hoptrace
