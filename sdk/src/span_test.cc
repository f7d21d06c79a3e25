#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "hoptrace/hoptrace.h"

namespace hoptrace {
namespace {

struct Harness {
  std::shared_ptr<InMemorySpanExporter> exporter = std::make_shared<InMemorySpanExporter>();
  std::shared_ptr<TracerProvider> provider;
  Tracer tracer;

  explicit Harness(SpanLimits limits = {}, std::shared_ptr<const Sampler> sampler = nullptr) {
    TracerProviderOptions o;
    o.resource = Resource(Attributes{{"service.name", "test"}});
    o.sampler = std::move(sampler);
    o.processors.push_back(std::make_shared<SimpleSpanProcessor>(exporter));
    o.limits = limits;
    provider = TracerProvider::Create(std::move(o));
    tracer = provider->GetTracer("span_test", "1.2");
  }
  std::vector<SpanData> Spans() const { return exporter->GetFinishedSpans(); }
};

TEST(SpanTest, EndsOnDestructionAndCarriesFields) {
  Harness h;
  auto start = std::chrono::system_clock::now();
  {
    StartSpanOptions o;
    o.kind = SpanKind::kServer;
    Span span = h.tracer.StartSpan("op", std::move(o));
    EXPECT_TRUE(span.IsRecording());
    EXPECT_TRUE(span.context().IsValid());
    EXPECT_TRUE(span.context().IsSampled());
    EXPECT_FALSE(span.context().IsRemote());
    span.SetAttribute("s", "x").SetAttribute("b", true).SetAttribute("i", 42).SetAttribute("d",
                                                                                           1.5);
    span.SetAttribute("u", 7u).SetAttribute("arr", std::vector<std::string>{"a", "b"});
    span.SetAttribute("ints", std::vector<std::int64_t>{1, 2});
    span.SetName("renamed");
    EXPECT_EQ(h.exporter->size(), 0u);
  }
  ASSERT_EQ(h.exporter->size(), 1u);
  SpanData s = h.Spans()[0];
  EXPECT_EQ(s.name, "renamed");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_FALSE(s.parent_span_id.IsValid());
  EXPECT_GE(s.start_unix_nano, ToUnixNanos(start));
  EXPECT_GE(s.end_unix_nano, s.start_unix_nano);
  ASSERT_NE(s.scope, nullptr);
  EXPECT_EQ(s.scope->name, "span_test");
  EXPECT_EQ(s.scope->version, "1.2");
  ASSERT_NE(s.resource, nullptr);
  EXPECT_EQ(s.resource->GetString("service.name"), "test");
  ASSERT_EQ(s.attributes.size(), 7u);
  EXPECT_EQ(*FindAttribute(s.attributes, "s"), AttributeValue("x"));
  EXPECT_EQ(*FindAttribute(s.attributes, "b"), AttributeValue(true));
  EXPECT_EQ(*FindAttribute(s.attributes, "i"), AttributeValue(std::int64_t{42}));
  EXPECT_TRUE(FindAttribute(s.attributes, "i")->is_int());
  EXPECT_TRUE(FindAttribute(s.attributes, "u")->is_int());
  EXPECT_TRUE(FindAttribute(s.attributes, "d")->is_double());
  EXPECT_TRUE(FindAttribute(s.attributes, "arr")->is_array());
}

TEST(SpanTest, EndIsIdempotentAndExplicitEndTimeIsUsed) {
  Harness h;
  Span span = h.tracer.StartSpan("x");
  auto end = std::chrono::system_clock::now() + std::chrono::seconds(2);
  span.End(end);
  EXPECT_FALSE(span.IsRecording());
  span.End();
  span.SetAttribute("late", 1);  // ignored
  ASSERT_EQ(h.exporter->size(), 1u);
  EXPECT_EQ(h.Spans()[0].end_unix_nano, ToUnixNanos(end));
  EXPECT_TRUE(h.Spans()[0].attributes.empty());
}

TEST(SpanTest, MoveTransfersOwnership) {
  Harness h;
  Span a = h.tracer.StartSpan("a");
  Span b = std::move(a);
  EXPECT_TRUE(b.IsRecording());
  Span c = h.tracer.StartSpan("c");
  c = std::move(b);  // ends "c"
  EXPECT_EQ(h.exporter->size(), 1u);
  EXPECT_EQ(h.Spans()[0].name, "c");
  c.End();
  EXPECT_EQ(h.exporter->size(), 2u);
  EXPECT_EQ(h.Spans()[1].name, "a");
}

TEST(SpanTest, ReplacingAnAttributeKeepsOneEntry) {
  Harness h;
  Span span = h.tracer.StartSpan("x");
  span.SetAttribute("k", 1).SetAttribute("k", "two");
  span.End();
  ASSERT_EQ(h.Spans()[0].attributes.size(), 1u);
  EXPECT_EQ(h.Spans()[0].attributes[0].value, AttributeValue("two"));
}

TEST(SpanTest, LimitsDropAndCount) {
  SpanLimits limits;
  limits.attribute_count = 3;
  limits.event_count = 2;
  limits.link_count = 1;
  limits.attributes_per_event = 1;
  limits.attributes_per_link = 1;
  limits.attribute_value_length = 4;
  Harness h(limits);
  Span span = h.tracer.StartSpan("x");
  for (int i = 0; i < 5; ++i) span.SetAttribute(std::string("k").append(std::to_string(i)), i);
  span.SetAttribute("k0", "truncated-value");  // replacing an existing key is always allowed
  span.SetAttribute("k1", "abc\xC3\xA9");      // the cut at 4 would split 'é': cut before it
  for (int i = 0; i < 4; ++i) span.AddEvent("e", {{"a", 1}, {"b", 2}});
  span.AddLink(span.context(), {{"a", 1}, {"b", 2}});
  span.AddLink(span.context());
  span.End();
  SpanData s = h.Spans()[0];
  EXPECT_EQ(s.attributes.size(), 3u);
  EXPECT_EQ(s.dropped_attributes_count, 2u);
  EXPECT_EQ(*FindAttribute(s.attributes, "k0"), AttributeValue("trun"));
  EXPECT_EQ(*FindAttribute(s.attributes, "k1"), AttributeValue("abc"));
  EXPECT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.dropped_events_count, 2u);
  EXPECT_EQ(s.events[0].attributes.size(), 1u);
  EXPECT_EQ(s.events[0].dropped_attributes_count, 1u);
  EXPECT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.dropped_links_count, 1u);
  EXPECT_EQ(s.links[0].dropped_attributes_count, 1u);
}

TEST(SpanTest, DefaultLimitIs128Attributes) {
  Harness h;
  Span span = h.tracer.StartSpan("x");
  for (int i = 0; i < 200; ++i) span.SetAttribute(std::string("k").append(std::to_string(i)), i);
  span.End();
  EXPECT_EQ(h.Spans()[0].attributes.size(), 128u);
  EXPECT_EQ(h.Spans()[0].dropped_attributes_count, 72u);
}

TEST(SpanTest, StatusSemantics) {
  Harness h;
  {
    Span span = h.tracer.StartSpan("err");
    span.SetStatus(StatusCode::kError, "boom");
    span.SetStatus(StatusCode::kUnset);  // ignored
  }
  {
    Span span = h.tracer.StartSpan("ok");
    span.SetStatus(StatusCode::kOk, "ignored description");
    span.SetStatus(StatusCode::kError, "too late");  // Ok is final
  }
  auto spans = h.Spans();
  EXPECT_EQ(spans[0].status_code, StatusCode::kError);
  EXPECT_EQ(spans[0].status_message, "boom");
  EXPECT_EQ(spans[1].status_code, StatusCode::kOk);
  EXPECT_EQ(spans[1].status_message, "");
}

TEST(SpanTest, EventsAndLinksAndException) {
  Harness h;
  Span other = h.tracer.StartSpan("other");
  Span span = h.tracer.StartSpan("x");
  auto t = std::chrono::system_clock::now() - std::chrono::seconds(1);
  span.AddEvent("step", {{"n", 1}}, t);
  span.AddLink(other.context(), {{"why", "follows"}});
  span.RecordException("std::runtime_error", "bad");
  span.End();
  SpanData s = h.Spans()[0];
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].name, "step");
  EXPECT_EQ(s.events[0].time_unix_nano, ToUnixNanos(t));
  EXPECT_EQ(s.events[1].name, "exception");
  EXPECT_EQ(*FindAttribute(s.events[1].attributes, "exception.type"),
            AttributeValue("std::runtime_error"));
  EXPECT_EQ(*FindAttribute(s.events[1].attributes, "exception.message"), AttributeValue("bad"));
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].context, other.context());
}

TEST(SpanTest, ScopeMakesChildrenAndRestores) {
  Harness h;
  Span parent = h.tracer.StartSpan("parent");
  {
    auto scope = parent.Activate();
    EXPECT_EQ(Context::Current().span_context(), parent.context());
    Span child = h.tracer.StartSpan("child");
    EXPECT_EQ(child.context().trace_id(), parent.context().trace_id());
    {
      auto inner = child.Activate();
      Span grandchild = h.tracer.StartSpan("grandchild");
      grandchild.End();
    }
    EXPECT_EQ(Context::Current().span_context(), parent.context());
    StartSpanOptions root;
    root.root = true;
    Span fresh = h.tracer.StartSpan("fresh", std::move(root));
    EXPECT_NE(fresh.context().trace_id(), parent.context().trace_id());
  }
  EXPECT_FALSE(Context::Current().span_context().IsValid());
  parent.End();
  auto spans = h.Spans();
  ASSERT_EQ(spans.size(), 4u);
  // End order: grandchild, fresh, child, parent.
  EXPECT_EQ(spans[0].name, "grandchild");
  EXPECT_EQ(spans[0].parent_span_id, spans[2].context.span_id());
  EXPECT_EQ(spans[1].name, "fresh");
  EXPECT_FALSE(spans[1].parent_span_id.IsValid());
  EXPECT_EQ(spans[2].name, "child");
  EXPECT_EQ(spans[2].parent_span_id, parent.context().span_id());
  EXPECT_FALSE(spans[2].parent_is_remote);
}

TEST(SpanTest, ExplicitContextAcrossThreads) {
  Harness h;
  Span parent = h.tracer.StartSpan("parent");
  Context ctx = Context::Current().WithSpan(parent.context());
  std::thread worker([&] {
    EXPECT_FALSE(Context::Current().span_context().IsValid());  // per thread
    StartSpanOptions o;
    o.parent = &ctx;
    Span child = h.tracer.StartSpan("on-worker", std::move(o));
    Scope scope(ctx);
    Span second = h.tracer.StartSpan("scoped-on-worker");
  });
  worker.join();
  parent.End();
  auto spans = h.Spans();
  ASSERT_EQ(spans.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(spans[static_cast<std::size_t>(i)].parent_span_id, parent.context().span_id());
    EXPECT_EQ(spans[static_cast<std::size_t>(i)].context.trace_id(), parent.context().trace_id());
  }
}

TEST(SpanTest, RemoteParentIsMarked) {
  Harness h;
  auto remote =
      ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=x");
  ASSERT_TRUE(remote);
  Context ctx(*remote, {});
  StartSpanOptions o;
  o.parent = &ctx;
  h.tracer.StartSpan("server", std::move(o)).End();
  SpanData s = h.Spans()[0];
  EXPECT_EQ(s.context.trace_id().ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.parent_span_id.ToHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(s.parent_is_remote);
  EXPECT_EQ(s.context.trace_state().ToHeader(), "vendor=x");  // inherited
}

TEST(SpanTest, NoopTracerPropagatesParentAndRecordsNothing) {
  Tracer noop;
  EXPECT_FALSE(noop.enabled());
  Span root = noop.StartSpan("x");
  EXPECT_FALSE(root.IsRecording());
  EXPECT_FALSE(root.context().IsValid());
  auto remote = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  Scope scope(Context(*remote, {}));
  Span child = noop.StartSpan("y");
  EXPECT_EQ(child.context(), *remote);
  child.SetAttribute("k", std::string(100, 'x')).AddEvent("e").SetStatus(StatusCode::kError);
  // The global provider defaults to a no-op.
  EXPECT_FALSE(GetTracerProvider()->enabled());
  EXPECT_FALSE(GetTracer("x").enabled());
}

TEST(SpanTest, DroppedBySamplerIsNonRecordingWithOwnSpanId) {
  Harness h({}, AlwaysOffSampler());
  Span span = h.tracer.StartSpan("x");
  EXPECT_FALSE(span.IsRecording());
  EXPECT_TRUE(span.context().IsValid());
  EXPECT_FALSE(span.context().IsSampled());
  span.End();
  EXPECT_EQ(h.exporter->size(), 0u);
}

TEST(SpanTest, ProviderShutdownMakesTracersNoop) {
  Harness h;
  Span running = h.tracer.StartSpan("running");
  EXPECT_TRUE(h.provider->Shutdown(std::chrono::seconds(1)));
  EXPECT_FALSE(h.tracer.StartSpan("after").IsRecording());
  EXPECT_FALSE(h.provider->GetTracer("x").enabled());
  running.End();  // ends quietly; the exporter is shut down
  EXPECT_EQ(h.exporter->size(), 0u);
}

TEST(SpanTest, SpanOutlivesProvider) {
  auto exporter = std::make_shared<InMemorySpanExporter>();
  Span span;
  {
    TracerProviderOptions o;
    o.processors.push_back(std::make_shared<SimpleSpanProcessor>(exporter));
    auto provider = TracerProvider::Create(std::move(o));
    span = provider->GetTracer("t").StartSpan("late");
  }
  span.SetAttribute("k", 1);
  span.End();  // provider gone: must not crash (exporter already shut down)
  EXPECT_EQ(exporter->size(), 0u);
}

TEST(SpanTest, IdsAreUniqueAndNonZero) {
  Harness h;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    Span s = h.tracer.StartSpan("x");
    EXPECT_TRUE(s.context().IsValid());
    ids.insert(s.context().span_id().ToHex());
    ids.insert(s.context().trace_id().ToHex());
  }
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(SpanTest, NonRecordingSpanIsCheap) {
  // A loose bound (sanitizer and debug builds, shared CI cores): the benchmark measures it.
  Tracer noop;
  constexpr int kN = 200000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) {
    Span s = noop.StartSpan("x");
    s.SetAttribute("k", "a string long enough to need an allocation if it were built");
  }
  auto ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kN;
  EXPECT_LT(ns, 200.0);
  std::printf("non-recording span: %.1f ns\n", ns);
}

}  // namespace
}  // namespace hoptrace
