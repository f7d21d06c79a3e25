// The diagnosis (issue 6) end to end: a real `hoptrace serve`, the real demo fleet run against it
// by `hoptrace demo`, and the findings read back through /api/v1/traces/{id}/diagnosis and
// /stitched. Each planted pattern must be found exactly once with the right spans, and nothing
// else.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents.h"
#include "fleet_test_support.h"

namespace hoptrace::demo {
namespace {

std::string Text(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return "";
}
std::string Text(simdjson::dom::element e) {
  return Text(simdjson::simdjson_result<simdjson::dom::element>(std::move(e)));
}
std::vector<std::string> Texts(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get_array().get(a) == simdjson::SUCCESS)
    for (auto x : a) out.push_back(Text(x));
  return out;
}

struct SpanInfo {
  std::string name, agent, tool, parent, path, subtask;
  uint64_t end_unix_nano = 0;
};

class DiagnosisFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer("diagnosis-fleet-test");
    ASSERT_TRUE(server_->Start()) << "hoptrace serve did not start";
  }
  static void TearDownTestSuite() {
    server_->Stop();
    delete server_;
    server_ = nullptr;
  }

  simdjson::dom::element Get(const std::string& path) {
    httplib::Client client(server_->url());
    auto res = client.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    bodies_[path] = res->body;
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element doc;
    EXPECT_EQ(parsers_.back()->parse(res->body).get(doc), simdjson::SUCCESS) << path;
    return doc;
  }

  std::map<std::string, SpanInfo> Spans(const std::string& trace) {
    std::map<std::string, SpanInfo> out;
    simdjson::dom::array a;
    if (Get("/api/v1/traces/" + trace)["spans"].get_array().get(a)) return out;
    for (auto s : a) {
      SpanInfo i{Text(s["name"]), Text(s["agent"]), Text(s["tool"]), Text(s["parent_span_id"]),
                 Text(s["attributes"]["file.path"]), "", 0};
      i.end_unix_nano = std::stoull(Text(s["end_unix_nano"]));
      simdjson::dom::element sub;
      if (s["attributes"]["research.subtask"].get(sub) == simdjson::SUCCESS) {
        int64_t n = 0;
        i.subtask = sub.get_int64().get(n) == simdjson::SUCCESS ? std::to_string(n) : Text(sub);
      }
      out[Text(s["span_id"])] = i;
    }
    return out;
  }

  static TestServer* server_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
  std::map<std::string, std::string> bodies_;
};
TestServer* DiagnosisFleetTest::server_ = nullptr;

TEST_F(DiagnosisFleetTest, EachPlantedPatternIsFoundOnceWithTheRightSpans) {
  const RunOutput run = RunDemo("--server " + server_->url());
  ASSERT_EQ(run.exit_code, 0);
  const std::vector<std::string>& ids = run.trace_ids;
  ASSERT_EQ(ids.size(), 1u);
  const std::string trace = ids[0];
  auto spans = Spans(trace);

  // Runaway cost, evaluated on ingest: the reviewer, found without anyone asking for a
  // diagnosis, listed by /api/v1/findings within seconds, logged and counted.
  std::vector<std::string> runaway_agents;
  uint64_t first_seen = 0;
  for (int i = 0; i < 100 && runaway_agents.empty(); ++i) {
    simdjson::dom::array listed;
    ASSERT_EQ(Get("/api/v1/findings?kind=runaway_cost&trace_id=" + trace)["findings"]
                  .get_array()
                  .get(listed),
              simdjson::SUCCESS);
    for (auto f : listed) {
      runaway_agents.push_back(Text(f["agent"]));
      first_seen = std::stoull(Text(f["first_seen_unix_nano"]));
    }
    if (runaway_agents.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(runaway_agents, std::vector<std::string>{"reviewer"});
  // ... found while the fleet was still running: before the task's root span ended (the agents
  // export as they work; the server and the agents share this machine's clock).
  uint64_t root_end = 0;
  for (const auto& [id, s] : spans)
    if (s.parent.empty()) root_end = std::max(root_end, s.end_unix_nano);
  ASSERT_GT(root_end, 0u);
  EXPECT_LT(first_seen, root_end) << "the runaway-cost finding was first seen "
                                  << (static_cast<double>(first_seen) - root_end) / 1e6
                                  << " ms after the task ended";
  EXPECT_NE(server_->Log().find("runaway_cost in trace " + trace), std::string::npos);
  {
    httplib::Client client(server_->url());
    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("hoptrace_findings_total{kind=\"runaway_cost\"}"),
              std::string::npos);
  }

  const std::string path = "/api/v1/traces/" + trace + "/diagnosis";
  simdjson::dom::element doc = Get(path);
  const std::string& body = bodies_[path];
  std::multimap<std::string, simdjson::dom::element> kinds;
  simdjson::dom::array findings;
  ASSERT_EQ(doc["findings"].get_array().get(findings), simdjson::SUCCESS);
  for (auto f : findings) kinds.emplace(Text(f["kind"]), f);
  // Exactly the planted patterns: nothing on the clean parts.
  EXPECT_EQ(kinds.size(), 4u) << body;
  ASSERT_EQ(kinds.count("runaway_cost"), 1u) << body;
  EXPECT_EQ(Text(kinds.find("runaway_cost")->second["agent"]), "reviewer") << body;
  ASSERT_EQ(kinds.count("comb"), 1u) << body;
  ASSERT_EQ(kinds.count("straggler"), 1u) << body;
  ASSERT_EQ(kinds.count("root_cause"), 1u) << body;

  // The comb: the coder's six read_file calls.
  auto teeth = Texts(kinds.find("comb")->second["span_ids"]);
  EXPECT_EQ(teeth.size(), static_cast<std::size_t>(kStuckReads)) << body;
  for (const std::string& id : teeth) {
    EXPECT_EQ(spans[id].agent, "coder") << id;
    EXPECT_EQ(spans[id].tool, "read_file") << id;
  }
  // The straggler: research sub-agent 3 (its handoff, client or invoke span).
  auto straggler = Texts(kinds.find("straggler")->second["span_ids"]);
  ASSERT_FALSE(straggler.empty());
  std::string at = straggler[0];
  bool in_subtask = false;
  for (int hop = 0; hop < 4 && !at.empty() && !in_subtask; ++hop) {
    in_subtask = spans[at].subtask == std::to_string(kStragglerTopic);
    // Down from a handoff/client span: look for the researcher invoke under it.
    for (const auto& [id, s] : spans)
      if (s.parent == at && s.subtask == std::to_string(kStragglerTopic)) in_subtask = true;
    for (const auto& [id, s] : spans)
      if (s.parent == at) {
        for (const auto& [id2, s2] : spans)
          if (s2.parent == id && s2.subtask == std::to_string(kStragglerTopic)) in_subtask = true;
      }
    at = spans[at].parent;
  }
  EXPECT_TRUE(in_subtask) << "straggler " << straggler[0] << " (" << spans[straggler[0]].name
                          << ") is not research sub-agent " << kStragglerTopic << ": " << body;
  // The root cause: back to the coder's write of config/rate_limits.json.
  bool reaches_write = false;
  for (const std::string& id : Texts(kinds.find("root_cause")->second["span_ids"])) {
    const SpanInfo& s = spans[id];
    if (s.agent == "coder" && (s.path == std::string(kBadConfigFile) ||
                               (s.tool == "write_file" && !s.parent.empty())))
      reaches_write = true;
  }
  EXPECT_TRUE(reaches_write) << body;
  simdjson::dom::array critical;
  ASSERT_EQ(doc["critical_path"].get_array().get(critical), simdjson::SUCCESS);
  EXPECT_GT(critical.size(), 1u);
}

TEST_F(DiagnosisFleetTest, BrokenPropagationIsGroupedAndStitched) {
  const RunOutput run = RunDemo("--server " + server_->url() + " --break-propagation");
  ASSERT_EQ(run.exit_code, 0);
  const std::vector<std::string>& ids = run.trace_ids;
  ASSERT_EQ(ids.size(), 2u);
  for (const std::string& trace : ids) {
    const std::string path = "/api/v1/traces/" + trace + "/diagnosis";
    simdjson::dom::array findings;
    ASSERT_EQ(Get(path)["findings"].get_array().get(findings), simdjson::SUCCESS);
    int groups = 0;
    for (auto f : findings) {
      if (Text(f["kind"]) != "broken_propagation") continue;
      ++groups;
      auto members = Texts(f["trace_ids"]);
      std::sort(members.begin(), members.end());
      auto expected = ids;
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(members, expected) << bodies_[path];
    }
    EXPECT_EQ(groups, 1) << bodies_[path];
  }
  simdjson::dom::element doc = Get("/api/v1/traces/" + ids[1] + "/stitched");
  bool stitched = false;
  EXPECT_EQ(doc["stitched"].get_bool().get(stitched), simdjson::SUCCESS);
  EXPECT_TRUE(stitched);
  simdjson::dom::array spans;
  ASSERT_EQ(doc["spans"].get_array().get(spans), simdjson::SUCCESS);
  int marked = 0;
  for (auto s : spans) {
    simdjson::dom::element parent;
    if (s["stitched_parent"].get(parent) != simdjson::SUCCESS) continue;
    ++marked;
    EXPECT_EQ(Text(s["agent"]), "reviewer");
    EXPECT_TRUE(s["parent_span_id"].is_null());
  }
  EXPECT_EQ(marked, 1);
}

}  // namespace
}  // namespace hoptrace::demo
