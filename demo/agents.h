// What each agent of the demo fleet does with one invocation (DESIGN.md §7). Each role runs in
// its own process behind agent_server.h; these functions run inside the role's
// `invoke_agent {role}` SERVER span, which is current when they are called.
//
// The task is always "add per-client rate limiting to the API gateway", and every run plants
// the same patterns:
//
//   orchestrator (gpt-4o)   chain of thought: chat plan -> reason -> decompose; fans out four
//                           research sub-tasks to the researcher process at once (threads, each
//                           handed the context explicitly); chat synthesize; delegates to the
//                           coder, then the reviewer (that hop drops the trace context with
//                           --break-propagation); runs the test suite, which fails to parse
//                           config/rate_limits.json; chat report. Its root span ends in error.
//   researcher (gpt-4o-mini) per topic: chat query -> web_search -> chat summarize -> write
//                           notes/research-N.md. Topic 3's search is the straggler (~4x the
//                           others).
//   coder (claude-sonnet-4) chat plan; then stuck: six identical read_file calls of the missing
//                           src/gateway/limits.py, each followed by a chat; chat implement;
//                           writes src/gateway/rate_limiter.py and the malformed
//                           config/rate_limits.json (a trailing comma).
//   reviewer (claude-opus-4-1) reads both files, approves in three huge chats: ~10x the tokens
//                           of any other agent.
//
// Spans per run (FleetSpanCounts below; the integration test checks them against the server).
#pragma once

#include <hoptrace/trace.h>

#include <map>
#include <string>
#include <string_view>

#include "wire.h"
#include "workspace.h"

namespace hoptrace::demo {

inline constexpr std::string_view kRoles[] = {"orchestrator", "researcher", "coder", "reviewer"};

// Spans each agent emits in one run (researcher: over its four invocations).
struct FleetSpanCounts {
  int orchestrator = 20;  // invoke_agent, 5 chat, 6 handoff, 6 POST client, run_tests, file.read
  int researcher = 24;    // 4 x (invoke_agent, 2 chat, web_search, write_file, file.write)
  int coder = 25;         // invoke_agent, 8 chat, 6 x (read_file, file.read), 2 x (write_file,
                          // file.write)
  int reviewer = 8;       // invoke_agent, 2 x (read_file, file.read), 3 chat
  int total() const { return orchestrator + researcher + coder + reviewer; }
};

// The planted facts the integration test looks for.
inline constexpr int kResearchTopics = 4;
inline constexpr int kStragglerTopic = 3;  // 1-based
inline constexpr int kStuckReads = 6;
inline constexpr std::string_view kMissingFile = "src/gateway/limits.py";
inline constexpr std::string_view kBadConfigFile = "config/rate_limits.json";
inline constexpr std::string_view kTask = "Add per-client rate limiting to the API gateway";

// What an invocation sees.
struct AgentEnv {
  std::string role;
  Tracer tracer;
  Workspace workspace;
  std::map<std::string, std::string> peers;  // agent name -> "http://127.0.0.1:PORT"
};

// Runs one invocation of env.role. `agent_span` is the role's invoke_agent span (current).
// Reply fields: status=ok when the agent did its scripted work (planted failures included),
// status=error with `error` when something unplanned went wrong; `outcome`, `summary` and, from
// the orchestrator, `traces` (the trace ids the task produced, comma-separated, its own first)
// and `trace_roots` (the agent at the root of each).
Fields RunAgent(const AgentEnv& env, const Fields& request, Span& agent_span);

// Files the launcher puts in a fresh workspace: a small repository to work on.
void SeedWorkspace(const std::string& root);

}  // namespace hoptrace::demo
