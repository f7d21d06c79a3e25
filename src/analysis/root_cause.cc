// The multi-hop root cause.
//
// Symptoms: the top-most error spans of the trace (no ancestor in error) that were not handled
// -- an error is handled when its parent is not in error and went on to start other children
// after it ended (the agent recovered and carried on). A failing root is always a symptom.
//
// From a symptom S the walk first descends through error children (the one ending last) to the
// deepest error D, then goes back along causal edges, breadth first:
//   - earlier siblings of each span on S..D: an error, or a tool whose result was an error or
//     empty, is an anomaly (handled errors and bad results feed what comes after);
//   - data flow through files: a path read in the subtree of D, or by D's agent earlier in its
//     invocation (a `file.path` span, or a tool argument naming a path), was last written
//     before the read by a writer W; W is an anomaly
//     when it was written by another agent than the reader, or failed; the walk continues from
//     W through the files W's own agent invocation had read before writing;
//   - span links from the subtree to spans of the trace.
// Candidates are ranked by strength (file written by one agent and read by another > error >
// bad tool result), then earliest first. Without any, D itself is the cause.

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "analysis/analysis.h"
#include "analysis/internal.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

struct Access {
  int span;
  std::string path;
  bool write;
  bool explicit_path;  // a file.path span (else a path named in tool arguments)
};

bool Contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

bool WriteVerb(std::string_view s) {
  for (std::string_view w : {"write", "save", "create", "edit", "put", "append", "patch", "store"})
    if (Contains(s, w)) return true;
  return false;
}

bool LooksLikePath(std::string_view v) {
  if (v.empty() || v.size() > 512) return false;
  for (char c : v)
    if (c == ' ' || c == '\n' || c == '\t' || c == '"') return false;
  if (v.find("://") != std::string_view::npos) return false;
  if (v.find('/') != std::string_view::npos) return true;
  size_t dot = v.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < v.size() && v.size() - dot <= 6;
}

// Quoted string values (not keys) of a JSON text, unescaped only trivially.
std::vector<std::string> JsonStringValues(std::string_view json) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < json.size()) {
    if (json[i] != '"') {
      ++i;
      continue;
    }
    std::string s;
    size_t j = i + 1;
    for (; j < json.size() && json[j] != '"'; ++j) {
      if (json[j] == '\\' && j + 1 < json.size()) ++j;
      s.push_back(json[j]);
    }
    size_t k = j + 1;
    while (k < json.size() && (json[k] == ' ' || json[k] == '\n' || json[k] == '\t')) ++k;
    if (k >= json.size() || json[k] != ':') out.push_back(std::move(s));
    i = k;
  }
  return out;
}

std::vector<Access> FileAccesses(const TraceIndex& t) {
  std::vector<Access> out;
  for (int i : t.by_start()) {
    const Span& s = t.span(i);
    std::string path = AttrText(s, "file.path");
    if (!path.empty()) {
      std::string op = AttrText(s, "file.operation");
      if (op.empty()) op = s.name;
      out.push_back({i, std::move(path), WriteVerb(op), true});
      continue;
    }
    if (s.derived.operation != kOpTool) continue;
    std::string args = ToolArguments(s);
    if (args.empty()) continue;
    const bool write = WriteVerb(s.derived.tool.empty() ? s.name : s.derived.tool);
    std::set<std::string> seen;
    for (std::string& v : JsonStringValues(args)) {
      if (LooksLikePath(v) && seen.insert(v).second) out.push_back({i, std::move(v), write, false});
    }
  }
  return out;
}

bool BadToolResult(const Span& s) {
  if (s.derived.operation != kOpTool) return false;
  const AnyValue* v = FindAttribute(s.attributes, "gen_ai.tool.call.result");
  if (v == nullptr) v = FindAttribute(s.attributes, "output.value");
  if (v == nullptr) return false;
  std::string text = v->type == AnyValue::Type::kString ? v->string_value : v->ToText();
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return true;  // empty
  std::string_view t = std::string_view(text).substr(b);
  for (std::string_view p :
       {"error", "Error", "ERROR", "Traceback", "Exception", "null", "[]", "{}"})
    if (t.substr(0, p.size()) == p && (p.size() > 2 || t.size() == p.size())) return true;
  return false;
}

enum Strength { kNone = 0, kBadResult = 1, kError = 2, kCrossAgentFile = 3 };

std::string_view StrengthName(int s) {
  switch (s) {
    case kCrossAgentFile:
      return "file_written_by_another_agent";
    case kError:
      return "error";
    case kBadResult:
      return "bad_tool_result";
  }
  return "none";
}

struct Node {
  int span;
  int prev;  // index into nodes, -1 for the symptom
  std::string relation;
  std::string detail;
  int strength = kNone;
  int depth = 0;
};

class Walker {
 public:
  Walker(const TraceIndex& t, const RootCauseOptions& o) : t_(t), o_(o) {
    const int n = static_cast<int>(t.size());
    tin_.assign(n, 0);
    tout_.assign(n, 0);
    int clock = 0;
    std::vector<std::pair<int, bool>> stack;
    for (auto it = t.roots().rbegin(); it != t.roots().rend(); ++it) stack.push_back({*it, false});
    while (!stack.empty()) {
      auto [s, done] = stack.back();
      stack.pop_back();
      if (done) {
        tout_[s] = clock;
        continue;
      }
      tin_[s] = clock++;
      by_tin_.push_back(s);
      stack.push_back({s, true});
      auto kids = t.children(s);
      for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back({*k, false});
    }
    accesses_ = FileAccesses(t);
    for (size_t a = 0; a < accesses_.size(); ++a)
      if (accesses_[a].write) writes_[accesses_[a].path].push_back(static_cast<int>(a));
  }

  bool InSubtree(int root, int i) const { return tin_[i] >= tin_[root] && tin_[i] < tout_[root]; }

  int Invocation(int i) const {
    int j = t_.parent(i);
    while (j >= 0 && t_.span(j).derived.operation != kOpAgent && t_.parent(j) >= 0)
      j = t_.parent(j);
    return j;
  }

  // The latest write of `path` starting before `before`, outside `exclude`'s subtree.
  int LatestWriter(const std::string& path, uint64_t before, int exclude) const {
    auto it = writes_.find(path);
    if (it == writes_.end()) return -1;
    int best = -1;
    for (int a : it->second) {
      int w = accesses_[a].span;
      if (exclude >= 0 && InSubtree(exclude, w)) continue;
      if (t_.span(w).start_unix_nano >= before) continue;
      if (best < 0 || t_.span(w).start_unix_nano >= t_.span(best).start_unix_nano) best = w;
    }
    return best;
  }

  Finding Run(int symptom) {
    nodes_.clear();
    visited_.clear();
    // Descent through error children.
    nodes_.push_back({symptom, -1, "symptom", t_.span(symptom).status_message});
    visited_.insert(symptom);
    int cur = symptom;
    while (true) {
      int next = -1;
      for (int c : t_.children(cur)) {
        if (!t_.IsError(c)) continue;
        if (next < 0 || t_.span(c).end_unix_nano >= t_.span(next).end_unix_nano) next = c;
      }
      if (next < 0 || static_cast<int>(nodes_.size()) > o_.max_hops) break;
      nodes_.push_back(
          {next, static_cast<int>(nodes_.size()) - 1, "child", t_.span(next).status_message});
      visited_.insert(next);
      cur = next;
    }
    const int deepest_node = static_cast<int>(nodes_.size()) - 1;
    std::deque<int> queue;
    std::vector<int> candidates;
    // Earlier siblings of the descent chain, deepest first.
    for (int k = deepest_node; k >= 0; --k) {
      int x = nodes_[k].span;
      int p = t_.parent(x);
      if (p < 0) continue;
      for (int sib : t_.children(p)) {
        if (sib == x || visited_.count(sib)) continue;
        if (t_.span(sib).end_unix_nano > t_.span(x).start_unix_nano) continue;
        int strength = t_.IsError(sib) ? kError : BadToolResult(t_.span(sib)) ? kBadResult : kNone;
        if (strength == kNone) continue;
        visited_.insert(sib);
        nodes_.push_back(
            {sib, k, "earlier_sibling",
             strength == kError ? t_.span(sib).status_message : "tool result was an error or empty",
             strength, nodes_[k].depth + 1});
        candidates.push_back(static_cast<int>(nodes_.size()) - 1);
      }
    }
    // Data flow and links, breadth first from D.
    nodes_[deepest_node].depth = 0;
    queue.push_back(deepest_node);
    const size_t kMaxNodes = 256;
    while (!queue.empty() && nodes_.size() < kMaxNodes) {
      int ni = queue.front();
      queue.pop_front();
      const int x = nodes_[ni].span;
      if (nodes_[ni].depth >= o_.max_hops) continue;
      const bool is_writer = nodes_[ni].relation == "written_by";
      // Reads feeding x: in its subtree; for a writer, what its invocation read before it.
      int scope = x;
      uint64_t before = UINT64_MAX;
      if (is_writer) {
        scope = Invocation(x);
        before = t_.span(x).start_unix_nano;
      }
      // For the deepest error also what its own agent read earlier in the same invocation (a
      // read_file step that succeeded, then a later step failed on what it read).
      const int earlier_scope = ni == deepest_node ? Invocation(x) : -1;
      const uint64_t earlier_before = t_.span(x).start_unix_nano;
      auto feeds = [&](const Access& a) {
        if (scope >= 0 && InSubtree(scope, a.span) && t_.span(a.span).start_unix_nano < before)
          return true;
        return earlier_scope >= 0 && earlier_scope != x && InSubtree(earlier_scope, a.span) &&
               t_.span(a.span).derived.agent == t_.span(x).derived.agent &&
               t_.span(a.span).end_unix_nano <= earlier_before;
      };
      // path -> (reading access): explicit file.path spans preferred, then the earliest.
      std::map<std::string, const Access*> first_read;
      for (const Access& a : accesses_) {
        if (a.write || !feeds(a)) continue;
        auto [it, fresh] = first_read.emplace(a.path, &a);
        const Access& o = *it->second;
        if (!fresh && (a.explicit_path > o.explicit_path ||
                       (a.explicit_path == o.explicit_path &&
                        t_.span(a.span).start_unix_nano < t_.span(o.span).start_unix_nano)))
          it->second = &a;
      }
      for (const auto& [path, access] : first_read) {
        const int reader = access->span;
        int w = LatestWriter(path, t_.span(reader).start_unix_nano, scope);
        if (w < 0 || visited_.count(w)) continue;
        visited_.insert(w);
        const std::string& reader_agent = t_.span(reader).derived.agent;
        const std::string& writer_agent = t_.span(w).derived.agent;
        int strength = t_.IsError(w)                  ? kError
                       : writer_agent != reader_agent ? kCrossAgentFile
                                                      : kNone;
        int parent_node = ni;
        if (reader != x) {
          nodes_.push_back({reader, ni, "reads", path, kNone, nodes_[ni].depth + 1});
          parent_node = static_cast<int>(nodes_.size()) - 1;
        }
        nodes_.push_back({w, parent_node, "written_by",
                          path + " written by " + (writer_agent.empty() ? "?" : writer_agent),
                          strength, nodes_[parent_node].depth + 1});
        int wi = static_cast<int>(nodes_.size()) - 1;
        file_paths_[wi] = path;
        if (strength != kNone) candidates.push_back(wi);
        queue.push_back(wi);
      }
      // Links from the subtree.
      if (!is_writer) {
        for (int pos = tin_[x]; pos < tout_[x]; ++pos) {
          const int i = by_tin_[pos];
          for (const SpanLink& l : t_.span(i).links) {
            if (l.trace_id != t_.trace_id()) continue;
            int target = t_.Find(l.span_id);
            if (target < 0 || visited_.count(target)) continue;
            visited_.insert(target);
            int strength = t_.IsError(target)               ? kError
                           : BadToolResult(t_.span(target)) ? kBadResult
                                                            : kNone;
            nodes_.push_back(
                {target, ni, "link", t_.span(target).name, strength, nodes_[ni].depth + 1});
            if (strength != kNone) candidates.push_back(static_cast<int>(nodes_.size()) - 1);
            queue.push_back(static_cast<int>(nodes_.size()) - 1);
          }
        }
      }
    }
    // Rank.
    std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
      if (nodes_[a].strength != nodes_[b].strength) return nodes_[a].strength > nodes_[b].strength;
      return t_.span(nodes_[a].span).start_unix_nano < t_.span(nodes_[b].span).start_unix_nano;
    });
    if (static_cast<int>(candidates.size()) > std::max(1, o_.max_candidates))
      candidates.resize(std::max(1, o_.max_candidates));
    const bool own = candidates.empty();
    const int best = own ? deepest_node : candidates.front();
    return MakeFinding(symptom, best, own, candidates);
  }

 private:
  std::vector<int> Chain(int node) const {
    std::vector<int> chain;
    for (int k = node; k >= 0; k = nodes_[k].prev) chain.push_back(k);
    std::reverse(chain.begin(), chain.end());
    return chain;
  }

  Finding MakeFinding(int symptom, int best, bool own, const std::vector<int>& candidates) {
    const Span& s = t_.span(symptom);
    const Span& c = t_.span(nodes_[best].span);
    Finding f;
    f.kind = FindingKind::kRootCause;
    f.severity = t_.parent(symptom) < 0 ? Severity::kCritical : Severity::kWarning;
    f.trace_id = t_.trace_id();
    f.agent = c.derived.agent;
    f.key = "root_cause:" + SpanHex(s.span_id);
    AnyValue hops = AnyValue::Array({});
    for (int k : Chain(best)) {
      const Node& nd = nodes_[k];
      const Span& sp = t_.span(nd.span);
      f.span_ids.push_back(sp.span_id);
      hops.array_value.push_back(AnyValue::KvList({
          {"span_id", AnyValue::String(SpanHex(sp.span_id))},
          {"name", AnyValue::String(sp.name)},
          {"agent", AnyValue::String(sp.derived.agent)},
          {"relation", AnyValue::String(nd.relation)},
          {"detail", AnyValue::String(nd.detail)},
          {"error", AnyValue::Bool(t_.IsError(nd.span))},
      }));
    }
    AnyValue ranked = AnyValue::Array({});
    for (size_t r = 0; r < candidates.size(); ++r) {
      AnyValue ids = AnyValue::Array({});
      for (int k : Chain(candidates[r]))
        ids.array_value.push_back(AnyValue::String(SpanHex(t_.span(nodes_[k].span).span_id)));
      ranked.array_value.push_back(AnyValue::KvList({
          {"rank", AnyValue::Int(static_cast<int64_t>(r + 1))},
          {"cause_span_id", AnyValue::String(SpanHex(t_.span(nodes_[candidates[r]].span).span_id))},
          {"cause_kind",
           AnyValue::String(std::string(StrengthName(nodes_[candidates[r]].strength)))},
          {"span_ids", std::move(ids)},
      }));
    }
    const std::string symptom_text =
        "'" + s.name + "'" + (s.derived.agent.empty() ? "" : " (" + s.derived.agent + ")") +
        " failed" + (s.status_message.empty() ? "" : ": " + s.status_message);
    const int hop_count = static_cast<int>(f.span_ids.size()) - 1;
    if (own) {
      f.summary = symptom_text + ". No earlier anomaly explains it: the failure starts at '" +
                  c.name + "'" + (c.derived.agent.empty() ? "" : " (" + c.derived.agent + ")") +
                  (hop_count > 0 ? ", " + std::to_string(hop_count) + " hop" +
                                       (hop_count == 1 ? "" : "s") + " below"
                                 : "") +
                  ".";
    } else if (nodes_[best].strength == kCrossAgentFile) {
      const std::string& path = file_paths_[best];
      std::set<std::string> readers;
      for (const Access& a : accesses_) {
        if (a.write || a.path != path) continue;
        const Span& r = t_.span(a.span);
        if (r.start_unix_nano < c.start_unix_nano || r.start_unix_nano > s.end_unix_nano) continue;
        if (r.derived.agent != c.derived.agent && !r.derived.agent.empty())
          readers.insert(r.derived.agent);
      }
      std::string reader_text;
      for (const std::string& r : readers) reader_text += (reader_text.empty() ? "" : ", ") + r;
      f.summary = symptom_text + ". Root cause, " + std::to_string(hop_count) + " hops back: " +
                  (c.derived.agent.empty() ? std::string("another agent") : c.derived.agent) +
                  " wrote " + path + " ('" + c.name + "'), which " +
                  (reader_text.empty() ? std::string("another agent") : reader_text) +
                  " then read before the failure.";
      AnyValue list = AnyValue::Array({});
      for (const std::string& r : readers) list.array_value.push_back(AnyValue::String(r));
      f.evidence.push_back({"file_path", AnyValue::String(path)});
      f.evidence.push_back({"read_by_agents", std::move(list)});
    } else {
      f.summary = symptom_text + ". Root cause, " + std::to_string(hop_count) + " hop" +
                  (hop_count == 1 ? "" : "s") + " back: '" + c.name + "'" +
                  (c.derived.agent.empty() ? "" : " (" + c.derived.agent + ")") +
                  (nodes_[best].strength == kError
                       ? " failed earlier" +
                             (c.status_message.empty() ? std::string() : ": " + c.status_message)
                       : std::string(" returned an error or empty result")) +
                  ".";
    }
    f.evidence.insert(
        f.evidence.begin(),
        {{"symptom_span_id", AnyValue::String(SpanHex(s.span_id))},
         {"cause_span_id", AnyValue::String(SpanHex(c.span_id))},
         {"cause_kind",
          AnyValue::String(own ? "error" : std::string(StrengthName(nodes_[best].strength)))},
         {"earlier_cause_found", AnyValue::Bool(!own)},
         {"hops", std::move(hops)},
         {"candidates", std::move(ranked)}});
    return f;
  }

  const TraceIndex& t_;
  const RootCauseOptions& o_;
  std::vector<int> tin_, tout_, by_tin_;
  std::vector<Access> accesses_;
  std::map<std::string, std::vector<int>> writes_;
  std::vector<Node> nodes_;
  std::set<int> visited_;
  std::map<int, std::string> file_paths_;
};

}  // namespace

std::vector<Finding> FindRootCauses(std::span<const Span> trace, const RootCauseOptions& options) {
  TraceIndex t(trace);
  std::vector<Finding> findings;
  if (t.empty()) return findings;
  std::vector<int> symptoms;
  for (int i : t.by_start()) {
    if (!t.IsError(i)) continue;
    bool top = true;
    for (int a = t.parent(i); a >= 0; a = t.parent(a)) {
      if (t.IsError(a)) {
        top = false;
        break;
      }
    }
    if (!top) continue;
    int p = t.parent(i);
    if (p >= 0) {
      bool carried_on = false;
      for (int sib : t.children(p)) {
        if (sib != i && t.span(sib).start_unix_nano >= t.span(i).end_unix_nano) {
          carried_on = true;
          break;
        }
      }
      if (carried_on) continue;  // handled
    }
    symptoms.push_back(i);
  }
  Walker walker(t, options);
  for (int s : symptoms) findings.push_back(walker.Run(s));
  return findings;
}

}  // namespace hoptrace::analysis
