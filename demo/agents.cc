#include "agents.h"

#include <hoptrace/context.h>
#include <hoptrace/genai.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "json_check.h"
#include "scripted_llm.h"

namespace hoptrace::demo {
namespace {

namespace genai = hoptrace::genai;

using std::chrono::milliseconds;

// --- the planted files ----------------------------------------------------------------------

constexpr std::string_view kLimiterFile = "src/gateway/rate_limiter.py";
constexpr std::string_view kTestSuite = "tests/test_rate_limiter.py";

constexpr std::string_view kLimiterSource =
    R"(import json
import time


class TokenBucket:
    """Refills `rate` tokens per second up to `burst`; take() is O(1)."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def load_limits(path="config/rate_limits.json"):
    with open(path) as f:
        return json.load(f)
)";

// The coder's mistake: a trailing comma after the last tier (line 5), so the parser fails at
// line 6, column 3.
constexpr std::string_view kBadConfig =
    R"({
  "default": {"requests_per_minute": 600, "burst": 1200},
  "tiers": {
    "free": {"requests_per_minute": 60, "burst": 120},
    "pro": {"requests_per_minute": 6000, "burst": 12000},
  }
}
)";

// --- researcher -------------------------------------------------------------------------------

struct Topic {
  std::string_view name;
  int search_ms;  // how long the web search takes
};
// Topic 3 (kStragglerTopic) is the straggler: its search backend is slow.
constexpr Topic kTopics[kResearchTopics] = {
    {"token bucket", 180},
    {"sliding window", 220},
    {"distributed counters", 1150},
    {"HTTP 429 conventions", 260},
};

Fields Ok(std::string summary, std::string outcome = "done") {
  return {{"status", "ok"}, {"outcome", std::move(outcome)}, {"summary", std::move(summary)}};
}

Fields Error(std::string error) { return {{"status", "error"}, {"error", std::move(error)}}; }

// A `write_file` tool call that writes `content` to `path` in the workspace.
std::optional<std::string> WriteFileTool(const AgentEnv& env, std::string_view call_id,
                                         std::string_view path, std::string_view content) {
  const std::string args = "{\"path\":" + JsonString(path) + "}";
  Span tool = genai::ExecuteTool(env.tracer, "write_file",
                                 {.call_id = call_id, .type = "function", .arguments = args});
  Scope scope = tool.Activate();
  std::optional<std::string> error = env.workspace.Write(env.tracer, path, content);
  if (error) {
    genai::RecordError(tool, "OSError", *error);
  } else {
    genai::RecordToolResult(tool, "wrote " + std::to_string(content.size()) + " bytes");
  }
  return error;
}

// A `read_file` tool call. A failed read fails the tool call.
Workspace::ReadResult ReadFileTool(const AgentEnv& env, std::string_view call_id,
                                   std::string_view path) {
  const std::string args = "{\"path\":" + JsonString(path) + "}";
  Span tool = genai::ExecuteTool(env.tracer, "read_file",
                                 {.call_id = call_id, .type = "function", .arguments = args});
  Scope scope = tool.Activate();
  Workspace::ReadResult read = env.workspace.Read(env.tracer, path);
  if (read.ok) {
    genai::RecordToolResult(tool, read.content);
  } else {
    genai::RecordError(tool, read.error.substr(0, read.error.find(':')), read.error);
  }
  return read;
}

Fields RunResearcher(const AgentEnv& env, const Fields& request, Span& agent_span) {
  int n = 0;
  try {
    n = std::stoi(Field(request, "subtask", "0"));
  } catch (...) {
  }
  if (n < 1 || n > kResearchTopics) return Error("bad subtask '" + Field(request, "subtask") + "'");
  const Topic& topic = kTopics[n - 1];
  const std::string suffix = "-" + std::to_string(n);
  agent_span.SetAttribute("research.topic", topic.name);
  agent_span.SetAttribute("research.subtask", n);

  const std::string query = Chat(env.tracer, "researcher", "query" + suffix, topic.name);
  std::string results;
  {
    Span tool = genai::ExecuteTool(
        env.tracer, "web_search",
        {.call_id = "call_search" + suffix,
         .type = "extension",
         .arguments = "{\"query\":" + JsonString(query) + ",\"max_results\":5}"});
    std::this_thread::sleep_for(milliseconds(topic.search_ms));
    results = "5 results for " + query;
    genai::RecordToolResult(tool, results);
    tool.SetAttribute("search.results", 5);
  }
  const std::string summary = Chat(env.tracer, "researcher", "summarize" + suffix, results);
  const std::string notes = "research-" + std::to_string(n) + ".md";
  if (auto error = WriteFileTool(env, "call_write" + suffix, "notes/" + notes,
                                 "# " + std::string(topic.name) + "\n\n" + summary + "\n")) {
    return Error(*error);
  }
  return Ok(summary);
}

// --- coder ------------------------------------------------------------------------------------

Fields RunCoder(const AgentEnv& env, const Fields& request, Span& agent_span) {
  std::string thought = Chat(env.tracer, "coder", "plan", Field(request, "design"));
  // Stuck: the model keeps asking for the same missing file with the same arguments.
  for (int k = 1; k <= kStuckReads; ++k) {
    Workspace::ReadResult read =
        ReadFileTool(env, "call_read_limits_" + std::to_string(k), kMissingFile);
    thought = Chat(env.tracer, "coder", "retry-" + std::to_string(k),
                   read.ok ? read.content : read.error);
  }
  agent_span.SetAttribute("coder.repeated_tool_calls", kStuckReads);
  Chat(env.tracer, "coder", "implement", thought);
  if (auto error = WriteFileTool(env, "call_write_limiter", kLimiterFile, kLimiterSource)) {
    return Error(*error);
  }
  if (auto error = WriteFileTool(env, "call_write_config", kBadConfigFile, kBadConfig)) {
    return Error(*error);
  }
  return Ok("wrote " + std::string(kLimiterFile) + " and " + std::string(kBadConfigFile));
}

// --- reviewer ---------------------------------------------------------------------------------

Fields RunReviewer(const AgentEnv& env, const Fields& /*request*/, Span& agent_span) {
  std::string context;
  for (std::string_view path : {kLimiterFile, kBadConfigFile}) {
    Workspace::ReadResult read =
        ReadFileTool(env, "call_review_" + std::string(path.substr(path.rfind('/') + 1)), path);
    if (!read.ok) return Error(read.error);
    context += read.content;
  }
  std::string answer = Chat(env.tracer, "reviewer", "review", context);
  answer = Chat(env.tracer, "reviewer", "critique", answer);
  answer = Chat(env.tracer, "reviewer", "verdict", answer);
  agent_span.SetAttribute("review.verdict", "approve");
  return Ok(answer, "approved");
}

// --- orchestrator -----------------------------------------------------------------------------

// The test step: loads the config the way the gateway would. Returns the failure, if any.
std::optional<std::string> RunTests(const AgentEnv& env) {
  Span tool = genai::ExecuteTool(env.tracer, "run_tests",
                                 {.call_id = "call_run_tests",
                                  .type = "function",
                                  .arguments = "{\"suite\":" + JsonString(kTestSuite) +
                                               ",\"config\":" + JsonString(kBadConfigFile) + "}"});
  Scope scope = tool.Activate();
  std::this_thread::sleep_for(milliseconds(120));  // the suite's start-up
  Workspace::ReadResult config = env.workspace.Read(env.tracer, kBadConfigFile);
  std::optional<std::string> failure;
  if (!config.ok) {
    failure = config.error;
  } else if (auto parse = CheckJson(config.content)) {
    failure = "ConfigParseError: " + std::string(kBadConfigFile) + ": " + *parse;
  }
  if (failure) {
    genai::RecordError(tool, "ConfigParseError", *failure);
    genai::RecordToolResult(tool, "1 error during collection: " + *failure);
  } else {
    genai::RecordToolResult(tool, "4 passed");
  }
  return failure;
}

// Appends `trace_id` to the comma-separated `traces` (with its root agent) when new.
void NoteTrace(Fields* reply, const std::string& trace_id, std::string_view root_agent) {
  if (trace_id.empty()) return;
  std::string& traces = (*reply)["traces"];
  if (traces.find(trace_id) != std::string::npos) return;
  std::string& roots = (*reply)["trace_roots"];
  if (!traces.empty()) {
    traces += ",";
    roots += ",";
  }
  traces += trace_id;
  roots += root_agent;
}

Fields RunOrchestrator(const AgentEnv& env, const Fields& request, Span& agent_span) {
  const bool break_propagation = Field(request, "break_propagation") == "1";
  const std::string task = Field(request, "task", std::string(kTask));
  Fields reply;
  NoteTrace(&reply, agent_span.context().trace_id().ToHex(), "orchestrator");

  // Chain of thought: three scripted turns, each fed the previous answer.
  std::string thought = Chat(env.tracer, "orchestrator", "plan", task);
  thought = Chat(env.tracer, "orchestrator", "reason", thought);
  thought = Chat(env.tracer, "orchestrator", "decompose", thought);

  // Fan-out: four research sub-tasks at once, one thread each, each handed this context.
  const std::string researcher = Field(env.peers, "researcher");
  const Context parent = Context::Current();
  std::vector<DelegateResult> research(kResearchTopics);
  {
    std::vector<std::thread> threads;
    for (int n = 1; n <= kResearchTopics; ++n) {
      threads.emplace_back([&env, &research, &researcher, &parent, &task, n] {
        Scope scope(parent);
        research[n - 1] = Delegate(env.tracer, "orchestrator", "researcher", researcher,
                                   {{"task", task}, {"subtask", std::to_string(n)}},
                                   {.reason = "research sub-task"});
      });
    }
    for (std::thread& t : threads) t.join();
  }
  std::string findings;
  for (const DelegateResult& r : research) {
    if (!r.ok) return Error("researcher: " + r.error);
    NoteTrace(&reply, Field(r.reply, "trace_id"), "researcher");
    findings += Field(r.reply, "summary") + "\n";
  }
  const std::string design = Chat(env.tracer, "orchestrator", "synthesize", findings);

  DelegateResult coder = Delegate(env.tracer, "orchestrator", "coder", Field(env.peers, "coder"),
                                  {{"task", task}, {"design", design}}, {.reason = "implement"});
  if (!coder.ok) return Error("coder: " + coder.error);
  NoteTrace(&reply, Field(coder.reply, "trace_id"), "coder");

  DelegateResult reviewer =
      Delegate(env.tracer, "orchestrator", "reviewer", Field(env.peers, "reviewer"),
               {{"task", task}, {"change", Field(coder.reply, "summary")}},
               {.propagate = !break_propagation, .reason = "review"});
  if (!reviewer.ok) return Error("reviewer: " + reviewer.error);
  NoteTrace(&reply, Field(reviewer.reply, "trace_id"), "reviewer");

  const std::optional<std::string> failure = RunTests(env);
  const std::string report = Chat(env.tracer, "orchestrator", "report", failure.value_or("ok"));
  reply["status"] = "ok";  // the demo ran as scripted, planted failure included
  reply["summary"] = report;
  if (failure) {
    genai::RecordError(agent_span, "TaskFailed", "tests failed: " + *failure);
    reply["outcome"] = "failed";
    reply["failure"] = *failure;
  } else {
    reply["outcome"] = "done";
  }
  return reply;
}

}  // namespace

Fields RunAgent(const AgentEnv& env, const Fields& request, Span& agent_span) {
  if (env.role == "orchestrator") return RunOrchestrator(env, request, agent_span);
  if (env.role == "researcher") return RunResearcher(env, request, agent_span);
  if (env.role == "coder") return RunCoder(env, request, agent_span);
  if (env.role == "reviewer") return RunReviewer(env, request, agent_span);
  return Error("unknown role '" + env.role + "'");
}

void SeedWorkspace(const std::string& root) {
  const std::pair<std::string_view, std::string_view> kFiles[] = {
      {"README.md", "# gateway\n\nA small HTTP API gateway. Run the tests with pytest.\n"},
      {"src/gateway/app.py",
       "from gateway.rate_limiter import TokenBucket, load_limits\n\n\ndef handle(request):\n"
       "    return 200, 'ok'\n"},
      {kTestSuite,
       "from gateway.rate_limiter import TokenBucket, load_limits\n\n\n"
       "def test_limits_load():\n    assert 'tiers' in load_limits()\n"},
  };
  for (const auto& [path, content] : kFiles) {
    const std::filesystem::path full = std::filesystem::path(root) / path;
    std::error_code ec;
    std::filesystem::create_directories(full.parent_path(), ec);
    std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
  }
}

}  // namespace hoptrace::demo
