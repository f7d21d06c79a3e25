// The demo fleet's scripted LLM: deterministic answers, token counts and latencies keyed by
// (agent, step), with no network. Every call emits a `chat {model}` CLIENT span through the SDK's
// GenAI helpers, so the server prices it (the models are rows of the built-in price table,
// src/normalize/builtin_prices.cc) and runs are reproducible.
//
// The table is the demo's design: its numbers make the reviewer burn ~10x the tokens of any
// other agent (scripted_llm_test.cc checks that), and its latencies keep a whole run under a few
// seconds.
//
// Thread-safety: the table is immutable; Chat may be called from any thread.
#pragma once

#include <hoptrace/trace.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::demo {

// One scripted model turn.
struct LlmTurn {
  std::string_view agent;
  std::string_view step;
  std::string_view provider;  // gen_ai.provider.name
  std::string_view model;     // gen_ai.request.model and gen_ai.response.model: a row of
                              // the price table
  std::int64_t input_tokens;
  std::int64_t output_tokens;
  int latency_ms;  // how long the "model" takes (a real sleep)
  std::string_view answer;
};

// Every turn of the script, in the order an uninterrupted run makes them.
const std::vector<LlmTurn>& Script();

// The turn for (agent, step), or nullptr when the script has none.
const LlmTurn* FindTurn(std::string_view agent, std::string_view step);

// Total scripted tokens (input + output) of `agent` over one run (each turn is made once).
std::int64_t ScriptedTokens(std::string_view agent);

// Plays the turn (agent, step) under the current context: a `chat {model}` span with the
// request and response models, token usage, a `demo.step` attribute and the prompt's length,
// sleeping the scripted latency. Returns the scripted answer. A step missing from the script is
// recorded as an error on the span and returns an empty answer (a bug in the demo, not a planted
// failure).
std::string Chat(const Tracer& tracer, std::string_view agent, std::string_view step,
                 std::string_view prompt);

}  // namespace hoptrace::demo
