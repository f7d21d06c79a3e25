// The comb (a stuck agent) and the retry storm: runs of tool calls within one agent invocation.
//
// An invocation is a span with operation "agent" (or a root). Its steps are the tool, LLM,
// handoff and agent spans beneath it that are not nested in another step or in a nested
// invocation; spans without an operation (HTTP clients, file.read, ...) are transparent.
// A run is a maximal sequence of steps, in start order, made of tool calls of one agent and
// key, interleaved only with that agent's own LLM calls; anything else ends it.
//   comb:        key = (tool, NormalizeArguments(args)); >= min_repeats calls; the last call did
//                not succeed (a run ending in success is a retry that worked, not a comb).
//   retry_storm: key = tool; >= min_failed_retries failing calls; not already a comb.

#include <algorithm>
#include <set>

#include "analysis/analysis.h"
#include "analysis/internal.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

struct Step {
  int span;
  bool tool;
  bool llm;
};

// Steps of every invocation, each list in start order.
std::vector<std::vector<Step>> InvocationSteps(const TraceIndex& t) {
  const int n = static_cast<int>(t.size());
  std::vector<std::vector<Step>> out;
  struct Frame {
    int span;
    int invocation;  // index into out, or -1
    bool in_step;
  };
  std::vector<Frame> stack;
  for (auto it = t.roots().rbegin(); it != t.roots().rend(); ++it)
    stack.push_back({*it, -1, false});
  (void)n;
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    const Span& s = t.span(f.span);
    const std::string& op = s.derived.operation;
    int invocation = f.invocation;
    bool in_step = f.in_step;
    const bool is_agent = op == kOpAgent;
    if (!in_step && invocation >= 0 && !op.empty()) {
      out[invocation].push_back({f.span, op == kOpTool, op == kOpLlm});
    }
    if (is_agent || invocation < 0) {
      invocation = static_cast<int>(out.size());
      out.emplace_back();
      in_step = false;
    } else if (!op.empty()) {
      in_step = true;
    }
    auto kids = t.children(f.span);
    for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back({*k, invocation, in_step});
  }
  // Depth-first order is start order among siblings only; steps of one invocation may come
  // from different transparent wrappers.
  for (auto& steps : out) {
    std::stable_sort(steps.begin(), steps.end(), [&t](const Step& a, const Step& b) {
      return t.span(a.span).start_unix_nano < t.span(b.span).start_unix_nano;
    });
  }
  return out;
}

struct Run {
  std::vector<int> teeth;        // indices into steps
  std::vector<int> llm_between;  // indices into steps, LLM calls after the first tooth
};

bool Failed(const Span& s) { return s.status_code == StatusCodeValue::kError; }

}  // namespace

std::string ToolArguments(const Span& s) {
  for (std::string_view key : {"gen_ai.tool.call.arguments", "ai.toolCall.args", "tool.arguments",
                               "input.value", "traceloop.entity.input", "tool.input"}) {
    if (const AnyValue* v = FindAttribute(s.attributes, key)) {
      return v->type == AnyValue::Type::kString ? v->string_value : v->ToText();
    }
  }
  return {};
}

int64_t CountedTokens(const Span& s) {
  if (!s.derived.usage_counted) return 0;
  if (s.derived.total_tokens > 0) return s.derived.total_tokens;
  return s.derived.input_tokens + s.derived.output_tokens;
}
double CountedCost(const Span& s) { return s.derived.usage_counted ? s.derived.cost_usd : 0; }

std::vector<Finding> FindCombs(std::span<const Span> trace, const CombOptions& options) {
  TraceIndex t(trace);
  std::vector<Finding> findings;
  if (t.empty()) return findings;
  for (const std::vector<Step>& steps : InvocationSteps(t)) {
    // Keys per step (tool steps only).
    std::vector<std::string> args(steps.size());
    for (size_t i = 0; i < steps.size(); ++i)
      if (steps[i].tool) args[i] = NormalizeArguments(ToolArguments(t.span(steps[i].span)));

    // Runs by a key function. same(i, j): step j continues the run whose first tooth is i.
    auto runs = [&](auto same) {
      std::vector<Run> out;
      Run cur;
      auto close = [&] {
        if (!cur.teeth.empty()) out.push_back(std::move(cur));
        cur = Run();
      };
      for (size_t j = 0; j < steps.size(); ++j) {
        const Step& st = steps[j];
        const Span& s = t.span(st.span);
        if (!cur.teeth.empty()) {
          const Span& first = t.span(steps[cur.teeth.front()].span);
          if (st.llm && s.derived.agent == first.derived.agent) {
            cur.llm_between.push_back(static_cast<int>(j));
            continue;
          }
          if (st.tool && same(cur.teeth.front(), static_cast<int>(j))) {
            cur.teeth.push_back(static_cast<int>(j));
            continue;
          }
          close();
        }
        if (st.tool) cur.teeth.push_back(static_cast<int>(j));
      }
      close();
      return out;
    };
    auto same_tool = [&](int i, int j) {
      const Span& a = t.span(steps[i].span);
      const Span& b = t.span(steps[j].span);
      return a.derived.agent == b.derived.agent && a.derived.tool == b.derived.tool &&
             (a.derived.tool.empty() ? a.name == b.name : true);
    };
    std::set<int> comb_teeth;
    for (Run& run : runs([&](int i, int j) { return same_tool(i, j) && args[i] == args[j]; })) {
      if (static_cast<int>(run.teeth.size()) < std::max(2, options.min_repeats)) continue;
      const Span& first = t.span(steps[run.teeth.front()].span);
      const Span& last = t.span(steps[run.teeth.back()].span);
      if (!Failed(last)) continue;  // ended in success: a retry that worked
      int64_t wasted_tokens = 0;
      double wasted_cost = 0;
      int llm_calls = 0;
      for (int j : run.llm_between) {
        if (j > run.teeth.back()) break;
        const Span& s = t.span(steps[j].span);
        wasted_tokens += CountedTokens(s);
        wasted_cost += CountedCost(s);
        ++llm_calls;
      }
      int failed = 0;
      for (int j : run.teeth) {
        comb_teeth.insert(j);
        if (Failed(t.span(steps[j].span))) ++failed;
      }
      const std::string tool = first.derived.tool.empty() ? first.name : first.derived.tool;
      const std::string& agent = first.derived.agent;
      const int count = static_cast<int>(run.teeth.size());
      const int64_t spent =
          static_cast<int64_t>(last.end_unix_nano) - static_cast<int64_t>(first.start_unix_nano);
      Finding f;
      f.kind = FindingKind::kComb;
      f.severity = Severity::kWarning;
      f.trace_id = t.trace_id();
      f.agent = agent;
      for (int j : run.teeth) f.span_ids.push_back(t.span(steps[j].span).span_id);
      f.wasted_tokens = wasted_tokens;
      f.wasted_cost_usd = wasted_cost;
      f.key = "comb:" + SpanHex(first.span_id);
      f.summary = (agent.empty() ? std::string("an agent") : agent) + " called " + tool + " " +
                  std::to_string(count) + " times with the same arguments " + args[run.teeth[0]] +
                  (failed == count ? ", and every call failed"
                                   : ", " + std::to_string(failed) + " of them failing") +
                  (last.status_message.empty() ? "" : " (last: " + last.status_message + ")") +
                  "; " + std::to_string(llm_calls) + " LLM call" + (llm_calls == 1 ? "" : "s") +
                  " in between burned " + std::to_string(wasted_tokens) + " tokens (" +
                  CostText(wasted_cost) + ") over " + DurationText(spent) + ".";
      f.evidence = {
          {"agent", AnyValue::String(agent)},
          {"tool", AnyValue::String(tool)},
          {"arguments", AnyValue::String(args[run.teeth[0]])},
          {"count", AnyValue::Int(count)},
          {"failed", AnyValue::Int(failed)},
          {"first_span_id", AnyValue::String(SpanHex(first.span_id))},
          {"last_span_id", AnyValue::String(SpanHex(last.span_id))},
          {"time_spent_ns", AnyValue::Int(std::max<int64_t>(0, spent))},
          {"llm_calls_between", AnyValue::Int(llm_calls)},
          {"last_error", AnyValue::String(last.status_message)},
      };
      int parent = t.parent(t.Find(first.span_id));
      while (parent >= 0 && t.span(parent).derived.operation != kOpAgent) parent = t.parent(parent);
      if (parent >= 0) {
        f.evidence.push_back(
            {"invocation_span_id", AnyValue::String(SpanHex(t.span(parent).span_id))});
      }
      findings.push_back(std::move(f));
    }
    // Retry storms: same tool, failing again and again, not already a comb.
    for (Run& run : runs(same_tool)) {
      int failed = 0;
      bool overlaps_comb = false;
      std::set<std::string> distinct;
      for (int j : run.teeth) {
        if (Failed(t.span(steps[j].span))) ++failed;
        if (comb_teeth.count(j)) overlaps_comb = true;
        distinct.insert(args[j]);
      }
      if (overlaps_comb || failed < std::max(1, options.min_failed_retries)) continue;
      const Span& first = t.span(steps[run.teeth.front()].span);
      const Span& last = t.span(steps[run.teeth.back()].span);
      const std::string tool = first.derived.tool.empty() ? first.name : first.derived.tool;
      const std::string& agent = first.derived.agent;
      const int count = static_cast<int>(run.teeth.size());
      const bool recovered = !Failed(last);
      const int64_t spent =
          static_cast<int64_t>(last.end_unix_nano) - static_cast<int64_t>(first.start_unix_nano);
      Finding f;
      f.kind = FindingKind::kRetryStorm;
      f.severity = Severity::kInfo;
      f.trace_id = t.trace_id();
      f.agent = agent;
      for (int j : run.teeth) f.span_ids.push_back(t.span(steps[j].span).span_id);
      f.key = "retry_storm:" + SpanHex(first.span_id);
      f.summary = (agent.empty() ? std::string("an agent") : agent) + " retried " + tool + " " +
                  std::to_string(count) + " times with " + std::to_string(distinct.size()) +
                  " different argument" + (distinct.size() == 1 ? "" : "s") + "; " +
                  std::to_string(failed) + " calls failed" +
                  (recovered ? " before one succeeded" : " and none succeeded") + " (" +
                  DurationText(spent) + ").";
      AnyValue list = AnyValue::Array({});
      for (const std::string& a : distinct) list.array_value.push_back(AnyValue::String(a));
      f.evidence = {
          {"agent", AnyValue::String(agent)},
          {"tool", AnyValue::String(tool)},
          {"count", AnyValue::Int(count)},
          {"failed", AnyValue::Int(failed)},
          {"recovered", AnyValue::Bool(recovered)},
          {"arguments", std::move(list)},
          {"first_span_id", AnyValue::String(SpanHex(first.span_id))},
          {"last_span_id", AnyValue::String(SpanHex(last.span_id))},
          {"time_spent_ns", AnyValue::Int(std::max<int64_t>(0, spent))},
      };
      findings.push_back(std::move(f));
    }
  }
  std::stable_sort(findings.begin(), findings.end(), [&t](const Finding& a, const Finding& b) {
    return t.span(t.Find(a.span_ids[0])).start_unix_nano <
           t.span(t.Find(b.span_ids[0])).start_unix_nano;
  });
  return findings;
}

}  // namespace hoptrace::analysis
