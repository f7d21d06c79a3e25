// The demo fleet end to end: a real `hoptrace serve` on loopback ports chosen by the kernel,
// `hoptrace demo --server` running the four agent processes against it, and the traces read
// back through the query API (DESIGN.md §3) to check the structure the fleet plants (agents.h).
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
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents.h"
#include "fleet_test_support.h"
#include "scripted_llm.h"

namespace hoptrace::demo {
namespace {

// --- processes --------------------------------------------------------------------------------

uint64_t NowUnixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}


// --- the query API ----------------------------------------------------------------------------

struct ApiSpan {
  std::string trace_id, span_id, parent, name, kind, service, agent, tool, status, message;
  uint64_t start = 0, end = 0;
  int64_t total_tokens = 0;
  double cost = 0;
  std::map<std::string, std::string> attrs;  // numbers as decimal text
  uint64_t duration() const { return end - start; }
  std::string attr(const std::string& key) const {
    auto it = attrs.find(key);
    return it == attrs.end() ? "" : it->second;
  }
};

std::string Text(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  if (e.is_null()) return "";
  return simdjson::minify(e);
}

uint64_t U64(simdjson::dom::element e) {
  uint64_t v;
  if (e.get_uint64().get(v) == simdjson::SUCCESS) return v;
  return std::stoull(Text(e));
}

class FleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer("fleet-test");
    ASSERT_TRUE(server_->Start()) << "hoptrace serve did not start";
  }
  static void TearDownTestSuite() {
    server_->Stop();
    delete server_;
    server_ = nullptr;
  }

  // GET `path`, parsed; fails the test when the answer is not 200 JSON.
  simdjson::dom::element Get(const std::string& path) {
    httplib::Client client(server_->url());
    auto res = client.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    // A parser's elements live until its next parse: one parser per document.
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element doc;
    EXPECT_EQ(parsers_.back()->parse(res->body).get(doc), simdjson::SUCCESS) << path;
    return doc;
  }

  std::vector<ApiSpan> Spans(const std::string& trace_id) {
    std::vector<ApiSpan> spans;
    simdjson::dom::element doc = Get("/api/v1/traces/" + trace_id);
    simdjson::dom::array array;
    if (doc["spans"].get_array().get(array) != simdjson::SUCCESS) return spans;
    for (simdjson::dom::element s : array) {
      ApiSpan span;
      span.trace_id = Text(s["trace_id"]);
      span.span_id = Text(s["span_id"]);
      span.parent = Text(s["parent_span_id"]);
      span.name = Text(s["name"]);
      span.kind = Text(s["kind"]);
      span.service = Text(s["service"]);
      span.agent = Text(s["agent"]);
      span.tool = Text(s["tool"]);
      span.status = Text(s["status"]["code"]);
      span.message = Text(s["status"]["message"]);
      span.start = U64(s["start_unix_nano"]);
      span.end = U64(s["end_unix_nano"]);
      span.total_tokens = static_cast<int64_t>(U64(s["total_tokens"]));
      double cost = 0;
      if (s["cost_usd"].get_double().get(cost) == simdjson::SUCCESS) span.cost = cost;
      simdjson::dom::object attrs;
      if (s["attributes"].get_object().get(attrs) == simdjson::SUCCESS) {
        for (auto [key, value] : attrs) span.attrs[std::string(key)] = Text(value);
      }
      spans.push_back(std::move(span));
    }
    return spans;
  }

  // The trace ids the API lists since `since` (unix nanos).
  std::vector<std::string> TracesSince(uint64_t since) {
    std::vector<std::string> ids;
    simdjson::dom::element doc =
        Get("/api/v1/traces?since=" + std::to_string(since) + "&limit=100");
    simdjson::dom::array array;
    if (doc["traces"].get_array().get(array) != simdjson::SUCCESS) return ids;
    for (simdjson::dom::element t : array) ids.push_back(Text(t["trace_id"]));
    return ids;
  }

  static TestServer* server_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TestServer* FleetTest::server_ = nullptr;

const ApiSpan* ById(const std::vector<ApiSpan>& spans, const std::string& id) {
  for (const ApiSpan& s : spans) {
    if (s.span_id == id) return &s;
  }
  return nullptr;
}

std::vector<const ApiSpan*> Where(const std::vector<ApiSpan>& spans,
                                  const std::function<bool(const ApiSpan&)>& pred) {
  std::vector<const ApiSpan*> out;
  for (const ApiSpan& s : spans) {
    if (pred(s)) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->start < b->start; });
  return out;
}

std::map<std::string, int> CountByAgent(const std::vector<ApiSpan>& spans) {
  std::map<std::string, int> counts;
  for (const ApiSpan& s : spans) ++counts[s.agent];
  return counts;
}

// Checks that `callee`'s invoke_agent SERVER span hangs off the orchestrator's POST CLIENT span,
// itself inside a handoff to the callee.
void ExpectDelegatedFromOrchestrator(const std::vector<ApiSpan>& spans, const ApiSpan& callee) {
  ASSERT_EQ(callee.kind, "server") << callee.name;
  const ApiSpan* client = ById(spans, callee.parent);
  ASSERT_NE(client, nullptr) << callee.name << " has no parent in the trace";
  EXPECT_EQ(client->kind, "client");
  EXPECT_EQ(client->name, "POST /v1/invoke");
  EXPECT_EQ(client->service, "demo-orchestrator");
  EXPECT_NE(client->service, callee.service);  // the hop crosses processes
  EXPECT_LE(client->start, callee.start);
  EXPECT_GE(client->end, callee.end);
  const ApiSpan* handoff = ById(spans, client->parent);
  ASSERT_NE(handoff, nullptr);
  EXPECT_EQ(handoff->name, "handoff orchestrator -> " + callee.agent);
  EXPECT_EQ(handoff->attr("handoff.to_agent"), callee.agent);
}

TEST_F(FleetTest, OneTaskIsOneTraceAcrossFourProcesses) {
  const uint64_t since = NowUnixNanos();
  RunOutput run = RunDemo("--server " + server_->url());
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_LT(run.seconds, 30) << "the demo should take a few seconds";
  ASSERT_EQ(run.trace_ids.size(), 1u) << run.out;
  const std::string trace = run.trace_ids[0];
  EXPECT_EQ(TracesSince(since), std::vector<std::string>{trace});

  const std::vector<ApiSpan> spans = Spans(trace);
  const FleetSpanCounts expected;
  ASSERT_EQ(spans.size(), static_cast<std::size_t>(expected.total()));
  const std::map<std::string, int> by_agent = CountByAgent(spans);
  EXPECT_EQ(by_agent, (std::map<std::string, int>{{"orchestrator", expected.orchestrator},
                                                  {"researcher", expected.researcher},
                                                  {"coder", expected.coder},
                                                  {"reviewer", expected.reviewer}}));
  std::set<std::string> services;
  for (const ApiSpan& s : spans) {
    EXPECT_EQ(s.trace_id, trace);
    services.insert(s.service);
    if (!s.parent.empty()) {
      EXPECT_NE(ById(spans, s.parent), nullptr) << s.name << " is orphaned";
    }
  }
  EXPECT_EQ(services, (std::set<std::string>{"demo-orchestrator", "demo-researcher", "demo-coder",
                                             "demo-reviewer"}));
  auto roots = Where(spans, [](const ApiSpan& s) { return s.parent.empty(); });
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0]->name, "invoke_agent orchestrator");
  EXPECT_EQ(roots[0]->status, "error");  // the planted failure surfaces at the root

  // Parent links across processes: every callee's invoke_agent SERVER span is the child of the
  // orchestrator's CLIENT span.
  auto invokes = Where(spans, [](const ApiSpan& s) {
    return s.name.rfind("invoke_agent ", 0) == 0 && !s.parent.empty();
  });
  ASSERT_EQ(invokes.size(), 6u);  // 4 researchers, coder, reviewer
  for (const ApiSpan* callee : invokes) ExpectDelegatedFromOrchestrator(spans, *callee);
  for (const ApiSpan* callee : invokes) {
    EXPECT_EQ(callee->attr("gen_ai.conversation.id"), roots[0]->attr("gen_ai.conversation.id"))
        << "baggage carries the task id across the hop";
  }

  // Chain of thought: plan -> reason -> decompose, one after the other, in the orchestrator.
  auto chats = Where(spans, [](const ApiSpan& s) {
    return s.agent == "orchestrator" && s.name.rfind("chat ", 0) == 0;
  });
  ASSERT_EQ(chats.size(), 5u);
  EXPECT_EQ(chats[0]->attr("demo.step"), "plan");
  EXPECT_EQ(chats[1]->attr("demo.step"), "reason");
  EXPECT_EQ(chats[2]->attr("demo.step"), "decompose");
  EXPECT_LE(chats[0]->end, chats[1]->start);
  EXPECT_LE(chats[1]->end, chats[2]->start);
  for (const ApiSpan& s : spans) {
    if (s.name.rfind("chat ", 0) == 0) {
      EXPECT_GT(s.cost, 0) << s.name << " is priced by the built-in table";
      EXPECT_GT(s.total_tokens, 0);
    }
  }

  // Fan-out: four researcher invocations overlapping in time; topic 3 the straggler.
  auto research =
      Where(spans, [](const ApiSpan& s) { return s.name == "invoke_agent researcher"; });
  ASSERT_EQ(research.size(), static_cast<std::size_t>(kResearchTopics));
  uint64_t latest_start = 0, earliest_end = UINT64_MAX;
  const ApiSpan* straggler = nullptr;
  std::vector<uint64_t> others;
  for (const ApiSpan* r : research) {
    latest_start = std::max(latest_start, r->start);
    earliest_end = std::min(earliest_end, r->end);
    if (r->attr("research.subtask") == std::to_string(kStragglerTopic)) {
      straggler = r;
    } else {
      others.push_back(r->duration());
    }
  }
  EXPECT_LT(latest_start, earliest_end) << "the four sub-agents run at the same time";
  ASSERT_NE(straggler, nullptr);
  ASSERT_EQ(others.size(), 3u);
  std::sort(others.begin(), others.end());
  EXPECT_GE(straggler->duration(), 2 * others[1])
      << "straggler " << straggler->duration() << " ns vs median " << others[1] << " ns";

  // The stuck loop: six identical failing read_file calls in the coder, interleaved only with
  // its own LLM calls.
  auto reads =
      Where(spans, [](const ApiSpan& s) { return s.agent == "coder" && s.tool == "read_file"; });
  ASSERT_EQ(reads.size(), static_cast<std::size_t>(kStuckReads));
  for (const ApiSpan* r : reads) {
    EXPECT_EQ(r->attr("gen_ai.tool.call.arguments"), R"({"path":"src/gateway/limits.py"})");
    EXPECT_EQ(r->status, "error");
    EXPECT_NE(r->message.find("FileNotFoundError"), std::string::npos);
  }
  const std::string coder_invoke = reads[0]->parent;
  auto coder_steps = Where(spans, [&](const ApiSpan& s) { return s.parent == coder_invoke; });
  for (const ApiSpan* step : coder_steps) {
    if (step->start > reads.front()->start && step->start < reads.back()->start) {
      EXPECT_TRUE(step->tool == "read_file" || step->name.rfind("chat ", 0) == 0) << step->name;
    }
  }

  // The bad file: written by the coder, read by the reviewer (one hop), failing the tests in
  // the orchestrator (two hops) — the same file.path each time.
  const std::string bad(kBadConfigFile);
  auto writes = Where(spans, [&](const ApiSpan& s) {
    return s.name == "file.write" && s.attr("file.path") == bad;
  });
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0]->service, "demo-coder");
  const ApiSpan* write_tool = ById(spans, writes[0]->parent);
  ASSERT_NE(write_tool, nullptr);
  EXPECT_EQ(write_tool->tool, "write_file");
  EXPECT_NE(write_tool->attr("gen_ai.tool.call.arguments").find(bad), std::string::npos);
  auto file_reads = Where(
      spans, [&](const ApiSpan& s) { return s.name == "file.read" && s.attr("file.path") == bad; });
  ASSERT_EQ(file_reads.size(), 2u);
  EXPECT_EQ(file_reads[0]->service, "demo-reviewer");
  EXPECT_EQ(file_reads[1]->service, "demo-orchestrator");
  EXPECT_GE(file_reads[0]->start, writes[0]->end);
  const ApiSpan* tests = ById(spans, file_reads[1]->parent);
  ASSERT_NE(tests, nullptr);
  EXPECT_EQ(tests->tool, "run_tests");
  EXPECT_EQ(tests->status, "error");
  EXPECT_NE(tests->message.find(bad), std::string::npos) << tests->message;
  EXPECT_NE(tests->attr("gen_ai.tool.call.arguments").find(bad), std::string::npos);

  // The token burner, from the trace and from the stats API over this run.
  std::map<std::string, int64_t> tokens;
  for (const ApiSpan& s : spans) tokens[s.agent] += s.total_tokens;
  for (const char* peer : {"orchestrator", "researcher", "coder"}) {
    EXPECT_EQ(tokens[peer], ScriptedTokens(peer)) << peer;
    EXPECT_GE(tokens["reviewer"], 5 * tokens[peer]) << peer;
  }
  simdjson::dom::element stats = Get("/api/v1/stats?group_by=agent&since=" + std::to_string(since));
  std::map<std::string, int64_t> stat_tokens;
  simdjson::dom::array rows;
  ASSERT_EQ(stats["rows"].get_array().get(rows), simdjson::SUCCESS);
  for (simdjson::dom::element row : rows) {
    stat_tokens[Text(row["agent"])] = static_cast<int64_t>(U64(row["total_tokens"]));
  }
  EXPECT_EQ(stat_tokens, tokens);
}

TEST_F(FleetTest, BreakPropagationSplitsTheTaskInTwoTraces) {
  const uint64_t since = NowUnixNanos();
  RunOutput run = RunDemo("--server " + server_->url() + " --break-propagation");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  ASSERT_EQ(run.trace_ids.size(), 2u) << run.out;
  std::vector<std::string> listed = TracesSince(since);
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> printed = run.trace_ids;
  std::sort(printed.begin(), printed.end());
  EXPECT_EQ(listed, printed);

  const FleetSpanCounts expected;
  const std::vector<ApiSpan> task = Spans(run.trace_ids[0]);
  const std::vector<ApiSpan> split = Spans(run.trace_ids[1]);
  EXPECT_EQ(task.size(), static_cast<std::size_t>(expected.total() - expected.reviewer));
  EXPECT_EQ(CountByAgent(task), (std::map<std::string, int>{{"orchestrator", expected.orchestrator},
                                                            {"researcher", expected.researcher},
                                                            {"coder", expected.coder}}));
  EXPECT_EQ(CountByAgent(split), (std::map<std::string, int>{{"reviewer", expected.reviewer}}));

  // The reviewer's invoke_agent is a new root; the orchestrator's client span for that hop has
  // no child in its own trace.
  auto roots = Where(split, [](const ApiSpan& s) { return s.parent.empty(); });
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0]->name, "invoke_agent reviewer");
  EXPECT_EQ(roots[0]->kind, "server");
  auto dropped =
      Where(task, [](const ApiSpan& s) { return s.attr("demo.propagation") == "dropped"; });
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0]->kind, "client");
  EXPECT_TRUE(
      Where(task, [&](const ApiSpan& s) { return s.parent == dropped[0]->span_id; }).empty());
  EXPECT_LE(dropped[0]->start, roots[0]->start);
  EXPECT_GE(dropped[0]->end, roots[0]->end);
}

TEST_F(FleetTest, WithoutServerTheDemoStartsAndStopsItsOwn) {
  RunOutput run = RunDemo("");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.trace_ids.size(), 1u) << run.out;
  EXPECT_NE(run.out.find("demo: started hoptrace serve"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Stopped the demo server"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("invoke_agent orchestrator"), std::string::npos)
      << "the waterfall is shown before the server stops";
}

// An agent that dies unexpectedly fails the demo (the planted failures do not).
TEST_F(FleetTest, ACrashedAgentFailsTheDemo) {
  RunOutput run = RunDemo("--server " + server_->url() + " 2>&1", "HOPTRACE_DEMO_CRASH=coder ");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("coder killed by signal"), std::string::npos) << run.out;
  EXPECT_TRUE(run.trace_ids.empty()) << run.out;
}

TEST_F(FleetTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(RunDemo("--no-such-flag 2>/dev/null").exit_code, 2);
  EXPECT_EQ(RunDemo("--server http://127.0.0.1:1 2>/dev/null").exit_code, 1);
}

}  // namespace
}  // namespace hoptrace::demo
