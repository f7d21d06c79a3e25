#include "normalize/dialects.h"

#include <string>

namespace hoptrace::dialects {

namespace {

std::string_view Lower(std::string_view value, std::string* scratch) {
  scratch->assign(value);
  for (char& c : *scratch) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return *scratch;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view MapGenAiOperation(std::string_view value, std::string* scratch) {
  std::string_view v = Lower(value, scratch);
  if (v == "chat" || v == "text_completion" || v == "generate_content" || v == "llm_request" ||
      v == "completion" || v == "generate") {
    return kLlm;
  }
  if (v == "embeddings" || v == "embedding") return kEmbedding;
  if (v == "invoke_agent" || v == "create_agent") return kAgent;
  if (v == "execute_tool") return kTool;
  if (v == "retrieval" || v == "vector_db_retrieve") return kRetrieval;
  if (v == "invoke_workflow") return kWorkflow;
  if (v == "execute_task") return kTask;
  return v;  // unknown but present: kept as sent (lower-cased)
}

std::string_view MapOpenInferenceKind(std::string_view value, std::string* scratch) {
  std::string_view v = Lower(value, scratch);
  if (v.empty() || v == "unknown") return {};
  if (v == "llm") return kLlm;
  if (v == "embedding") return kEmbedding;
  if (v == "agent") return kAgent;
  if (v == "tool") return kTool;
  if (v == "retriever") return kRetrieval;
  if (v == "chain") return kChain;
  return v;  // reranker, guardrail, evaluator, prompt: their own names
}

std::string_view MapTraceloopKind(std::string_view value) {
  if (value == "workflow") return kWorkflow;
  if (value == "task") return kTask;
  if (value == "agent") return kAgent;
  if (value == "tool") return kTool;
  return {};
}

std::string_view MapVercelOperationId(std::string_view value, bool* wrapper) {
  *wrapper = false;
  if (value.substr(0, 3) != "ai.") return {};
  if (EndsWith(value, ".doGenerate") || EndsWith(value, ".doStream")) return kLlm;
  if (EndsWith(value, ".doEmbed")) return kEmbedding;
  if (value == "ai.toolCall") return kTool;
  if (value == "ai.generateText" || value == "ai.streamText" || value == "ai.generateObject" ||
      value == "ai.streamObject" || value == "ai.embed" || value == "ai.embedMany") {
    *wrapper = true;
    return kWorkflow;
  }
  return {};
}

}  // namespace hoptrace::dialects
