// Conformance cases about SpanStore::UpdateDerived: every query answers with the updated derived
// fields, wherever the spans are (recent data, long-term storage, after a reopen), exactly as the
// ModelStore does.
#include "storage/testing/model_store.h"
#include "storage/testing/span_store_conformance.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {

int conformance_internal::LinkUpdateCases() { return 0; }

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

Span AgentSpan(uint64_t t, uint64_t id, uint64_t parent, const std::string& name,
               const std::string& agent, int64_t in, int64_t out, uint64_t start_ms) {
  Span s = MakeSpan(t, id, parent, name, kBase + t * 1000 * kMs + start_ms * kMs, (5 + id) * kMs);
  s.derived.service = "svc";
  s.derived.agent = agent;
  s.derived.operation = in > 0 ? "llm" : "tool";
  s.derived.model = in > 0 ? "gpt-4o" : "";
  s.derived.provider = in > 0 ? "openai" : "";
  s.derived.tool = in > 0 ? "" : "search";
  s.derived.input_tokens = in;
  s.derived.output_tokens = out;
  s.derived.total_tokens = in + out;
  s.derived.cost_usd = static_cast<double>(in + out) * 1e-6;
  s.attributes = {{"k", AnyValue::String(name)}};
  return s;
}

DerivedUpdate Update(const Span& s) { return {s.trace_id, s.span_id, s.derived}; }

class UpdateCase {
 public:
  void Append(SpanStore* store, const std::vector<Span>& spans) {
    ASSERT_TRUE(store->Append(spans).ok());
    ASSERT_TRUE(model_.Append(spans).ok());
    for (const Span& s : spans) traces_.insert(s.trace_id);
  }
  void Update(SpanStore* store, const std::vector<DerivedUpdate>& updates) {
    Status s = store->UpdateDerived(updates);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(model_.UpdateDerived(updates).ok());
  }
  // Every query of the store answers as the model does.
  void ExpectLikeModel(SpanStore* store) {
    for (const TraceId& id : traces_) {
      auto got = store->GetTrace(id);
      auto want = model_.GetTrace(id);
      ASSERT_TRUE(got.ok() && want.ok());
      EXPECT_TRUE(SpansEqual(*got, *want)) << ToHex(id);
    }
    std::vector<SpanFilter> filters(1);
    for (const char* agent : {"planner", "writer", "brand-new-agent", ""}) {
      filters.emplace_back().agent = agent;
    }
    filters.emplace_back().model = "gpt-4o-mini";
    filters.emplace_back().tool = "fresh-tool";
    filters.emplace_back().operation = "llm";
    SpanFilter both;
    both.agent = "planner";
    both.model = "gpt-4o";
    filters.push_back(both);
    for (const SpanFilter& f : filters) {
      SCOPED_TRACE(DebugString(f));
      auto got = store->SearchTraces(f, 100);
      auto want = model_.SearchTraces(f, 100);
      ASSERT_TRUE(got.ok() && want.ok());
      EXPECT_TRUE(SummariesEqual(*got, *want));
      auto gs = store->SearchSpans(f, SpanOrder::kNewestFirst, 1000);
      auto ws = model_.SearchSpans(f, SpanOrder::kNewestFirst, 1000);
      ASSERT_TRUE(gs.ok() && ws.ok());
      EXPECT_TRUE(SpansEqual(*gs, *ws));
      for (GroupField g : {GroupField::kAgent, GroupField::kModel, GroupField::kTool,
                           GroupField::kProvider, GroupField::kOperation, GroupField::kStatus}) {
        AggregateRequest r;
        r.filter = f;
        r.group_by = {GroupKey{g, ""}};
        auto ga = store->Aggregate(r);
        auto wa = model_.Aggregate(r);
        ASSERT_TRUE(ga.ok() && wa.ok());
        EXPECT_TRUE(RowsEqual(*ga, *wa, true));
      }
      AggregateRequest two;
      two.filter = f;
      two.group_by = {GroupKey{GroupField::kAgent, ""}, GroupKey{GroupField::kModel, ""}};
      auto ga = store->Aggregate(two);
      auto wa = model_.Aggregate(two);
      ASSERT_TRUE(ga.ok() && wa.ok());
      EXPECT_TRUE(RowsEqual(*ga, *wa, true));
      AggregateRequest none;
      none.filter = f;
      ga = store->Aggregate(none);
      wa = model_.Aggregate(none);
      ASSERT_TRUE(ga.ok() && wa.ok());
      EXPECT_TRUE(RowsEqual(*ga, *wa, true));
    }
  }

 private:
  ModelStore model_;
  std::set<TraceId> traces_;
};

}  // namespace

TEST_P(SpanStoreConformanceTest, UpdateDerivedIsSeenByEveryQueryInEveryState) {
  UpdateCase c;
  // Trace 1: the children arrive first (no agent), then the agent root with the summed usage.
  std::vector<Span> t1 = {AgentSpan(1, 1, 0, "invoke_agent", "planner", 100, 50, 0),
                          AgentSpan(1, 2, 1, "chat", "", 60, 30, 1),
                          AgentSpan(1, 3, 1, "chat", "", 40, 20, 2),
                          AgentSpan(1, 4, 1, "search", "", 0, 0, 3)};
  std::vector<Span> t2 = {AgentSpan(2, 1, 0, "root", "writer", 0, 0, 0),
                          AgentSpan(2, 2, 1, "chat", "writer", 7, 3, 1),
                          AgentSpan(2, 3, 1, "chat", "writer", 5, 5, 2)};
  std::vector<Span> t3 = {AgentSpan(3, 1, 0, "root", "", 0, 0, 0),
                          AgentSpan(3, 2, 1, "chat", "", 11, 1, 1)};
  c.Append(store(), {t1[1], t1[2], t1[3], t2[0], t2[1], t2[2]});
  Flush();  // these are in long-term storage now
  c.Append(store(), {t1[0], t3[0], t3[1]});

  // Agents inherited, the root's usage is a wrapper's; a new agent and tool string never stored
  // before; a span updated twice (the last wins); an unknown span (ignored).
  std::vector<DerivedUpdate> u;
  for (int i = 1; i < 4; ++i) {
    Span s = t1[i];
    s.derived.agent = "planner";
    u.push_back(Update(s));
  }
  Span root = t1[0];
  root.derived.usage_counted = false;
  u.push_back(Update(root));
  Span w = t2[2];
  w.derived.agent = "writer";
  w.derived.model = "gpt-4o-mini";
  u.push_back(Update(w));
  w.derived.agent = "brand-new-agent";
  u.push_back(Update(w));
  Span tool = t3[1];
  tool.derived.tool = "fresh-tool";
  tool.derived.usage_counted = false;
  u.push_back(Update(tool));
  Span unknown = AgentSpan(99, 1, 0, "ghost", "ghost", 1, 1, 0);
  u.push_back(Update(unknown));
  c.Update(store(), u);
  InEveryState([&] { c.ExpectLikeModel(store()); });

  // Everything is in long-term storage now: update again, some spans a second time.
  std::vector<DerivedUpdate> u2;
  Span t3root = t3[0];
  t3root.derived.agent = "writer";
  u2.push_back(Update(t3root));
  Span t3child = t3[1];
  t3child.derived.agent = "writer";
  u2.push_back(Update(t3child));
  w.derived.agent = "planner";
  w.derived.usage_counted = false;
  u2.push_back(Update(w));
  root.derived.usage_counted = true;
  u2.push_back(Update(root));
  c.Update(store(), u2);
  InEveryState([&] { c.ExpectLikeModel(store()); });
  // And a batch appended after the updates is not touched by them.
  c.Append(store(), {AgentSpan(4, 1, 0, "root", "", 3, 3, 0)});
  InEveryState([&] { c.ExpectLikeModel(store()); });
}

TEST_P(SpanStoreConformanceTest, UpdateDerivedOfUnknownSpansIsIgnored) {
  UpdateCase c;
  c.Append(store(), {AgentSpan(5, 1, 0, "root", "a", 1, 2, 0)});
  c.Update(store(), {});
  Span ghost = AgentSpan(5, 2, 1, "chat", "b", 1, 1, 1);  // same trace, other span id
  c.Update(store(), {Update(ghost), Update(AgentSpan(6, 1, 0, "x", "c", 1, 1, 0))});
  InEveryState([&] { c.ExpectLikeModel(store()); });
  // A span appended after an update of its ids was ignored keeps its own fields.
  c.Append(store(), {ghost});
  InEveryState([&] { c.ExpectLikeModel(store()); });
}

}  // namespace hoptrace
