// W1, the agent-trace workload of BENCHMARKS.md: a seeded, deterministic generator of agent
// traces (same options -> the same spans, on every platform: the generator uses its own PRNG and
// its own sampling, never std::*_distribution).
//
// Each trace is one agent task: a root `invoke_agent orchestrator` span, 3-12 child agent spans
// (`invoke_agent <a>`), each with 2-8 LLM spans (`chat <model>`) and 0-6 tool spans
// (`execute_tool <tool>`); about 41 spans per trace on average. Traces are emitted in
// chronological order of their start time, spread over the 7 days that end at kW1EndUnixNano.
// Spans of a trace are emitted depth first (a parent before its children).
//
// Every span carries the OTel GenAI attributes plus 6 more, resource attributes and scope
// "hoptrace.w1", and `derived` filled as the normaliser would (DESIGN.md §4).
//
// Thread-safety: a W1Generator is not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace hoptrace {

// The 7 days of W1 end here: 2026-11-24T00:00:00Z. A constant, never the wall clock.
inline constexpr uint64_t kW1EndUnixNano = 1'795'478'400ULL * 1'000'000'000ULL;
inline constexpr uint64_t kW1SpanNanos = 7ULL * 24 * 3600 * 1'000'000'000ULL;
inline constexpr uint64_t kW1StartUnixNano = kW1EndUnixNano - kW1SpanNanos;

struct W1Options {
  // Traces are generated until at least this many spans were emitted (the last trace is whole,
  // so slightly more spans may be emitted).
  uint64_t spans = 2'000'000;
  uint64_t seed = 42;
};

// The fixed catalogues of W1, exposed for benchmarks and tests.
struct W1Model {
  std::string_view name;
  std::string_view provider;
  double usd_per_million_input;
  double usd_per_million_output;
};
const std::vector<W1Model>& W1Models();             // 8 models
const std::vector<std::string_view>& W1Agents();    // the 5 child agents (not "orchestrator")
const std::vector<std::string_view>& W1Tools();     // 12 tools
const std::vector<std::string_view>& W1Services();  // 5 services
// Cost of a call to `model` at the W1 price table; 0 for an unknown model.
double W1CostUsd(std::string_view model, int64_t input_tokens, int64_t output_tokens);

// SplitMix64: small, fast, and the same on every platform.
class W1Random {
 public:
  explicit W1Random(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n);
  // Uniform in [lo, hi], inclusive.
  int64_t Range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Uniform(hi - lo + 1)); }
  // Uniform in [0, 1).
  double Double();
  bool Bernoulli(double p) { return Double() < p; }
  // Standard normal (Box-Muller).
  double Normal();
  // Log-normal with the given median and sigma of the underlying normal.
  double LogNormal(double median, double sigma);

 private:
  uint64_t state_;
};

class W1Generator {
 public:
  explicit W1Generator(W1Options options);
  ~W1Generator();
  W1Generator(const W1Generator&) = delete;
  W1Generator& operator=(const W1Generator&) = delete;

  // Replaces *out with the spans of the next trace. Returns false (and leaves *out empty) when
  // all traces were emitted.
  bool NextTrace(std::vector<Span>* out);

  uint64_t spans_emitted() const { return spans_emitted_; }
  uint64_t traces_emitted() const { return traces_emitted_; }
  // Number of traces the whole run emits (known up front).
  uint64_t total_traces() const { return total_traces_; }

 private:
  struct Shape;
  struct Text;
  // Draws the shape (agent count, children per agent) of the next trace from `rng`.
  static void DrawShape(W1Random* rng, Shape* shape);

  W1Options options_;
  std::unique_ptr<Text> text_;
  W1Random shape_rng_;
  W1Random rng_;
  uint64_t total_traces_ = 0;
  uint64_t traces_emitted_ = 0;
  uint64_t spans_emitted_ = 0;
};

}  // namespace hoptrace
