// The diagnosis endpoints (docs/api.md) over a real embedded store and the real HTTP listener:
// /api/v1/traces/{id}/diagnosis, /stitched (and ?stitched=true), /graph and /api/v1/graph, fed
// with a replica of the demo fleet's trace (analysis/test_traces.h).
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/test_traces.h"
#include "normalize/normalize.h"
#include "server/diagnosis_service.h"
#include "server/test_server.h"

namespace hoptrace {
namespace {

using analysis::testing::DemoTrace;
using analysis::testing::MakeDemoTrace;

class DiagnosisApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.ok()) << store_.status().ToString();
    server_ = std::make_unique<TestHttpServer>(store_.get());
    ASSERT_TRUE(server_->ok()) << server_->status().ToString();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  void Store(std::vector<Span> spans) { ASSERT_TRUE(store_->Append(std::move(spans)).ok()); }

  // GET `path`: its status, and the body parsed when it is 200.
  int Get(const std::string& path, simdjson::dom::element* doc = nullptr,
          std::string* body = nullptr) {
    auto res = client_->Get(path);
    if (!res) return 0;
    if (body) *body = res->body;
    if (doc) {
      parsers_.push_back(std::make_unique<simdjson::dom::parser>());
      EXPECT_EQ(parsers_.back()->parse(res->body).get(*doc), simdjson::SUCCESS) << res->body;
    }
    return res->status;
  }

  static std::string Str(simdjson::dom::element e) {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : "";
  }
  static std::vector<std::string> Strs(simdjson::dom::element e) {
    std::vector<std::string> out;
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return out;
    for (auto x : a) out.push_back(Str(x));
    return out;
  }
  // The findings of a diagnosis by kind.
  static std::multimap<std::string, simdjson::dom::element> ByKind(simdjson::dom::element doc) {
    std::multimap<std::string, simdjson::dom::element> out;
    simdjson::dom::array a;
    EXPECT_EQ(doc["findings"].get_array().get(a), simdjson::SUCCESS);
    for (auto f : a) out.emplace(Str(f["kind"]), f);
    return out;
  }

  TestStore store_;
  std::unique_ptr<TestHttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(DiagnosisApiTest, DiagnosisOfTheDemoTraceFindsEachPatternOnce) {
  DemoTrace d = MakeDemoTrace();
  const std::string trace = ToHex(d.spans[0].trace_id);
  Store(d.spans);
  simdjson::dom::element doc;
  std::string body;
  ASSERT_EQ(Get("/api/v1/traces/" + trace + "/diagnosis", &doc, &body), 200) << body;
  auto kinds = ByKind(doc);
  EXPECT_EQ(kinds.count("comb"), 1u) << body;
  EXPECT_EQ(kinds.count("straggler"), 1u) << body;
  EXPECT_EQ(kinds.count("root_cause"), 1u) << body;
  EXPECT_EQ(kinds.count("broken_propagation"), 0u) << body;
  EXPECT_EQ(kinds.count("retry_storm"), 0u) << body;

  auto comb = kinds.find("comb")->second;
  std::vector<std::string> teeth;
  for (int i : d.comb_reads) teeth.push_back(ToHex(d.spans[i].span_id));
  EXPECT_EQ(Strs(comb["span_ids"]), teeth);
  int64_t wasted = 0;
  EXPECT_EQ(comb["wasted_tokens"].get_int64().get(wasted), simdjson::SUCCESS);
  EXPECT_GT(wasted, 0);
  EXPECT_EQ(Str(comb["trace_id"]), trace);
  simdjson::dom::object evidence;
  EXPECT_EQ(comb["evidence"].get_object().get(evidence), simdjson::SUCCESS);

  // The straggler is research sub-agent 3's subtree (the analysis reports its entry span).
  std::set<std::string> straggler_subtree = {ToHex(d.spans[d.straggler_handoff].span_id)};
  for (int grow = 0; grow < 3; ++grow) {
    for (const Span& s : d.spans)
      if (straggler_subtree.count(ToHex(s.parent_span_id))) straggler_subtree.insert(ToHex(s.span_id));
  }
  auto straggler = Strs(kinds.find("straggler")->second["span_ids"]);
  ASSERT_FALSE(straggler.empty());
  EXPECT_TRUE(straggler_subtree.count(straggler[0])) << straggler[0];

  // The root cause chain reaches the coder's write of config/rate_limits.json.
  auto chain = Strs(kinds.find("root_cause")->second["span_ids"]);
  const std::string write = ToHex(d.spans[d.config_write].span_id);
  const std::string write_tool = ToHex(d.spans[d.config_write].parent_span_id);
  EXPECT_TRUE(std::find(chain.begin(), chain.end(), write) != chain.end() ||
              std::find(chain.begin(), chain.end(), write_tool) != chain.end())
      << body;

  // The critical path: root first, contributions as decimal strings.
  simdjson::dom::array path;
  ASSERT_EQ(doc["critical_path"].get_array().get(path), simdjson::SUCCESS);
  ASSERT_GT(path.size(), 1u);
  EXPECT_EQ(Str(path.at(0)["span_id"]), ToHex(d.spans[d.root].span_id));
  EXPECT_FALSE(Str(path.at(0)["contribution_ns"]).empty());
}

TEST_F(DiagnosisApiTest, ErrorsNameTheProblem) {
  DemoTrace d = MakeDemoTrace();
  const std::string trace = ToHex(d.spans[0].trace_id);
  Store(d.spans);
  std::string body;
  EXPECT_EQ(Get("/api/v1/traces/" + std::string(32, 'a') + "/diagnosis", nullptr, &body), 404);
  EXPECT_EQ(Get("/api/v1/traces/xyz/diagnosis", nullptr, &body), 400);
  EXPECT_NE(body.find("trace id"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/traces/" + trace + "/diagnosis?verbose=1", nullptr, &body), 400);
  EXPECT_NE(body.find("\"verbose: unknown parameter"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/traces/" + trace + "/graph?tools=maybe", nullptr, &body), 400);
  EXPECT_NE(body.find("\"tools: must be true or false"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/traces/" + trace + "?stitched=yes", nullptr, &body), 400);
  EXPECT_NE(body.find("\"stitched:"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/graph?limit=0", nullptr, &body), 400);
  EXPECT_NE(body.find("\"limit:"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/graph?colour=red", nullptr, &body), 400);
  EXPECT_NE(body.find("\"colour"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/traces/" + std::string(32, 'a') + "/graph", nullptr, &body), 404);
  EXPECT_EQ(Get("/api/v1/traces/" + std::string(32, 'a') + "/stitched", nullptr, &body), 404);
}

TEST_F(DiagnosisApiTest, BrokenPropagationIsGroupedAndStitchedWithoutAlteringTheStore) {
  DemoTrace d = MakeDemoTrace(/*break_propagation=*/true);
  const std::string caller = ToHex(d.spans[0].trace_id);
  const std::string reviewer = ToHex(d.reviewer_spans[0].trace_id);
  ASSERT_NE(caller, reviewer);
  Store(d.spans);
  Store(d.reviewer_spans);

  for (const std::string& asked : {caller, reviewer}) {
    simdjson::dom::element doc;
    std::string body;
    ASSERT_EQ(Get("/api/v1/traces/" + asked + "/diagnosis", &doc, &body), 200) << body;
    auto kinds = ByKind(doc);
    ASSERT_EQ(kinds.count("broken_propagation"), 1u) << asked << ": " << body;
    EXPECT_EQ(Strs(kinds.find("broken_propagation")->second["trace_ids"]),
              (std::vector<std::string>{caller, reviewer}));
  }

  const std::string root = ToHex(d.reviewer_spans[d.reviewer_root].span_id);
  const std::string client = ToHex(d.spans[d.reviewer_client].span_id);
  for (const std::string& path :
       {"/api/v1/traces/" + reviewer + "/stitched", "/api/v1/traces/" + caller + "?stitched=true"}) {
    simdjson::dom::element doc;
    std::string body;
    ASSERT_EQ(Get(path, &doc, &body), 200) << body;
    bool stitched = false;
    EXPECT_EQ(doc["stitched"].get_bool().get(stitched), simdjson::SUCCESS);
    EXPECT_TRUE(stitched);
    EXPECT_EQ(Strs(doc["trace_ids"]), (std::vector<std::string>{caller, reviewer}));
    simdjson::dom::array spans;
    ASSERT_EQ(doc["spans"].get_array().get(spans), simdjson::SUCCESS);
    EXPECT_EQ(spans.size(), d.spans.size() + d.reviewer_spans.size());
    int marked = 0;
    for (auto s : spans) {
      simdjson::dom::element parent;
      if (s["stitched_parent"].get(parent) != simdjson::SUCCESS) continue;
      ++marked;
      EXPECT_EQ(Str(s["span_id"]), root);
      EXPECT_TRUE(s["parent_span_id"].is_null()) << "the stored parent is left as stored";
      EXPECT_EQ(Str(parent["trace_id"]), caller);
      EXPECT_EQ(Str(parent["span_id"]), client);
      double confidence = 0;
      EXPECT_EQ(parent["confidence"].get_double().get(confidence), simdjson::SUCCESS);
      EXPECT_GE(confidence, 0.5);
    }
    EXPECT_EQ(marked, 1) << body;
  }
  // The stored trace is unchanged: the reviewer's root is still a root of its own trace.
  simdjson::dom::element doc;
  ASSERT_EQ(Get("/api/v1/traces/" + reviewer, &doc), 200);
  simdjson::dom::array spans;
  ASSERT_EQ(doc["spans"].get_array().get(spans), simdjson::SUCCESS);
  EXPECT_EQ(spans.size(), d.reviewer_spans.size());
  for (auto s : spans) EXPECT_TRUE(s["stitched_parent"].error() != simdjson::SUCCESS);
}

TEST_F(DiagnosisApiTest, AStitchedViewOfALoneTraceIsTheTrace) {
  DemoTrace d = MakeDemoTrace();
  const std::string trace = ToHex(d.spans[0].trace_id);
  Store(d.spans);
  simdjson::dom::element doc;
  ASSERT_EQ(Get("/api/v1/traces/" + trace + "/stitched", &doc), 200);
  bool stitched = true;
  EXPECT_EQ(doc["stitched"].get_bool().get(stitched), simdjson::SUCCESS);
  EXPECT_FALSE(stitched);
  EXPECT_EQ(Strs(doc["trace_ids"]), std::vector<std::string>{trace});
  EXPECT_TRUE(doc["confidence"].is_null());
  simdjson::dom::array spans;
  ASSERT_EQ(doc["spans"].get_array().get(spans), simdjson::SUCCESS);
  EXPECT_EQ(spans.size(), d.spans.size());
}

TEST_F(DiagnosisApiTest, GraphOfATraceAndAggregatedOverTraces) {
  DemoTrace d = MakeDemoTrace(/*break_propagation=*/true);
  const std::string trace = ToHex(d.spans[0].trace_id);
  Store(d.spans);
  Store(d.reviewer_spans);

  simdjson::dom::element doc;
  std::string body;
  ASSERT_EQ(Get("/api/v1/traces/" + trace + "/graph", &doc, &body), 200) << body;
  std::set<std::string> nodes;
  simdjson::dom::array a;
  ASSERT_EQ(doc["nodes"].get_array().get(a), simdjson::SUCCESS);
  for (auto n : a) nodes.insert(Str(n["id"]));
  EXPECT_TRUE(nodes.count("agent:orchestrator")) << body;
  EXPECT_TRUE(nodes.count("agent:researcher")) << body;
  EXPECT_TRUE(nodes.count("agent:coder")) << body;
  for (const std::string& n : nodes) EXPECT_NE(n.rfind("tool:", 0), 0u) << n;
  int64_t researcher_calls = 0;
  ASSERT_EQ(doc["edges"].get_array().get(a), simdjson::SUCCESS);
  for (auto e : a) {
    if (Str(e["from"]) == "agent:orchestrator" && Str(e["to"]) == "agent:researcher")
      researcher_calls += e["calls"].get_int64().value_unsafe();
  }
  EXPECT_EQ(researcher_calls, 4) << body;

  ASSERT_EQ(Get("/api/v1/traces/" + trace + "/graph?tools=true", &doc, &body), 200) << body;
  nodes.clear();
  ASSERT_EQ(doc["nodes"].get_array().get(a), simdjson::SUCCESS);
  for (auto n : a) nodes.insert(Str(n["id"]));
  EXPECT_TRUE(nodes.count("tool:read_file")) << body;

  // Aggregated over both traces of the store, then filtered down to the reviewer's.
  ASSERT_EQ(Get("/api/v1/graph?since=0", &doc, &body), 200) << body;
  int64_t traces = 0;
  EXPECT_EQ(doc["traces"].get_int64().get(traces), simdjson::SUCCESS);
  EXPECT_EQ(traces, 2) << body;
  ASSERT_EQ(Get("/api/v1/graph?agent=reviewer&tools=1", &doc, &body), 200) << body;
  EXPECT_EQ(doc["traces"].get_int64().get(traces), simdjson::SUCCESS);
  EXPECT_GE(traces, 1) << body;
  nodes.clear();
  ASSERT_EQ(doc["nodes"].get_array().get(a), simdjson::SUCCESS);
  for (auto n : a) nodes.insert(Str(n["id"]));
  EXPECT_TRUE(nodes.count("agent:reviewer")) << body;
}

// The same traces as one graph, the narrow way (GET /api/v1/graph, DiagnosisService::Graph) and
// the full way (SearchTraces, GetTrace, ResolveTrace, AgentGraphBuilder), over spans in blocks
// and in the memtable, traces split between them, children stored before their parents (agents
// inherited, wrapper usage uncounted by ResolveTrace) and OpenAI-Agents-style handoffs whose
// target is a sibling (the handoff.to_agent attribute makes the edge).
TEST_F(DiagnosisApiTest, AggregateGraphEqualsTheGraphOfFullTraces) {
  using analysis::AgentGraph;
  using analysis::testing::TraceBuilder;
  std::vector<Span> first, second;
  // Demo-fleet traces under 24 trace ids; the second half of every third one arrives later.
  for (int n = 0; n < 24; ++n) {
    DemoTrace d = MakeDemoTrace(/*break_propagation=*/n % 4 == 0);
    std::vector<Span> spans = d.spans;
    spans.insert(spans.end(), d.reviewer_spans.begin(), d.reviewer_spans.end());
    for (size_t i = 0; i < spans.size(); ++i) {
      Span& s = spans[i];
      s.trace_id[1] = static_cast<uint8_t>(n + 1);
      s.start_unix_nano += static_cast<uint64_t>(n) * 1'000'000'000;
      s.end_unix_nano += static_cast<uint64_t>(n) * 1'000'000'000;
      (n % 3 == 0 && i > spans.size() / 2 ? second : first).push_back(std::move(s));
    }
  }
  // Handoffs to siblings, children (without agents, with the real usage) before their parents.
  for (int n = 0; n < 6; ++n) {
    TraceBuilder b(static_cast<uint8_t>(100 + n));
    int root = b.Agent(-1, "triage", 0, 100);
    b.Handoff(root, "triage", n % 2 ? "billing" : "refunds", 10, 11);
    int next = b.Agent(root, n % 2 ? "billing" : "refunds", 12, 90);
    int wrapper = b.Llm(next, "", "gpt-4o", 13, 40, 300, 30);
    b.Llm(wrapper, "", "gpt-4o", 14, 39, 300, 30);
    b.Tool(next, "", "lookup", "{}", 41, 50, n == 3);
    b.Handoff(next, n % 2 ? "billing" : "refunds", "triage", 60, 61);
    for (size_t i = 0; i < b.spans.size(); ++i)
      (i >= 3 ? first : second).push_back(b.spans[i]);  // parents after their children
  }
  Store(first);
  ASSERT_TRUE(store_->Flush().ok());
  Store(second);

  auto reference = [&](const SpanFilter& filter, size_t limit, bool tools) {
    analysis::AgentGraphBuilder b({.include_tools = tools});
    auto traces = store_->SearchTraces(filter, limit);
    EXPECT_TRUE(traces.ok());
    for (const TraceSummary& t : *traces) {
      auto spans = store_->GetTrace(t.trace_id);
      EXPECT_TRUE(spans.ok());
      ResolveTrace(&*spans);
      b.Add(*spans);
    }
    return b.Finish();
  };
  auto near = [](double a, double b) {
    return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
  };
  auto expect_same = [&](const AgentGraph& got, const AgentGraph& want) {
    EXPECT_EQ(got.traces, want.traces);
    EXPECT_EQ(got.spans, want.spans);
    ASSERT_EQ(got.nodes.size(), want.nodes.size());
    for (size_t i = 0; i < got.nodes.size(); ++i) {
      const auto& x = got.nodes[i];
      const auto& y = want.nodes[i];
      EXPECT_EQ(std::tie(x.kind, x.name, x.invocations, x.spans, x.errors, x.input_tokens,
                         x.output_tokens, x.total_tokens, x.duration_ns, x.traces),
                std::tie(y.kind, y.name, y.invocations, y.spans, y.errors, y.input_tokens,
                         y.output_tokens, y.total_tokens, y.duration_ns, y.traces))
          << y.name;
      EXPECT_TRUE(near(x.cost_usd, y.cost_usd)) << y.name;
    }
    ASSERT_EQ(got.edges.size(), want.edges.size());
    for (size_t i = 0; i < got.edges.size(); ++i) {
      const auto& x = got.edges[i];
      const auto& y = want.edges[i];
      EXPECT_EQ(std::tie(x.from, x.to, x.kind, x.calls, x.errors, x.total_tokens, x.duration_ns,
                         x.in_cycle),
                std::tie(y.from, y.to, y.kind, y.calls, y.errors, y.total_tokens, y.duration_ns,
                         y.in_cycle))
          << y.from << " -> " << y.to;
      EXPECT_TRUE(near(x.cost_usd, y.cost_usd)) << y.from << " -> " << y.to;
    }
    // Cycles of equal counts come in the order their nodes were met: compare them as sets.
    auto cycles = [](const AgentGraph& g) {
      std::multiset<std::pair<int64_t, std::set<std::string>>> out;
      for (const auto& c : g.cycles)
        out.emplace(c.count, std::set<std::string>(c.agents.begin(), c.agents.end()));
      return out;
    };
    EXPECT_EQ(cycles(got), cycles(want));
  };

  DiagnosisService service(store_.get());
  SpanFilter billing;
  billing.agent = "billing";
  for (const auto& [filter, limit] : std::vector<std::pair<SpanFilter, size_t>>{
           {SpanFilter{}, 1'000'000}, {SpanFilter{}, 5}, {billing, 1000}}) {
    for (bool tools : {false, true}) {
      SCOPED_TRACE("limit " + std::to_string(limit) + (tools ? " tools" : ""));
      const AgentGraph want = reference(filter, limit, tools);
      auto got = service.Graph(filter, limit, tools);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      expect_same(*got, want);
      auto old = service.GraphFromFullTraces(filter, limit, tools);
      ASSERT_TRUE(old.ok());
      expect_same(*old, want);
    }
  }
  const AgentGraph want = reference(SpanFilter{}, 1'000'000, true);
  EXPECT_EQ(want.traces, 24 + 6 + 6);  // 6 reviewer traces of their own
  bool handoff_edge = false, inherited = false;
  for (const auto& e : want.edges)
    handoff_edge |=
        e.kind == analysis::EdgeKind::kHandoff && e.from == "billing" && e.to == "triage";
  for (const auto& n : want.nodes) inherited |= n.name == "billing" && n.input_tokens == 3 * 300;
  EXPECT_TRUE(handoff_edge) << "a sibling handoff edge, from its handoff.to_agent";
  EXPECT_TRUE(inherited) << "children inherit billing; the wrapper's usage is not counted";

  // Over HTTP, with a limit past /api/v1/traces' 10000.
  simdjson::dom::element doc;
  std::string body;
  ASSERT_EQ(Get("/api/v1/graph?limit=1000000&tools=true", &doc, &body), 200) << body;
  int64_t traces = 0, spans = 0;
  EXPECT_EQ(doc["traces"].get_int64().get(traces), simdjson::SUCCESS);
  EXPECT_EQ(doc["spans"].get_int64().get(spans), simdjson::SUCCESS);
  EXPECT_EQ(traces, want.traces);
  EXPECT_EQ(spans, want.spans);
  std::map<std::string, simdjson::dom::element> nodes;
  simdjson::dom::array a;
  ASSERT_EQ(doc["nodes"].get_array().get(a), simdjson::SUCCESS);
  for (auto n : a) nodes[Str(n["id"])] = n;
  ASSERT_EQ(nodes.size(), want.nodes.size()) << body;
  for (const auto& n : want.nodes) {
    const std::string id = std::string(analysis::NodeKindName(n.kind)) + ":" + n.name;
    ASSERT_TRUE(nodes.count(id)) << id;
    simdjson::dom::element e = nodes[id];
    EXPECT_EQ(e["invocations"].get_int64().value_unsafe(), n.invocations) << id;
    EXPECT_EQ(e["spans"].get_int64().value_unsafe(), n.spans) << id;
    EXPECT_EQ(e["errors"].get_int64().value_unsafe(), n.errors) << id;
    EXPECT_EQ(e["total_tokens"].get_int64().value_unsafe(), n.total_tokens) << id;
    EXPECT_EQ(e["traces"].get_int64().value_unsafe(), n.traces) << id;
    EXPECT_EQ(Str(e["duration_ns"]), std::to_string(n.duration_ns)) << id;
    EXPECT_TRUE(near(e["cost_usd"].get_double().value_unsafe(), n.cost_usd)) << id;
  }
  ASSERT_EQ(doc["edges"].get_array().get(a), simdjson::SUCCESS);
  ASSERT_EQ(a.size(), want.edges.size()) << body;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> calls;
  for (auto e : a)
    calls[{Str(e["from"]), Str(e["to"]), Str(e["kind"])}] = e["calls"].get_int64().value_unsafe();
  for (const auto& e : want.edges) {
    const auto key =
        std::make_tuple(std::string(analysis::NodeKindName(e.from_kind)) + ":" + e.from,
                        std::string(analysis::NodeKindName(e.to_kind)) + ":" + e.to,
                        std::string(analysis::EdgeKindName(e.kind)));
    EXPECT_EQ(calls[key], e.calls) << e.from << " -> " << e.to;
  }
  EXPECT_EQ(Get("/api/v1/graph?limit=1000001", nullptr, &body), 400);
}

}  // namespace
}  // namespace hoptrace
