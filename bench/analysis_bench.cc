// analysis_bench: the cost of automatic diagnosis (issue 6 point 8).
//   1. Diagnose (every per-trace detector + critical path), EvaluateCost and BuildAgentGraph on
//      synthetic 1k / 10k / 100k-span traces shaped like an agent fleet at work: agents with
//      chains of thought, fan-outs of four sub-agents with a straggler, stuck tool loops, files
//      written by one agent and read by another, a failing step. Target: 10k spans < 50 ms.
//   2. The aggregate agent graph over W1 (2,000,000 spans by default; generated before the
//      clock): AgentGraphBuilder::Add per trace, then Finish. Target: < 1 s.
//   3. The same graph as GET /api/v1/graph computes it, over W1 stored in an embedded store
//      (appended, flushed into blocks, closed and opened again: read from disk):
//      DiagnosisService::Graph (the narrow read, SpanStore::ReadTraceSpans) beside
//      DiagnosisService::GraphFromFullTraces (SearchTraces + GetTrace per trace, the path before
//      it), both with a limit covering every trace, in the same run; the two graphs are compared.
//      Target: < 1 s for 2M spans.
// Prints one line per figure and, with --json, a JSON object.
//
// Usage: analysis_bench [--w1-spans N] [--repeats N] [--json] [--store-dir DIR] [--no-store]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/analysis.h"
#include "server/analysis_params.h"
#include "server/diagnosis_service.h"
#include "storage/embedded/embedded_store.h"
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

// "" when the graphs hold the same nodes, edges and cycles (costs within 1e-9 relative: the two
// paths sum them in different orders), else the first difference.
std::string GraphDiff(const AgentGraph& a, const AgentGraph& b) {
  auto near = [](double x, double y) {
    return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
  };
  if (a.traces != b.traces || a.spans != b.spans) return "traces/spans";
  if (a.nodes.size() != b.nodes.size()) return "node count";
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const auto& x = a.nodes[i];
    const auto& y = b.nodes[i];
    if (std::tie(x.kind, x.name, x.invocations, x.spans, x.errors, x.input_tokens, x.output_tokens,
                 x.total_tokens, x.duration_ns, x.traces) !=
            std::tie(y.kind, y.name, y.invocations, y.spans, y.errors, y.input_tokens,
                     y.output_tokens, y.total_tokens, y.duration_ns, y.traces) ||
        !near(x.cost_usd, y.cost_usd)) {
      return "node " + x.name;
    }
  }
  if (a.edges.size() != b.edges.size()) return "edge count";
  for (size_t i = 0; i < a.edges.size(); ++i) {
    const auto& x = a.edges[i];
    const auto& y = b.edges[i];
    if (std::tie(x.from_kind, x.from, x.to_kind, x.to, x.kind, x.calls, x.errors, x.total_tokens,
                 x.duration_ns, x.in_cycle) != std::tie(y.from_kind, y.from, y.to_kind, y.to,
                                                        y.kind, y.calls, y.errors, y.total_tokens,
                                                        y.duration_ns, y.in_cycle) ||
        !near(x.cost_usd, y.cost_usd)) {
      return "edge " + x.from + " -> " + x.to;
    }
  }
  if (a.cycles.size() != b.cycles.size()) return "cycle count";
  return "";
}

// Case 3: W1 in an embedded store, GET /api/v1/graph's computation, narrow and full reads.
// Returns the JSON fragment, or "" when it failed (reported on stderr).
std::string StoreGraphCase(const std::vector<std::vector<Span>>& traces, std::string dir,
                           int repeats) {
  namespace fs = std::filesystem;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "analysis_bench.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::fprintf(stderr, "analysis_bench: mkdtemp failed\n");
      return "";
    }
    dir = tmpl;
  }
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) fs::remove_all(dir, ec);
    }
  } cleanup{dir, temporary};
  EmbeddedStoreOptions options;
  options.dir = dir;
  size_t total = 0;
  {
    auto store = EmbeddedStore::Open(options);
    if (!store.ok()) {
      std::fprintf(stderr, "analysis_bench: %s\n", store.status().ToString().c_str());
      return "";
    }
    // As store_bench appends W1: traces in order, batches of 1000 spans.
    std::vector<Span> batch;
    for (const auto& t : traces) {
      for (const Span& s : t) {
        batch.push_back(s);
        if (batch.size() == 1000) {
          total += batch.size();
          if (!(*store)->Append(std::move(batch)).ok()) return "";
          batch.clear();
        }
      }
    }
    total += batch.size();
    if (!batch.empty() && !(*store)->Append(std::move(batch)).ok()) return "";
    Status flushed = (*store)->Flush();
    if (!flushed.ok()) {
      std::fprintf(stderr, "analysis_bench: flush: %s\n", flushed.ToString().c_str());
      return "";
    }
  }
  auto store = EmbeddedStore::Open(options);  // the blocks, from disk
  if (!store.ok()) return "";
  const uint64_t blocks = (*store)->GetStats().blocks;
  DiagnosisService service(store->get());
  const size_t limit = kMaxGraphTraceLimit;  // /api/v1/graph's largest: every W1 trace
  auto run = [&](bool narrow, int n, AgentGraph* out) {
    std::vector<double> times;
    for (int r = 0; r < n; ++r) {
      double t0 = NowMs();
      auto g = narrow ? service.Graph(SpanFilter{}, limit, false)
                      : service.GraphFromFullTraces(SpanFilter{}, limit, false);
      times.push_back(NowMs() - t0);
      if (!g.ok()) {
        std::fprintf(stderr, "analysis_bench: graph: %s\n", g.status().ToString().c_str());
        return -1.0;
      }
      *out = std::move(*g);
    }
    return MedianOf(times);
  };
  AgentGraph full, narrow;
  const int full_runs = std::min(repeats, 3);
  const double full_ms = run(false, full_runs, &full);
  const double narrow_ms = run(true, repeats, &narrow);
  if (full_ms < 0 || narrow_ms < 0) return "";
  const std::string diff = GraphDiff(narrow, full);
  std::printf(
      "graph endpoint over W1 in an embedded store (%zu spans, %llu blocks, read from disk), "
      "limit %zu: narrow read (Graph) %.1f ms (median of %d) vs full read (GraphFromFullTraces) "
      "%.1f ms (median of %d): %.1fx; %lld traces, %zu nodes, %zu edges; graphs %s\n",
      total, static_cast<unsigned long long>(blocks), limit, narrow_ms, repeats, full_ms, full_runs,
      full_ms / narrow_ms, static_cast<long long>(narrow.traces), narrow.nodes.size(),
      narrow.edges.size(), diff.empty() ? "identical" : ("DIFFER: " + diff).c_str());
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                ",\"store_graph\":{\"spans\":%zu,\"traces\":%lld,\"blocks\":%llu,"
                "\"narrow_ms\":%.1f,\"full_ms\":%.1f,\"same\":%s}",
                total, static_cast<long long>(narrow.traces),
                static_cast<unsigned long long>(blocks), narrow_ms, full_ms,
                diff.empty() ? "true" : "false");
  return diff.empty() ? buf : "";
}

int Main(int argc, char** argv) {
  uint64_t w1_spans = 2'000'000;
  int repeats = 5;
  bool json = false;
  bool with_store = true;
  std::string store_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--w1-spans" && i + 1 < argc) {
      w1_spans = std::stoull(argv[++i]);
    } else if (a == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--json") {
      json = true;
    } else if (a == "--store-dir" && i + 1 < argc) {
      store_dir = argv[++i];
    } else if (a == "--no-store") {
      with_store = false;
    } else {
      std::fprintf(stderr,
                   "usage: analysis_bench [--w1-spans N] [--repeats N] [--json] [--store-dir DIR] "
                   "[--no-store]\n");
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
  std::snprintf(buf, sizeof(buf), "],\"w1_graph\":{\"spans\":%zu,\"traces\":%zu,\"ms\":%.1f}",
                total, traces.size(), MedianOf(times));
  out += buf;
  int rc = 0;
  if (with_store) {
    std::string store = StoreGraphCase(traces, store_dir, repeats);
    if (store.empty()) rc = 1;
    out += store;
  }
  out += "}";
  if (json) std::printf("%s\n", out.c_str());
  return rc;
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) { return hoptrace::bench::Main(argc, argv); }
