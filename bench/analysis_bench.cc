// analysis_bench: the cost of automatic diagnosis (issue 6 point 8).
//   1. Diagnose (every per-trace detector + critical path), EvaluateCost and BuildAgentGraph on
//      synthetic 1k / 10k / 100k-span traces shaped like an agent fleet at work: agents with
//      chains of thought, fan-outs of four sub-agents with a straggler, stuck tool loops, files
//      written by one agent and read by another, a failing step. Target: 10k spans < 50 ms.
//   2. The aggregate agent graph over W1 (2,000,000 spans by default; generated before the
//      clock): AgentGraphBuilder::Add per trace, then Finish. Target: < 1 s.
// Prints one line per figure and, with --json, a JSON object.
//
// Usage: analysis_bench [--w1-spans N] [--repeats N] [--json]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "w1/w1_generator.h"

namespace hoptrace::bench {
namespace {

using analysis::AgentGraph;
using analysis::AgentGraphBuilder;
using analysis::Diagnosis;

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty()      ? 0
         : v.size() % 2 ? v[v.size() / 2]
                        : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// A synthetic agent trace of about `target` spans.
class Synth {
 public:
  std::vector<Span> Make(size_t target) {
    spans_.clear();
    spans_.reserve(target + 64);
    const uint64_t t0 = 1'800'000'000'000'000'000ULL;
    int root = Add(-1, "invoke_agent orchestrator", "orchestrator", "agent", t0, t0);
    uint64_t t = t0 + 1'000'000;
    int round = 0;
    while (spans_.size() < target) {
      // Chain of thought.
      for (int k = 0; k < 3; ++k) t = Llm(root, "orchestrator", t, 40);
      // Fan-out of four researchers; the third one straggles.
      uint64_t join = t;
      for (int n = 0; n < 4; ++n) {
        const uint64_t work = (n == 2 ? 1100 : 200 + 20 * n) * 1'000'000ULL;
        int h = Add(root, "handoff orchestrator -> researcher", "orchestrator", "handoff", t,
                    t + work + 4'000'000);
        Attr(h, "handoff.to_agent", "researcher");
        int c = Add(h, "POST /v1/invoke", "orchestrator", "", t + 1'000'000, t + work + 3'000'000);
        spans_[c].kind = SpanKind::kClient;
        int a = Add(c, "invoke_agent researcher", "researcher", "agent", t + 2'000'000,
                    t + work + 2'000'000);
        uint64_t u = Llm(a, "researcher", t + 2'000'000, 30);
        int tool =
            Add(a, "execute_tool web_search", "researcher", "tool", u, u + work - 100'000'000);
        spans_[tool].derived.tool = "web_search";
        Attr(tool, "gen_ai.tool.call.arguments", "{\"query\":\"topic " + std::to_string(n) + "\"}");
        u = Llm(a, "researcher", u + work - 100'000'000, 50);
        Write(a, "researcher", "notes/r" + std::to_string(round) + "-" + std::to_string(n) + ".md",
              u);
        join = std::max(join, t + work + 4'000'000);
      }
      t = join + 1'000'000;
      // A coder stuck in a tool loop, then writing a file.
      int coder = Add(root, "invoke_agent coder", "coder", "agent", t, t);
      uint64_t u = Llm(coder, "coder", t, 60);
      for (int k = 0; k < 6; ++k) {
        int rf = Add(coder, "execute_tool read_file", "coder", "tool", u, u + 2'000'000);
        spans_[rf].derived.tool = "read_file";
        Attr(rf, "gen_ai.tool.call.arguments", "{\"path\": \"src/missing.py\"}");
        Fail(rf, "FileNotFoundError");
        int fr = Add(rf, "file.read", "coder", "", u + 500'000, u + 1'500'000);
        Attr(fr, "file.path", "src/missing.py");
        Attr(fr, "file.operation", "read");
        Fail(fr, "FileNotFoundError");
        u = Llm(coder, "coder", u + 2'000'000, 35);
      }
      const std::string config = "config/c" + std::to_string(round) + ".json";
      u = Write(coder, "coder", config, u);
      spans_[coder].end_unix_nano = u + 1'000'000;
      t = u + 2'000'000;
      // A test run reading it.
      int test = Add(root, "execute_tool run_tests", "orchestrator", "tool", t, t + 120'000'000);
      spans_[test].derived.tool = "run_tests";
      Attr(test, "gen_ai.tool.call.arguments", "{\"config\":\"" + config + "\"}");
      int rd = Add(test, "file.read", "orchestrator", "", t + 100'000'000, t + 110'000'000);
      Attr(rd, "file.path", config);
      Attr(rd, "file.operation", "read");
      if (round % 7 == 3) Fail(test, "ConfigParseError");
      t += 121'000'000;
      ++round;
    }
    spans_[root].end_unix_nano = t + 1'000'000;
    Fail(root, "tests failed");
    return std::move(spans_);
  }

 private:
  int Add(int parent, std::string name, const char* agent, const char* op, uint64_t start,
          uint64_t end) {
    Span s;
    s.trace_id.fill(7);
    uint64_t id = spans_.size() + 1;
    std::memcpy(s.span_id.data(), &id, 8);
    if (parent >= 0) s.parent_span_id = spans_[parent].span_id;
    s.name = std::move(name);
    s.start_unix_nano = start;
    s.end_unix_nano = end;
    s.derived.agent = agent;
    s.derived.operation = op;
    spans_.push_back(std::move(s));
    return static_cast<int>(spans_.size()) - 1;
  }
  uint64_t Llm(int parent, const char* agent, uint64_t start, int ms) {
    uint64_t end = start + static_cast<uint64_t>(ms) * 1'000'000;
    int i = Add(parent, "chat gpt-4o", agent, "llm", start, end);
    spans_[i].derived.model = "gpt-4o";
    spans_[i].derived.input_tokens = 1200;
    spans_[i].derived.output_tokens = 200;
    spans_[i].derived.total_tokens = 1400;
    spans_[i].derived.cost_usd = 0.005;
    return end + 500'000;
  }
  uint64_t Write(int parent, const char* agent, const std::string& path, uint64_t t) {
    int w = Add(parent, "execute_tool write_file", agent, "tool", t, t + 3'000'000);
    spans_[w].derived.tool = "write_file";
    Attr(w, "gen_ai.tool.call.arguments", "{\"path\":\"" + path + "\"}");
    int f = Add(w, "file.write", agent, "", t + 1'000'000, t + 2'000'000);
    Attr(f, "file.path", path);
    Attr(f, "file.operation", "write");
    return t + 3'500'000;
  }
  void Attr(int i, const char* key, std::string value) {
    spans_[i].attributes.push_back({key, AnyValue::String(std::move(value))});
  }
  void Fail(int i, const char* message) {
    spans_[i].status_code = StatusCodeValue::kError;
    spans_[i].status_message = message;
  }
  std::vector<Span> spans_;
};

int Main(int argc, char** argv) {
  uint64_t w1_spans = 2'000'000;
  int repeats = 5;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--w1-spans" && i + 1 < argc) {
      w1_spans = std::stoull(argv[++i]);
    } else if (a == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: analysis_bench [--w1-spans N] [--repeats N] [--json]\n");
      return 2;
    }
  }
  std::string out = "{\"diagnose\":[";
  Synth synth;
  bool first = true;
  for (size_t size : {1'000u, 10'000u, 100'000u}) {
    std::vector<Span> trace = synth.Make(size);
    std::vector<double> diag, cost, graph;
    size_t findings = 0, path = 0;
    for (int r = 0; r < repeats; ++r) {
      double t0 = NowMs();
      Diagnosis d = analysis::Diagnose(trace);
      double t1 = NowMs();
      std::vector<analysis::Finding> c =
          analysis::EvaluateCost(trace, analysis::CostBudgets{}, nullptr, true);
      double t2 = NowMs();
      AgentGraph g = analysis::BuildAgentGraph(trace, {.include_tools = true});
      double t3 = NowMs();
      diag.push_back(t1 - t0);
      cost.push_back(t2 - t1);
      graph.push_back(t3 - t2);
      findings = d.findings.size();
      path = d.critical_path.size();
    }
    std::printf(
        "diagnose  %7zu spans: %8.2f ms (median of %d; %zu findings, critical path %zu spans); "
        "cost %.2f ms; graph %.2f ms\n",
        trace.size(), MedianOf(diag), repeats, findings, path, MedianOf(cost), MedianOf(graph));
    char buf[256];
    std::snprintf(
        buf, sizeof(buf),
        "%s{\"spans\":%zu,\"diagnose_ms\":%.3f,\"evaluate_cost_ms\":%.3f,\"graph_ms\":%.3f,"
        "\"findings\":%zu}",
        first ? "" : ",", trace.size(), MedianOf(diag), MedianOf(cost), MedianOf(graph), findings);
    out += buf;
    first = false;
  }
  // W1, generated before the clock.
  std::vector<std::vector<Span>> traces;
  {
    W1Options o;
    o.spans = w1_spans;
    W1Generator gen(o);
    std::vector<Span> t;
    while (gen.NextTrace(&t)) traces.push_back(std::move(t));
  }
  size_t total = 0;
  for (const auto& t : traces) total += t.size();
  std::vector<double> times;
  AgentGraph g;
  for (int r = 0; r < std::min(repeats, 3); ++r) {
    double t0 = NowMs();
    AgentGraphBuilder builder;
    for (const auto& t : traces) builder.Add(t);
    g = builder.Finish();
    times.push_back(NowMs() - t0);
  }
  std::printf(
      "aggregate graph over W1: %zu spans in %zu traces: %.1f ms (median of %zu; %zu nodes, %zu "
      "edges)\n",
      total, traces.size(), MedianOf(times), times.size(), g.nodes.size(), g.edges.size());
  char buf[256];
  std::snprintf(buf, sizeof(buf), "],\"w1_graph\":{\"spans\":%zu,\"traces\":%zu,\"ms\":%.1f}}",
                total, traces.size(), MedianOf(times));
  out += buf;
  if (json) std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) { return hoptrace::bench::Main(argc, argv); }
