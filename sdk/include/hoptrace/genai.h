// GenAI helpers: one-liners for the spans an agent produces, named and attributed as the
// OpenTelemetry GenAI conventions say (tracing.md §3.1) and as the hoptrace server's normaliser
// reads them (DESIGN.md §4: agent, operation, model, provider, tool, tokens).
//
//   auto agent = hoptrace::genai::InvokeAgent(tracer, "researcher");
//   auto scope = agent.Activate();
//   {
//     auto llm = hoptrace::genai::Chat(tracer, "openai", "gpt-4o");
//     hoptrace::genai::RecordUsage(llm, {.input = 1200, .output = 300, .cache_read = 1000});
//   }
//   {
//     auto tool = hoptrace::genai::ExecuteTool(tracer, "read_file",
//                                              {.call_id = "call_1", .arguments = R"({"p":"a"})"});
//     hoptrace::genai::RecordToolResult(tool, "…");
//   }
//
// Span names and attributes:
//   InvokeAgent   "invoke_agent {agent}"   gen_ai.operation.name=invoke_agent, gen_ai.agent.name,
//                                           agent.name (+ gen_ai.agent.id, .description,
//                                           gen_ai.conversation.id, gen_ai.provider.name,
//                                           gen_ai.request.model when given)
//   Chat          "chat {model}" (CLIENT)  gen_ai.operation.name=chat (or options.operation),
//                                           gen_ai.provider.name and gen_ai.system (the
//                                           pre-1.37 name, for older backends),
//                                           gen_ai.request.model, …
//   ExecuteTool   "execute_tool {tool}"    gen_ai.operation.name=execute_tool, gen_ai.tool.name,
//                                           agent.tool.name, gen_ai.tool.call.id,
//                                           gen_ai.tool.type, gen_ai.tool.call.arguments
//   FileOperation "file.{op}"              file.path, file.operation={op} (file.path is the
//                                           OpenTelemetry `file` registry name; there is no
//                                           GenAI convention for file operations)
//   Handoff       "handoff {from} -> {to}" gen_ai.operation.name=handoff (the server keeps the
//                                           value as the operation "handoff", DESIGN.md §4),
//                                           gen_ai.agent.name and agent.name = from,
//                                           handoff.from_agent, handoff.to_agent (the OpenAI
//                                           Agents handoff span's from_agent / to_agent)
//
// All helpers return ordinary Spans (non-recording with a no-op tracer) and never throw.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>
#include <vector>

#include "hoptrace/trace.h"

namespace hoptrace::genai {

// Attribute names (tracing.md §3.1; the server's normaliser reads these).
inline constexpr std::string_view kOperationName = "gen_ai.operation.name";
inline constexpr std::string_view kProviderName = "gen_ai.provider.name";
inline constexpr std::string_view kSystem = "gen_ai.system";  // deprecated twin of provider
inline constexpr std::string_view kAgentName = "gen_ai.agent.name";
inline constexpr std::string_view kAgentId = "gen_ai.agent.id";
inline constexpr std::string_view kAgentDescription = "gen_ai.agent.description";
inline constexpr std::string_view kLegacyAgentName = "agent.name";  // OpenInference
inline constexpr std::string_view kConversationId = "gen_ai.conversation.id";
inline constexpr std::string_view kRequestModel = "gen_ai.request.model";
inline constexpr std::string_view kRequestMaxTokens = "gen_ai.request.max_tokens";
inline constexpr std::string_view kRequestTemperature = "gen_ai.request.temperature";
inline constexpr std::string_view kResponseModel = "gen_ai.response.model";
inline constexpr std::string_view kResponseId = "gen_ai.response.id";
inline constexpr std::string_view kResponseFinishReasons = "gen_ai.response.finish_reasons";
inline constexpr std::string_view kInputTokens = "gen_ai.usage.input_tokens";
inline constexpr std::string_view kOutputTokens = "gen_ai.usage.output_tokens";
inline constexpr std::string_view kCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
inline constexpr std::string_view kCacheCreationInputTokens =
    "gen_ai.usage.cache_creation.input_tokens";
inline constexpr std::string_view kReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
inline constexpr std::string_view kToolName = "gen_ai.tool.name";
inline constexpr std::string_view kLegacyToolName = "agent.tool.name";
inline constexpr std::string_view kToolCallId = "gen_ai.tool.call.id";
inline constexpr std::string_view kToolType = "gen_ai.tool.type";
inline constexpr std::string_view kToolDescription = "gen_ai.tool.description";
inline constexpr std::string_view kToolCallArguments = "gen_ai.tool.call.arguments";
inline constexpr std::string_view kToolCallResult = "gen_ai.tool.call.result";
inline constexpr std::string_view kFilePath = "file.path";
inline constexpr std::string_view kFileOperation = "file.operation";
inline constexpr std::string_view kFileSize = "file.size";
inline constexpr std::string_view kHandoffFrom = "handoff.from_agent";
inline constexpr std::string_view kHandoffTo = "handoff.to_agent";
inline constexpr std::string_view kErrorType = "error.type";

// Options common to every helper.
struct SpanOptions {
  const Context* parent = nullptr;  // nullptr: the current context
  Attributes attributes;            // extra attributes, visible to the sampler
};

struct AgentOptions {
  std::string_view agent_id;
  std::string_view description;
  std::string_view conversation_id;
  std::string_view provider;  // when the agent is backed by one provider/model
  std::string_view model;
  SpanKind kind = SpanKind::kInternal;  // kClient for a remote agent
  SpanOptions span;
};
Span InvokeAgent(const Tracer& tracer, std::string_view agent, const AgentOptions& options = {});

struct ChatOptions {
  std::string_view operation = "chat";  // or text_completion, generate_content
  std::string_view conversation_id;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  SpanKind kind = SpanKind::kClient;
  SpanOptions span;
};
// `provider`: gen_ai.provider.name value (openai, anthropic, …); `model`: the requested model.
Span Chat(const Tracer& tracer, std::string_view provider, std::string_view model,
          const ChatOptions& options = {});

struct ToolOptions {
  std::string_view call_id;
  std::string_view type;  // function, extension, datastore
  std::string_view description;
  std::string_view arguments;  // JSON text, recorded as gen_ai.tool.call.arguments
  SpanOptions span;
};
Span ExecuteTool(const Tracer& tracer, std::string_view tool, const ToolOptions& options = {});

struct FileOptions {
  std::optional<std::int64_t> size;  // bytes read or written: file.size
  SpanOptions span;
};
// `operation`: read, write, delete, list, … (the span is named "file.{operation}").
Span FileOperation(const Tracer& tracer, std::string_view operation, std::string_view path,
                   const FileOptions& options = {});

struct HandoffOptions {
  std::string_view reason;  // recorded as handoff.reason when given
  SpanOptions span;
};
Span Handoff(const Tracer& tracer, std::string_view from_agent, std::string_view to_agent,
             const HandoffOptions& options = {});

// Token counts. gen_ai.usage.input_tokens includes cached tokens (the convention), so cache_read
// is a part of input, not added to it. Zero fields other than input/output are not recorded.
struct TokenUsage {
  std::int64_t input = 0;
  std::int64_t output = 0;
  std::int64_t cache_read = 0;
  std::int64_t cache_creation = 0;
  std::int64_t reasoning = 0;
};
void RecordUsage(Span& span, const TokenUsage& usage) noexcept;

// gen_ai.response.model, and gen_ai.response.id / finish_reasons when given.
void RecordResponse(Span& span, std::string_view response_model, std::string_view response_id = {},
                    const std::vector<std::string>& finish_reasons = {}) noexcept;

// gen_ai.tool.call.result (JSON or plain text).
void RecordToolResult(Span& span, std::string_view result) noexcept;

// Marks the span failed: status error with `message`, error.type = `type`, and an `exception`
// event with exception.type / exception.message.
void RecordError(Span& span, std::string_view type, std::string_view message) noexcept;
// The same from an exception: type is the demangled dynamic type name, message its what().
void RecordError(Span& span, const std::exception& error) noexcept;

}  // namespace hoptrace::genai
