// Step 1 of normalize.h: the per-span rules.
//
// Order of the sources of each field (first present wins; empty strings count as absent):
//   agent:     dialects::kAgentKeys; OpenAI Agents native `agent` span's name;
//              traceloop.entity.name when traceloop.span.kind=agent; the span name of an
//              OpenInference AGENT span that has graph.node.id; LangChain metadata
//              lc_agent_name. (Inheritance is step 2.)
//   operation: gen_ai.operation.name; openinference.span.kind; traceloop.span.kind; Vercel
//              ai.operationId; OpenAI Agents span_data.type.
//   model:     dialects::kModelKeys; OpenAI Agents span_data.model; metadata ls_model_name.
//   provider:  dialects::kProviderKeys; metadata ls_provider.
//   tool:      dialects::kToolKeys; traceloop.entity.name when traceloop.span.kind=tool;
//              OpenAI Agents `function` span's name.
//   conversation: dialects::kConversationKeys; OpenAI Agents group_id.
//   tokens:    dialects::k*TokenKeys, else the OpenAI Agents native usage. Total = the total
//              key, else input + output; with a total and one half, the other half is
//              total - half (so the split is known and priced).
//   cost:      llm.cost.total; else tokens x PriceTable for the model.
//   service:   resource service.name; else a span attribute service.name (Zipkin tags).

#include <array>
#include <bitset>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>

#include "normalize/dialects.h"
#include "normalize/normalize.h"
#include "normalize/openai_agents.h"
#include "normalize/values.h"

namespace hoptrace {

namespace {

constexpr size_t kMaxSlots = 64;
constexpr size_t kMaxKeyLength = 128;

// Every attribute key the rules read, numbered, so one pass over a span's attributes finds
// them all (a span has tens of attributes and ingest runs this for every span).
class KeyIndex {
 public:
  static const KeyIndex& Get() {
    static const KeyIndex index;
    return index;
  }

  // The slot of `key`, or -1 when no rule reads it.
  int Find(std::string_view key) const {
    if (key.size() >= kMaxKeyLength || !lengths_[key.size()]) return -1;
    auto it = slots_.find(key);
    return it == slots_.end() ? -1 : it->second;
  }

  std::vector<int> agent, model, provider, input, output, total, cached, tool, conversation;
  int genai_operation, openinference_kind, traceloop_kind, traceloop_entity, vercel_operation,
      graph_node_id, metadata, explicit_cost, service;

 private:
  KeyIndex() {
    agent = Slots(dialects::kAgentKeys);
    model = Slots(dialects::kModelKeys);
    provider = Slots(dialects::kProviderKeys);
    input = Slots(dialects::kInputTokenKeys);
    output = Slots(dialects::kOutputTokenKeys);
    total = Slots(dialects::kTotalTokenKeys);
    cached = Slots(dialects::kCachedInputTokenKeys);
    tool = Slots(dialects::kToolKeys);
    conversation = Slots(dialects::kConversationKeys);
    genai_operation = Slot(dialects::kGenAiOperationKey);
    openinference_kind = Slot(dialects::kOpenInferenceKindKey);
    traceloop_kind = Slot(dialects::kTraceloopKindKey);
    traceloop_entity = Slot(dialects::kTraceloopEntityNameKey);
    vercel_operation = Slot(dialects::kVercelOperationIdKey);
    graph_node_id = Slot(dialects::kGraphNodeIdKey);
    metadata = Slot(dialects::kMetadataKey);
    explicit_cost = Slot(dialects::kExplicitCostKey);
    service = Slot(dialects::kServiceNameKey);
    if (slots_.size() > kMaxSlots) std::abort();  // raise kMaxSlots with the key lists
  }
  int Slot(std::string_view key) {
    auto [it, inserted] = slots_.emplace(key, static_cast<int>(slots_.size()));
    if (inserted) lengths_[key.size()] = true;
    return it->second;
  }
  template <size_t N>
  std::vector<int> Slots(const std::string_view (&keys)[N]) {
    std::vector<int> out;
    for (std::string_view k : keys) out.push_back(Slot(k));
    return out;
  }

  std::unordered_map<std::string_view, int> slots_;
  std::bitset<kMaxKeyLength> lengths_;
};

// The first value of each slot on one span.
class Found {
 public:
  explicit Found(const Attributes& attrs) {
    const KeyIndex& index = KeyIndex::Get();
    for (const KeyValue& kv : attrs) {
      int slot = index.Find(kv.key);
      if (slot >= 0) {
        if (values_[slot] == nullptr) values_[slot] = &kv.value;
      } else if (!has_native_ && openai_agents::IsNativeKey(kv.key)) {
        has_native_ = true;
      }
    }
  }
  const AnyValue* Get(int slot) const { return values_[slot]; }
  std::string Text(int slot) const {
    return values_[slot] ? ScalarText(*values_[slot]) : std::string();
  }
  std::string FirstText(const std::vector<int>& slots) const {
    for (int s : slots) {
      if (std::string t = Text(s); !t.empty()) return t;
    }
    return {};
  }
  std::optional<int64_t> FirstCount(const std::vector<int>& slots) const {
    for (int s : slots) {
      if (values_[s] == nullptr) continue;
      if (auto c = ParseCount(*values_[s])) return c;
    }
    return std::nullopt;
  }
  bool has_native() const { return has_native_; }

 private:
  std::array<const AnyValue*, kMaxSlots> values_{};
  bool has_native_ = false;
};

// OpenInference's LangChain `metadata` JSON, parsed only when a rule needs it.
class LangChainMetadata {
 public:
  explicit LangChainMetadata(const AnyValue* v) : value_(v) {}
  std::string Get(std::string_view key) {
    if (!parsed_) {
      parsed_ = true;
      if (value_ != nullptr && value_->type == AnyValue::Type::kString) {
        json_ = JsonToAnyValue(value_->string_value);
      } else if (value_ != nullptr && value_->type == AnyValue::Type::kKvList) {
        json_ = *value_;
      }
    }
    if (!json_ || json_->type != AnyValue::Type::kKvList) return {};
    for (const KeyValue& kv : json_->kvlist_value) {
      if (kv.key == key) return ScalarText(kv.value);
    }
    return {};
  }

 private:
  const AnyValue* value_;
  bool parsed_ = false;
  std::optional<AnyValue> json_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return INT64_MAX;
  return sum;
}

std::string ServiceName(const Span& span, const Found& found) {
  if (const AnyValue* v = FindAttribute(span.resource.attributes, dialects::kServiceNameKey)) {
    if (std::string s = ScalarText(*v); !s.empty()) return s;
  }
  return found.Text(KeyIndex::Get().service);
}

}  // namespace

DeriveReport DeriveAgentFields(Span* span, const PriceTable& prices) {
  const KeyIndex& ix = KeyIndex::Get();
  const Found found(span->attributes);
  std::optional<openai_agents::NativeFields> native;
  if (found.has_native()) native = openai_agents::ReadNativeSpan(span->attributes);
  LangChainMetadata metadata(found.Get(ix.metadata));
  const std::string traceloop_kind = found.Text(ix.traceloop_kind);
  const std::string openinference_kind = found.Text(ix.openinference_kind);

  AgentFields d;
  d.service = ServiceName(*span, found);

  // operation
  std::string scratch;
  std::string_view op;
  if (std::string v = found.Text(ix.genai_operation); !v.empty()) {
    op = dialects::MapGenAiOperation(v, &scratch);
  }
  if (op.empty()) op = dialects::MapOpenInferenceKind(openinference_kind, &scratch);
  if (op.empty()) op = dialects::MapTraceloopKind(traceloop_kind);
  bool vercel_wrapper = false;
  std::string vercel_id = found.Text(ix.vercel_operation);
  std::string_view vercel_op = dialects::MapVercelOperationId(vercel_id, &vercel_wrapper);
  if (op.empty()) op = vercel_op;
  if (op.empty() && native) op = native->operation;
  d.operation = std::string(op);

  // agent (own)
  d.agent = found.FirstText(ix.agent);
  if (d.agent.empty() && native && native->type == "agent") d.agent = native->agent;
  if (d.agent.empty() && traceloop_kind == "agent") d.agent = found.Text(ix.traceloop_entity);
  if (d.agent.empty() && EqualsIgnoreCase(openinference_kind, "agent") &&
      !found.Text(ix.graph_node_id).empty()) {
    d.agent = span->name;
  }
  if (d.agent.empty()) d.agent = metadata.Get("lc_agent_name");

  d.model = found.FirstText(ix.model);
  if (d.model.empty() && native) d.model = native->model;
  if (d.model.empty()) d.model = metadata.Get("ls_model_name");

  d.provider = found.FirstText(ix.provider);
  if (d.provider.empty()) d.provider = metadata.Get("ls_provider");

  d.tool = found.FirstText(ix.tool);
  if (d.tool.empty() && traceloop_kind == "tool") d.tool = found.Text(ix.traceloop_entity);
  if (d.tool.empty() && native) d.tool = native->tool;

  d.conversation = found.FirstText(ix.conversation);
  if (d.conversation.empty() && native) d.conversation = native->conversation;

  // tokens
  std::optional<int64_t> in = found.FirstCount(ix.input);
  std::optional<int64_t> out = found.FirstCount(ix.output);
  std::optional<int64_t> total = found.FirstCount(ix.total);
  std::optional<int64_t> cached = found.FirstCount(ix.cached);
  if (!in && !out && !total && native) {
    in = native->input_tokens;
    out = native->output_tokens;
    total = native->total_tokens;
    cached = native->cached_input_tokens;
  }
  if (total && in && !out && *total >= *in) out = *total - *in;
  if (total && out && !in && *total >= *out) in = *total - *out;
  if (!total && (in || out)) total = SaturatingAdd(in.value_or(0), out.value_or(0));
  d.input_tokens = in.value_or(0);
  d.output_tokens = out.value_or(0);
  d.total_tokens = total.value_or(0);

  d.usage_counted = !vercel_wrapper && !(native && !native->usage_counted);

  // cost
  DeriveReport report;
  const AnyValue* explicit_cost = found.Get(ix.explicit_cost);
  std::optional<double> explicit_usd = explicit_cost ? ParseAmount(*explicit_cost) : std::nullopt;
  if (explicit_usd) {
    d.cost_usd = *explicit_usd;
    report.price_status = PriceStatus::kExplicit;
  } else if (d.input_tokens > 0 || d.output_tokens > 0 || d.total_tokens > 0) {
    const ModelPrice* price = d.model.empty() ? nullptr : prices.Lookup(d.model);
    if (!in && !out) {
      report.price_status = PriceStatus::kTotalOnly;
    } else if (price == nullptr) {
      report.price_status = PriceStatus::kUnknownModel;
    } else {
      d.cost_usd = TokenCost(*price, d.input_tokens, d.output_tokens, cached.value_or(0));
      report.price_status = PriceStatus::kPriced;
    }
  }

  span->derived = std::move(d);
  return report;
}

}  // namespace hoptrace
