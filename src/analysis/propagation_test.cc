#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

TEST(FindOrphanRoots, MissingParentAfterTheGracePeriod) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  b.Add(root, "child", "a", "", 1, 2);
  int orphan = b.Add(-1, "lost", "b", "", 10, 20);
  b.spans[orphan].parent_span_id = b.Id(999);
  PropagationOptions o;
  std::vector<Finding> f = FindOrphanRoots(b.spans, o);  // now = 0: complete
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kBrokenPropagation);
  EXPECT_EQ(f[0].span_ids, std::vector<SpanId>{b.spans[orphan].span_id});
  o.now_unix_nano = testing::Ms(100) + 1'000'000'000;  // 1 s later: within the 30 s grace
  EXPECT_TRUE(FindOrphanRoots(b.spans, o).empty());
  o.now_unix_nano = testing::Ms(100) + 31'000'000'000;
  EXPECT_EQ(FindOrphanRoots(b.spans, o).size(), 1u);
}

TEST(FindOrphanRoots, GenuineRootIsFine) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  b.Add(root, "child", "a", "", 1, 2);
  EXPECT_TRUE(FindOrphanRoots(b.spans).empty());
}

TEST(StitchTraces, DemoBreakPropagationGroupsTheTwoHalves) {
  testing::DemoTrace d = testing::MakeDemoTrace(/*break_propagation=*/true);
  ASSERT_EQ(d.spans.size(), 69u);
  ASSERT_EQ(d.reviewer_spans.size(), 8u);
  std::vector<TraceForStitching> traces = {{d.spans[0].trace_id, d.spans},
                                           {d.reviewer_spans[0].trace_id, d.reviewer_spans}};
  std::vector<Finding> f = FindBrokenPropagation(traces);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kBrokenPropagation);
  EXPECT_EQ(f[0].trace_ids,
            (std::vector<TraceId>{d.spans[0].trace_id, d.reviewer_spans[0].trace_id}));
  EXPECT_EQ(f[0].trace_id, d.spans[0].trace_id);
  ASSERT_EQ(f[0].span_ids.size(), 2u);
  EXPECT_EQ(f[0].span_ids[0], d.reviewer_spans[d.reviewer_root].span_id);
  EXPECT_EQ(f[0].span_ids[1], d.spans[d.reviewer_client].span_id);
  std::vector<StitchGroup> g = StitchTraces(traces);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_DOUBLE_EQ(g[0].confidence, 0.9);
  EXPECT_NE(g[0].links[0].reason.find("handoff orchestrator -> reviewer"), std::string::npos)
      << g[0].links[0].reason;
  // Each half alone: no orphan root (the reviewer's root is a genuine root).
  EXPECT_TRUE(FindOrphanRoots(d.spans).empty());
  EXPECT_TRUE(FindOrphanRoots(d.reviewer_spans).empty());
}

TEST(StitchTraces, GenuineRootsOfUnrelatedTracesStayApart) {
  testing::DemoTrace d = testing::MakeDemoTrace(/*break_propagation=*/false);
  // A concurrent, unrelated trace of another agent starting inside the demo's time range.
  TraceBuilder other(9);
  int r = other.Agent(-1, "billing", 500, 900);
  other.Llm(r, "billing", "m", 510, 600, 10, 10);
  std::vector<TraceForStitching> traces = {{d.spans[0].trace_id, d.spans},
                                           {other.spans[0].trace_id, other.spans}};
  EXPECT_TRUE(FindBrokenPropagation(traces).empty());
  // Nor is the demo's reviewer taken for a lost callee when its hop propagated.
  TraceBuilder reviewer(10);
  reviewer.Agent(-1, "reviewer", 5000, 5100);
  traces.push_back({reviewer.spans[0].trace_id, reviewer.spans});
  for (const Finding& f : FindBrokenPropagation(traces)) ADD_FAILURE() << f.summary;
}

TEST(StitchTraces, ParentIdInAnotherTraceAndSharedConversation) {
  TraceBuilder a(1), b(2, 0x10), c(3, 0x20);
  int ra = a.Agent(-1, "planner", 0, 100);
  a.spans[ra].derived.conversation = "conv-1";
  int call = a.Add(ra, "publish", "planner", "", 10, 12);
  a.spans[call].kind = SpanKind::kProducer;
  int rb = b.Agent(-1, "worker", 50, 60);
  b.spans[rb].parent_span_id = a.spans[call].span_id;  // a new trace id, the parent kept
  int rc = c.Agent(-1, "summarizer", 200, 300);
  c.spans[rc].derived.conversation = "conv-1";
  std::vector<TraceForStitching> traces = {{a.spans[0].trace_id, a.spans},
                                           {b.spans[0].trace_id, b.spans},
                                           {c.spans[0].trace_id, c.spans}};
  std::vector<StitchGroup> g = StitchTraces(traces);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].trace_ids.size(), 3u);
  EXPECT_EQ(g[0].trace_ids[0], a.spans[0].trace_id);
  ASSERT_EQ(g[0].links.size(), 2u);
  EXPECT_DOUBLE_EQ(g[0].links[0].confidence, 1.0);
  EXPECT_EQ(g[0].links[0].parent_span_id, a.spans[call].span_id);
  EXPECT_DOUBLE_EQ(g[0].links[1].confidence, 0.8);
  EXPECT_DOUBLE_EQ(g[0].confidence, 0.8);
}

}  // namespace
}  // namespace hoptrace::analysis
