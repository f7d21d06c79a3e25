// Conformance cases about query semantics: SearchTraces filters, limit, order and summaries,
// SearchSpans orders, and Aggregate keys, filters and percentiles. Expected answers are written
// out by hand for a small fixed data set; a broader sweep compares against ModelStore.
#include <string>
#include <vector>

#include "storage/testing/model_store.h"
#include "storage/testing/span_store_conformance.h"
#include "storage/testing/span_test_util.h"

namespace hoptrace {

int conformance_internal::LinkQueryCases() { return 0; }

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;
constexpr uint64_t kT1 = kBase + 1000'000 * kMs;
constexpr uint64_t kT2 = kBase + 2000'000 * kMs;
constexpr uint64_t kT3 = kBase + 3000'000 * kMs;
constexpr uint64_t kT4 = kBase + 500'000 * kMs;

struct SpanSpec {
  uint64_t trace, span, parent;
  const char* name;
  const char* service;
  const char* agent;
  const char* operation;
  const char* model;
  const char* provider;
  const char* tool;
  StatusCodeValue status;
  uint64_t start, duration_ms;
  int64_t in, out, total;
  double cost;
  bool counted;
  Attributes attributes;
};

Span FromSpec(const SpanSpec& p) {
  Span s = MakeSpan(p.trace, p.span, p.parent, p.name, p.start, p.duration_ms * kMs);
  s.derived.service = p.service;
  s.derived.agent = p.agent;
  s.derived.operation = p.operation;
  s.derived.model = p.model;
  s.derived.provider = p.provider;
  s.derived.tool = p.tool;
  s.status_code = p.status;
  s.derived.input_tokens = p.in;
  s.derived.output_tokens = p.out;
  s.derived.total_tokens = p.total;
  s.derived.cost_usd = p.cost;
  s.derived.usage_counted = p.counted;
  s.attributes = p.attributes;
  return s;
}

// Four traces. T1: agent planner (root is a wrapper whose usage is not counted). T2: agent
// coder. T3: no root (its parent never arrived). T4: one span, no agent. Span n of trace t has
// id 100 * t + n.
std::vector<Span> Fixture() {
  const auto kUnset = StatusCodeValue::kUnset, kOk = StatusCodeValue::kOk,
             kError = StatusCodeValue::kError;
  using V = AnyValue;
  std::vector<SpanSpec> specs = {
      {1,
       101,
       0,
       "invoke_agent planner",
       "svc-a",
       "planner",
       "agent",
       "",
       "",
       "",
       kOk,
       kT1,
       500,
       100,
       50,
       150,
       0.5,
       false,
       {}},
      {1,
       102,
       101,
       "chat gpt-4o",
       "svc-a",
       "planner",
       "llm",
       "gpt-4o",
       "openai",
       "",
       kUnset,
       kT1 + 10 * kMs,
       200,
       100,
       50,
       150,
       0.5,
       true,
       {{"gen_ai.request.temperature", V::Double(0.7)}, {"http.status_code", V::Int(200)}}},
      {1,
       103,
       101,
       "execute_tool search",
       "svc-a",
       "planner",
       "tool",
       "",
       "",
       "search",
       kError,
       kT1 + 220 * kMs,
       100,
       0,
       0,
       0,
       0,
       true,
       {{"tool.ok", V::Bool(false)}}},
      {2,
       201,
       0,
       "invoke_agent coder",
       "svc-b",
       "coder",
       "agent",
       "",
       "",
       "",
       kUnset,
       kT2,
       1000,
       0,
       0,
       0,
       0,
       true,
       {}},
      {2,
       202,
       201,
       "chat claude",
       "svc-b",
       "coder",
       "llm",
       "claude-3",
       "anthropic",
       "",
       kOk,
       kT2 + 100 * kMs,
       300,
       200,
       20,
       220,
       0.25,
       true,
       {{"user.id", V::String("u-7")}}},
      {2,
       203,
       201,
       "execute_tool edit",
       "svc-b",
       "coder",
       "tool",
       "",
       "",
       "edit",
       kOk,
       kT2 + 500 * kMs,
       50,
       0,
       0,
       0,
       0,
       true,
       {{"user.id", V::String("u-8")}}},
      {3,
       301,
       999,
       "chat gpt-4o",
       "svc-a",
       "reviewer",
       "llm",
       "gpt-4o",
       "openai",
       "",
       kError,
       kT3,
       2000,
       10,
       5,
       15,
       0.01,
       true,
       {{"user.id", V::String("u-7")}}},
      {3,
       302,
       301,
       "execute_tool search",
       "svc-a",
       "reviewer",
       "tool",
       "",
       "",
       "search",
       kUnset,
       kT3 + 5 * kMs,
       10,
       0,
       0,
       0,
       0,
       true,
       {}},
      {4, 401, 0, "health", "svc-c", "", "", "", "", "", kUnset, kT4, 1, 0, 0, 0, 0, true, {}},
  };
  std::vector<Span> spans;
  for (const SpanSpec& p : specs) spans.push_back(FromSpec(p));
  return spans;
}

TraceSummary Summary(uint64_t trace, const char* root, const char* service, uint64_t start,
                     uint64_t end, uint64_t spans, uint64_t errors, std::vector<std::string> agents,
                     int64_t in, int64_t out, int64_t total, double cost) {
  TraceSummary t;
  t.trace_id = TestTraceId(trace);
  t.root_name = root;
  t.root_service = service;
  t.start_unix_nano = start;
  t.end_unix_nano = end;
  t.span_count = spans;
  t.error_count = errors;
  t.agents = std::move(agents);
  t.input_tokens = in;
  t.output_tokens = out;
  t.total_tokens = total;
  t.cost_usd = cost;
  return t;
}

const TraceSummary kS1 = Summary(1, "invoke_agent planner", "svc-a", kT1, kT1 + 500 * kMs, 3, 1,
                                 {"planner"}, 100, 50, 150, 0.5);
const TraceSummary kS2 = Summary(2, "invoke_agent coder", "svc-b", kT2, kT2 + 1000 * kMs, 3, 0,
                                 {"coder"}, 200, 20, 220, 0.25);
const TraceSummary kS3 =
    Summary(3, "chat gpt-4o", "svc-a", kT3, kT3 + 2000 * kMs, 2, 1, {"reviewer"}, 10, 5, 15, 0.01);
const TraceSummary kS4 = Summary(4, "health", "svc-c", kT4, kT4 + 1 * kMs, 1, 0, {}, 0, 0, 0, 0);

AggregateRow Row(std::vector<std::string> key, uint64_t spans, uint64_t errors, int64_t in,
                 int64_t out, int64_t total, double cost, double p50, double p95, double p99) {
  AggregateRow r;
  r.key = std::move(key);
  r.spans = spans;
  r.errors = errors;
  r.input_tokens = in;
  r.output_tokens = out;
  r.total_tokens = total;
  r.cost_usd = cost;
  r.p50_ms = p50;
  r.p95_ms = p95;
  r.p99_ms = p99;
  return r;
}

TEST_P(SpanStoreConformanceTest, SearchTracesEachFilterAloneAndCombined) {
  std::vector<Span> f = Fixture();
  ASSERT_EQ(Append({f[1], f[2], f[6]}).stored, 3u);  // children before their parents
  Flush();
  ASSERT_EQ(Append({f[0], f[3], f[4], f[5], f[7], f[8]}).stored, 6u);
  struct Case {
    const char* what;
    SpanFilter filter;
    std::vector<TraceSummary> want;
  };
  std::vector<Case> cases;
  auto add = [&](const char* what, std::vector<TraceSummary> want, auto set) {
    SpanFilter filter;
    set(filter);
    cases.push_back({what, filter, std::move(want)});
  };
  add("none", {kS3, kS2, kS1, kS4}, [](SpanFilter&) {});
  add("service", {kS3, kS1}, [](SpanFilter& x) { x.service = "svc-a"; });
  add("agent", {kS2}, [](SpanFilter& x) { x.agent = "coder"; });
  add("model", {kS3, kS1}, [](SpanFilter& x) { x.model = "gpt-4o"; });
  add("tool", {kS3, kS1}, [](SpanFilter& x) { x.tool = "search"; });
  add("name", {kS2}, [](SpanFilter& x) { x.name = "chat claude"; });
  add("operation", {kS3, kS2, kS1}, [](SpanFilter& x) { x.operation = "tool"; });
  add("status error", {kS3, kS1}, [](SpanFilter& x) { x.status = StatusCodeValue::kError; });
  add("status ok", {kS2, kS1}, [](SpanFilter& x) { x.status = StatusCodeValue::kOk; });
  add("status unset", {kS3, kS2, kS1, kS4},
      [](SpanFilter& x) { x.status = StatusCodeValue::kUnset; });
  add("min duration (inclusive)", {kS3, kS2},
      [](SpanFilter& x) { x.min_duration_ns = 1000 * kMs; });
  add("max duration (inclusive)", {kS4}, [](SpanFilter& x) { x.max_duration_ns = 1 * kMs; });
  add("duration range of one value", {kS1}, [](SpanFilter& x) {
    x.min_duration_ns = 100 * kMs;
    x.max_duration_ns = 100 * kMs;
  });
  add("start min (inclusive)", {kS3, kS2}, [](SpanFilter& x) { x.start_min_unix_nano = kT2; });
  add("start max (inclusive)", {kS1, kS4}, [](SpanFilter& x) { x.start_max_unix_nano = kT1; });
  add("start range", {kS1}, [](SpanFilter& x) {
    x.start_min_unix_nano = kT1 + 10 * kMs;
    x.start_max_unix_nano = kT1 + 220 * kMs;
  });
  add("string attribute", {kS3, kS2}, [](SpanFilter& x) { x.attributes = {{"user.id", "u-7"}}; });
  add("int attribute", {kS1}, [](SpanFilter& x) { x.attributes = {{"http.status_code", "200"}}; });
  add("double attribute", {kS1}, [](SpanFilter& x) {
    x.attributes = {{"gen_ai.request.temperature", "0.7"}};
  });
  add("bool attribute", {kS1}, [](SpanFilter& x) { x.attributes = {{"tool.ok", "false"}}; });
  add("attribute no match", {}, [](SpanFilter& x) { x.attributes = {{"user.id", "u-9"}}; });
  add("missing attribute", {}, [](SpanFilter& x) { x.attributes = {{"nope", "u-7"}}; });
  add("service+tool+status", {kS1}, [](SpanFilter& x) {
    x.service = "svc-a";
    x.tool = "search";
    x.status = StatusCodeValue::kError;
  });
  add("fields on different spans of one trace do not combine", {}, [](SpanFilter& x) {
    x.tool = "edit";
    x.model = "claude-3";
  });
  add("model+attribute+time", {kS3}, [](SpanFilter& x) {
    x.model = "gpt-4o";
    x.attributes = {{"user.id", "u-7"}};
    x.start_min_unix_nano = kT1;
  });
  add("every field at once", {kS2}, [](SpanFilter& x) {
    x.attributes = {{"user.id", "u-7"}};
    x.agent = "coder";
    x.operation = "llm";
    x.min_duration_ns = 300 * kMs;
    x.max_duration_ns = 300 * kMs;
    x.status = StatusCodeValue::kOk;
    x.name = "chat claude";
    x.service = "svc-b";
  });
  InEveryState([&] {
    for (const Case& c : cases) {
      EXPECT_TRUE(SummariesEqual(Traces(c.filter), c.want)) << "filter " << c.what;
    }
    EXPECT_TRUE(SummariesEqual(Traces(SpanFilter{}, 1), {kS3})) << "limit 1";
    EXPECT_TRUE(SummariesEqual(Traces(SpanFilter{}, 3), {kS3, kS2, kS1})) << "limit 3";
    SpanFilter svc_a;
    svc_a.service = "svc-a";
    EXPECT_TRUE(SummariesEqual(Traces(svc_a, 1), {kS3})) << "filter and limit";
  });
}

TEST_P(SpanStoreConformanceTest, SearchTracesTiesBreakByTraceIdAscending) {
  std::vector<Span> spans;
  for (uint64_t t : {57, 52, 55, 51}) spans.push_back(MakeSpan(t, 1, 0, "same", kBase, kMs));
  spans.push_back(MakeSpan(50, 1, 0, "older", kBase - 1, kMs));
  ASSERT_EQ(Append({spans[0], spans[1]}).stored, 2u);
  Flush();
  ASSERT_EQ(Append({spans[2], spans[3], spans[4]}).stored, 3u);
  InEveryState([&] {
    std::vector<TraceSummary> got = Traces(SpanFilter{});
    ASSERT_EQ(got.size(), 5u);
    std::vector<uint64_t> order = {51, 52, 55, 57, 50};
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(got[i].trace_id, TestTraceId(order[i]));
  });
}

TEST_P(SpanStoreConformanceTest, SummaryCoversSpansFromEveryBatchAndFlush) {
  const uint64_t t = kBase + 100 * kMs;
  Span root = MakeSpan(60, 1, 0, "root-op", t, 1000 * kMs);
  root.derived.service = "svc-root";
  Span early = MakeSpan(60, 2, 1, "early-child", t - 5 * kMs, 10 * kMs);  // clock skew
  early.derived.agent = "a2";
  early.derived.service = "svc-child";
  early.derived.input_tokens = 10;
  early.derived.output_tokens = 1;
  early.derived.total_tokens = 11;
  early.derived.cost_usd = 0.1;
  Span late = MakeSpan(60, 3, 1, "late-child", t + 100 * kMs, 1900 * kMs);
  late.derived.agent = "a1";
  late.derived.service = "svc-child";
  late.status_code = StatusCodeValue::kError;
  late.derived.input_tokens = 5;
  late.derived.output_tokens = 5;
  late.derived.total_tokens = 10;
  late.derived.cost_usd = 0.2;
  late.derived.usage_counted = false;
  SpanFilter only_early;
  only_early.name = "early-child";
  SpanFilter any;

  ASSERT_EQ(Append({late}).stored, 1u);
  EXPECT_TRUE(SummariesEqual(Traces(any), {Summary(60, "late-child", "svc-child", t + 100 * kMs,
                                                   t + 2000 * kMs, 1, 1, {"a1"}, 0, 0, 0, 0)}));
  Flush();
  ASSERT_EQ(Append({early}).stored, 1u);
  TraceSummary no_root = Summary(60, "early-child", "svc-child", t - 5 * kMs, t + 2000 * kMs, 2, 1,
                                 {"a1", "a2"}, 10, 1, 11, 0.1);
  EXPECT_TRUE(SummariesEqual(Traces(only_early), {no_root}));
  Flush();
  EXPECT_TRUE(SummariesEqual(Traces(any), {no_root}));
  ASSERT_EQ(Append({root}).stored, 1u);
  TraceSummary full = Summary(60, "root-op", "svc-root", t - 5 * kMs, t + 2000 * kMs, 3, 1,
                              {"a1", "a2"}, 10, 1, 11, 0.1);
  InEveryState([&] {
    EXPECT_TRUE(SummariesEqual(Traces(only_early), {full}));
    EXPECT_TRUE(SummariesEqual(Traces(any), {full}));
    SpanFilter only_root;
    only_root.service = "svc-root";
    EXPECT_TRUE(SummariesEqual(Traces(only_root), {full}));
  });
}

TEST_P(SpanStoreConformanceTest, SearchSpansOrdersAndTieBreaks) {
  Span a = MakeSpan(71, 1, 0, "a", kBase + 100, 10);
  Span b = MakeSpan(70, 2, 1, "b", kBase + 100, 10);
  Span c = MakeSpan(70, 1, 0, "c", kBase + 100, 30);
  Span d = MakeSpan(70, 3, 1, "d", kBase + 200, 10);
  Span e = MakeSpan(71, 2, 1, "e", kBase + 50, 30);
  e.derived.service = "other";
  ASSERT_EQ(Append({d, a}).stored, 2u);
  Flush();
  ASSERT_EQ(Append({e, b, c}).stored, 3u);
  InEveryState([&] {
    SpanFilter any;
    EXPECT_TRUE(SpansEqual(Spans(any, SpanOrder::kNewestFirst), {d, c, b, a, e}));
    EXPECT_TRUE(SpansEqual(Spans(any, SpanOrder::kLongestFirst), {c, e, b, d, a}));
    EXPECT_TRUE(SpansEqual(Spans(any, SpanOrder::kNewestFirst, 2), {d, c}));
    EXPECT_TRUE(SpansEqual(Spans(any, SpanOrder::kLongestFirst, 3), {c, e, b}));
    SpanFilter svc;
    svc.service = "svc";
    EXPECT_TRUE(SpansEqual(Spans(svc, SpanOrder::kLongestFirst), {c, b, d, a}));
    EXPECT_TRUE(SpansEqual(Spans(svc, SpanOrder::kNewestFirst, 1), {d}));
  });
}

TEST_P(SpanStoreConformanceTest, SearchSpansOverFixture) {
  std::vector<Span> f = Fixture();
  ASSERT_EQ(Append({f[1], f[2], f[6]}).stored, 3u);
  Flush();
  ASSERT_EQ(Append({f[0], f[3], f[4], f[5], f[7], f[8]}).stored, 6u);
  InEveryState([&] {
    SpanFilter gpt;
    gpt.model = "gpt-4o";
    EXPECT_TRUE(SpansEqual(Spans(gpt, SpanOrder::kNewestFirst), {f[6], f[1]}));
    SpanFilter svc_a;
    svc_a.service = "svc-a";
    EXPECT_TRUE(SpansEqual(Spans(svc_a, SpanOrder::kLongestFirst), {f[6], f[0], f[1], f[2], f[7]}));
    EXPECT_TRUE(
        SpansEqual(Spans(SpanFilter{}, SpanOrder::kNewestFirst, 4), {f[7], f[6], f[5], f[4]}));
  });
}

TEST_P(SpanStoreConformanceTest, AggregateByKeysWithFiltersAndPercentiles) {
  std::vector<Span> f = Fixture();
  ASSERT_EQ(Append({f[1], f[2], f[6]}).stored, 3u);
  Flush();
  ASSERT_EQ(Append({f[0], f[3], f[4], f[5], f[7], f[8]}).stored, 6u);
  auto request = [](std::vector<GroupKey> keys) {
    AggregateRequest r;
    r.group_by = std::move(keys);
    return r;
  };
  InEveryState([&] {
    EXPECT_TRUE(
        RowsEqual(Rows(request({})), {Row({}, 9, 2, 310, 75, 385, 0.76, 200, 2000, 2000)}, true));
    EXPECT_TRUE(RowsEqual(Rows(request({{GroupField::kAgent, ""}})),
                          {Row({""}, 1, 0, 0, 0, 0, 0, 1, 1, 1),
                           Row({"coder"}, 3, 0, 200, 20, 220, 0.25, 300, 1000, 1000),
                           Row({"planner"}, 3, 1, 100, 50, 150, 0.5, 200, 500, 500),
                           Row({"reviewer"}, 2, 1, 10, 5, 15, 0.01, 10, 2000, 2000)},
                          true));
    EXPECT_TRUE(RowsEqual(Rows(request({{GroupField::kStatus, ""}})),
                          {Row({"error"}, 2, 2, 10, 5, 15, 0.01, 100, 2000, 2000),
                           Row({"ok"}, 3, 0, 200, 20, 220, 0.25, 300, 500, 500),
                           Row({"unset"}, 4, 0, 100, 50, 150, 0.5, 10, 1000, 1000)},
                          true));
    EXPECT_TRUE(RowsEqual(Rows(request({{GroupField::kAttribute, "user.id"}})),
                          {Row({""}, 6, 1, 100, 50, 150, 0.5, 100, 1000, 1000),
                           Row({"u-7"}, 2, 1, 210, 25, 235, 0.26, 300, 2000, 2000),
                           Row({"u-8"}, 1, 0, 0, 0, 0, 0, 50, 50, 50)},
                          true));
    AggregateRequest two = request({{GroupField::kService, ""}, {GroupField::kOperation, ""}});
    two.filter.start_min_unix_nano = kT2;
    EXPECT_TRUE(RowsEqual(Rows(two),
                          {Row({"svc-a", "llm"}, 1, 1, 10, 5, 15, 0.01, 2000, 2000, 2000),
                           Row({"svc-a", "tool"}, 1, 0, 0, 0, 0, 0, 10, 10, 10),
                           Row({"svc-b", "agent"}, 1, 0, 0, 0, 0, 0, 1000, 1000, 1000),
                           Row({"svc-b", "llm"}, 1, 0, 200, 20, 220, 0.25, 300, 300, 300),
                           Row({"svc-b", "tool"}, 1, 0, 0, 0, 0, 0, 50, 50, 50)},
                          true));
    AggregateRequest nothing = request({});
    nothing.filter.service = "nope";
    EXPECT_TRUE(RowsEqual(Rows(nothing), {Row({}, 0, 0, 0, 0, 0, 0, 0, 0, 0)}, true))
        << "empty group_by gives one row even when nothing matches";
    AggregateRequest nothing_grouped = request({{GroupField::kModel, ""}});
    nothing_grouped.filter.service = "nope";
    EXPECT_TRUE(RowsEqual(Rows(nothing_grouped), {}, true));
    AggregateRequest no_percentiles = request({{GroupField::kTool, ""}});
    no_percentiles.with_percentiles = false;
    EXPECT_TRUE(RowsEqual(
        Rows(no_percentiles),
        {Row({""}, 6, 1, 310, 75, 385, 0.76, 0, 0, 0), Row({"edit"}, 1, 0, 0, 0, 0, 0, 0, 0, 0),
         Row({"search"}, 2, 1, 0, 0, 0, 0, 0, 0, 0)},
        false));
    // Without cost: total tokens and cost are left at zero, on every aggregation path
    // (one dictionary key, two keys, an attribute key).
    AggregateRequest no_cost = request({{GroupField::kStatus, ""}});
    no_cost.with_cost = false;
    EXPECT_TRUE(RowsEqual(Rows(no_cost),
                          {Row({"error"}, 2, 2, 10, 5, 0, 0, 100, 2000, 2000),
                           Row({"ok"}, 3, 0, 200, 20, 0, 0, 300, 500, 500),
                           Row({"unset"}, 4, 0, 100, 50, 0, 0, 10, 1000, 1000)},
                          true));
    AggregateRequest no_cost_two = two;
    no_cost_two.with_cost = false;
    no_cost_two.with_percentiles = false;
    EXPECT_TRUE(RowsEqual(Rows(no_cost_two),
                          {Row({"svc-a", "llm"}, 1, 1, 10, 5, 0, 0, 0, 0, 0),
                           Row({"svc-a", "tool"}, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                           Row({"svc-b", "agent"}, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                           Row({"svc-b", "llm"}, 1, 0, 200, 20, 0, 0, 0, 0, 0),
                           Row({"svc-b", "tool"}, 1, 0, 0, 0, 0, 0, 0, 0, 0)},
                          false));
    AggregateRequest no_cost_attr = request({{GroupField::kAttribute, "user.id"}});
    no_cost_attr.with_cost = false;
    EXPECT_TRUE(RowsEqual(Rows(no_cost_attr),
                          {Row({""}, 6, 1, 100, 50, 0, 0, 100, 1000, 1000),
                           Row({"u-7"}, 2, 1, 210, 25, 0, 0, 300, 2000, 2000),
                           Row({"u-8"}, 1, 0, 0, 0, 0, 0, 50, 50, 50)},
                          true));
  });
}

TEST_P(SpanStoreConformanceTest, AggregatePercentilesAreNearestRank) {
  std::vector<Span> spans;
  for (int i = 1; i <= 100; ++i) {  // group "hundred": 1..100 ms, appended shuffled
    int ms = 1 + (i * 37) % 100;
    Span s = MakeSpan(80, i, 0, "hundred", kBase + i * kMs, ms * kMs);
    spans.push_back(s);
  }
  for (int i = 1; i <= 7; ++i) spans.push_back(MakeSpan(81, i, 0, "seven", kBase, i * kMs));
  spans.push_back(MakeSpan(82, 1, 0, "one", kBase, 1234567));  // 1.234567 ms
  ASSERT_EQ(Append({spans.begin(), spans.begin() + 50}).stored, 50u);
  Flush();
  ASSERT_EQ(Append({spans.begin() + 50, spans.end()}).stored, 58u);
  AggregateRequest by_name;
  by_name.group_by = {{GroupField::kName, ""}};
  InEveryState([&] {
    EXPECT_TRUE(RowsEqual(Rows(by_name),
                          {Row({"hundred"}, 100, 0, 0, 0, 0, 0, 50, 95, 99),
                           Row({"one"}, 1, 0, 0, 0, 0, 0, 1.234567, 1.234567, 1.234567),
                           Row({"seven"}, 7, 0, 0, 0, 0, 0, 4, 7, 7)},
                          true));
  });
}

// Breadth: every group field, several filters, compared with ModelStore on the same data.
TEST_P(SpanStoreConformanceTest, AggregateEveryGroupFieldMatchesModel) {
  std::vector<Span> f = Fixture();
  f.push_back(EveryFieldSpan(9, 901, 0));
  f.push_back(EveryFieldSpan(9, 902, 1));
  ModelStore model;
  ASSERT_TRUE(model.Append(f).ok());
  ASSERT_EQ(Append({f.begin(), f.begin() + 5}).stored, 5u);
  Flush();
  ASSERT_EQ(Append({f.begin() + 5, f.end()}).stored, f.size() - 5);
  std::vector<GroupKey> keys = {{GroupField::kAgent, ""},
                                {GroupField::kModel, ""},
                                {GroupField::kProvider, ""},
                                {GroupField::kTool, ""},
                                {GroupField::kService, ""},
                                {GroupField::kOperation, ""},
                                {GroupField::kName, ""},
                                {GroupField::kStatus, ""},
                                {GroupField::kAttribute, "user.id"},
                                {GroupField::kAttribute, "http.status_code"},
                                {GroupField::kAttribute, "gen_ai.request.temperature"},
                                {GroupField::kAttribute, "tool.ok"},
                                {GroupField::kAttribute, "dup"},
                                {GroupField::kAttribute, "arr"},
                                {GroupField::kAttribute, "kv"},
                                {GroupField::kAttribute, "missing"}};
  std::vector<SpanFilter> filters(4);
  filters[1].service = "svc-a";
  filters[2].status = StatusCodeValue::kError;
  filters[3].start_min_unix_nano = kT2;
  filters[3].attributes = {{"user.id", "u-7"}};
  InEveryState([&] {
    for (const SpanFilter& filter : filters) {
      for (const GroupKey& key : keys) {
        AggregateRequest r;
        r.filter = filter;
        r.group_by = {key};
        EXPECT_TRUE(RowsEqual(Rows(r), *model.Aggregate(r), true)) << DebugString(r);
      }
      AggregateRequest pair;
      pair.filter = filter;
      pair.group_by = {{GroupField::kStatus, ""}, {GroupField::kAttribute, "user.id"}};
      EXPECT_TRUE(RowsEqual(Rows(pair), *model.Aggregate(pair), true)) << DebugString(pair);
    }
  });
}

}  // namespace
}  // namespace hoptrace
