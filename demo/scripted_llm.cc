#include "scripted_llm.h"

#include <hoptrace/genai.h>

#include <chrono>
#include <thread>

#include "wire.h"

namespace hoptrace::demo {
namespace {

namespace genai = hoptrace::genai;

constexpr std::string_view kOpenAi = "openai";
constexpr std::string_view kAnthropic = "anthropic";

// agent, step, provider, model, input, output, latency ms, answer
const std::vector<LlmTurn> kScript = {
    // --- orchestrator: chain of thought (plan -> reason -> decompose), then synthesis -------
    {"orchestrator", "plan", kOpenAi, "gpt-4o", 1200, 220, 60,
     "Plan: research rate-limiting approaches, have the coder implement a per-client limiter "
     "with its config, have the reviewer check it, then run the test suite."},
    {"orchestrator", "reason", kOpenAi, "gpt-4o", 1480, 340, 70,
     "The gateway has no limiter today. Token bucket is the usual choice; limits must be "
     "configurable per client tier, so the coder writes config/rate_limits.json."},
    {"orchestrator", "decompose", kOpenAi, "gpt-4o", 1650, 280, 50,
     "Research in parallel: (1) token bucket, (2) sliding window, (3) distributed counters, "
     "(4) HTTP 429 conventions."},
    {"orchestrator", "synthesize", kOpenAi, "gpt-4o", 4200, 520, 80,
     "Use an in-process token bucket per client id, burst = 2x rate, answer 429 with "
     "Retry-After; limits per tier come from config/rate_limits.json."},
    {"orchestrator", "report", kOpenAi, "gpt-4o-mini", 900, 150, 40,
     "The task failed: the test suite could not load config/rate_limits.json (malformed JSON). "
     "The file was written by the coder and approved by the reviewer."},

    // --- researcher: one query + one summary per topic (the four fan-out sub-agents) -------
    {"researcher", "query-1", kOpenAi, "gpt-4o-mini", 700, 48, 30,
     "search: token bucket rate limiter burst refill"},
    {"researcher", "summarize-1", kOpenAi, "gpt-4o-mini", 2100, 300, 50,
     "Token bucket: refill r tokens/s up to a burst b; O(1) per request; allows short bursts."},
    {"researcher", "query-2", kOpenAi, "gpt-4o-mini", 740, 52, 30,
     "search: sliding window log vs sliding window counter"},
    {"researcher", "summarize-2", kOpenAi, "gpt-4o-mini", 2250, 310, 50,
     "Sliding window counters approximate a log with two buckets; smoother than fixed windows."},
    {"researcher", "query-3", kOpenAi, "gpt-4o-mini", 780, 55, 30,
     "search: distributed rate limiting redis counters consistency"},
    {"researcher", "summarize-3", kOpenAi, "gpt-4o-mini", 2400, 330, 50,
     "Distributed counters need a shared store (Redis INCR + EXPIRE); not needed for one "
     "gateway instance."},
    {"researcher", "query-4", kOpenAi, "gpt-4o-mini", 820, 50, 30,
     "search: HTTP 429 Too Many Requests Retry-After RateLimit headers"},
    {"researcher", "summarize-4", kOpenAi, "gpt-4o-mini", 2550, 290, 50,
     "Answer 429 with Retry-After (RFC 6585); the RateLimit-* headers draft is widely used."},

    // --- coder: plan, then stuck re-reading a file that does not exist, then implement -----
    {"coder", "plan", kAnthropic, "claude-sonnet-4", 1300, 210, 60,
     "First I need the existing limits module: read_file src/gateway/limits.py."},
    {"coder", "retry-1", kAnthropic, "claude-sonnet-4", 1500, 45, 35,
     "The read failed. Let me read src/gateway/limits.py again."},
    {"coder", "retry-2", kAnthropic, "claude-sonnet-4", 1620, 45, 35,
     "The read failed. Let me read src/gateway/limits.py again."},
    {"coder", "retry-3", kAnthropic, "claude-sonnet-4", 1740, 45, 35,
     "The read failed. Let me read src/gateway/limits.py again."},
    {"coder", "retry-4", kAnthropic, "claude-sonnet-4", 1860, 45, 35,
     "The read failed. Let me read src/gateway/limits.py again."},
    {"coder", "retry-5", kAnthropic, "claude-sonnet-4", 1980, 45, 35,
     "The read failed. Let me read src/gateway/limits.py again."},
    {"coder", "retry-6", kAnthropic, "claude-sonnet-4", 2100, 45, 35,
     "The file does not seem to exist. I will write the limiter from scratch."},
    {"coder", "implement", kAnthropic, "claude-sonnet-4", 2600, 1250, 90,
     "Wrote src/gateway/rate_limiter.py (token bucket per client) and config/rate_limits.json "
     "(limits per tier)."},

    // --- reviewer: the token burner (the whole repository in every prompt, on Opus) --------
    {"reviewer", "review", kAnthropic, "claude-opus-4-1", 58000, 2400, 200,
     "Reviewed the limiter and its config against the whole gateway code base."},
    {"reviewer", "critique", kAnthropic, "claude-opus-4-1", 61500, 3100, 220,
     "Minor: name the burst factor. The config looks complete."},
    {"reviewer", "verdict", kAnthropic, "claude-opus-4-1", 64800, 1200, 150, "LGTM, approve."},
};

}  // namespace

const std::vector<LlmTurn>& Script() { return kScript; }

const LlmTurn* FindTurn(std::string_view agent, std::string_view step) {
  for (const LlmTurn& turn : kScript) {
    if (turn.agent == agent && turn.step == step) return &turn;
  }
  return nullptr;
}

std::int64_t ScriptedTokens(std::string_view agent) {
  std::int64_t total = 0;
  for (const LlmTurn& turn : kScript) {
    if (turn.agent == agent) total += turn.input_tokens + turn.output_tokens;
  }
  return total;
}

std::string Chat(const Tracer& tracer, std::string_view agent, std::string_view step,
                 std::string_view prompt) {
  const LlmTurn* turn = FindTurn(agent, step);
  if (turn == nullptr) {
    Span span = genai::Chat(tracer, "unknown", "unknown");
    genai::RecordError(
        span, "ScriptError",
        std::string("no scripted turn for ") + std::string(agent) + "/" + std::string(step));
    return {};
  }
  Span span = genai::Chat(
      tracer, turn->provider, turn->model,
      {.max_tokens = 4096,
       .temperature = 0.0,
       .span = {.attributes = {{"demo.step", turn->step},
                               {"demo.prompt_chars", static_cast<std::int64_t>(prompt.size())}}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(turn->latency_ms));
  genai::RecordResponse(span, turn->model,
                        std::string("resp_") + std::string(agent) + "_" + std::string(step),
                        {"stop"});
  genai::RecordUsage(span, {.input = turn->input_tokens, .output = turn->output_tokens});
  // The conversation, as the OpenTelemetry GenAI conventions record captured content.
  span.SetAttribute("gen_ai.input.messages",
                    "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":" +
                        JsonString("You are the " + std::string(agent) + " agent of a coding fleet. Step: " +
                                   std::string(step) + ".") +
                        "}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":" +
                        JsonString(prompt) + "}]}]");
  span.SetAttribute("gen_ai.output.messages",
                    "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":" +
                        JsonString(turn->answer) + "}],\"finish_reason\":\"stop\"}]");
  return std::string(turn->answer);
}

}  // namespace hoptrace::demo
