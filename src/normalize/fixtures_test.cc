// Replays every case of ../shared/fixtures through the normaliser the way the server will:
// DeriveAgentFields on each span as its request arrives, ResolveTrace over each trace's known
// spans after every request; then checks each span's derived fields and the token totals of
// the counted spans against the case's expected.json. Every case runs in the order it was
// captured and in reverse (requests and spans), since arrival order must not matter.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "normalize/normalize.h"
#include "normalize/testing/fixture_loader.h"

namespace hoptrace {
namespace {

using testing::Expected;
using testing::NativeEncoding;

enum class Format {
  kOtlpJson,
  kZipkin,
  kNativeFlat,
  kNativeArraysAsJson,
  kNativeNested,
  kNativeJsonString
};

struct Case {
  std::string label;
  std::string dir;
  std::vector<std::string> requests;  // in capture order
  Format format = Format::kOtlpJson;
  std::string expected = "expected.json";
};

std::vector<Case> Cases() {
  return {
      {"otel_genai_manual", "otel-genai-manual", {"request.json"}},
      {"vercel_ai_sdk", "vercel-ai-sdk", {"request.json"}},
      {"vercel_ai_sdk_stream", "vercel-ai-sdk-stream", {"request.json", "request-2.json"}},
      {"openinference_openai", "openinference-openai", {"request.json"}},
      {"openllmetry_sdk_workflow", "openllmetry-sdk-workflow", {"request.json"}},
      {"openai_agents_js_otlp", "openai-agents-js", {"request.json"}},
      {"openai_agents_js_native_flat",
       "openai-agents-js",
       {"openai-agents-native.json"},
       Format::kNativeFlat,
       "openai-agents-native.expected.json"},
      {"openai_agents_js_native_arrays_as_json",
       "openai-agents-js",
       {"openai-agents-native.json"},
       Format::kNativeArraysAsJson,
       "openai-agents-native.expected.json"},
      {"openai_agents_js_native_nested",
       "openai-agents-js",
       {"openai-agents-native.json"},
       Format::kNativeNested,
       "openai-agents-native.expected.json"},
      {"openai_agents_js_native_json_string",
       "openai-agents-js",
       {"openai-agents-native.json"},
       Format::kNativeJsonString,
       "openai-agents-native.expected.json"},
      {"zipkin", "zipkin", {"request.json"}, Format::kZipkin},
      // Process B's request arrived before A's (children before their parent).
      {"w3c_propagation", "w3c-propagation", {"request-b.json", "request-a.json"}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

StatusOr<std::vector<Span>> Load(const Case& c, const std::string& file) {
  auto text = testing::ReadTextFile(testing::FixturesDir() + "/" + c.dir + "/" + file);
  if (!text.ok()) return text.status();
  switch (c.format) {
    case Format::kOtlpJson:
      return testing::SpansFromOtlpJson(*text);
    case Format::kZipkin:
      return testing::SpansFromZipkinJson(*text);
    case Format::kNativeFlat:
      return testing::SpansFromOpenAiAgentsJson(*text, NativeEncoding::kFlattened);
    case Format::kNativeArraysAsJson:
      return testing::SpansFromOpenAiAgentsJson(*text, NativeEncoding::kArraysAsJson);
    case Format::kNativeNested:
      return testing::SpansFromOpenAiAgentsJson(*text, NativeEncoding::kNested);
    case Format::kNativeJsonString:
      return testing::SpansFromOpenAiAgentsJson(*text, NativeEncoding::kJsonString);
  }
  return InternalError("format");
}

// A minimal stand-in for the server's ingest path.
class MiniServer {
 public:
  void Ingest(std::vector<Span> request) {
    std::set<TraceId> touched;
    for (Span& s : request) {
      DeriveAgentFields(&s, prices_);
      touched.insert(s.trace_id);
      spans_.push_back(std::move(s));
    }
    for (const TraceId& t : touched) {
      std::vector<Span*> trace;
      for (Span& s : spans_) {
        if (s.trace_id == t) trace.push_back(&s);
      }
      ResolveTrace(trace);
    }
  }
  const std::deque<Span>& spans() const { return spans_; }

 private:
  PriceTable prices_ = PriceTable::Builtin();
  std::deque<Span> spans_;
};

class FixtureTest : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(FixtureTest, MatchesExpected) {
  const auto& [c, reversed] = GetParam();
  auto expected_text =
      testing::ReadTextFile(testing::FixturesDir() + "/" + c.dir + "/" + c.expected);
  ASSERT_TRUE(expected_text.ok()) << expected_text.status().ToString()
                                  << " (set HOPTRACE_FIXTURES to the fixtures folder)";
  auto expected = testing::ExpectedFromJson(*expected_text);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  std::vector<std::vector<Span>> requests;
  for (const std::string& file : c.requests) {
    auto spans = Load(c, file);
    ASSERT_TRUE(spans.ok()) << file << ": " << spans.status().ToString();
    requests.push_back(std::move(*spans));
  }
  if (reversed) {
    std::reverse(requests.begin(), requests.end());
    for (auto& r : requests) std::reverse(r.begin(), r.end());
  }
  MiniServer server;
  for (auto& r : requests) server.Ingest(std::move(r));

  std::map<std::string, const Span*> by_id;
  std::set<TraceId> traces;
  int64_t counted_input = 0, counted_output = 0;
  for (const Span& s : server.spans()) {
    by_id[ToHex(s.span_id)] = &s;
    traces.insert(s.trace_id);
    if (s.derived.usage_counted) {
      counted_input += s.derived.input_tokens;
      counted_output += s.derived.output_tokens;
    }
  }
  EXPECT_EQ(server.spans().size(), expected->spans.size());
  EXPECT_EQ(static_cast<int>(traces.size()), expected->trace_count);
  for (const testing::ExpectedSpan& e : expected->spans) {
    SCOPED_TRACE("span " + e.span_id + " \"" + e.name + "\"");
    auto it = by_id.find(e.span_id);
    ASSERT_NE(it, by_id.end());
    const Span& s = *it->second;
    const AgentFields& d = s.derived;
    EXPECT_EQ(s.name, e.name);
    EXPECT_EQ(s.is_root() ? std::string() : ToHex(s.parent_span_id), e.parent_span_id);
    EXPECT_EQ(d.agent, e.agent);
    EXPECT_EQ(d.operation, e.operation);
    EXPECT_EQ(d.model, e.model);
    EXPECT_EQ(d.provider, e.provider);
    EXPECT_EQ(d.tool, e.tool);
    EXPECT_EQ(d.input_tokens, e.input_tokens);
    EXPECT_EQ(d.output_tokens, e.output_tokens);
    if (e.service) {
      EXPECT_EQ(d.service, *e.service);
    }
  }
  EXPECT_EQ(counted_input, expected->total_input_tokens);
  EXPECT_EQ(counted_output, expected->total_output_tokens);
}

std::string CaseName(const ::testing::TestParamInfo<std::tuple<Case, bool>>& param_info) {
  return std::get<0>(param_info.param).label +
         (std::get<1>(param_info.param) ? "_reversed" : "_captured");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest,
                         ::testing::Combine(::testing::ValuesIn(Cases()), ::testing::Bool()),
                         CaseName);

// Costs from the built-in table on the cases whose models it knows.
TEST(FixtureCostTest, OtelGenAiManualIsPricedFromTheTable) {
  auto text = testing::ReadTextFile(testing::FixturesDir() + "/otel-genai-manual/request.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto spans = testing::SpansFromOtlpJson(*text);
  ASSERT_TRUE(spans.ok());
  PriceTable prices = PriceTable::Builtin();
  std::map<std::string, std::pair<DeriveReport, double>> by_name;
  for (Span& s : *spans) {
    DeriveReport r = DeriveAgentFields(&s, prices);
    by_name[s.name] = {r, s.derived.cost_usd};
  }
  // gpt-4o-2024-08-06 -> gpt-4o: 1200 x $2.50/M + 85 x $10/M.
  EXPECT_EQ(by_name["chat gpt-4o"].first.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(by_name["chat gpt-4o"].second, 0.00385, 1e-12);
  // claude-3-5-sonnet-20241022 -> claude-3-5-sonnet: 640 x $3/M + 210 x $15/M.
  EXPECT_EQ(by_name["chat claude-3-5-sonnet"].first.price_status, PriceStatus::kPriced);
  EXPECT_NEAR(by_name["chat claude-3-5-sonnet"].second, 0.00507, 1e-12);
  EXPECT_EQ(by_name["invoke_agent orchestrator"].first.price_status, PriceStatus::kNoUsage);
}

TEST(FixtureCostTest, VercelMockModelIsUnpricedNotGuessed) {
  auto text = testing::ReadTextFile(testing::FixturesDir() + "/vercel-ai-sdk/request.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto spans = testing::SpansFromOtlpJson(*text);
  ASSERT_TRUE(spans.ok());
  PriceTable prices = PriceTable::Builtin();
  for (Span& s : *spans) {
    DeriveReport r = DeriveAgentFields(&s, prices);
    if (s.derived.input_tokens > 0) {
      EXPECT_TRUE(r.unpriced()) << s.name;
      EXPECT_EQ(r.price_status, PriceStatus::kUnknownModel);
      EXPECT_EQ(s.derived.cost_usd, 0);
    }
  }
}

}  // namespace
}  // namespace hoptrace
