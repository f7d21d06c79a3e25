#include "normalize/openai_agents.h"

#include "normalize/values.h"

namespace hoptrace::openai_agents {

bool IsNativeKey(std::string_view key) {
  return key.substr(0, kPrefix.size()) == kPrefix &&
         (key.size() == kPrefix.size() || key[kPrefix.size()] == '.');
}

namespace {

std::string Text(const Attributes& attrs, std::string_view path) {
  auto v = LookupPath(attrs, kSpanDataPrefix, path);
  return v ? ScalarText(*v) : std::string();
}

// Reads usage in either API's shape: Responses/Agents (input_tokens, output_tokens,
// input_tokens_details.cached_tokens) or Chat Completions (prompt_tokens, completion_tokens,
// prompt_tokens_details.cached_tokens), at `base` below span_data ("usage" or
// "output.0.usage"). The usage object is looked up once (a JSON string such as `output` is
// parsed once); flattened keys are read one by one. Returns false when there is no
// input/output count.
bool ReadUsage(const Attributes& attrs, std::string_view base, NativeFields* out) {
  const std::optional<AnyValue> usage = LookupPath(attrs, kSpanDataPrefix, base);
  auto count = [&](std::initializer_list<std::string_view> names) -> std::optional<int64_t> {
    for (std::string_view name : names) {
      std::optional<AnyValue> v;
      if (usage) {
        v = ValueAtPath(*usage, name);
      } else {
        v = LookupPath(attrs, kSpanDataPrefix, std::string(base) + "." + std::string(name));
      }
      if (v) {
        if (auto c = ParseCount(*v)) return c;
      }
    }
    return std::nullopt;
  };
  out->input_tokens = count({"input_tokens", "prompt_tokens"});
  out->output_tokens = count({"output_tokens", "completion_tokens"});
  if (!out->input_tokens && !out->output_tokens) return false;
  out->total_tokens = count({"total_tokens"});
  out->cached_input_tokens =
      count({"input_tokens_details.cached_tokens", "prompt_tokens_details.cached_tokens"});
  return true;
}

std::string Attribute(const Attributes& attrs, std::string_view key) {
  const AnyValue* v = FindAttribute(attrs, key);
  return v ? ScalarText(*v) : std::string();
}

}  // namespace

std::optional<NativeFields> ReadNativeSpan(const Attributes& attrs) {
  NativeFields f;
  f.conversation = Attribute(attrs, kGroupIdKey);
  f.type = Text(attrs, "type");
  const std::string& t = f.type;
  if (t.empty()) {
    if (Attribute(attrs, kObjectKey) == "trace") {
      f.operation = "workflow";
      return f;
    }
    if (!f.conversation.empty()) return f;
    return std::nullopt;
  }
  if (t == "agent") {
    f.operation = "agent";
    f.agent = Text(attrs, "name");
  } else if (t == "generation" || t == "response") {
    f.operation = "llm";
    f.model = Text(attrs, "model");
    if (!ReadUsage(attrs, "usage", &f) && t == "generation") {
      ReadUsage(attrs, "output.0.usage", &f);
    }
  } else if (t == "function") {
    f.operation = "tool";
    f.tool = Text(attrs, "name");
  } else if (t == "handoff") {
    f.operation = kHandoffOperation;
  } else if (t == "custom") {
    f.operation = "chain";
    std::string name = Text(attrs, "name");
    std::string sdk_type = Text(attrs, "data.sdk_span_type");
    if (name == "turn" || name == "task" || sdk_type == "turn" || sdk_type == "task") {
      f.usage_counted = false;
    }
  } else if (t == "mcp_tools") {
    f.operation = "tool";
  } else if (t == "speech_group") {
    f.operation = "chain";
  } else {
    f.operation = t;  // guardrail, transcription, speech and future types: their own names
    if (t == "transcription" || t == "speech") f.model = Text(attrs, "model");
  }
  return f;
}

}  // namespace hoptrace::openai_agents
