#include "w1/w1_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

namespace hoptrace {

// ---------------------------------------------------------------------------------------------
// Catalogues. Do not change without noting it in BENCHMARKS.md: figures depend on them.

const std::vector<W1Model>& W1Models() {
  // Prices in USD per million tokens (input, output): a small fixed table, not live prices.
  static const std::vector<W1Model> kModels = {
      {"gpt-4o", "openai", 2.50, 10.00},
      {"gpt-4o-mini", "openai", 0.15, 0.60},
      {"claude-sonnet-4", "anthropic", 3.00, 15.00},
      {"claude-haiku-4", "anthropic", 0.80, 4.00},
      {"gemini-2.5-pro", "gcp.gemini", 1.25, 10.00},
      {"gemini-2.5-flash", "gcp.gemini", 0.30, 2.50},
      {"llama-3.1-70b", "groq", 0.59, 0.79},
      {"o3", "openai", 2.00, 8.00},
  };
  return kModels;
}

const std::vector<std::string_view>& W1Agents() {
  static const std::vector<std::string_view> kAgents = {"researcher", "coder", "reviewer",
                                                        "planner", "summarizer"};
  return kAgents;
}

const std::vector<std::string_view>& W1Tools() {
  static const std::vector<std::string_view> kTools = {
      "web_search", "fetch_url",   "read_file", "write_file",    "run_shell",  "run_tests",
      "git_diff",   "search_code", "sql_query", "vector_search", "send_email", "calculator"};
  return kTools;
}

const std::vector<std::string_view>& W1Services() {
  static const std::vector<std::string_view> kServices = {
      "support-assistant", "code-assistant", "research-assistant", "data-analyst", "ops-copilot"};
  return kServices;
}

double W1CostUsd(std::string_view model, int64_t input_tokens, int64_t output_tokens) {
  for (const W1Model& m : W1Models()) {
    if (m.name == model) {
      return (static_cast<double>(input_tokens) * m.usd_per_million_input +
              static_cast<double>(output_tokens) * m.usd_per_million_output) /
             1e6;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// W1Random

uint64_t W1Random::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t W1Random::Uniform(uint64_t n) {
  // Lemire's multiply-shift; the tiny bias is irrelevant here and it is deterministic.
  __extension__ using U128 = unsigned __int128;
  return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
}

double W1Random::Double() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double W1Random::Normal() {
  double u1 = Double();
  double u2 = Double();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double W1Random::LogNormal(double median, double sigma) {
  return median * std::exp(sigma * Normal());
}

// ---------------------------------------------------------------------------------------------
// Text: a generated vocabulary and the 50 shared system prompts. Independent of the seed, so
// that every seed draws from the same language.

namespace {

constexpr uint64_t kTextSeed = 0x77315f746578740aULL;  // "w1_text"
constexpr size_t kVocabularySize = 4000;
constexpr size_t kSystemPrompts = 50;
constexpr int kMaxAgentsExtra = 9;  // 3 + [0, 9] agents
constexpr uint64_t kMs = 1'000'000;

// Zipf-like pick of a word index: frequent words dominate, as in text.
size_t PickWord(W1Random* rng) {
  double u = rng->Double();
  return static_cast<size_t>(u * u * u * kVocabularySize);
}

std::string MakeWord(W1Random* rng) {
  static const char* kOnsets[] = {"b", "c", "d", "f",  "g",  "h",  "l",  "m",  "n",  "p",  "r", "s",
                                  "t", "v", "w", "st", "tr", "pl", "gr", "ch", "sh", "th", "br"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "ea", "io", "ou", "ai"};
  static const char* kCodas[] = {"", "", "", "n", "r", "s", "t", "l", "nd", "ck", "ng", "x"};
  std::string w;
  int syllables = static_cast<int>(rng->Range(1, 4));
  for (int i = 0; i < syllables; ++i) {
    w += kOnsets[rng->Uniform(std::size(kOnsets))];
    w += kVowels[rng->Uniform(std::size(kVowels))];
    if (i + 1 == syllables || rng->Bernoulli(0.3)) w += kCodas[rng->Uniform(std::size(kCodas))];
  }
  return w;
}

}  // namespace

struct W1Generator::Text {
  std::vector<std::string> vocabulary;
  std::vector<std::string> system_prompts;

  Text() {
    W1Random rng(kTextSeed);
    vocabulary.reserve(kVocabularySize);
    while (vocabulary.size() < kVocabularySize) vocabulary.push_back(MakeWord(&rng));
    for (size_t i = 0; i < kSystemPrompts; ++i) {
      std::string p = "You are the " + vocabulary[i] + " assistant. ";
      AppendText(&rng, static_cast<size_t>(rng.Range(2048, 6144)), /*paragraphs=*/true, &p);
      system_prompts.push_back(std::move(p));
    }
  }

  // Appends sentences of vocabulary words to *out until it is exactly `target` bytes long.
  void AppendText(W1Random* rng, size_t target, bool paragraphs, std::string* out) const {
    int words_left = 0;
    int sentences = 0;
    while (out->size() < target) {
      if (words_left == 0) {
        if (!out->empty() && out->back() != '\n') {
          ++sentences;
          bool newline = paragraphs && sentences % 4 == 0;
          *out += rng->Bernoulli(0.15) ? "?" : ".";
          *out += newline ? "\n" : " ";
        }
        words_left = static_cast<int>(rng->Range(5, 18));
        std::string w = vocabulary[PickWord(rng)];
        w[0] = static_cast<char>(w[0] - 'a' + 'A');
        *out += w;
      } else {
        *out += ' ';
        *out += vocabulary[PickWord(rng)];
        if (rng->Bernoulli(0.05)) *out += ',';
      }
      --words_left;
    }
    out->resize(target - 1);
    out->push_back('.');
  }
};

// ---------------------------------------------------------------------------------------------
// W1Generator

struct W1Generator::Shape {
  int agents = 0;
  std::array<int, 3 + kMaxAgentsExtra> llm{};
  std::array<int, 3 + kMaxAgentsExtra> tools{};
  uint64_t spans() const {
    uint64_t n = 1;
    for (int i = 0; i < agents; ++i) n += 1 + llm[i] + tools[i];
    return n;
  }
};

void W1Generator::DrawShape(W1Random* rng, Shape* shape) {
  // Skewed towards few children (u^2) so that the mean is ~41 spans per trace while the ranges
  // stay 3-12 agents, 2-8 LLM calls and 0-6 tool calls per agent.
  auto skewed = [rng](int n) {
    double u = rng->Double();
    return std::min(n - 1, static_cast<int>(n * u * u));
  };
  shape->agents = 3 + skewed(kMaxAgentsExtra + 1);
  for (int i = 0; i < shape->agents; ++i) {
    shape->llm[i] = 2 + skewed(7);
    shape->tools[i] = skewed(7);
  }
}

W1Generator::W1Generator(W1Options options)
    : options_(options),
      text_(std::make_unique<Text>()),
      shape_rng_(options.seed ^ 0x5368617065ULL),
      rng_(options.seed) {
  // Count the traces up front (shapes only), so that start times spread evenly over 7 days.
  W1Random counter = shape_rng_;
  uint64_t spans = 0;
  Shape shape;
  while (spans < options_.spans) {
    DrawShape(&counter, &shape);
    spans += shape.spans();
    ++total_traces_;
  }
}

W1Generator::~W1Generator() = default;

namespace {

struct TraceContext {
  TraceId trace_id{};
  std::string_view service;
  std::string user;
  std::string session;
  std::string_view region;
  Resource resource;
  Scope scope;
};

SpanId NewSpanId(W1Random* rng) {
  SpanId id{};
  uint64_t v = rng->Next() | 1;  // never all zero
  for (int i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return id;
}

// 16 lowercase hex digits.
std::string Hex64(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

const W1Model& PickModel(W1Random* rng) {
  // Weights in percent, in W1Models() order.
  static constexpr int kWeights[] = {22, 18, 16, 10, 8, 10, 8, 8};
  int r = static_cast<int>(rng->Uniform(100));
  for (size_t i = 0; i < std::size(kWeights); ++i) {
    if (r < kWeights[i]) return W1Models()[i];
    r -= kWeights[i];
  }
  return W1Models()[0];
}

std::string_view PickTool(W1Random* rng, size_t agent) {
  // Each agent mostly uses its own 4 tools (a window over the list), sometimes any tool.
  const auto& tools = W1Tools();
  if (rng->Bernoulli(0.2)) return tools[rng->Uniform(tools.size())];
  return tools[(agent * 2 + rng->Uniform(4)) % tools.size()];
}

std::string_view ErrorMessage(W1Random* rng, std::string_view operation) {
  static const std::string_view kLlm[] = {
      "429 Too Many Requests: rate limit exceeded, retry after 20s",
      "400 Bad Request: context_length_exceeded: prompt is too long for this model",
      "504 Gateway Timeout: upstream model did not respond within 60s",
      "500 Internal Server Error: the server had an error while processing your request"};
  static const std::string_view kTool[] = {"tool execution failed: process exited with status 1",
                                           "tool timed out after 30s",
                                           "permission denied: path is outside the workspace",
                                           "invalid arguments: missing required field 'query'"};
  static const std::string_view kAgent[] = {"agent gave up after 3 retries",
                                            "max turns exceeded (25)", "handoff target not found"};
  if (operation == "llm") return kLlm[rng->Uniform(std::size(kLlm))];
  if (operation == "tool") return kTool[rng->Uniform(std::size(kTool))];
  return kAgent[rng->Uniform(std::size(kAgent))];
}

void AddAttr(Span* s, std::string_view key, AnyValue v) {
  s->attributes.push_back(KeyValue{std::string(key), std::move(v)});
}

// A span with the per-trace fields, the common attributes, and possibly an error.
Span NewSpan(W1Random* rng, const TraceContext& ctx, const SpanId& parent, std::string name,
             SpanKind kind, std::string_view operation, std::string_view agent, uint64_t start) {
  Span s;
  s.trace_id = ctx.trace_id;
  s.span_id = NewSpanId(rng);
  s.parent_span_id = parent;
  s.flags = 1;  // sampled
  s.name = std::move(name);
  s.kind = kind;
  s.start_unix_nano = start;
  s.resource = ctx.resource;
  s.scope = ctx.scope;
  bool error = rng->Bernoulli(0.02);
  std::string_view op_name = operation == "llm"    ? "chat"
                             : operation == "tool" ? "execute_tool"
                                                   : "invoke_agent";
  AddAttr(&s, "gen_ai.operation.name", AnyValue::String(std::string(op_name)));
  AddAttr(&s, "gen_ai.agent.name", AnyValue::String(std::string(agent)));
  AddAttr(&s, "user.id", AnyValue::String(ctx.user));
  AddAttr(&s, "session.id", AnyValue::String(ctx.session));
  AddAttr(&s, "app.region", AnyValue::String(std::string(ctx.region)));
  int64_t http = 200;
  if (error) {
    std::string_view msg = ErrorMessage(rng, operation);
    // Messages that start with an HTTP status carry it; the others are 500s.
    http = (msg.size() > 3 && msg[0] >= '1' && msg[0] <= '5' && msg[3] == ' ')
               ? (msg[0] - '0') * 100 + (msg[1] - '0') * 10 + (msg[2] - '0')
               : 500;
    s.status_code = StatusCodeValue::kError;
    s.status_message = std::string(msg);
    SpanEvent ev;
    ev.name = "exception";
    ev.attributes.push_back({"exception.type", AnyValue::String("AgentError")});
    ev.attributes.push_back({"exception.message", AnyValue::String(std::string(msg))});
    s.events.push_back(std::move(ev));
  }
  AddAttr(&s, "http.status_code", AnyValue::Int(http));
  s.derived.service = std::string(ctx.service);
  s.derived.agent = std::string(agent);
  s.derived.operation = std::string(operation);
  s.derived.conversation = ctx.session;
  return s;
}

void SetEnd(Span* s, uint64_t end) {
  s->end_unix_nano = end;
  for (SpanEvent& ev : s->events) ev.time_unix_nano = end;
}

}  // namespace

bool W1Generator::NextTrace(std::vector<Span>* out) {
  out->clear();
  if (traces_emitted_ >= total_traces_) return false;
  Shape shape;
  DrawShape(&shape_rng_, &shape);
  W1Random* rng = &rng_;

  TraceContext ctx;
  for (int i = 0; i < 16; i += 8) {
    uint64_t v = rng->Next();
    for (int j = 0; j < 8; ++j) ctx.trace_id[i + j] = static_cast<uint8_t>(v >> (56 - 8 * j));
  }
  size_t service_index = rng->Uniform(W1Services().size());
  ctx.service = W1Services()[service_index];
  uint64_t user = rng->Uniform(1000);
  char user_buf[16];
  std::snprintf(user_buf, sizeof user_buf, "user-%04d", static_cast<int>(user + 1));
  ctx.user = user_buf;
  // Each user has 20 sessions; a session spans several traces.
  W1Random session_rng(user * 1000 + rng->Uniform(20));
  ctx.session = "sess_" + Hex64(session_rng.Next());
  static const std::string_view kRegions[] = {"us-east-1", "us-west-2", "eu-west-1",
                                              "ap-southeast-1"};
  ctx.region = kRegions[user % std::size(kRegions)];
  ctx.resource.attributes = {
      {"service.name", AnyValue::String(std::string(ctx.service))},
      {"service.version", AnyValue::String("1." + std::to_string(service_index + 2) + ".0")},
      {"service.instance.id",
       AnyValue::String(std::string(ctx.service) + "-" + std::to_string(rng->Uniform(8)))},
      {"deployment.environment.name", AnyValue::String("production")}};
  ctx.scope.name = "hoptrace.w1";
  ctx.scope.version = "1.0.0";

  // Start times: evenly spaced slots over 7 days, jittered within the slot, so traces come in
  // chronological order.
  double slot = static_cast<double>(kW1SpanNanos) / static_cast<double>(total_traces_);
  uint64_t trace_start =
      kW1StartUnixNano +
      static_cast<uint64_t>((static_cast<double>(traces_emitted_) + 0.05 + 0.9 * rng->Double()) *
                            slot);

  out->reserve(shape.spans());
  out->push_back(NewSpan(rng, ctx, SpanId{}, "invoke_agent orchestrator", SpanKind::kServer,
                         "agent", "orchestrator", trace_start));
  SpanId root_id = out->front().span_id;
  AddAttr(&out->front(), "gen_ai.agent.id", AnyValue::String("asst_orchestrator"));
  AddAttr(&out->front(), "app.turns", AnyValue::Int(shape.agents));

  uint64_t cursor = trace_start + static_cast<uint64_t>(rng->Range(5, 50)) * kMs;
  uint64_t trace_end = cursor;
  uint64_t previous_agent_start = cursor;
  for (int a = 0; a < shape.agents; ++a) {
    size_t agent_index = rng->Uniform(W1Agents().size());
    std::string_view agent = W1Agents()[agent_index];
    // 30% of agents run in parallel with the previous one (fan-out), the rest after it.
    uint64_t agent_start = (a > 0 && rng->Bernoulli(0.3))
                               ? previous_agent_start + rng->Range(1, 20) * kMs
                               : trace_end + rng->Range(2, 30) * kMs;
    previous_agent_start = agent_start;
    size_t agent_pos = out->size();
    out->push_back(NewSpan(rng, ctx, root_id, "invoke_agent " + std::string(agent),
                           SpanKind::kInternal, "agent", agent, agent_start));
    SpanId agent_id = (*out)[agent_pos].span_id;
    AddAttr(&(*out)[agent_pos], "gen_ai.agent.id",
            AnyValue::String("asst_" + std::string(agent) + "_" + std::to_string(service_index)));
    AddAttr(&(*out)[agent_pos], "app.turns", AnyValue::Int(shape.llm[a] + shape.tools[a]));

    const W1Model& agent_model = PickModel(rng);
    uint64_t t = agent_start + static_cast<uint64_t>(rng->Range(1, 10)) * kMs;
    // Children alternate: LLM, tool, LLM, tool, ... then the remaining LLM calls or tools.
    int llm_left = shape.llm[a], tools_left = shape.tools[a];
    bool next_llm = true;
    while (llm_left + tools_left > 0) {
      bool is_llm = tools_left == 0 || (llm_left > 0 && next_llm);
      next_llm = !is_llm;
      Span s;
      if (is_llm) {
        --llm_left;
        const W1Model& model = rng->Bernoulli(0.75) ? agent_model : PickModel(rng);
        s = NewSpan(rng, ctx, agent_id, "chat " + std::string(model.name), SpanKind::kClient, "llm",
                    agent, t);
        std::string user_message;
        text_->AppendText(rng, static_cast<size_t>(rng->Range(100, 800)), false, &user_message);
        int64_t prompt_bytes = static_cast<int64_t>(user_message.size());
        static constexpr double kTemperatures[] = {0.0, 0.2, 0.7, 1.0};
        AddAttr(&s, "gen_ai.request.temperature",
                AnyValue::Double(kTemperatures[rng->Uniform(std::size(kTemperatures))]));
        AddAttr(&s, "gen_ai.request.max_tokens", AnyValue::Int(4096));
        AddAttr(&s, "gen_ai.request.model", AnyValue::String(std::string(model.name)));
        AddAttr(&s, "gen_ai.provider.name", AnyValue::String(std::string(model.provider)));
        if (rng->Bernoulli(0.3)) {
          const std::string& system = text_->system_prompts[rng->Uniform(kSystemPrompts)];
          prompt_bytes += static_cast<int64_t>(system.size());
          AddAttr(&s, "gen_ai.prompt.system", AnyValue::String(system));
        }
        AddAttr(&s, "gen_ai.prompt.user", AnyValue::String(std::move(user_message)));
        int64_t input = prompt_bytes / 4 + rng->Range(100, 4000);
        int64_t output = std::clamp<int64_t>(std::llround(rng->LogNormal(250, 0.8)), 5, 4096);
        AddAttr(&s, "gen_ai.usage.input_tokens", AnyValue::Int(input));
        AddAttr(&s, "gen_ai.usage.output_tokens", AnyValue::Int(output));
        s.derived.model = std::string(model.name);
        s.derived.provider = std::string(model.provider);
        s.derived.input_tokens = input;
        s.derived.output_tokens = output;
        s.derived.total_tokens = input + output;
        s.derived.cost_usd = W1CostUsd(model.name, input, output);
        s.derived.usage_counted = true;
        double seconds = std::clamp(rng->LogNormal(1.2, 0.5), 0.05, 120.0);
        SetEnd(&s, t + static_cast<uint64_t>(seconds * 1e9));
      } else {
        --tools_left;
        std::string_view tool = PickTool(rng, agent_index);
        s = NewSpan(rng, ctx, agent_id, "execute_tool " + std::string(tool), SpanKind::kInternal,
                    "tool", agent, t);
        AddAttr(&s, "gen_ai.tool.name", AnyValue::String(std::string(tool)));
        AddAttr(&s, "gen_ai.tool.call.id", AnyValue::String("call_" + Hex64(rng->Next())));
        AddAttr(&s, "gen_ai.tool.type", AnyValue::String("function"));
        s.derived.tool = std::string(tool);
        double seconds = std::clamp(rng->LogNormal(0.080, 0.9), 0.001, 60.0);
        SetEnd(&s, t + static_cast<uint64_t>(seconds * 1e9));
      }
      t = s.end_unix_nano + static_cast<uint64_t>(rng->Range(200, 5000)) * 1000;
      out->push_back(std::move(s));
    }
    uint64_t agent_end = t + static_cast<uint64_t>(rng->Range(1, 5)) * kMs;
    SetEnd(&(*out)[agent_pos], agent_end);
    trace_end = std::max(trace_end, agent_end);
  }
  SetEnd(&out->front(), trace_end + static_cast<uint64_t>(rng->Range(2, 20)) * kMs);

  ++traces_emitted_;
  spans_emitted_ += out->size();
  return true;
}

}  // namespace hoptrace
