// Runaway cost: budgets per trace / agent / model, the baseline, and the climbing token rate.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analysis/analysis.h"
#include "analysis/internal.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

template <typename T>
T NearestRankP95(std::vector<T> v) {
  if (v.empty()) return T{};
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string Num(int64_t v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string s;
  if (v < 0) s.push_back('-');
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

std::string Ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", r);
  return buf;
}

// The counted spans with the most tokens among those matching `pred`, at most 10.
template <typename Pred>
std::vector<SpanId> TopSpans(const TraceIndex& t, Pred pred) {
  std::vector<int> idx;
  for (size_t i = 0; i < t.size(); ++i)
    if (CountedTokens(t.span(static_cast<int>(i))) > 0 && pred(t.span(static_cast<int>(i))))
      idx.push_back(static_cast<int>(i));
  std::stable_sort(idx.begin(), idx.end(), [&t](int a, int b) {
    return CountedTokens(t.span(a)) > CountedTokens(t.span(b));
  });
  if (idx.size() > 10) idx.resize(10);
  std::vector<SpanId> out;
  for (int i : idx) out.push_back(t.span(i).span_id);
  return out;
}

}  // namespace

TraceCost SummarizeCost(std::span<const Span> trace) {
  TraceIndex t(trace);
  TraceCost c;
  c.trace_id = t.trace_id();
  if (int root = t.MainRoot(); root >= 0) c.root_name = t.span(root).name;
  for (size_t i = 0; i < t.size(); ++i) {
    const Span& s = t.span(static_cast<int>(i));
    int64_t tokens = CountedTokens(s);
    double cost = CountedCost(s);
    if (tokens == 0 && cost == 0) continue;
    c.tokens += tokens;
    c.cost_usd += cost;
    c.agent_tokens[s.derived.agent] += tokens;
    c.agent_cost_usd[s.derived.agent] += cost;
    if (!s.derived.model.empty()) {
      c.model_tokens[s.derived.model] += tokens;
      c.model_cost_usd[s.derived.model] += cost;
    }
  }
  return c;
}

CostBaseline ComputeCostBaseline(std::span<const TraceCost> recent) {
  CostBaseline b;
  if (recent.empty()) return b;
  b.root_name = recent.front().root_name;
  b.trace_count = static_cast<int64_t>(recent.size());
  std::vector<int64_t> tokens;
  std::vector<double> cost;
  std::map<std::string, std::vector<int64_t>> agent_tokens;
  std::map<std::string, std::vector<double>> agent_cost;
  for (const TraceCost& c : recent) {
    tokens.push_back(c.tokens);
    cost.push_back(c.cost_usd);
  }
  // An agent absent from a trace spent 0 there.
  for (const TraceCost& c : recent)
    for (const auto& [agent, v] : c.agent_tokens)
      agent_tokens.emplace(agent, std::vector<int64_t>());
  for (auto& [agent, v] : agent_tokens) {
    std::vector<double>& vc = agent_cost[agent];
    for (const TraceCost& c : recent) {
      auto it = c.agent_tokens.find(agent);
      v.push_back(it == c.agent_tokens.end() ? 0 : it->second);
      auto ic = c.agent_cost_usd.find(agent);
      vc.push_back(ic == c.agent_cost_usd.end() ? 0 : ic->second);
    }
  }
  b.p95_tokens = NearestRankP95(std::move(tokens));
  b.p95_cost_usd = NearestRankP95(std::move(cost));
  for (auto& [agent, v] : agent_tokens) b.p95_agent_tokens[agent] = NearestRankP95(std::move(v));
  for (auto& [agent, v] : agent_cost) b.p95_agent_cost_usd[agent] = NearestRankP95(std::move(v));
  return b;
}

std::vector<Finding> EvaluateCost(std::span<const Span> trace, const CostBudgets& budgets,
                                  const CostBaseline* baseline, bool in_progress) {
  TraceIndex t(trace);
  std::vector<Finding> findings;
  if (t.empty()) return findings;
  const TraceCost c = SummarizeCost(trace);
  const bool use_baseline =
      baseline != nullptr && baseline->trace_count >= std::max(1, budgets.min_baseline_traces);

  // Over budget: one finding for (scope, name) when tokens or cost exceed the limit.
  auto check = [&](std::string_view scope, const std::string& name, int64_t tokens, double cost,
                   int64_t max_tokens, double max_cost, std::string basis,
                   std::vector<SpanId> spans) {
    const bool over_tokens = max_tokens > 0 && tokens > max_tokens;
    const bool over_cost = max_cost > 0 && cost > max_cost;
    if (!over_tokens && !over_cost) return;
    Finding f;
    f.kind = FindingKind::kRunawayCost;
    f.trace_id = t.trace_id();
    f.agent = scope == "agent" ? name : std::string();
    f.key =
        "runaway_cost:" + std::string(scope) + (name.empty() && scope == "trace" ? "" : ":" + name);
    if (scope == "trace") f.key = "runaway_cost:trace";
    f.span_ids = std::move(spans);
    double ratio = over_tokens ? static_cast<double>(tokens) / static_cast<double>(max_tokens)
                               : cost / max_cost;
    f.severity = ratio >= 3 ? Severity::kCritical : Severity::kWarning;
    if (over_tokens) {
      f.wasted_tokens = tokens - max_tokens;
      f.wasted_cost_usd =
          tokens > 0 ? cost * static_cast<double>(f.wasted_tokens) / static_cast<double>(tokens)
                     : 0;
    } else {
      f.wasted_cost_usd = cost - max_cost;
      f.wasted_tokens =
          cost > 0 ? static_cast<int64_t>(static_cast<double>(tokens) * f.wasted_cost_usd / cost)
                   : 0;
    }
    std::string who = scope == "trace" ? std::string("This trace")
                      : scope == "agent"
                          ? (name.empty() ? std::string("Spans without an agent") : "Agent " + name)
                          : "Model " + name;
    f.summary = who + " used " + Num(tokens) + " tokens (" + CostText(cost) + "), " + Ratio(ratio) +
                "x its budget of " +
                (over_tokens ? Num(max_tokens) + " tokens" : CostText(max_cost)) + " (" + basis +
                (in_progress ? "); the trace is still running." : ").");
    f.evidence = {{"scope", AnyValue::String(std::string(scope))},
                  {"name", AnyValue::String(name)},
                  {"tokens", AnyValue::Int(tokens)},
                  {"cost_usd", AnyValue::Double(cost)},
                  {"budget_tokens", AnyValue::Int(max_tokens)},
                  {"budget_cost_usd", AnyValue::Double(max_cost)},
                  {"ratio", AnyValue::Double(ratio)},
                  {"basis", AnyValue::String(std::move(basis))},
                  {"in_progress", AnyValue::Bool(in_progress)}};
    findings.push_back(std::move(f));
  };

  // Per trace.
  {
    Budget b = budgets.per_trace;
    std::string basis = "configured trace budget";
    if (b.max_tokens <= 0 && b.max_cost_usd <= 0 && use_baseline) {
      b.max_tokens = static_cast<int64_t>(budgets.baseline_multiplier *
                                          static_cast<double>(baseline->p95_tokens));
      b.max_cost_usd = budgets.baseline_multiplier * baseline->p95_cost_usd;
      basis = Ratio(budgets.baseline_multiplier) + "x the p95 of " +
              std::to_string(baseline->trace_count) + " recent '" + baseline->root_name +
              "' traces";
    }
    check("trace", "", c.tokens, c.cost_usd, b.max_tokens, b.max_cost_usd, basis,
          TopSpans(t, [](const Span&) { return true; }));
  }
  // Per agent.
  for (const auto& [agent, tokens] : c.agent_tokens) {
    const double cost = c.agent_cost_usd.at(agent);
    auto top = [&t, &agent = agent] {
      return TopSpans(t, [&agent](const Span& s) { return s.derived.agent == agent; });
    };
    if (auto it = budgets.per_agent.find(agent); it != budgets.per_agent.end()) {
      check("agent", agent, tokens, cost, it->second.max_tokens, it->second.max_cost_usd,
            "configured budget for agent " + agent, top());
      continue;
    }
    if (use_baseline) {
      auto bt = baseline->p95_agent_tokens.find(agent);
      auto bc = baseline->p95_agent_cost_usd.find(agent);
      if (bt != baseline->p95_agent_tokens.end() && bt->second > 0) {
        check(
            "agent", agent, tokens, cost,
            static_cast<int64_t>(budgets.baseline_multiplier * static_cast<double>(bt->second)),
            bc != baseline->p95_agent_cost_usd.end() ? budgets.baseline_multiplier * bc->second : 0,
            Ratio(budgets.baseline_multiplier) + "x the p95 of " + agent + " over " +
                std::to_string(baseline->trace_count) + " recent '" + baseline->root_name +
                "' traces",
            top());
        continue;
      }
    }
    // Without a baseline: an outlier among the trace's agents.
    if (budgets.agent_outlier_ratio > 0) {
      std::vector<int64_t> others;
      for (const auto& [other, v] : c.agent_tokens)
        if (other != agent && v > 0) others.push_back(v);
      if (others.size() < 2) continue;
      std::sort(others.begin(), others.end());
      const size_t n = others.size();
      const int64_t median = n % 2 ? others[n / 2] : (others[n / 2 - 1] + others[n / 2]) / 2;
      const int64_t limit =
          static_cast<int64_t>(budgets.agent_outlier_ratio * static_cast<double>(median));
      check("agent", agent, tokens, cost, limit, 0,
            Ratio(budgets.agent_outlier_ratio) + "x the median of the other " + std::to_string(n) +
                " agents in this trace, " + Num(median) + " tokens",
            top());
    }
  }
  // Per model.
  for (const auto& [model, b] : budgets.per_model) {
    auto it = c.model_tokens.find(model);
    if (it == c.model_tokens.end()) continue;
    check("model", model, it->second, c.model_cost_usd.at(model), b.max_tokens, b.max_cost_usd,
          "configured budget for model " + model,
          TopSpans(t, [&model = model](const Span& s) { return s.derived.model == model; }));
  }
  // Climbing rate while in progress: windows ending at the latest span end.
  if (in_progress && budgets.rate_window_ns > 0 && budgets.climbing_windows >= 2) {
    uint64_t last = 0;
    for (size_t i = 0; i < t.size(); ++i)
      last = std::max(last, t.span(static_cast<int>(i)).end_unix_nano);
    const int w = budgets.climbing_windows;
    const uint64_t width = static_cast<uint64_t>(budgets.rate_window_ns);
    std::vector<int64_t> window(static_cast<size_t>(w), 0);  // oldest first
    const uint64_t span_all = width * static_cast<uint64_t>(w);
    const uint64_t lo = last > span_all ? last - span_all : 0;
    uint64_t first_start = UINT64_MAX;
    for (size_t i = 0; i < t.size(); ++i) {
      const Span& s = t.span(static_cast<int>(i));
      first_start = std::min(first_start, s.start_unix_nano);
      int64_t tokens = CountedTokens(s);
      if (tokens == 0 || s.end_unix_nano <= lo || s.end_unix_nano > last) continue;
      // Tokens are attributed to the window where the call ended.
      size_t k = static_cast<size_t>((s.end_unix_nano - lo - 1) / width);
      window[std::min(k, window.size() - 1)] += tokens;
    }
    bool climbing = first_start <= lo;  // the trace covers every window
    for (int k = 1; k < w && climbing; ++k) climbing = window[k] > window[k - 1];
    if (climbing && window.back() >= budgets.min_climbing_tokens) {
      Finding f;
      f.kind = FindingKind::kRunawayCost;
      f.severity = Severity::kWarning;
      f.trace_id = t.trace_id();
      f.key = "runaway_cost:rate";
      f.span_ids = TopSpans(t, [lo](const Span& s) { return s.end_unix_nano > lo; });
      AnyValue rates = AnyValue::Array({});
      std::string text;
      for (int64_t v : window) {
        rates.array_value.push_back(AnyValue::Int(v));
        text += (text.empty() ? "" : " -> ") + Num(v);
      }
      f.summary = "The token rate of this running trace keeps climbing: " + text + " tokens per " +
                  DurationText(budgets.rate_window_ns) + " over the last " + std::to_string(w) +
                  " windows.";
      f.evidence = {{"window_ns", AnyValue::Int(budgets.rate_window_ns)},
                    {"tokens_per_window", std::move(rates)},
                    {"last_window_end_unix_nano", AnyValue::String(NanosText(last))},
                    {"in_progress", AnyValue::Bool(true)}};
      findings.push_back(std::move(f));
    }
  }
  return findings;
}

}  // namespace hoptrace::analysis
