// Conformance cases about SpanStore::ReadTraceSpans, the narrow read: it hands out exactly the
// traces SearchTraces(filter, limit) names, each once, with ProjectSpan of every span GetTrace
// returns for it -- wherever the spans are (recent data, long-term storage, after a reopen,
// traces spread over both), for every projection, filter, limit and worker count.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/testing/model_store.h"
#include "storage/testing/span_store_conformance.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {

int conformance_internal::LinkNarrowCases() { return 0; }

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

Span Simple(uint64_t trace, uint64_t span, uint64_t parent, const std::string& name,
            uint64_t start_ms, uint64_t duration_ms, const std::string& agent,
            const std::string& operation) {
  Span s = MakeSpan(trace, span, parent, name, kBase + start_ms * kMs, duration_ms * kMs);
  s.derived.agent = agent;
  s.derived.operation = operation;
  s.derived.conversation = "conv-" + std::to_string(trace);
  s.attributes = {{"k", AnyValue::String(name)}, {"n", AnyValue::Int(static_cast<int64_t>(span))}};
  s.resource.attributes = {{"service.name", AnyValue::String("svc")}};
  s.events = {SpanEvent{s.start_unix_nano + 1, "exception", {}, 0}};
  return s;
}

Span Handoff(uint64_t trace, uint64_t span, uint64_t parent, uint64_t start_ms,
             const std::string& from, AnyValue to) {
  Span s = Simple(trace, span, parent, "handoff " + from, start_ms, 3, from, "handoff");
  s.attributes = {{"handoff.from_agent", AnyValue::String(from)},
                  {"handoff.to_agent", std::move(to)},
                  {"k", AnyValue::String("x")}};
  return s;
}

// The first batch: every field, handoffs (large, non-string and repeated targets), ends before
// starts, every kind and status, traces without a root, and start ties between traces.
std::vector<Span> FirstBatch() {
  std::vector<Span> out;
  for (int v = 0; v < 3; ++v) {
    Span s = EveryFieldSpan(1, 1 + v, v);
    if (v == 1) {
      s.derived.operation = "handoff";
      s.attributes.push_back({"handoff.to_agent", AnyValue::String(std::string(5000, 'R'))});
    }
    out.push_back(std::move(s));
  }
  out.push_back(Simple(2, 1, 0, "invoke_agent orchestrator", 100, 500, "orchestrator", "agent"));
  out.push_back(Handoff(2, 2, 1, 110, "orchestrator", AnyValue::String("researcher")));
  out.push_back(Simple(2, 3, 2, "invoke_agent researcher", 111, 50, "researcher", "agent"));
  out.push_back(Handoff(2, 4, 1, 200, "orchestrator", AnyValue::Int(7)));
  Span dup = Handoff(2, 5, 1, 300, "orchestrator", AnyValue::String("coder"));
  dup.attributes.push_back({"handoff.to_agent", AnyValue::String("reviewer")});
  out.push_back(std::move(dup));
  for (int k = 0; k <= 5; ++k) {
    Span s = Simple(3, 1 + k, k == 0 ? 0 : 1, "kind " + std::to_string(k), 1000 + k, 10 + k,
                    "coder", k == 3 ? "handoff" : "tool");
    s.kind = static_cast<SpanKind>(k);
    s.status_code = static_cast<StatusCodeValue>(k % 3);
    if (k % 2 == 1) s.end_unix_nano = s.start_unix_nano - (k + 1) * kMs;  // ends before it starts
    s.derived.input_tokens = 10 * k;
    s.derived.output_tokens = k;
    s.derived.total_tokens = 11 * k;
    s.derived.cost_usd = 0.001 * k;
    s.derived.usage_counted = k % 2 == 0;
    out.push_back(std::move(s));
  }
  out.push_back(Simple(4, 1, 99, "orphan", 2000, 5, "", ""));  // parent never arrives
  out.back().status_code = StatusCodeValue::kError;
  out.push_back(Simple(5, 1, 0, "tie a", 3000, 5, "writer", "agent"));
  out.push_back(Simple(6, 1, 0, "tie b", 3000, 7, "writer", "agent"));
  return out;
}

// The second batch adds spans to traces of the first (the traces then lie in two parts) and a
// new trace.
std::vector<Span> SecondBatch() {
  std::vector<Span> out;
  out.push_back(Handoff(2, 6, 1, 400, "orchestrator", AnyValue::String("writer")));
  out.push_back(Simple(2, 7, 6, "invoke_agent writer", 401, 20, "writer", "agent"));
  out.push_back(Simple(3, 7, 1, "late", 999, 1, "coder", "llm"));  // earlier than its siblings
  Span every = EveryFieldSpan(1, 9, 9);
  every.derived.operation = "handoff";
  every.attributes.push_back({"handoff.to_agent", AnyValue::String("planner")});
  out.push_back(std::move(every));
  out.push_back(Simple(7, 1, 0, "new", 5000, 2, "planner", "agent"));
  return out;
}

std::vector<SpanProjection> Projections() {
  SpanProjection graph;
  graph.attribute_keys = {"handoff.to_agent"};
  graph.attribute_operations = {"handoff"};
  SpanProjection every_span;
  every_span.attribute_keys = {"k", "dup", "large_in_array", "handoff.to_agent", "absent"};
  SpanProjection two_ops;
  two_ops.attribute_keys = {"n", "str"};
  two_ops.attribute_operations = {"tool", "llm"};
  return {SpanProjection{}, graph, every_span, two_ops};
}

std::vector<SpanFilter> Filters() {
  std::vector<SpanFilter> out(1);
  out.emplace_back().agent = "orchestrator";
  out.emplace_back().operation = "handoff";
  out.emplace_back().status = StatusCodeValue::kError;
  SpanFilter window;
  window.start_min_unix_nano = kBase + 150 * kMs;
  window.start_max_unix_nano = kBase + 2500 * kMs;
  out.push_back(window);
  SpanFilter attr;
  attr.attributes = {{"k", "x"}};
  out.push_back(attr);
  out.emplace_back().min_duration_ns = 8 * static_cast<int64_t>(kMs);
  out.emplace_back().agent = "nobody";
  return out;
}

struct ReadResult {
  std::map<TraceId, std::vector<Span>> traces;
  std::vector<std::pair<size_t, TraceId>> calls;  // (worker, trace), in call order per worker
  std::string problem;
};

ReadResult Read(SpanStore* store, const TraceSpansRequest& request) {
  ReadResult r;
  std::mutex mu;
  Status st = store->ReadTraceSpans(request, [&](size_t worker, std::span<Span> spans) {
    std::lock_guard<std::mutex> lock(mu);
    if (worker >= request.max_workers) r.problem = "worker index out of range";
    if (spans.empty()) {
      r.problem = "a trace without spans";
      return Status::Ok();
    }
    const TraceId id = spans[0].trace_id;
    if (r.traces.count(id)) r.problem = "trace " + ToHex(id) + " handed out twice";
    r.traces[id].assign(spans.begin(), spans.end());
    r.calls.emplace_back(worker, id);
    return Status::Ok();
  });
  if (!st.ok()) r.problem = st.ToString();
  return r;
}

// Every request of the sweep answers as SearchTraces + GetTrace + ProjectSpan say.
void ExpectNarrowReadsMatch(SpanStore* store) {
  const std::vector<SpanProjection> projections = Projections();
  std::map<TraceId, std::vector<Span>> full;
  for (const SpanFilter& filter : Filters()) {
    for (size_t limit : {0, 1, 2, 3, 1000}) {
      auto want = store->SearchTraces(filter, limit);
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      for (const TraceSummary& t : *want) {
        if (full.count(t.trace_id)) continue;
        auto spans = store->GetTrace(t.trace_id);
        ASSERT_TRUE(spans.ok()) << spans.status().ToString();
        full[t.trace_id] = *spans;
      }
      for (size_t p = 0; p < projections.size(); ++p) {
        for (size_t workers : {1, 2, 4}) {
          SCOPED_TRACE(DebugString(filter) + " limit " + std::to_string(limit) + " projection " +
                       std::to_string(p) + " workers " + std::to_string(workers));
          TraceSpansRequest request{filter, limit, projections[p], workers};
          ReadResult got = Read(store, request);
          ASSERT_EQ(got.problem, "");
          std::set<TraceId> want_ids, got_ids;
          for (const TraceSummary& t : *want) want_ids.insert(t.trace_id);
          for (const auto& [id, spans] : got.traces) got_ids.insert(id);
          EXPECT_EQ(got_ids, want_ids);
          for (const auto& [id, spans] : got.traces) {
            std::vector<Span> projected;
            for (const Span& s : full[id]) projected.push_back(ProjectSpan(s, projections[p]));
            EXPECT_TRUE(SpansEqual(spans, projected)) << ToHex(id);
          }
          // The same store state and request: the same calls, in the same order per worker.
          ReadResult again = Read(store, request);
          for (size_t w = 0; w < workers; ++w) {
            std::vector<TraceId> a, b;
            for (const auto& [worker, id] : got.calls)
              if (worker == w) a.push_back(id);
            for (const auto& [worker, id] : again.calls)
              if (worker == w) b.push_back(id);
            EXPECT_EQ(a, b) << "worker " << w;
          }
        }
      }
    }
  }
}

}  // namespace

TEST_P(SpanStoreConformanceTest, ReadTraceSpansIsSearchTracesThenProjectedGetTrace) {
  Append(FirstBatch());
  InEveryState([&] { ExpectNarrowReadsMatch(store()); });
  // Traces 1-3 now have spans in two places (e.g. a block and recent data).
  Append(SecondBatch());
  InEveryState([&] { ExpectNarrowReadsMatch(store()); });
}

TEST_P(SpanStoreConformanceTest, ReadTraceSpansProjectsExactlyTheGraphFields) {
  Append(FirstBatch());
  InEveryState([&] {
    TraceSpansRequest request;
    request.projection.attribute_keys = {"handoff.to_agent"};
    request.projection.attribute_operations = {"handoff"};
    ReadResult got = Read(store(), request);
    ASSERT_EQ(got.problem, "");
    ASSERT_EQ(got.traces.size(), 6u);
    // Trace 2: the handoffs carry their targets (and only them), nothing else carries anything.
    const std::vector<Span>& t2 = got.traces[TestTraceId(2)];
    ASSERT_EQ(t2.size(), 5u);
    for (const Span& s : t2) {
      EXPECT_TRUE(s.events.empty());
      EXPECT_TRUE(s.resource.attributes.empty());
      EXPECT_TRUE(s.derived.conversation.empty());
      if (s.derived.operation != "handoff") {
        EXPECT_TRUE(s.attributes.empty()) << s.name;
        continue;
      }
      ASSERT_FALSE(s.attributes.empty()) << s.name;
      for (const KeyValue& kv : s.attributes) EXPECT_EQ(kv.key, "handoff.to_agent");
    }
    EXPECT_EQ(t2[1].attributes.at(0).value.string_value, "researcher");
    EXPECT_EQ(t2[3].attributes.at(0).value.int_value, 7);
    ASSERT_EQ(t2[4].attributes.size(), 2u);
    EXPECT_EQ(t2[4].attributes[1].value.string_value, "reviewer");
    // Trace 3: kinds, statuses and ends before starts come back as stored.
    const std::vector<Span>& t3 = got.traces[TestTraceId(3)];
    ASSERT_EQ(t3.size(), 6u);
    for (const Span& s : t3) {
      const int k = s.name.back() - '0';
      EXPECT_EQ(static_cast<int>(s.kind), k);
      EXPECT_EQ(static_cast<int>(s.status_code), k % 3);
      EXPECT_EQ(s.end_unix_nano < s.start_unix_nano, k % 2 == 1) << s.name;
      EXPECT_EQ(s.derived.usage_counted, k % 2 == 0);
    }
    // Trace 1: a large (blob) handoff target comes back whole.
    const std::vector<Span>& t1 = got.traces[TestTraceId(1)];
    ASSERT_EQ(t1.size(), 3u);
    ASSERT_EQ(t1[1].attributes.size(), 1u);
    EXPECT_EQ(t1[1].attributes[0].value.string_value, std::string(5000, 'R'));
  });
}

TEST_P(SpanStoreConformanceTest, ReadTraceSpansSeesDerivedUpdates) {
  Append(FirstBatch());
  Flush();
  Append(SecondBatch());
  // Trace 2's researcher gets a new agent; a tool span of trace 3 becomes a handoff (so its
  // attributes are now wanted) and trace 3's handoff stops being one.
  std::vector<DerivedUpdate> updates;
  auto t2 = Trace(TestTraceId(2));
  auto t3 = Trace(TestTraceId(3));
  ASSERT_EQ(t2.size(), 7u);
  ASSERT_EQ(t3.size(), 7u);
  for (Span& s : t2) {
    if (s.derived.agent != "researcher") continue;
    s.derived.agent = "researcher-2";
    s.derived.input_tokens = 99;
    s.derived.usage_counted = false;
    updates.push_back({s.trace_id, s.span_id, s.derived});
  }
  for (Span& s : t3) {
    if (s.name == "kind 2") {
      s.derived.operation = "handoff";
    } else if (s.name == "kind 3") {
      s.derived.operation = "tool";
    } else if (s.name == "late") {
      s.derived.agent = "coder-late";  // a span of the second batch (recent data)
    } else {
      continue;
    }
    updates.push_back({s.trace_id, s.span_id, s.derived});
  }
  ASSERT_EQ(updates.size(), 4u);
  ASSERT_TRUE(store()->UpdateDerived(updates).ok());
  InEveryState([&] {
    ExpectNarrowReadsMatch(store());
    TraceSpansRequest request;
    request.projection.attribute_keys = {"k"};
    request.projection.attribute_operations = {"handoff"};
    ReadResult got = Read(store(), request);
    ASSERT_EQ(got.problem, "");
    bool seen = false;
    for (const Span& s : got.traces[TestTraceId(2)]) {
      if (s.span_id != TestSpanId(3)) continue;
      seen = true;
      EXPECT_EQ(s.derived.agent, "researcher-2");
      EXPECT_EQ(s.derived.input_tokens, 99);
      EXPECT_FALSE(s.derived.usage_counted);
    }
    EXPECT_TRUE(seen);
    for (const Span& s : got.traces[TestTraceId(3)]) {
      if (s.name == "kind 2") {
        EXPECT_EQ(s.attributes.size(), 1u) << "now a handoff";
      } else if (s.name == "kind 3") {
        EXPECT_TRUE(s.attributes.empty()) << "no longer a handoff";
      } else if (s.name == "late") {
        EXPECT_EQ(s.derived.agent, "coder-late");
      }
    }
  });
}

TEST_P(SpanStoreConformanceTest, ReadTraceSpansStopsAtTheFirstError) {
  Append(FirstBatch());
  InEveryState([&] {
    for (size_t workers : {1, 3}) {
      int calls = 0;
      std::mutex mu;
      TraceSpansRequest request;
      request.max_workers = workers;
      Status st = store()->ReadTraceSpans(request, [&](size_t, std::span<Span>) {
        std::lock_guard<std::mutex> lock(mu);
        ++calls;
        return InternalError("enough");
      });
      EXPECT_EQ(st.code(), StatusCode::kInternal);
      EXPECT_EQ(st.message(), "enough");
      EXPECT_GE(calls, 1);
      if (workers == 1) {
        EXPECT_EQ(calls, 1);
      }
    }
    // An empty selection calls nothing.
    TraceSpansRequest none;
    none.filter.agent = "nobody";
    EXPECT_TRUE(
        store()
            ->ReadTraceSpans(none, [](size_t, std::span<Span>) { return InternalError("called"); })
            .ok());
  });
}

}  // namespace hoptrace
