#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

const GraphNode* Node(const AgentGraph& g, std::string_view name,
                      NodeKind kind = NodeKind::kAgent) {
  for (const GraphNode& n : g.nodes)
    if (n.name == name && n.kind == kind) return &n;
  return nullptr;
}
const GraphEdge* Edge(const AgentGraph& g, std::string_view from, std::string_view to) {
  for (const GraphEdge& e : g.edges)
    if (e.from == from && e.to == to) return &e;
  return nullptr;
}

TEST(BuildAgentGraph, DemoFleet) {
  testing::DemoTrace d = testing::MakeDemoTrace();
  AgentGraph g = BuildAgentGraph(d.spans);
  EXPECT_EQ(g.traces, 1);
  EXPECT_EQ(g.spans, 77);
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(Node(g, "orchestrator")->spans, 20);
  EXPECT_EQ(Node(g, "researcher")->spans, 24);
  EXPECT_EQ(Node(g, "coder")->spans, 25);
  EXPECT_EQ(Node(g, "reviewer")->spans, 8);
  EXPECT_EQ(Node(g, "researcher")->invocations, 4);
  EXPECT_EQ(Node(g, "reviewer")->total_tokens, 191000);
  EXPECT_EQ(Node(g, "coder")->errors, 12);
  ASSERT_EQ(g.edges.size(), 3u);
  const GraphEdge* e = Edge(g, "orchestrator", "researcher");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->calls, 4);
  EXPECT_EQ(e->kind, EdgeKind::kHandoff);
  EXPECT_EQ(e->total_tokens, 3148 + 3352 + 3565 + 3710);
  EXPECT_EQ(Edge(g, "orchestrator", "reviewer")->total_tokens, 191000);
  EXPECT_TRUE(g.cycles.empty());

  AgentGraph tools = BuildAgentGraph(d.spans, {.include_tools = true});
  const GraphNode* read = Node(tools, "read_file", NodeKind::kTool);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->invocations, 8);
  EXPECT_EQ(read->errors, 6);
  EXPECT_EQ(Edge(tools, "coder", "read_file")->calls, 6);
  EXPECT_EQ(Edge(tools, "reviewer", "read_file")->calls, 2);
}

TEST(BuildAgentGraph, FrameworkHandoffsToASiblingAgentAreHandoffEdges) {
  // The OpenAI Agents SDK as OpenInference records it (the JS fixture's shape): the workflow
  // runs triage_agent, whose turn calls the handoff tool; weather_agent then runs beside
  // triage_agent, not under the handoff.
  TraceBuilder b;
  int workflow = b.Add(-1, "Agent workflow", "", "chain", 0, 1000);
  int triage = b.Agent(workflow, "triage_agent", 0, 300);
  int turn = b.Add(triage, "turn", "triage_agent", "chain", 10, 290);
  b.Llm(turn, "triage_agent", "gpt-4o-mini", 20, 200, 57, 17);
  int handoff = b.Tool(turn, "triage_agent", "handoff_to_weather_agent", "{}", 210, 220);
  b.spans[handoff].name = "handoff to weather_agent";
  int weather = b.Agent(workflow, "weather_agent", 300, 900);
  b.Llm(weather, "weather_agent", "gpt-4o-mini", 310, 500, 80, 20);
  // ... and the Python SDK's tool name alone.
  int py = b.Tool(weather, "weather_agent", "transfer_to_summary_agent", "{}", 600, 610);
  b.Agent(workflow, "summary_agent", 900, 990);

  AgentGraph g = BuildAgentGraph(b.spans, {.include_tools = true});
  const GraphEdge* e = Edge(g, "triage_agent", "weather_agent");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, EdgeKind::kHandoff);
  EXPECT_EQ(e->calls, 1);
  e = Edge(g, "weather_agent", "summary_agent");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, EdgeKind::kHandoff);
  // The handoff tools are edges, not tool nodes.
  EXPECT_EQ(Node(g, "handoff_to_weather_agent", NodeKind::kTool), nullptr);
  EXPECT_EQ(Node(g, "transfer_to_summary_agent", NodeKind::kTool), nullptr);
  (void)py;

  // An ordinary tool whose name merely mentions a transfer is a tool.
  TraceBuilder c;
  int a = c.Agent(-1, "banker", 0, 100);
  c.Tool(a, "banker", "transfer_funds", "{}", 10, 20);
  AgentGraph h = BuildAgentGraph(c.spans, {.include_tools = true});
  EXPECT_NE(Node(h, "transfer_funds", NodeKind::kTool), nullptr);
  EXPECT_EQ(h.edges.size(), 1u);
}

TEST(BuildAgentGraph, LoopsShowAsCyclesWithCounts) {
  TraceBuilder b;
  int r = b.Agent(-1, "planner", 0, 1000);
  int p = r;
  for (int k = 0; k < 3; ++k) {
    int c = b.Agent(p, "critic", 10 + k * 100, 90 + k * 100);
    p = b.Agent(c, "planner", 20 + k * 100, 80 + k * 100);
  }
  AgentGraph g = BuildAgentGraph(b.spans);
  ASSERT_EQ(g.cycles.size(), 1u);
  EXPECT_EQ(g.cycles[0].count, 3);
  EXPECT_EQ(g.cycles[0].agents.size(), 2u);
  EXPECT_TRUE(Edge(g, "planner", "critic")->in_cycle);
  EXPECT_EQ(Edge(g, "critic", "planner")->calls, 3);
}

TEST(BuildAgentGraph, HandoffWithoutNestedEntry) {
  // OpenAI Agents style: the handoff span is a leaf; the next agent is its sibling.
  TraceBuilder b;
  int r = b.Add(-1, "workflow", "", "workflow", 0, 100);
  int triage = b.Agent(r, "triage", 1, 20);
  b.Handoff(triage, "triage", "billing", 10, 11);
  b.Agent(r, "billing", 21, 50);
  AgentGraph g = BuildAgentGraph(b.spans);
  const GraphEdge* e = Edge(g, "triage", "billing");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, EdgeKind::kHandoff);
  EXPECT_EQ(e->calls, 1);
  ASSERT_NE(Node(g, "svc-", NodeKind::kService), nullptr);  // the agent-less workflow span
}

TEST(MergeGraph, SumsNodesAndEdges) {
  testing::DemoTrace d = testing::MakeDemoTrace();
  AgentGraph one = BuildAgentGraph(d.spans);
  AgentGraph sum = one;
  MergeGraph(&sum, one);
  EXPECT_EQ(sum.traces, 2);
  EXPECT_EQ(sum.spans, 154);
  EXPECT_EQ(Node(sum, "coder")->traces, 2);
  EXPECT_EQ(Edge(sum, "orchestrator", "researcher")->calls, 8);
  AgentGraphBuilder builder;
  builder.Add(d.spans);
  builder.Add(d.spans);
  AgentGraph built = builder.Finish();
  ASSERT_EQ(built.nodes.size(), sum.nodes.size());
  for (size_t i = 0; i < sum.nodes.size(); ++i) {
    EXPECT_EQ(built.nodes[i].name, sum.nodes[i].name);
    EXPECT_EQ(built.nodes[i].total_tokens, sum.nodes[i].total_tokens);
    EXPECT_NEAR(built.nodes[i].cost_usd, sum.nodes[i].cost_usd, 1e-9);  // summation order
  }
  ASSERT_EQ(built.edges.size(), sum.edges.size());
  for (size_t i = 0; i < sum.edges.size(); ++i) EXPECT_EQ(built.edges[i].calls, sum.edges[i].calls);
  EXPECT_NE(
      AgentGraphJson(sum).find(
          R"("from":"agent:orchestrator","to":"agent:researcher","kind":"handoff","calls":8)"),
      std::string::npos);
}

}  // namespace
}  // namespace hoptrace::analysis
