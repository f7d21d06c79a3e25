// The diagnosis endpoints (docs/api.md) over a real embedded store and the real HTTP listener:
// /api/v1/traces/{id}/diagnosis, /stitched (and ?stitched=true), /graph and /api/v1/graph, fed
// with a replica of the demo fleet's trace (analysis/test_traces.h).
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analysis/test_traces.h"
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

}  // namespace
}  // namespace hoptrace
