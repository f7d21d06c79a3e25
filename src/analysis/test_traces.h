// Test-only: building traces by hand (derived fields set as the normaliser would), and a replica
// of the demo fleet's trace (demo/README.md, demo/agents.cc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "model/span.h"

namespace hoptrace::analysis::testing {

inline constexpr uint64_t kBase = 1'800'000'000'000'000'000ULL;
inline uint64_t Ms(double ms) { return kBase + static_cast<uint64_t>(ms * 1e6); }

class TraceBuilder {
 public:
  explicit TraceBuilder(uint8_t trace_byte = 1, uint8_t span_prefix = 0)
      : trace_byte_(trace_byte), span_prefix_(span_prefix) {}

  // A span under `parent` (-1: a root) from `start` to `end` ms after kBase.
  int Add(int parent, std::string name, std::string agent, std::string operation, double start,
          double end) {
    Span s;
    s.trace_id.fill(0);
    s.trace_id[0] = trace_byte_;
    s.trace_id[15] = 0x42;
    s.span_id = Id(static_cast<int>(spans.size()) + 1);
    if (parent >= 0) s.parent_span_id = spans[parent].span_id;
    s.name = std::move(name);
    s.kind = SpanKind::kInternal;
    s.start_unix_nano = Ms(start);
    s.end_unix_nano = Ms(end);
    s.derived.agent = std::move(agent);
    s.derived.service = "svc-" + s.derived.agent;
    s.derived.operation = std::move(operation);
    spans.push_back(std::move(s));
    return static_cast<int>(spans.size()) - 1;
  }
  int Agent(int parent, const std::string& agent, double start, double end) {
    int i = Add(parent, "invoke_agent " + agent, agent, "agent", start, end);
    spans[i].kind = SpanKind::kServer;
    return i;
  }
  int Llm(int parent, const std::string& agent, const std::string& model, double start, double end,
          int64_t in, int64_t out, double cost = 0) {
    int i = Add(parent, "chat " + model, agent, "llm", start, end);
    AgentFields& d = spans[i].derived;
    d.model = model;
    d.input_tokens = in;
    d.output_tokens = out;
    d.total_tokens = in + out;
    d.cost_usd = cost > 0 ? cost : static_cast<double>(in + out) * 1e-6;
    spans[i].kind = SpanKind::kClient;
    return i;
  }
  int Tool(int parent, const std::string& agent, const std::string& tool, const std::string& args,
           double start, double end, bool error = false, const std::string& result = "ok") {
    int i = Add(parent, "execute_tool " + tool, agent, "tool", start, end);
    spans[i].derived.tool = tool;
    spans[i].attributes.push_back({"gen_ai.tool.name", AnyValue::String(tool)});
    if (!args.empty())
      spans[i].attributes.push_back({"gen_ai.tool.call.arguments", AnyValue::String(args)});
    if (error) {
      Fail(i, tool + " failed");
    } else if (!result.empty()) {
      spans[i].attributes.push_back({"gen_ai.tool.call.result", AnyValue::String(result)});
    }
    return i;
  }
  int File(int parent, const std::string& agent, const std::string& op, const std::string& path,
           double start, double end, bool error = false) {
    int i = Add(parent, "file." + op, agent, "", start, end);
    spans[i].attributes.push_back({"file.path", AnyValue::String(path)});
    spans[i].attributes.push_back({"file.operation", AnyValue::String(op)});
    if (error) Fail(i, "FileNotFoundError: '" + path + "'");
    return i;
  }
  int Handoff(int parent, const std::string& from, const std::string& to, double start,
              double end) {
    int i = Add(parent, "handoff " + from + " -> " + to, from, "handoff", start, end);
    spans[i].attributes.push_back({"handoff.from_agent", AnyValue::String(from)});
    spans[i].attributes.push_back({"handoff.to_agent", AnyValue::String(to)});
    return i;
  }
  int Client(int parent, const std::string& agent, double start, double end) {
    int i = Add(parent, "POST /v1/invoke", agent, "", start, end);
    spans[i].kind = SpanKind::kClient;
    spans[i].attributes.push_back(
        {"url.full", AnyValue::String("http://127.0.0.1:4100/v1/invoke")});
    return i;
  }
  void Fail(int i, const std::string& message) {
    spans[i].status_code = StatusCodeValue::kError;
    spans[i].status_message = message;
  }
  SpanId Id(int n) const {
    SpanId id{};
    id[0] = span_prefix_;
    id[1] = trace_byte_;
    id[6] = static_cast<uint8_t>(n >> 8);
    id[7] = static_cast<uint8_t>(n);
    return id;
  }

  std::vector<Span> spans;

 private:
  uint8_t trace_byte_;
  uint8_t span_prefix_;
};

// The span indices of interest in the demo replica.
struct DemoTrace {
  std::vector<Span> spans;           // the orchestrator's trace (77 spans when whole)
  std::vector<Span> reviewer_spans;  // with break_propagation: the reviewer's own trace (8)
  int root = -1;
  int straggler_handoff = -1;  // handoff #3
  std::vector<int> research_handoffs;
  std::vector<int> comb_reads;  // the 6 read_file tool spans
  std::vector<int> comb_chats;  // retry-1..6
  int config_write = -1;        // the coder's file.write of config/rate_limits.json
  int run_tests = -1;
  int run_tests_read = -1;
  int reviewer_root = -1;          // index in spans, or in reviewer_spans when broken
  int reviewer_client = -1;        // the POST /v1/invoke to the reviewer
  int64_t comb_wasted_tokens = 0;  // retry-1..5
};

// A hand-built replica of one demo run (demo/README.md "The trace of one run"): timings follow
// the scripted latencies; tokens are the scripted ones.
inline DemoTrace MakeDemoTrace(bool break_propagation = false) {
  DemoTrace d;
  TraceBuilder b(1);
  TraceBuilder rb(2, 0x77);  // the reviewer's own trace when propagation breaks
  const std::string o = "orchestrator";
  // Orchestrator: 20 spans.
  double t = 0;
  int root = b.Agent(-1, o, 0, 0);  // end set below
  d.root = root;
  b.Llm(root, o, "gpt-4o", 1, 61, 1200, 220);
  b.Llm(root, o, "gpt-4o", 62, 132, 1480, 340);
  b.Llm(root, o, "gpt-4o", 133, 183, 1650, 280);
  // Fan-out of four researchers at 184 ms.
  const int search_ms[4] = {180, 220, 1150, 260};
  const int64_t tokens[4][4] = {
      {700, 48, 2100, 300}, {740, 52, 2250, 310}, {780, 55, 2400, 330}, {820, 50, 2550, 290}};
  double join = 0;
  for (int n = 0; n < 4; ++n) {
    const double s0 = 184 + n * 0.2;
    const double work = 30 + search_ms[n] + 50 + 5;
    const double e0 = s0 + 3 + work + 3;
    int h = b.Handoff(root, o, "researcher", s0, e0);
    int c = b.Client(h, o, s0 + 0.5, e0 - 0.5);
    int r = b.Agent(c, "researcher", s0 + 1, e0 - 1);
    double u = s0 + 1;
    b.Llm(r, "researcher", "gpt-4o-mini", u, u + 30, tokens[n][0], tokens[n][1]);
    u += 30;
    b.Tool(r, "researcher", "web_search",
           "{\"query\":\"q" + std::to_string(n) + "\",\"max_results\":5}", u, u + search_ms[n],
           false, "5 results");
    u += search_ms[n];
    b.Llm(r, "researcher", "gpt-4o-mini", u, u + 50, tokens[n][2], tokens[n][3]);
    u += 50;
    const std::string notes = "notes/research-" + std::to_string(n + 1) + ".md";
    int w = b.Tool(r, "researcher", "write_file", "{\"path\":\"" + notes + "\"}", u, u + 4, false,
                   "wrote 120 bytes");
    b.File(w, "researcher", "write", notes, u + 1, u + 3);
    d.research_handoffs.push_back(h);
    if (n == 2) d.straggler_handoff = h;
    join = std::max(join, e0);
  }
  t = join + 1;
  b.Llm(root, o, "gpt-4o", t, t + 80, 4200, 520);
  t += 81;
  // Coder: 25 spans.
  {
    const double s0 = t;
    int h = b.Handoff(root, o, "coder", s0, 0);
    int c = b.Client(h, o, s0 + 0.5, 0);
    int r = b.Agent(c, "coder", s0 + 1, 0);
    double u = s0 + 1;
    b.Llm(r, "coder", "claude-sonnet-4", u, u + 60, 1300, 210);
    u += 60;
    const int64_t retry_in[6] = {1500, 1620, 1740, 1860, 1980, 2100};
    for (int k = 0; k < 6; ++k) {
      int rf =
          b.Tool(r, "coder", "read_file", "{\"path\":\"src/gateway/limits.py\"}", u, u + 2, true);
      b.File(rf, "coder", "read", "src/gateway/limits.py", u + 0.5, u + 1.5, true);
      d.comb_reads.push_back(rf);
      u += 2;
      int ch = b.Llm(r, "coder", "claude-sonnet-4", u, u + 35, retry_in[k], 45);
      d.comb_chats.push_back(ch);
      if (k < 5) d.comb_wasted_tokens += retry_in[k] + 45;
      u += 35;
    }
    b.Llm(r, "coder", "claude-sonnet-4", u, u + 90, 2600, 1250);
    u += 90;
    int w1 = b.Tool(r, "coder", "write_file", "{\"path\":\"src/gateway/rate_limiter.py\"}", u,
                    u + 3, false, "wrote 700 bytes");
    b.File(w1, "coder", "write", "src/gateway/rate_limiter.py", u + 1, u + 2);
    u += 3;
    int w2 = b.Tool(r, "coder", "write_file", "{\"path\":\"config/rate_limits.json\"}", u, u + 3,
                    false, "wrote 180 bytes");
    d.config_write = b.File(w2, "coder", "write", "config/rate_limits.json", u + 1, u + 2);
    u += 3;
    b.spans[r].end_unix_nano = Ms(u + 1);
    b.spans[c].end_unix_nano = Ms(u + 1.5);
    b.spans[h].end_unix_nano = Ms(u + 2);
    t = u + 3;
  }
  // Reviewer: 8 spans, in this trace or (break_propagation) its own.
  {
    const double s0 = t;
    int h = b.Handoff(root, o, "reviewer", s0, 0);
    int c = b.Client(h, o, s0 + 0.5, 0);
    d.reviewer_client = c;
    TraceBuilder& rv = break_propagation ? rb : b;
    int r = rv.Agent(break_propagation ? -1 : c, "reviewer", s0 + 1, 0);
    d.reviewer_root = r;
    double u = s0 + 1;
    for (const std::string path : {"src/gateway/rate_limiter.py", "config/rate_limits.json"}) {
      int rf = rv.Tool(r, "reviewer", "read_file", "{\"path\":\"" + path + "\"}", u, u + 2, false,
                       "file contents");
      rv.File(rf, "reviewer", "read", path, u + 0.5, u + 1.5);
      u += 2;
    }
    const int64_t chats[3][3] = {{58000, 2400, 200}, {61500, 3100, 220}, {64800, 1200, 150}};
    for (const auto& ch : chats) {
      rv.Llm(r, "reviewer", "claude-opus-4-1", u, u + static_cast<double>(ch[2]), ch[0], ch[1]);
      u += static_cast<double>(ch[2]);
    }
    rv.spans[r].end_unix_nano = Ms(u + 1);
    b.spans[c].end_unix_nano = Ms(u + 1.5);
    b.spans[h].end_unix_nano = Ms(u + 2);
    t = u + 3;
  }
  // The failing test run, then the report.
  d.run_tests =
      b.Tool(root, o, "run_tests",
             "{\"suite\":\"tests/test_rate_limiter.py\",\"config\":\"config/rate_limits.json\"}", t,
             t + 125, true);
  b.Fail(d.run_tests, "ConfigParseError: config/rate_limits.json: line 6, column 3");
  d.run_tests_read = b.File(d.run_tests, o, "read", "config/rate_limits.json", t + 121, t + 123);
  t += 126;
  b.Llm(root, o, "gpt-4o-mini", t, t + 40, 900, 150);
  t += 41;
  b.spans[root].end_unix_nano = Ms(t);
  b.Fail(root, "tests failed: ConfigParseError: config/rate_limits.json: line 6, column 3");
  d.spans = std::move(b.spans);
  d.reviewer_spans = std::move(rb.spans);
  return d;
}

}  // namespace hoptrace::analysis::testing
