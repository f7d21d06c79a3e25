#include <gtest/gtest.h>

#include "hoptrace/hoptrace.h"

namespace hoptrace {
namespace {

TraceId Id(std::string_view hex) { return *TraceId::FromHex(hex); }

SamplingDecision Decide(const Sampler& sampler, const SpanContext& parent, const TraceId& id) {
  Attributes attrs;
  std::vector<Link> links;
  return sampler.ShouldSample({parent, id, "op", SpanKind::kInternal, attrs, links}).decision;
}

const TraceId kAny = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");

TEST(SamplerTest, AlwaysOnAndOff) {
  EXPECT_EQ(Decide(*AlwaysOnSampler(), {}, kAny), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*AlwaysOffSampler(), {}, kAny), SamplingDecision::kDrop);
  EXPECT_EQ(AlwaysOnSampler()->Description(), "AlwaysOnSampler");
  EXPECT_EQ(AlwaysOffSampler()->Description(), "AlwaysOffSampler");
}

TEST(SamplerTest, RatioUsesTheLowEightBytesLikeGoAndJava) {
  auto half = TraceIdRatioBasedSampler(0.5);
  // (last 8 bytes big-endian) >> 1 < 0.5 * 2^63  <=>  last 8 bytes < 2^63.
  EXPECT_EQ(Decide(*half, {}, Id("ffffffffffffffff7fffffffffffffff")),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*half, {}, Id("00000000000000008000000000000000")), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*half, {}, Id("00000000000000000000000000000001")),
            SamplingDecision::kRecordAndSample);
  // The high bytes play no part.
  EXPECT_EQ(Decide(*half, {}, Id("ffffffffffffffff8000000000000000")), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*TraceIdRatioBasedSampler(0.0), {}, Id("00000000000000000000000000000001")),
            SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*TraceIdRatioBasedSampler(1.0), {}, Id("ffffffffffffffffffffffffffffffff")),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(half->Description(), "TraceIdRatioBased{0.5}");
}

TEST(SamplerTest, RatioIsDeterministicAndProportional) {
  auto sampler = TraceIdRatioBasedSampler(0.25);
  auto provider = TracerProvider::Create({});
  int sampled = 0;
  constexpr int kN = 20000;
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < kN; ++i) {
    std::array<std::uint8_t, 16> b{};
    for (int k = 0; k < 16; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(x);
    }
    TraceId id(b);
    SamplingDecision d = Decide(*sampler, {}, id);
    EXPECT_EQ(d, Decide(*sampler, {}, id));                         // same id, same answer
    EXPECT_EQ(d, Decide(*TraceIdRatioBasedSampler(0.25), {}, id));  // in every instance
    if (d == SamplingDecision::kRecordAndSample) ++sampled;
    // Monotone: anything sampled at 0.25 is sampled at 0.5.
    if (d == SamplingDecision::kRecordAndSample) {
      EXPECT_EQ(Decide(*TraceIdRatioBasedSampler(0.5), {}, id), SamplingDecision::kRecordAndSample);
    }
  }
  EXPECT_NEAR(static_cast<double>(sampled) / kN, 0.25, 0.02);
}

TEST(SamplerTest, ParentBasedBranches) {
  TraceId id = kAny;
  SpanId sid = *SpanId::FromHex("00f067aa0ba902b7");
  SpanContext remote_sampled(id, sid, TraceFlags::kSampled, true);
  SpanContext remote_unsampled(id, sid, 0, true);
  SpanContext local_sampled(id, sid, TraceFlags::kSampled, false);
  SpanContext local_unsampled(id, sid, 0, false);

  auto defaults = ParentBasedSampler(AlwaysOffSampler());
  EXPECT_EQ(Decide(*defaults, {}, id), SamplingDecision::kDrop);  // root sampler
  EXPECT_EQ(Decide(*defaults, remote_sampled, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*defaults, remote_unsampled, id), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*defaults, local_sampled, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*defaults, local_unsampled, id), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*ParentBasedSampler(AlwaysOnSampler()), {}, id),
            SamplingDecision::kRecordAndSample);

  // Each branch is configurable: invert them all.
  ParentBasedOptions o;
  o.remote_parent_sampled = AlwaysOffSampler();
  o.remote_parent_not_sampled = AlwaysOnSampler();
  o.local_parent_sampled = AlwaysOffSampler();
  o.local_parent_not_sampled = AlwaysOnSampler();
  auto inverted = ParentBasedSampler(AlwaysOnSampler(), o);
  EXPECT_EQ(Decide(*inverted, remote_sampled, id), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*inverted, remote_unsampled, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*inverted, local_sampled, id), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*inverted, local_unsampled, id), SamplingDecision::kRecordAndSample);
  EXPECT_NE(inverted->Description().find("ParentBased{root:AlwaysOnSampler"), std::string::npos);
}

TEST(SamplerTest, ParentBasedInTheTracerFollowsTheParentFlag) {
  auto exporter = std::make_shared<InMemorySpanExporter>();
  TracerProviderOptions o;
  o.processors.push_back(std::make_shared<SimpleSpanProcessor>(exporter));
  auto provider = TracerProvider::Create(std::move(o));  // default ParentBased(AlwaysOn)
  Tracer tracer = provider->GetTracer("t");
  auto unsampled = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Context ctx(*unsampled, {});
  StartSpanOptions so;
  so.parent = &ctx;
  Span child = tracer.StartSpan("child", std::move(so));
  EXPECT_FALSE(child.IsRecording());
  EXPECT_EQ(child.context().trace_id(), unsampled->trace_id());
  EXPECT_NE(child.context().span_id(), unsampled->span_id());
  EXPECT_FALSE(child.context().IsSampled());
  // Its own children stay unsampled (local parent not sampled).
  auto scope = child.Activate();
  EXPECT_FALSE(tracer.StartSpan("grandchild").IsRecording());
}

class RecordOnly final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParams& p) const noexcept override {
    SamplingResult r;
    r.decision = SamplingDecision::kRecordOnly;
    r.attributes.push_back({"sampler.saw", std::string(p.name)});
    r.trace_state = TraceState().Set("hop", "1");
    return r;
  }
  std::string Description() const override { return "RecordOnly"; }
};

TEST(SamplerTest, RecordOnlyIsRecordedButNotExported) {
  auto exporter = std::make_shared<InMemorySpanExporter>();
  struct Counting final : SpanProcessor {
    int ended = 0;
    void OnEnd(std::unique_ptr<SpanData> s) noexcept override {
      ++ended;
      EXPECT_EQ(*FindAttribute(s->attributes, "sampler.saw"), AttributeValue("op"));
      EXPECT_EQ(s->context.trace_state().ToHeader(), "hop=1");
    }
    bool ForceFlush(Deadline) noexcept override { return true; }
    bool Shutdown(Deadline) noexcept override { return true; }
  };
  auto counting = std::make_shared<Counting>();
  TracerProviderOptions o;
  o.sampler = std::make_shared<RecordOnly>();
  o.processors = {counting, std::make_shared<SimpleSpanProcessor>(exporter)};
  auto provider = TracerProvider::Create(std::move(o));
  Span s = provider->GetTracer("t").StartSpan("op");
  EXPECT_TRUE(s.IsRecording());
  EXPECT_FALSE(s.context().IsSampled());
  s.End();
  EXPECT_EQ(counting->ended, 1);
  EXPECT_EQ(exporter->size(), 0u);  // only sampled spans are exported
}

TEST(SamplerTest, FromName) {
  EXPECT_EQ((*SamplerFromName("always_on", ""))->Description(), "AlwaysOnSampler");
  EXPECT_EQ((*SamplerFromName("ALWAYS_OFF", ""))->Description(), "AlwaysOffSampler");
  EXPECT_EQ((*SamplerFromName("traceidratio", "0.1"))->Description(), "TraceIdRatioBased{0.1}");
  EXPECT_EQ((*SamplerFromName("traceidratio", ""))->Description(), "TraceIdRatioBased{1}");
  SetLogHandler({});
  EXPECT_EQ((*SamplerFromName("traceidratio", "2"))->Description(), "TraceIdRatioBased{1}");
  EXPECT_EQ((*SamplerFromName("traceidratio", "abc"))->Description(), "TraceIdRatioBased{1}");
  ResetLogHandler();
  EXPECT_EQ((*SamplerFromName("parentbased_traceidratio", "0.5"))->Description().substr(0, 41),
            "ParentBased{root:TraceIdRatioBased{0.5},r");
  EXPECT_EQ((*SamplerFromName("parentbased_always_off", ""))->Description().substr(0, 34),
            "ParentBased{root:AlwaysOffSampler,");
  EXPECT_FALSE(SamplerFromName("jaeger_remote", "").has_value());
}

}  // namespace
}  // namespace hoptrace
