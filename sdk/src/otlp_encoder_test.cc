#include "otlp_encoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "hoptrace/hoptrace.h"
#include "otlp_test_reader.h"

namespace hoptrace {
namespace {

using testing::Gunzip;
using testing::PbMessage;

// Finds the AnyValue of `key` among repeated KeyValue field `field` of `m`.
PbMessage Attr(const PbMessage& m, int field, std::string_view key) {
  for (const PbMessage& kv : m.subs(field)) {
    if (kv.str(1) == key) return kv.sub(2);
  }
  throw std::runtime_error("no attribute " + std::string(key));
}

std::string Bytes(const std::array<std::uint8_t, 16>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string Bytes(const std::array<std::uint8_t, 8>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(OtlpEncoderTest, EncodesEveryFieldWithTheSpecFieldNumbers) {
  auto exporter = std::make_shared<InMemorySpanExporter>();
  TracerProviderOptions po;
  po.resource = Resource(Attributes{{"service.name", "svc"}, {"n", 3}}, "https://schema/1");
  po.processors.push_back(std::make_shared<SimpleSpanProcessor>(exporter));
  auto provider = TracerProvider::Create(std::move(po));
  Tracer tracer = provider->GetTracer("scope-a", "9.9");

  auto remote = *ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "v=1");
  Context parent(remote, {});
  StartSpanOptions so;
  so.kind = SpanKind::kClient;
  so.parent = &parent;
  Span span = tracer.StartSpan("chat gpt-4o", std::move(so));
  span.SetAttribute("s", "text").SetAttribute("b", true).SetAttribute("i", -5);
  span.SetAttribute("d", 2.5).SetAttribute("arr", std::vector<std::string>{"x", "y"});
  span.SetAttribute("long", std::string(300, 'z'));  // a length needing a 2-byte varint
  span.AddEvent("ev", {{"k", 1}});
  span.AddLink(remote, {{"l", "1"}});
  span.SetStatus(StatusCode::kError, "failed");
  SpanContext own = span.context();
  span.End();
  tracer.StartSpan("second").End();
  provider->GetTracer("scope-b").StartSpan("third").End();

  std::vector<std::unique_ptr<SpanData>> batch;
  for (const SpanData& s : exporter->GetFinishedSpans()) {
    batch.push_back(std::make_unique<SpanData>(s));
  }
  std::string bytes = internal::EncodeExportTraceServiceRequest(batch);

  PbMessage req(bytes);
  ASSERT_EQ(req.count(1), 1u);  // one ResourceSpans
  PbMessage rs = req.sub(1);
  EXPECT_EQ(rs.str(3), "https://schema/1");
  PbMessage resource = rs.sub(1);
  EXPECT_EQ(Attr(resource, 1, "service.name").str(1), "svc");
  EXPECT_EQ(Attr(resource, 1, "n").num(3), 3u);
  ASSERT_EQ(rs.count(2), 2u);  // two scopes
  PbMessage ss = rs.sub(2, 0);
  EXPECT_EQ(ss.sub(1).str(1), "scope-a");
  EXPECT_EQ(ss.sub(1).str(2), "9.9");
  ASSERT_EQ(ss.count(2), 2u);
  EXPECT_EQ(rs.sub(2, 1).sub(1).str(1), "scope-b");
  EXPECT_EQ(rs.sub(2, 1).sub(2).str(5), "third");

  PbMessage s = ss.sub(2, 0);
  EXPECT_EQ(s.str(1), Bytes(own.trace_id().bytes()));
  EXPECT_EQ(s.str(2), Bytes(own.span_id().bytes()));
  EXPECT_EQ(s.str(3), "v=1");
  EXPECT_EQ(s.str(4), Bytes(remote.span_id().bytes()));
  EXPECT_EQ(s.str(5), "chat gpt-4o");
  EXPECT_EQ(s.num(6), 3u);  // CLIENT
  EXPECT_EQ(s.field(7).wire, 1);
  EXPECT_EQ(s.field(8).wire, 1);
  EXPECT_GE(s.num(8), s.num(7));
  EXPECT_GT(s.num(7), 1'600'000'000'000'000'000ULL);
  EXPECT_EQ(Attr(s, 9, "s").str(1), "text");
  EXPECT_EQ(Attr(s, 9, "b").num(2), 1u);
  EXPECT_EQ(static_cast<std::int64_t>(Attr(s, 9, "i").num(3)), -5);
  EXPECT_EQ(Attr(s, 9, "d").dbl(4), 2.5);
  PbMessage arr = Attr(s, 9, "arr").sub(5);
  ASSERT_EQ(arr.count(1), 2u);
  EXPECT_EQ(arr.sub(1, 0).str(1), "x");
  EXPECT_EQ(arr.sub(1, 1).str(1), "y");
  EXPECT_EQ(Attr(s, 9, "long").str(1), std::string(300, 'z'));
  EXPECT_EQ(s.count(10), 0u);  // nothing dropped: field omitted
  PbMessage ev = s.sub(11);
  EXPECT_EQ(ev.field(1).wire, 1);
  EXPECT_EQ(ev.str(2), "ev");
  EXPECT_EQ(Attr(ev, 3, "k").num(3), 1u);
  PbMessage link = s.sub(13);
  EXPECT_EQ(link.str(1), Bytes(remote.trace_id().bytes()));
  EXPECT_EQ(link.str(2), Bytes(remote.span_id().bytes()));
  EXPECT_EQ(link.str(3), "v=1");
  EXPECT_EQ(Attr(link, 4, "l").str(1), "1");
  EXPECT_EQ(link.field(6).wire, 5);
  EXPECT_EQ(link.num(6), 0x301u);  // sampled | has-is-remote | is-remote
  PbMessage status = s.sub(15);
  EXPECT_EQ(status.str(2), "failed");
  EXPECT_EQ(status.num(3), 2u);
  EXPECT_EQ(s.field(16).wire, 5);
  EXPECT_EQ(s.num(16), 0x301u);  // sampled, parent is remote

  PbMessage second = ss.sub(2, 1);
  EXPECT_EQ(second.str(5), "second");
  EXPECT_EQ(second.count(4), 0u);   // a root: no parent_span_id
  EXPECT_EQ(second.count(15), 0u);  // unset status: omitted
  EXPECT_EQ(second.num(16), 0x101u);
}

TEST(OtlpEncoderTest, DroppedCountsAndEmptyResource) {
  auto s = std::make_unique<SpanData>();
  s->context = SpanContext(*TraceId::FromHex("0102030405060708090a0b0c0d0e0f10"),
                           *SpanId::FromHex("0102030405060708"), 1, false);
  s->name = "x";
  s->dropped_attributes_count = 4;
  s->dropped_events_count = 5;
  s->dropped_links_count = 6;
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(s));
  PbMessage req(internal::EncodeExportTraceServiceRequest(batch));
  PbMessage rs = req.sub(1);
  EXPECT_EQ(rs.sub(1).count(1), 0u);  // empty resource
  PbMessage span = rs.sub(2).sub(2);
  EXPECT_EQ(span.num(10), 4u);
  EXPECT_EQ(span.num(12), 5u);
  EXPECT_EQ(span.num(14), 6u);
  EXPECT_EQ(internal::EncodeExportTraceServiceRequest({}), "");
}

TEST(OtlpEncoderTest, LargeBatchRoundTripsThroughGzip) {
  std::vector<std::unique_ptr<SpanData>> batch;
  for (int i = 0; i < 500; ++i) {
    auto s = std::make_unique<SpanData>();
    s->context = SpanContext(*TraceId::FromHex("0102030405060708090a0b0c0d0e0f10"),
                             *SpanId::FromHex("0102030405060708"), 1, false);
    s->name = "span-";
    s->name.append(std::to_string(i));
    s->attributes.push_back({"payload", std::string(static_cast<std::size_t>(i * 7), 'p')});
    batch.push_back(std::move(s));
  }
  std::string raw = internal::EncodeExportTraceServiceRequest(batch);
  std::string gz;
  ASSERT_TRUE(internal::GzipCompress(raw, &gz));
  EXPECT_LT(gz.size(), raw.size() / 10);
  ASSERT_TRUE(Gunzip(gz) == raw);
  PbMessage ss = PbMessage(raw).sub(1).sub(2);
  ASSERT_EQ(ss.count(2), 500u);
  EXPECT_EQ(ss.sub(2, 499).str(5), "span-499");
  EXPECT_EQ(Attr(ss.sub(2, 499), 9, "payload").str(1).size(), 499u * 7);
}

TEST(OtlpEncoderTest, DecodesPartialSuccess) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 3, error_message: "bad ids"}}
  std::string inner = std::string("\x08\x03\x12\x07", 4) + "bad ids";
  std::string body = std::string("\x0a", 1) + static_cast<char>(inner.size()) + inner;
  auto ps = internal::DecodePartialSuccess(body);
  ASSERT_TRUE(ps);
  EXPECT_EQ(ps->rejected_spans, 3);
  EXPECT_EQ(ps->error_message, "bad ids");
  EXPECT_FALSE(internal::DecodePartialSuccess(""));
  EXPECT_FALSE(internal::DecodePartialSuccess("\x0a\x05\x08"));  // truncated
}

}  // namespace
}  // namespace hoptrace
