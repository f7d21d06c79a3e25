// Ingester over a real EmbeddedStore: derived fields that depend on spans of other requests
// (agent inheritance, wrapper usage) are written back to the stored spans, so stats and searches
// agree with the trace view whatever the arrival order, also across a flush and a reopen.
#include "server/ingest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace {
namespace {

constexpr char kTrace[] = "0af7651916cd43dd8448eb211c80319c";

std::string Attr(const std::string& key, const std::string& value) {
  return R"({"key":")" + key + R"(","value":{"stringValue":")" + value + R"("}})";
}
std::string IntAttr(const std::string& key, int64_t v) {
  return R"({"key":")" + key + R"(","value":{"intValue":")" + std::to_string(v) + R"("}})";
}

// One OTLP/JSON span of kTrace.
std::string SpanJson(const std::string& id, const std::string& parent, const std::string& name,
                     uint64_t start_ms, const std::vector<std::string>& attrs) {
  std::string a;
  for (const auto& s : attrs) a += (a.empty() ? "" : ",") + s;
  const uint64_t start = 1'700'000'000'000ULL + start_ms;
  return R"({"traceId":")" + std::string(kTrace) + R"(","spanId":")" + id + R"(",)" +
         (parent.empty() ? "" : R"("parentSpanId":")" + parent + R"(",)") + R"("name":")" + name +
         R"(","kind":1,"startTimeUnixNano":")" + std::to_string(start * 1'000'000) +
         R"(","endTimeUnixNano":")" + std::to_string((start + 10) * 1'000'000) +
         R"(","attributes":[)" + a + "]}";
}

std::string Body(const std::vector<std::string>& spans) {
  std::string s;
  for (const auto& x : spans) s += (s.empty() ? "" : ",") + x;
  return R"({"resourceSpans":[{"resource":{"attributes":[)" + Attr("service.name", "svc") +
         R"(]},"scopeSpans":[{"scope":{"name":"t"},"spans":[)" + s + "]}]}]}";
}

std::string LlmSpan(const std::string& id, const std::string& parent, int64_t in, int64_t out,
                    uint64_t start_ms) {
  return SpanJson(id, parent, "chat gpt-4o", start_ms,
                  {Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.request.model", "gpt-4o"),
                   Attr("gen_ai.system", "openai"), IntAttr("gen_ai.usage.input_tokens", in),
                   IntAttr("gen_ai.usage.output_tokens", out)});
}

std::string AgentSpan(const std::string& id, const std::string& agent,
                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> attrs = {Attr("gen_ai.operation.name", "invoke_agent"),
                                    Attr("gen_ai.agent.name", agent)};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  return SpanJson(id, "", "invoke_agent " + agent, 0, attrs);
}

enum class Between { kNothing, kFlush, kReopen };

class IngestTest : public ::testing::TestWithParam<Between> {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_ingest_");
    ASSERT_TRUE(made.ok());
    dir_ = *made;
    prices_ = PriceTable::Builtin();
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Open() {
    store_.reset();
    EmbeddedStoreOptions o;
    o.dir = dir_;
    o.background_flush = false;
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Ingest(const std::string& body) {
    Ingester ingester(store_.get(), &prices_);
    auto r = ingester.Ingest(WireFormat::kOtlpJson, body);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->rejected, 0u) << r->first_rejection;
  }
  void BetweenRequests() {
    if (GetParam() == Between::kFlush) {
      ASSERT_TRUE(store_->Flush().ok());
    }
    if (GetParam() == Between::kReopen) Open();
  }
  // Checks `check` now, after a flush and after a reopen.
  void Always(const std::function<void()>& check) {
    {
      SCOPED_TRACE("now");
      check();
    }
    ASSERT_TRUE(store_->Flush().ok());
    {
      SCOPED_TRACE("after flush");
      check();
    }
    Open();
    SCOPED_TRACE("after reopen");
    check();
  }
  AggregateRow Total(const SpanFilter& f = {}) {
    AggregateRequest r;
    r.filter = f;
    auto rows = store_->Aggregate(r);
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return rows.ok() && !rows->empty() ? (*rows)[0] : AggregateRow{};
  }

  std::string dir_;
  PriceTable prices_;
  std::unique_ptr<EmbeddedStore> store_;
};

TEST_P(IngestTest, ChildBeforeItsAgentParentIsAttributedToTheAgent) {
  Ingest(Body({LlmSpan("b7ad6b7169203331", "a000000000000001", 100, 50, 1)}));
  BetweenRequests();
  Ingest(Body({AgentSpan("a000000000000001", "planner")}));
  Always([&] {
    AggregateRequest by_agent;
    by_agent.group_by = {GroupKey{GroupField::kAgent, ""}};
    auto rows = store_->Aggregate(by_agent);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].key, std::vector<std::string>{"planner"});
    EXPECT_EQ((*rows)[0].spans, 2u);
    EXPECT_EQ((*rows)[0].input_tokens, 100);
    EXPECT_EQ((*rows)[0].output_tokens, 50);
    SpanFilter f;
    f.agent = "planner";
    f.model = "gpt-4o";
    auto traces = store_->SearchTraces(f, 10);
    ASSERT_TRUE(traces.ok());
    ASSERT_EQ(traces->size(), 1u);
    EXPECT_EQ((*traces)[0].agents, std::vector<std::string>{"planner"});
    EXPECT_EQ((*traces)[0].input_tokens, 100);
    EXPECT_EQ((*traces)[0].span_count, 2u);
  });
}

TEST_P(IngestTest, WrapperBeforeItsChildrenIsCountedOnce) {
  // The agent span repeats the usage of the two LLM calls under it, and arrives first.
  Ingest(Body({AgentSpan("a000000000000002", "boss",
                         {IntAttr("gen_ai.usage.input_tokens", 300),
                          IntAttr("gen_ai.usage.output_tokens", 100)})}));
  EXPECT_EQ(Total().input_tokens, 300);
  BetweenRequests();
  Ingest(Body({LlmSpan("c000000000000001", "a000000000000002", 200, 60, 1),
               LlmSpan("c000000000000002", "a000000000000002", 100, 40, 2)}));
  Always([&] {
    AggregateRow all = Total();
    EXPECT_EQ(all.spans, 3u);
    EXPECT_EQ(all.input_tokens, 300);
    EXPECT_EQ(all.output_tokens, 100);
    SpanFilter f;
    f.agent = "boss";
    EXPECT_EQ(Total(f).input_tokens, 300);
    auto traces = store_->SearchTraces(f, 10);
    ASSERT_TRUE(traces.ok());
    ASSERT_EQ(traces->size(), 1u);
    EXPECT_EQ((*traces)[0].input_tokens, 300);
    EXPECT_EQ((*traces)[0].output_tokens, 100);
    auto trace = store_->GetTrace((*traces)[0].trace_id);
    ASSERT_TRUE(trace.ok());
    for (const Span& s : *trace) {
      EXPECT_EQ(s.derived.agent, "boss");
      EXPECT_EQ(s.derived.usage_counted, s.name != "invoke_agent boss") << s.name;
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Ingest, IngestTest,
                         ::testing::Values(Between::kNothing, Between::kFlush, Between::kReopen),
                         [](const ::testing::TestParamInfo<Between>& i) {
                           return std::string(i.param == Between::kNothing ? "SameStore"
                                              : i.param == Between::kFlush ? "FlushBetween"
                                                                           : "ReopenBetween");
                         });

}  // namespace
}  // namespace hoptrace
