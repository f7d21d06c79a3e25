#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

const AnyValue* Ev(const Finding& f, std::string_view key) {
  return FindAttribute(f.evidence, key);
}

TEST(FindRootCauses, CleanTraceHasNone) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  b.Tool(root, "a", "search", "{}", 1, 10);
  EXPECT_TRUE(FindRootCauses(b.spans).empty());
}

TEST(FindRootCauses, ErrorWithNoEarlierCauseIsItsOwnCause) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  b.Llm(root, "a", "m", 1, 10, 10, 10);
  int tool = b.Tool(root, "a", "deploy", "{\"env\":\"prod\"}", 11, 20, true);
  b.Fail(root, "task failed");
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kRootCause);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  ASSERT_EQ(f[0].span_ids.size(), 2u);
  EXPECT_EQ(f[0].span_ids[0], b.spans[root].span_id);
  EXPECT_EQ(f[0].span_ids[1], b.spans[tool].span_id);
  EXPECT_FALSE(Ev(f[0], "earlier_cause_found")->bool_value);
  EXPECT_EQ(Ev(f[0], "cause_kind")->string_value, "error");
  EXPECT_NE(f[0].summary.find("No earlier anomaly"), std::string::npos) << f[0].summary;
}

TEST(FindRootCauses, FileReadEarlierByTheFailingAgentLeadsToItsWriter) {
  // The reader's own read_file succeeded; a later step of the same agent failed on what it
  // read. The read is not inside the failing span.
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 200);
  int w = b.Agent(root, "writer", 1, 50);
  int wt = b.Tool(w, "writer", "write_file", "{\"path\":\"cfg.json\"}", 10, 20);
  int wf = b.File(wt, "writer", "write", "cfg.json", 11, 19);
  int r = b.Agent(root, "reader", 60, 190);
  b.Tool(r, "reader", "read_file", "{\"path\":\"cfg.json\"}", 61, 70);
  b.Tool(r, "reader", "apply_config", "{}", 80, 90, true);
  b.Fail(r, "could not apply the config");
  b.Fail(root, "task failed");
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].span_ids.back(), b.spans[wf].span_id) << f[0].summary;
  EXPECT_EQ(Ev(f[0], "cause_kind")->string_value, "file_written_by_another_agent") << f[0].summary;
}

TEST(FindRootCauses, HandledErrorIsNoSymptom) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  b.Tool(root, "a", "fetch", "{\"u\":1}", 1, 10, true);
  b.Tool(root, "a", "fetch", "{\"u\":2}", 11, 20);  // recovered and carried on
  EXPECT_TRUE(FindRootCauses(b.spans).empty());
}

TEST(FindRootCauses, FileWrittenByAnotherAgentTwoHopsEarlier) {
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 200);
  int w = b.Agent(root, "writer", 1, 50);
  int wt = b.Tool(w, "writer", "write_file", "{\"path\":\"cfg.json\"}", 10, 20);
  int wf = b.File(wt, "writer", "write", "cfg.json", 11, 19);
  int other = b.Agent(root, "bystander", 51, 60);
  b.Tool(other, "bystander", "read_file", "{\"path\":\"unrelated.txt\"}", 52, 53);
  int test = b.Tool(root, "boss", "run_tests", "{\"config\":\"cfg.json\"}", 100, 150, true);
  int rf = b.File(test, "boss", "read", "cfg.json", 101, 102);
  b.Fail(root, "tests failed");
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  std::vector<SpanId> chain = {b.spans[root].span_id, b.spans[test].span_id, b.spans[rf].span_id,
                               b.spans[wf].span_id};
  EXPECT_EQ(f[0].span_ids, chain);
  EXPECT_EQ(f[0].agent, "writer");
  EXPECT_EQ(Ev(f[0], "cause_kind")->string_value, "file_written_by_another_agent");
  EXPECT_EQ(Ev(f[0], "file_path")->string_value, "cfg.json");
  EXPECT_NE(f[0].summary.find("writer wrote cfg.json"), std::string::npos) << f[0].summary;
}

TEST(FindRootCauses, SameAgentWriteIsFollowedToTheEarlierCrossAgentWrite) {
  // a writes x; b reads x and writes y; the boss reads y and fails: the cause is a's write... of
  // x, through b (same-agent hop from y's writer to b's earlier read).
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 300);
  int a = b.Agent(root, "a", 1, 40);
  int ax = b.File(a, "a", "write", "x.txt", 5, 6);
  int bb = b.Agent(root, "b", 50, 100);
  b.File(bb, "b", "read", "x.txt", 55, 56);
  b.File(bb, "b", "write", "y.txt", 60, 61);
  int test = b.Tool(root, "boss", "check", "{\"file\":\"y.txt\"}", 200, 210, true);
  b.Fail(root, "failed");
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  // Two candidates of equal strength (y written by b, read by boss; x written by a, read by
  // b): the earliest first.
  EXPECT_EQ(f[0].span_ids.back(), b.spans[ax].span_id);
  EXPECT_EQ(f[0].span_ids[1], b.spans[test].span_id);
  EXPECT_EQ(Ev(f[0], "candidates")->array_value.size(), 2u);
}

TEST(FindRootCauses, EarlierEmptyToolResult) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  int search = b.Tool(root, "a", "search", "{\"q\":\"x\"}", 1, 10, false, "");
  b.spans[search].attributes.push_back({"gen_ai.tool.call.result", AnyValue::String("  ")});
  b.Llm(root, "a", "m", 11, 20, 10, 10);
  int answer = b.Tool(root, "a", "submit", "{}", 21, 30, true);
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);  // the root did not fail
  EXPECT_EQ(f[0].span_ids.front(), b.spans[answer].span_id);
  EXPECT_EQ(f[0].span_ids.back(), b.spans[search].span_id);
  EXPECT_EQ(Ev(f[0], "cause_kind")->string_value, "bad_tool_result");
}

TEST(FindRootCauses, SpanLinkToAnEarlierError) {
  TraceBuilder b;
  int root = b.Agent(-1, "a", 0, 100);
  int bad = b.Add(root, "enqueue", "a", "", 1, 5);
  b.Fail(bad, "partial write");
  b.Add(root, "other", "a", "", 6, 10);  // the root carried on: `bad` was handled
  int consume = b.Add(root, "consume", "a", "", 20, 30);
  b.spans[consume].links.push_back({b.spans[bad].trace_id, b.spans[bad].span_id, "", {}, 0, 0});
  b.Fail(consume, "corrupt message");
  std::vector<Finding> f = FindRootCauses(b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].span_ids.back(), b.spans[bad].span_id);
}

}  // namespace
}  // namespace hoptrace::analysis
