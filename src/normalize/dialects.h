// The attribute names of every GenAI dialect the normaliser reads, and how their values map to
// the agent model (DESIGN.md §4; ../shared/reference/tracing.md PART 3 lists the dialects).
//
// Each list is in priority order: the first key present on a span wins. The keys of DESIGN.md
// §4 come first, in its order; keys after them are extensions, each with the reason. Keys that
// depend on another attribute (traceloop.entity.name, graph.node.id, the LangChain `metadata`
// JSON) and the OpenAI Agents native spans are applied in derive.cc, in the order documented
// there. Attributes literally named `operation.name` or `resource.name` (Vercel AI SDK) are not
// read at all: they are neither gen_ai.operation.name nor resource attributes.
#pragma once

#include <string_view>

namespace hoptrace::dialects {

inline constexpr std::string_view kAgentKeys[] = {"gen_ai.agent.name", "agent.name"};

inline constexpr std::string_view kModelKeys[] = {
    "gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "ai.model.id",
    "ai.response.model",
    // OpenInference semconv >= 0.1.2x splits llm.model_name into response/request names.
    "llm.response.model_name", "llm.request.model_name",
    // OpenInference EMBEDDING spans.
    "embedding.model_name"};

inline constexpr std::string_view kProviderKeys[] = {
    "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider"};

inline constexpr std::string_view kInputTokenKeys[] = {
    "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
    "ai.usage.inputTokens", "ai.usage.promptTokens",
    // Vercel AI SDK embed/embedMany: the only usage key of embedding calls.
    "ai.usage.tokens"};

inline constexpr std::string_view kOutputTokenKeys[] = {
    "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
    "ai.usage.outputTokens", "ai.usage.completionTokens"};

inline constexpr std::string_view kTotalTokenKeys[] = {
    "gen_ai.usage.total_tokens", "llm.token_count.total", "ai.usage.totalTokens",
    // OpenLLMetry <= 0.4 (before the rename to gen_ai.usage.total_tokens).
    "llm.usage.total_tokens"};

// Input tokens read from a cache (priced at the cached-input price). Every one of these is
// included in the input count above, per each dialect's spec.
inline constexpr std::string_view kCachedInputTokenKeys[] = {
    "gen_ai.usage.cache_read.input_tokens",         // OTel GenAI >= 1.37
    "gen_ai.usage.cache_read_input_tokens",         // OpenLLMetry <= 0.4
    "llm.token_count.prompt_details.cache_read",    // OpenInference
    "ai.usage.cachedInputTokens",                   // Vercel AI SDK v6
    "ai.usage.inputTokenDetails.cacheReadTokens"};  // Vercel AI SDK v6 details

inline constexpr std::string_view kToolKeys[] = {"gen_ai.tool.name", "agent.tool.name", "tool.name",
                                                 "ai.toolCall.name"};

inline constexpr std::string_view kConversationKeys[] = {
    "gen_ai.conversation.id", "session.id", "ai.telemetry.metadata.sessionId",
    // Langfuse and Traceloop association properties name the same thing.
    "langfuse.session.id", "traceloop.association.properties.session_id"};

// An explicit cost on the span wins over the price table (OpenInference).
inline constexpr std::string_view kExplicitCostKey = "llm.cost.total";

// Keys read for the dependent rules of derive.cc.
inline constexpr std::string_view kGenAiOperationKey = "gen_ai.operation.name";
inline constexpr std::string_view kOpenInferenceKindKey = "openinference.span.kind";
inline constexpr std::string_view kTraceloopKindKey = "traceloop.span.kind";
inline constexpr std::string_view kTraceloopEntityNameKey = "traceloop.entity.name";
inline constexpr std::string_view kVercelOperationIdKey = "ai.operationId";
inline constexpr std::string_view kGraphNodeIdKey = "graph.node.id";
// OpenInference's LangChain instrumentation: a JSON string holding lc_agent_name, ls_provider
// and ls_model_name.
inline constexpr std::string_view kMetadataKey = "metadata";
inline constexpr std::string_view kServiceNameKey = "service.name";

// Operation values of the agent model.
inline constexpr std::string_view kLlm = "llm";
inline constexpr std::string_view kEmbedding = "embedding";
inline constexpr std::string_view kAgent = "agent";
inline constexpr std::string_view kTool = "tool";
inline constexpr std::string_view kRetrieval = "retrieval";
inline constexpr std::string_view kWorkflow = "workflow";
inline constexpr std::string_view kChain = "chain";
inline constexpr std::string_view kTask = "task";

// gen_ai.operation.name -> operation. Well-known values per DESIGN.md §4 plus OpenLLMetry's
// custom ones (execute_task, llm_request, vector_db_retrieve); any other non-empty value is
// kept, lower-cased, so nothing is lost (e.g. "plan").
std::string_view MapGenAiOperation(std::string_view value, std::string* scratch);

// openinference.span.kind -> operation (LLM -> llm, RETRIEVER -> retrieval, CHAIN -> chain...).
// Empty for UNKNOWN and empty values (the rule falls through to the next source).
std::string_view MapOpenInferenceKind(std::string_view value, std::string* scratch);

// traceloop.span.kind -> operation (workflow, task, agent, tool); empty for "unknown".
std::string_view MapTraceloopKind(std::string_view value);

// Vercel AI SDK ai.operationId. `*.doGenerate`/`*.doStream` -> llm, `*.doEmbed` -> embedding,
// ai.toolCall -> tool; the wrappers (ai.generateText, ai.streamText, ai.generateObject,
// ai.streamObject, ai.embed, ai.embedMany) -> workflow with `*wrapper` set: their ai.usage.*
// is the sum over their steps and is never counted again. Empty for other values.
std::string_view MapVercelOperationId(std::string_view value, bool* wrapper);

}  // namespace hoptrace::dialects
