// Diagnose on a hand-built replica of the demo fleet's trace: every planted pattern found
// exactly once, with the right spans, and nothing on the clean parts.

#include <gtest/gtest.h>

#include <map>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::DemoTrace;
using testing::MakeDemoTrace;
using testing::TraceBuilder;

const AnyValue* Ev(const Finding& f, std::string_view key) {
  return FindAttribute(f.evidence, key);
}

std::map<FindingKind, int> Count(const std::vector<Finding>& f) {
  std::map<FindingKind, int> m;
  for (const Finding& x : f) ++m[x.kind];
  return m;
}

TEST(Diagnose, DemoFleetFindsEachPlantedPatternOnce) {
  DemoTrace d = MakeDemoTrace();
  ASSERT_EQ(d.spans.size(), 77u);
  Diagnosis dx = Diagnose(d.spans);
  std::map<FindingKind, int> counts = Count(dx.findings);
  EXPECT_EQ(counts, (std::map<FindingKind, int>{{FindingKind::kComb, 1},
                                                {FindingKind::kStraggler, 1},
                                                {FindingKind::kRootCause, 1}}));
  for (const Finding& f : dx.findings) {
    SCOPED_TRACE(f.summary);
    EXPECT_EQ(f.trace_id, d.spans[0].trace_id);
    switch (f.kind) {
      case FindingKind::kComb: {
        EXPECT_EQ(f.agent, "coder");
        ASSERT_EQ(f.span_ids.size(), 6u);
        for (size_t k = 0; k < 6; ++k) EXPECT_EQ(f.span_ids[k], d.spans[d.comb_reads[k]].span_id);
        EXPECT_EQ(f.wasted_tokens, d.comb_wasted_tokens);
        EXPECT_EQ(Ev(f, "arguments")->string_value, R"({"path":"src/gateway/limits.py"})");
        break;
      }
      case FindingKind::kStraggler:
        EXPECT_EQ(f.span_ids[0], d.spans[d.straggler_handoff].span_id);
        EXPECT_EQ(f.span_ids[1], d.spans[d.root].span_id);
        EXPECT_EQ(f.agent, "researcher");
        EXPECT_EQ(Ev(f, "fan_out")->int_value, 4);
        break;
      case FindingKind::kRootCause: {
        EXPECT_EQ(f.severity, Severity::kCritical);
        std::vector<SpanId> chain = {d.spans[d.root].span_id, d.spans[d.run_tests].span_id,
                                     d.spans[d.run_tests_read].span_id,
                                     d.spans[d.config_write].span_id};
        EXPECT_EQ(f.span_ids, chain);
        EXPECT_EQ(f.agent, "coder");
        EXPECT_EQ(Ev(f, "file_path")->string_value, "config/rate_limits.json");
        ASSERT_EQ(Ev(f, "read_by_agents")->array_value.size(), 2u);
        EXPECT_EQ(Ev(f, "read_by_agents")->array_value[0].string_value, "orchestrator");
        EXPECT_EQ(Ev(f, "read_by_agents")->array_value[1].string_value, "reviewer");
        break;
      }
      default:
        ADD_FAILURE() << "unexpected finding";
    }
  }
  // Critical first: the root cause leads.
  EXPECT_EQ(dx.findings[0].kind, FindingKind::kRootCause);

  // The critical path runs through the straggler and covers the whole trace.
  int64_t sum = 0;
  bool straggler_on_path = false;
  for (const CriticalPathStep& s : dx.critical_path) {
    sum += s.contribution_ns;
    if (s.span_id == d.spans[d.straggler_handoff].span_id) straggler_on_path = true;
  }
  EXPECT_EQ(sum, d.spans[d.root].duration_ns());
  EXPECT_TRUE(straggler_on_path);
  EXPECT_EQ(dx.critical_path[0].span_id, d.spans[d.root].span_id);

  // Runaway cost: the reviewer, once.
  std::vector<Finding> cost = EvaluateCost(d.spans, CostBudgets{}, nullptr, /*in_progress=*/true);
  ASSERT_EQ(cost.size(), 1u);
  EXPECT_EQ(cost[0].agent, "reviewer");
  EXPECT_EQ(FindAttribute(cost[0].evidence, "tokens")->int_value, 191000);
}

TEST(Diagnose, DemoFleetWithBrokenPropagation) {
  DemoTrace d = MakeDemoTrace(/*break_propagation=*/true);
  Diagnosis main = Diagnose(d.spans);
  EXPECT_EQ(Count(main.findings), (std::map<FindingKind, int>{{FindingKind::kComb, 1},
                                                              {FindingKind::kStraggler, 1},
                                                              {FindingKind::kRootCause, 1}}));
  EXPECT_TRUE(Diagnose(d.reviewer_spans).findings.empty());
}

TEST(Diagnose, CleanPartsOfTheFleetProduceNothing) {
  DemoTrace d = MakeDemoTrace();
  // A researcher's own subtree (a clean agent run) as a trace of its own.
  std::vector<Span> researcher;
  const SpanId first = d.spans[d.research_handoffs[0]].span_id;
  std::vector<SpanId> keep = {first};
  for (const Span& s : d.spans) {
    for (const SpanId& k : keep) {
      if (s.parent_span_id == k || s.span_id == first) {
        researcher.push_back(s);
        keep.push_back(s.span_id);
        break;
      }
    }
  }
  researcher[0].parent_span_id = SpanId{};
  ASSERT_EQ(researcher.size(), 8u);
  Diagnosis dx = Diagnose(researcher);
  for (const Finding& f : dx.findings) ADD_FAILURE() << f.summary;
  EXPECT_FALSE(dx.critical_path.empty());
  EXPECT_TRUE(EvaluateCost(researcher, CostBudgets{}, nullptr).empty());
}

TEST(Diagnose, TraceWithNothingWrong) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 1000);
  b.Llm(root, "a", "m", 1, 100, 100, 10);
  for (int k = 0; k < 3; ++k) b.Agent(root, std::string(1, 'w').append(std::to_string(k)), 101, 200 + k * 10);
  b.Tool(root, "a", "read_file", "{\"path\":\"x\"}", 300, 310);
  b.Tool(root, "a", "read_file", "{\"path\":\"x\"}", 311, 320);
  b.Tool(root, "a", "read_file", "{\"path\":\"x\"}", 321, 330);
  EXPECT_TRUE(Diagnose(b.spans).findings.empty());
  EXPECT_TRUE(Diagnose({}).findings.empty());
}

TEST(DiagnosisJson, Shape) {
  DemoTrace d = MakeDemoTrace();
  std::string json = DiagnosisJson(Diagnose(d.spans));
  EXPECT_EQ(
      json.rfind("{\"findings\":[{\"kind\":\"root_cause\",\"severity\":\"critical\",\"summary\":",
                 0),
      0u)
      << json.substr(0, 200);
  EXPECT_NE(json.find("\"kind\":\"comb\""), std::string::npos);
  EXPECT_NE(json.find("\"wasted_tokens\":"), std::string::npos);
  EXPECT_NE(json.find("\"evidence\":{\"agent\":\"coder\",\"tool\":\"read_file\""),
            std::string::npos);
  EXPECT_NE(json.find("],\"critical_path\":[{\"span_id\":\"" + ToHex(d.spans[0].span_id) +
                      "\",\"contribution_ns\":\""),
            std::string::npos);
  FindingKind k;
  EXPECT_TRUE(ParseFindingKind("broken_propagation", &k));
  EXPECT_EQ(k, FindingKind::kBrokenPropagation);
  EXPECT_FALSE(ParseFindingKind("nope", &k));
  Severity s;
  EXPECT_TRUE(ParseSeverity("warning", &s));
  EXPECT_EQ(SeverityName(s), "warning");
}

}  // namespace
}  // namespace hoptrace::analysis
