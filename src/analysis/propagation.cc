// Broken propagation: orphan roots within a trace, and traces that line up with a caller in
// another trace (StitchTraces; rules in analysis.h).

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

#include "analysis/analysis.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {
namespace {

std::string ServiceOf(const Span& s) {
  if (!s.derived.service.empty()) return s.derived.service;
  if (const AnyValue* v = FindAttribute(s.resource.attributes, "service.name"))
    return v->type == AnyValue::Type::kString ? v->string_value : v->ToText();
  return {};
}

std::string HostOf(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos) return {};
  url.remove_prefix(p + 3);
  size_t end = url.find_first_of(":/?#");
  return std::string(url.substr(0, end));
}

std::string ConfidenceText(double c) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.2f", c);
  return buf;
}

struct Caller {
  int trace;  // index into traces
  const Span* span;
  const Span* handoff;  // the handoff span it belongs to (itself, or its nearest ancestor), or null
  std::vector<std::string> names;  // agents / services it names
};

struct Root {
  int trace;
  const Span* span;
  std::string agent, service, conversation;
};

}  // namespace

std::vector<Finding> FindOrphanRoots(std::span<const Span> trace,
                                     const PropagationOptions& options) {
  TraceIndex t(trace);
  std::vector<Finding> findings;
  if (t.empty()) return findings;
  if (options.now_unix_nano != 0) {
    uint64_t last = 0;
    for (size_t i = 0; i < t.size(); ++i)
      last = std::max(last, t.span(static_cast<int>(i)).end_unix_nano);
    if (last + static_cast<uint64_t>(std::max<int64_t>(0, options.grace_ns)) >=
        options.now_unix_nano)
      return findings;  // still within the grace period: the parent may yet arrive
  }
  std::map<uint64_t, std::vector<int>> by_missing;  // missing parent -> orphans
  std::map<uint64_t, SpanId> missing_ids;
  for (int r : t.roots()) {
    if (!t.orphan(r)) continue;
    uint64_t k = SpanKey(t.span(r).parent_span_id);
    by_missing[k].push_back(r);
    missing_ids[k] = t.span(r).parent_span_id;
  }
  for (const auto& [k, orphans] : by_missing) {
    const Span& first = t.span(orphans.front());
    Finding f;
    f.kind = FindingKind::kBrokenPropagation;
    f.severity = Severity::kWarning;
    f.trace_id = t.trace_id();
    f.trace_ids = {t.trace_id()};
    f.agent = first.derived.agent;
    AnyValue ids = AnyValue::Array({});
    for (int o : orphans) {
      f.span_ids.push_back(t.span(o).span_id);
      ids.array_value.push_back(AnyValue::String(SpanHex(t.span(o).span_id)));
    }
    const std::string parent_hex = SpanHex(missing_ids[k]);
    f.key = "broken_propagation:orphan:" + parent_hex;
    f.summary =
        "'" + first.name + "'" +
        (orphans.size() > 1 ? " and " + std::to_string(orphans.size() - 1) + " more spans" : "") +
        " name a parent span " + parent_hex +
        " that never arrived: a hop lost or mangled the trace context, or its spans were dropped.";
    f.evidence = {{"missing_parent_span_id", AnyValue::String(parent_hex)},
                  {"orphan_span_ids", std::move(ids)}};
    findings.push_back(std::move(f));
  }
  return findings;
}

std::vector<StitchGroup> StitchTraces(const std::vector<TraceForStitching>& traces,
                                      const PropagationOptions& options) {
  const int nt = static_cast<int>(traces.size());
  std::vector<Root> roots;
  std::vector<Caller> callers;
  std::map<std::pair<uint64_t, int>, const Span*> span_by_id;  // (span key, trace) -> span
  std::map<uint64_t, std::vector<std::pair<int, const Span*>>> by_span_key;
  std::map<std::string, std::vector<std::pair<int, uint64_t>>>
      by_conversation;  // -> (trace, start)
  for (int ti = 0; ti < nt; ++ti) {
    const TraceForStitching& tr = traces[ti];
    std::map<uint64_t, const Span*> local;
    for (const Span& s : tr.spans)
      if (s.trace_id == tr.trace_id) local.emplace(SpanKey(s.span_id), &s);
    std::map<std::string, uint64_t> conversations;
    for (const Span& s : tr.spans) {
      if (s.trace_id != tr.trace_id) continue;
      by_span_key[SpanKey(s.span_id)].push_back({ti, &s});
      if (!s.derived.conversation.empty()) {
        auto [it, fresh] = conversations.emplace(s.derived.conversation, s.start_unix_nano);
        if (!fresh) it->second = std::min(it->second, s.start_unix_nano);
      }
      const bool has_parent_here = !s.is_root() && local.count(SpanKey(s.parent_span_id));
      if (!has_parent_here) {
        roots.push_back({ti, &s, s.derived.agent, ServiceOf(s), s.derived.conversation});
      }
      const bool handoff = s.derived.operation == "handoff";
      if (s.kind == SpanKind::kClient || s.kind == SpanKind::kProducer || handoff) {
        Caller c{ti, &s, nullptr, {}};
        if (handoff) c.handoff = &s;
        // Nearest handoff ancestor (a few levels up).
        const Span* a = &s;
        for (int up = 0; up < 4 && c.handoff == nullptr && !a->is_root(); ++up) {
          auto it = local.find(SpanKey(a->parent_span_id));
          if (it == local.end()) break;
          a = it->second;
          if (a->derived.operation == "handoff") c.handoff = a;
        }
        for (const Span* named : {&s, c.handoff}) {
          if (named == nullptr) continue;
          for (std::string_view key :
               {"handoff.to_agent", "peer.service", "server.address", "net.peer.name",
                "rpc.service", "messaging.destination.name", "gen_ai.agent.name.target"}) {
            std::string v = AttrText(*named, key);
            if (!v.empty() && !(named == c.handoff && key != "handoff.to_agent"))
              c.names.push_back(v);
          }
          for (std::string_view key : {"url.full", "http.url"}) {
            std::string host = HostOf(AttrText(*named, key));
            if (!host.empty()) c.names.push_back(host);
          }
        }
        // OTel GenAI's remote agent call: a CLIENT `invoke_agent` span names its callee in
        // gen_ai.agent.name.
        if (s.kind == SpanKind::kClient && s.derived.operation == "agent") {
          std::string callee = AttrText(s, "gen_ai.agent.name");
          if (!callee.empty()) c.names.push_back(callee);
        }
        callers.push_back(std::move(c));
      }
    }
    for (auto& [conv, start] : conversations) by_conversation[conv].push_back({ti, start});
  }
  // A caller whose subtree already holds a callee entry (another agent's or a SERVER span) in
  // its own trace propagated: it explains nothing. Marked by looking at the parents of entries.
  std::map<const Span*, bool> propagated;
  for (int ti = 0; ti < nt; ++ti) {
    std::map<uint64_t, const Span*> local;
    for (const Span& s : traces[ti].spans)
      if (s.trace_id == traces[ti].trace_id) local.emplace(SpanKey(s.span_id), &s);
    for (const Span& s : traces[ti].spans) {
      if (s.trace_id != traces[ti].trace_id || s.is_root()) continue;
      const bool entry = s.kind == SpanKind::kServer || s.kind == SpanKind::kConsumer ||
                         s.derived.operation == "agent";
      if (!entry) continue;
      const Span* a = &s;
      for (int up = 0; up < 6 && !a->is_root(); ++up) {
        auto it = local.find(SpanKey(a->parent_span_id));
        if (it == local.end()) break;
        a = it->second;
        propagated[a] = true;
      }
    }
  }
  std::sort(callers.begin(), callers.end(), [](const Caller& a, const Caller& b) {
    return a.span->start_unix_nano < b.span->start_unix_nano;
  });
  uint64_t max_caller = 0;
  for (const Caller& c : callers)
    max_caller = std::max<uint64_t>(max_caller, c.span->duration_ns());
  const uint64_t skew = static_cast<uint64_t>(std::max<int64_t>(0, options.clock_skew_ns));

  // Best link per root.
  std::vector<StitchLink> links;
  std::vector<int> link_parent_trace;
  for (const Root& r : roots) {
    StitchLink best;
    int best_trace = -1;
    auto offer = [&](int trace, const Span* parent, double conf, std::string reason) {
      if (trace == r.trace || conf <= best.confidence) return;
      best.confidence = conf;
      best.parent_trace_id = traces[trace].trace_id;
      best.parent_span_id = parent->span_id;
      best.reason = std::move(reason);
      best_trace = trace;
    };
    const Span& rs = *r.span;
    if (!rs.is_root()) {
      auto it = by_span_key.find(SpanKey(rs.parent_span_id));
      if (it != by_span_key.end()) {
        for (auto& [trace, span] : it->second)
          if (span->span_id == rs.parent_span_id)
            offer(trace, span, 1.0, "its parent span id is a span of the other trace");
      }
    }
    // Window matches.
    const uint64_t lo =
        rs.start_unix_nano > max_caller + skew ? rs.start_unix_nano - max_caller - skew : 0;
    auto first =
        std::lower_bound(callers.begin(), callers.end(), lo,
                         [](const Caller& c, uint64_t v) { return c.span->start_unix_nano < v; });
    std::vector<const Caller*> unnamed;
    const Caller* named_best = nullptr;
    for (auto it = first;
         it != callers.end() && it->span->start_unix_nano <= rs.start_unix_nano + skew; ++it) {
      const Caller& c = *it;
      if (c.trace == r.trace) continue;
      if (c.span->end_unix_nano + skew < rs.start_unix_nano) continue;
      if (propagated.count(c.span)) continue;
      bool names = false;
      for (const std::string& n : c.names)
        if ((!r.agent.empty() && n == r.agent) || (!r.service.empty() && n == r.service))
          names = true;
      if (!names && !r.agent.empty() && c.span->name.find(r.agent) != std::string::npos)
        names = true;
      if (names) {
        // Prefer the innermost (a CLIENT span inside the handoff): the latest start.
        if (named_best == nullptr || c.span->start_unix_nano >= named_best->span->start_unix_nano)
          named_best = &c;
      } else if (c.names.empty() || c.span->kind == SpanKind::kClient) {
        unnamed.push_back(&c);
      }
    }
    if (named_best != nullptr) {
      std::string who = !r.agent.empty() ? r.agent : r.service;
      const Span* shown = named_best->handoff != nullptr ? named_best->handoff : named_best->span;
      offer(named_best->trace, named_best->span, 0.9,
            "'" + shown->name + "' names " + who + " and its time window contains the root");
    } else if (unnamed.size() == 1) {
      offer(unnamed[0]->trace, unnamed[0]->span, 0.4,
            "'" + unnamed[0]->span->name +
                "' is the only outgoing call whose window contains the root");
    }
    // Shared conversation.
    if (!r.conversation.empty()) {
      auto it = by_conversation.find(r.conversation);
      if (it != by_conversation.end()) {
        for (auto& [trace, start] : it->second) {
          if (trace == r.trace || start >= rs.start_unix_nano) continue;
          double conf = 0.8 + (best_trace == trace ? 0.1 : 0.0);
          const Span* parent = best_trace == trace ? nullptr : nullptr;
          // Parent: the window match in that trace if any, else that trace's earliest root.
          if (best_trace == trace) {
            best.confidence = std::max(best.confidence, conf);
            best.reason += "; shares conversation " + r.conversation;
            continue;
          }
          for (const Root& o : roots)
            if (o.trace == trace &&
                (parent == nullptr || o.span->start_unix_nano < parent->start_unix_nano))
              parent = o.span;
          if (parent != nullptr)
            offer(trace, parent, conf, "shares conversation " + r.conversation);
        }
      }
    }
    if (best_trace < 0 || best.confidence < options.min_confidence) continue;
    best.child_trace_id = traces[r.trace].trace_id;
    best.child_root_span_id = rs.span_id;
    links.push_back(best);
    link_parent_trace.push_back(best_trace);
  }
  // Groups: connected components over trace links (union-find).
  std::vector<int> uf(nt);
  std::iota(uf.begin(), uf.end(), 0);
  auto find = [&](int x) {
    while (uf[x] != x) x = uf[x] = uf[uf[x]];
    return x;
  };
  std::map<TraceId, int> trace_index;
  for (int ti = 0; ti < nt; ++ti) trace_index.emplace(traces[ti].trace_id, ti);
  std::vector<bool> is_child(nt, false);
  for (size_t l = 0; l < links.size(); ++l) {
    int c = trace_index[links[l].child_trace_id];
    is_child[c] = true;
    uf[find(c)] = find(link_parent_trace[l]);
  }
  std::map<int, StitchGroup> groups;
  for (size_t l = 0; l < links.size(); ++l) {
    StitchGroup& g = groups[find(trace_index[links[l].child_trace_id])];
    g.links.push_back(links[l]);
  }
  std::vector<StitchGroup> out;
  for (auto& [rep, g] : groups) {
    std::vector<int> members;
    for (int ti = 0; ti < nt; ++ti)
      if (find(ti) == rep) members.push_back(ti);
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      if (is_child[a] != is_child[b]) return !is_child[a];  // the caller (never a child) first
      return a < b;
    });
    for (int m : members) g.trace_ids.push_back(traces[m].trace_id);
    g.confidence = 1.0;
    for (const StitchLink& l : g.links) g.confidence = std::min(g.confidence, l.confidence);
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<Finding> FindBrokenPropagation(const std::vector<TraceForStitching>& traces,
                                           const PropagationOptions& options) {
  std::vector<Finding> findings;
  std::map<std::pair<TraceId, SpanId>, const Span*> spans;
  for (const TraceForStitching& t : traces)
    for (const Span& s : t.spans) spans.emplace(std::make_pair(s.trace_id, s.span_id), &s);
  auto name_of = [&](const TraceId& t, const SpanId& s) -> std::string {
    auto it = spans.find({t, s});
    return it == spans.end() ? SpanHex(s) : it->second->name;
  };
  for (const StitchGroup& g : StitchTraces(traces, options)) {
    Finding f;
    f.kind = FindingKind::kBrokenPropagation;
    f.severity = Severity::kWarning;
    f.trace_id = g.trace_ids.front();
    f.trace_ids = g.trace_ids;
    AnyValue links = AnyValue::Array({});
    std::string parts;
    for (const StitchLink& l : g.links) {
      f.span_ids.push_back(l.child_root_span_id);
      f.span_ids.push_back(l.parent_span_id);
      auto it = spans.find({l.child_trace_id, l.child_root_span_id});
      if (f.agent.empty() && it != spans.end()) f.agent = it->second->derived.agent;
      links.array_value.push_back(AnyValue::KvList({
          {"child_trace_id", AnyValue::String(TraceHex(l.child_trace_id))},
          {"child_root_span_id", AnyValue::String(SpanHex(l.child_root_span_id))},
          {"parent_trace_id", AnyValue::String(TraceHex(l.parent_trace_id))},
          {"parent_span_id", AnyValue::String(SpanHex(l.parent_span_id))},
          {"confidence", AnyValue::Double(l.confidence)},
          {"reason", AnyValue::String(l.reason)},
          {"virtual", AnyValue::Bool(true)},
      }));
      if (!parts.empty()) parts += "; ";
      parts += '\'';
      parts += name_of(l.child_trace_id, l.child_root_span_id) + "' (trace " +
               TraceHex(l.child_trace_id) + ") belongs under '" +
               name_of(l.parent_trace_id, l.parent_span_id) + "' of trace " +
               TraceHex(l.parent_trace_id) + " (" + l.reason + ")";
    }
    f.key = "broken_propagation:" + SpanHex(g.links.front().child_root_span_id);
    f.summary = "One workflow was split into " + std::to_string(g.trace_ids.size()) +
                " traces because a hop lost the trace context: " + parts + ". Confidence " +
                ConfidenceText(g.confidence) + "; the stitched view links them virtually.";
    AnyValue ids = AnyValue::Array({});
    for (const TraceId& t : g.trace_ids) ids.array_value.push_back(AnyValue::String(TraceHex(t)));
    f.evidence = {{"trace_ids", std::move(ids)},
                  {"confidence", AnyValue::Double(g.confidence)},
                  {"links", std::move(links)}};
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace hoptrace::analysis
