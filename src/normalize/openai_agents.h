// The OpenAI Agents SDK's native tracing spans (POST /v1/traces/ingest), after the decoder in
// src/otlp/ (decode.h DecodeOpenAIAgentsJson) turned each `trace.span` object into a Span whose
// attributes carry its `span_data` under kSpanDataPrefix, and a `trace` object into a root span
// marked openai_agents.object = "trace". Everything this dialect needs is in this file and
// openai_agents.cc, so a change of the decoder's encoding is a change here only.
//
// The span_data encoding may be any of (values.h LookupPath): flattened keys
// ("openai_agents.span_data.type" = "generation", "...output.0.usage.prompt_tokens" = 57), one
// kvlist attribute "openai_agents.span_data", or JSON strings at any level (the decoder today
// flattens objects and sends arrays such as `output` as JSON text).
//
// Mapping (../shared/fixtures/openai-agents-js/README.md; tracing.md §3.5):
//   type agent       -> operation agent, agent = span_data.name
//   type generation  -> llm, model = span_data.model, tokens from span_data.usage or else from
//                       span_data.output[0].usage (the raw Chat Completions/Responses answer;
//                       the JS SDK 0.20 sends no span_data.usage)
//   type response    -> llm, tokens from span_data.usage
//   type function    -> tool, tool = span_data.name
//   type handoff     -> tool (as the fixture's expected.json and the OpenInference bridge have
//                       it; DESIGN.md §4 lists "handoff" -> see kHandoffOperation)
//   type custom      -> chain; the SDK's "turn" and "task" spans (span_data.name or
//                       span_data.data.sdk_span_type) repeat their children's usage: no tokens
//                       are read from them and they are never counted
//   type guardrail   -> guardrail, mcp_tools -> tool, speech_group -> chain, transcription and
//                       speech -> their own names
//   the trace root span (openai_agents.object = "trace") -> workflow
// Provider: none (the native format names no provider). Conversation: openai_agents.group_id
// (the SDK's group_id links the traces of one conversation).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/span.h"

namespace hoptrace::openai_agents {

// Every attribute the decoder adds starts with kPrefix + ".".
inline constexpr std::string_view kPrefix = "openai_agents";
// The attribute (prefix) under which the decoder puts a native span's span_data.
inline constexpr std::string_view kSpanDataPrefix = "openai_agents.span_data";
inline constexpr std::string_view kObjectKey = "openai_agents.object";
inline constexpr std::string_view kGroupIdKey = "openai_agents.group_id";
// The operation of a native `handoff` span. The fixture's expected.json says "tool"; DESIGN.md
// §4's table says "handoff". One constant so the decision is one edit.
inline constexpr std::string_view kHandoffOperation = "tool";

// True when `key` is kPrefix or below it (a span the decoder made from the native format).
bool IsNativeKey(std::string_view key);

// What a native span says. Empty strings / nullopt where it says nothing.
struct NativeFields {
  std::string type;  // span_data.type; empty on the trace root span
  std::string operation;
  std::string conversation;
  std::string agent;
  std::string tool;
  std::string model;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<int64_t> cached_input_tokens;
  bool usage_counted = true;  // false for the SDK's turn/task spans
};

// Reads the native fields of a span; nullopt when it has neither span_data.type nor the
// trace-root or group_id attributes.
std::optional<NativeFields> ReadNativeSpan(const Attributes& attrs);

}  // namespace hoptrace::openai_agents
