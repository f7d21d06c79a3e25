#include "w1/w1_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace hoptrace {
namespace {

std::vector<Span> Generate(W1Options options) {
  W1Generator gen(options);
  std::vector<Span> all, trace;
  while (gen.NextTrace(&trace)) all.insert(all.end(), trace.begin(), trace.end());
  return all;
}

std::string Attr(const Span& s, std::string_view key) {
  const AnyValue* v = FindAttribute(s.attributes, key);
  return v ? v->ToText() : "";
}

TEST(W1Random, IsDeterministicAndInRange) {
  W1Random a(7), b(7);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
  for (int i = 0; i < 10000; ++i) {
    int64_t r = a.Range(3, 12);
    ASSERT_GE(r, 3);
    ASSERT_LE(r, 12);
    double d = a.Double();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
  }
  // Pinned, so that a change of the PRNG (and so of every W1 figure) is noticed.
  EXPECT_EQ(W1Random(0).Next(), 0xe220a8397b1dcdafULL);
}

TEST(W1Generator, SameSeedSameSpans) {
  std::vector<Span> a = Generate({.spans = 5000, .seed = 42});
  std::vector<Span> b = Generate({.spans = 5000, .seed = 42});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(a[i] == b[i]) << "span " << i;
}

TEST(W1Generator, DifferentSeedsDiffer) {
  std::vector<Span> a = Generate({.spans = 2000, .seed = 1});
  std::vector<Span> b = Generate({.spans = 2000, .seed = 2});
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a[0].trace_id, b[0].trace_id);
  size_t same = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) same += a[i] == b[i];
  EXPECT_EQ(same, 0u);
}

TEST(W1Generator, EmitsAtLeastTheRequestedSpansInWholeTraces) {
  W1Generator gen({.spans = 20000, .seed = 3});
  std::vector<Span> trace;
  uint64_t traces = 0, spans = 0, last_size = 0;
  while (gen.NextTrace(&trace)) {
    ++traces;
    spans += trace.size();
    last_size = trace.size();
  }
  EXPECT_TRUE(trace.empty());
  EXPECT_EQ(traces, gen.total_traces());
  EXPECT_EQ(spans, gen.spans_emitted());
  EXPECT_GE(spans, 20000u);
  EXPECT_LT(spans - last_size, 20000u);
  double per_trace = static_cast<double>(spans) / static_cast<double>(traces);
  EXPECT_GT(per_trace, 36);
  EXPECT_LT(per_trace, 46);
}

TEST(W1Generator, TraceStructure) {
  W1Generator gen({.spans = 100000, .seed = 42});
  std::vector<Span> trace;
  uint64_t previous_start = 0, spans = 0, errors = 0, llm = 0, with_system = 0;
  std::set<TraceId> trace_ids;
  std::set<std::string> user_messages;
  while (gen.NextTrace(&trace)) {
    ASSERT_TRUE(trace_ids.insert(trace[0].trace_id).second);
    // One root, first, and traces in chronological order of start within the 7 days.
    ASSERT_TRUE(trace[0].is_root());
    EXPECT_EQ(trace[0].name, "invoke_agent orchestrator");
    EXPECT_GE(trace[0].start_unix_nano, previous_start);
    EXPECT_GE(trace[0].start_unix_nano, kW1StartUnixNano);
    EXPECT_LT(trace[0].start_unix_nano, kW1EndUnixNano);
    previous_start = trace[0].start_unix_nano;
    std::map<SpanId, const Span*> by_id;
    int agents = 0;
    for (const Span& s : trace) {
      ASSERT_TRUE(by_id.emplace(s.span_id, &s).second) << "duplicate span id";
      agents += s.derived.operation == "agent" && !s.is_root();
    }
    EXPECT_GE(agents, 3);
    EXPECT_LE(agents, 12);
    for (size_t i = 0; i < trace.size(); ++i) {
      const Span& s = trace[i];
      ++spans;
      EXPECT_EQ(s.trace_id, trace[0].trace_id);
      EXPECT_LE(s.start_unix_nano, s.end_unix_nano);
      EXPECT_EQ(s.scope.name, "hoptrace.w1");
      const AnyValue* service = FindAttribute(s.resource.attributes, "service.name");
      ASSERT_NE(service, nullptr);
      EXPECT_EQ(s.derived.service, service->string_value);
      EXPECT_EQ(s.derived.agent, Attr(s, "gen_ai.agent.name"));
      if (s.status_code == StatusCodeValue::kError) {
        ++errors;
        EXPECT_FALSE(s.status_message.empty());
      }
      if (i == 0) continue;
      ASSERT_FALSE(s.is_root()) << "second root";
      auto parent = by_id.find(s.parent_span_id);
      ASSERT_NE(parent, by_id.end()) << "parent not in trace";
      EXPECT_GE(s.start_unix_nano, parent->second->start_unix_nano);
      EXPECT_LE(s.end_unix_nano, parent->second->end_unix_nano);
      if (s.derived.operation == "llm") {
        ++llm;
        EXPECT_EQ(s.name, "chat " + s.derived.model);
        EXPECT_EQ(Attr(s, "gen_ai.operation.name"), "chat");
        EXPECT_EQ(Attr(s, "gen_ai.request.model"), s.derived.model);
        EXPECT_EQ(Attr(s, "gen_ai.provider.name"), s.derived.provider);
        EXPECT_EQ(Attr(s, "gen_ai.usage.input_tokens"), std::to_string(s.derived.input_tokens));
        EXPECT_GT(s.derived.output_tokens, 0);
        EXPECT_GT(s.derived.cost_usd, 0);
        std::string user = Attr(s, "gen_ai.prompt.user");
        EXPECT_GE(user.size(), 100u);
        EXPECT_LE(user.size(), 800u);
        EXPECT_TRUE(user_messages.insert(user).second) << "user message repeated";
        std::string system = Attr(s, "gen_ai.prompt.system");
        if (!system.empty()) {
          ++with_system;
          EXPECT_GE(system.size(), 2048u);
          EXPECT_LE(system.size(), 6144u);
        }
      } else if (s.derived.operation == "tool") {
        EXPECT_EQ(s.name, "execute_tool " + s.derived.tool);
        EXPECT_EQ(Attr(s, "gen_ai.tool.name"), s.derived.tool);
        EXPECT_EQ(s.derived.input_tokens, 0);
      } else {
        EXPECT_EQ(s.derived.operation, "agent");
        EXPECT_EQ(s.name, "invoke_agent " + s.derived.agent);
        EXPECT_EQ(s.derived.total_tokens, 0);
      }
    }
  }
  double error_rate = static_cast<double>(errors) / static_cast<double>(spans);
  EXPECT_GT(error_rate, 0.015);
  EXPECT_LT(error_rate, 0.025);
  double system_rate = static_cast<double>(with_system) / static_cast<double>(llm);
  EXPECT_GT(system_rate, 0.27);
  EXPECT_LT(system_rate, 0.33);
}

TEST(W1Generator, CatalogueSizes) {
  EXPECT_EQ(W1Models().size(), 8u);
  EXPECT_EQ(W1Agents().size(), 5u);
  EXPECT_EQ(W1Tools().size(), 12u);
  EXPECT_EQ(W1Services().size(), 5u);
  EXPECT_DOUBLE_EQ(W1CostUsd("gpt-4o", 1'000'000, 1'000'000), 12.5);
  EXPECT_EQ(W1CostUsd("no-such-model", 10, 10), 0);
}

}  // namespace
}  // namespace hoptrace
