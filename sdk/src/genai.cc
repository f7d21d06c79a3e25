// GenAI helper spans (names and attributes: genai.h).
#include "hoptrace/genai.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

namespace hoptrace::genai {
namespace {

std::string Join(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + 1 + b.size());
  s.append(a);
  if (!b.empty()) {
    s.push_back(' ');
    s.append(b);
  }
  return s;
}

void AddIf(Attributes* attributes, std::string_view key, std::string_view value) {
  if (!value.empty()) attributes->push_back({std::string(key), value});
}

Span Start(const Tracer& tracer, std::string_view name, SpanKind kind, Attributes attributes,
           const SpanOptions& span) {
  StartSpanOptions options;
  options.kind = kind;
  options.parent = span.parent;
  if (tracer.enabled()) {
    for (const KeyValue& kv : span.attributes) attributes.push_back(kv);
    options.attributes = std::move(attributes);
  }
  return tracer.StartSpan(name, std::move(options));
}

}  // namespace

Span InvokeAgent(const Tracer& tracer, std::string_view agent, const AgentOptions& options) {
  if (!tracer.enabled()) return Start(tracer, {}, options.kind, {}, options.span);
  Attributes a;
  a.reserve(8 + options.span.attributes.size());
  a.push_back({std::string(kOperationName), "invoke_agent"});
  AddIf(&a, kAgentName, agent);
  AddIf(&a, kLegacyAgentName, agent);
  AddIf(&a, kAgentId, options.agent_id);
  AddIf(&a, kAgentDescription, options.description);
  AddIf(&a, kConversationId, options.conversation_id);
  AddIf(&a, kProviderName, options.provider);
  AddIf(&a, kRequestModel, options.model);
  return Start(tracer, Join("invoke_agent", agent), options.kind, std::move(a), options.span);
}

Span Chat(const Tracer& tracer, std::string_view provider, std::string_view model,
          const ChatOptions& options) {
  if (!tracer.enabled()) return Start(tracer, {}, options.kind, {}, options.span);
  std::string_view op = options.operation.empty() ? "chat" : options.operation;
  Attributes a;
  a.reserve(8 + options.span.attributes.size());
  a.push_back({std::string(kOperationName), op});
  AddIf(&a, kProviderName, provider);
  AddIf(&a, kSystem, provider);
  AddIf(&a, kRequestModel, model);
  AddIf(&a, kConversationId, options.conversation_id);
  if (options.max_tokens) a.push_back({std::string(kRequestMaxTokens), *options.max_tokens});
  if (options.temperature) a.push_back({std::string(kRequestTemperature), *options.temperature});
  return Start(tracer, Join(op, model), options.kind, std::move(a), options.span);
}

Span ExecuteTool(const Tracer& tracer, std::string_view tool, const ToolOptions& options) {
  if (!tracer.enabled()) return Start(tracer, {}, SpanKind::kInternal, {}, options.span);
  Attributes a;
  a.reserve(8 + options.span.attributes.size());
  a.push_back({std::string(kOperationName), "execute_tool"});
  AddIf(&a, kToolName, tool);
  AddIf(&a, kLegacyToolName, tool);
  AddIf(&a, kToolCallId, options.call_id);
  AddIf(&a, kToolType, options.type);
  AddIf(&a, kToolDescription, options.description);
  AddIf(&a, kToolCallArguments, options.arguments);
  return Start(tracer, Join("execute_tool", tool), SpanKind::kInternal, std::move(a), options.span);
}

Span FileOperation(const Tracer& tracer, std::string_view operation, std::string_view path,
                   const FileOptions& options) {
  if (!tracer.enabled()) return Start(tracer, {}, SpanKind::kInternal, {}, options.span);
  Attributes a;
  a.reserve(3 + options.span.attributes.size());
  AddIf(&a, kFilePath, path);
  AddIf(&a, kFileOperation, operation);
  if (options.size) a.push_back({std::string(kFileSize), *options.size});
  std::string name = "file.";
  name.append(operation.empty() ? std::string_view("operation") : operation);
  return Start(tracer, name, SpanKind::kInternal, std::move(a), options.span);
}

Span Handoff(const Tracer& tracer, std::string_view from_agent, std::string_view to_agent,
             const HandoffOptions& options) {
  if (!tracer.enabled()) return Start(tracer, {}, SpanKind::kInternal, {}, options.span);
  Attributes a;
  a.reserve(6 + options.span.attributes.size());
  a.push_back({std::string(kOperationName), "handoff"});
  AddIf(&a, kAgentName, from_agent);
  AddIf(&a, kLegacyAgentName, from_agent);
  AddIf(&a, kHandoffFrom, from_agent);
  AddIf(&a, kHandoffTo, to_agent);
  AddIf(&a, "handoff.reason", options.reason);
  std::string name = "handoff ";
  name.append(from_agent).append(" -> ").append(to_agent);
  return Start(tracer, name, SpanKind::kInternal, std::move(a), options.span);
}

void RecordUsage(Span& span, const TokenUsage& usage) noexcept {
  if (!span.IsRecording()) return;
  span.SetAttribute(kInputTokens, usage.input);
  span.SetAttribute(kOutputTokens, usage.output);
  if (usage.cache_read != 0) span.SetAttribute(kCacheReadInputTokens, usage.cache_read);
  if (usage.cache_creation != 0) {
    span.SetAttribute(kCacheCreationInputTokens, usage.cache_creation);
  }
  if (usage.reasoning != 0) span.SetAttribute(kReasoningOutputTokens, usage.reasoning);
}

void RecordResponse(Span& span, std::string_view response_model, std::string_view response_id,
                    const std::vector<std::string>& finish_reasons) noexcept {
  if (!span.IsRecording()) return;
  if (!response_model.empty()) span.SetAttribute(kResponseModel, response_model);
  if (!response_id.empty()) span.SetAttribute(kResponseId, response_id);
  if (!finish_reasons.empty()) span.SetAttribute(kResponseFinishReasons, finish_reasons);
}

void RecordToolResult(Span& span, std::string_view result) noexcept {
  span.SetAttribute(kToolCallResult, result);
}

void RecordError(Span& span, std::string_view type, std::string_view message) noexcept {
  if (!span.IsRecording()) return;
  span.SetStatus(StatusCode::kError, message);
  if (!type.empty()) span.SetAttribute(kErrorType, type);
  span.RecordException(type, message);
}

void RecordError(Span& span, const std::exception& error) noexcept {
  if (!span.IsRecording()) return;
  const char* mangled = typeid(error).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string type = (status == 0 && demangled != nullptr) ? demangled : mangled;
  std::free(demangled);
  RecordError(span, type, error.what());
}

}  // namespace hoptrace::genai
