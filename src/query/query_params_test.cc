#include "query/query_params.h"

#include <gtest/gtest.h>

#include <string>

namespace hoptrace {
namespace {

constexpr uint64_t kNow = 1'700'000'000'000'000'000;
constexpr uint64_t kSecond = 1'000'000'000;

// The error message of parsing `query` for /traces, "" when it parsed.
std::string TraceError(std::string_view query) {
  auto params = ParseQueryString(query);
  if (!params.ok()) return params.status().message();
  auto parsed = ParseTraceSearch(*params, kNow);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

std::string StatsError(std::string_view query) {
  auto params = ParseQueryString(query);
  if (!params.ok()) return params.status().message();
  auto parsed = ParseStats(*params, kNow);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TraceSearchParams Trace(std::string_view query) {
  auto params = ParseQueryString(query);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  auto parsed = ParseTraceSearch(*params, kNow);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : TraceSearchParams{};
}

AggregateRequest Stats(std::string_view query) {
  auto params = ParseQueryString(query);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  auto parsed = ParseStats(*params, kNow);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->request : AggregateRequest{};
}

TEST(ParseQueryStringTest, SplitsDecodesAndKeepsOrder) {
  auto p = ParseQueryString("b=2&a=x%20y+z&b=3&flag&&empty=&k%2Ey=%e2%82%AC");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  QueryParams want = {{"b", "2"},   {"a", "x y z"}, {"b", "3"},
                      {"flag", ""}, {"empty", ""},  {"k.y", "\xe2\x82\xac"}};
  EXPECT_EQ(*p, want);
}

TEST(ParseQueryStringTest, EmptyAndEqualsInValue) {
  ASSERT_TRUE(ParseQueryString("").ok());
  EXPECT_TRUE(ParseQueryString("")->empty());
  EXPECT_TRUE(ParseQueryString("&&")->empty());
  auto p = ParseQueryString("attr.q=a=b%3Dc");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (QueryParams{{"attr.q", "a=b=c"}}));
  EXPECT_EQ(*ParseQueryString("x=%2B+"), (QueryParams{{"x", "+ "}}));
}

TEST(ParseQueryStringTest, MalformedEscapesNameTheParameter) {
  for (std::string_view bad : {"service=a%", "service=a%4", "service=%zz", "service=%g0"}) {
    auto p = ParseQueryString(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(p.status().message().starts_with("service: malformed percent-escape"))
        << p.status().message();
  }
  auto p = ParseQueryString("ok=1&na%zme=1");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().message().starts_with("na%zme: malformed percent-escape in name"))
      << p.status().message();
  p = ParseQueryString("=x");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseTraceSearchTest, Defaults) {
  TraceSearchParams t = Trace("");
  EXPECT_EQ(t.limit, 20u);
  EXPECT_EQ(t.filter.start_min_unix_nano, 0u);
  EXPECT_EQ(t.filter.start_max_unix_nano, std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(t.filter.service.empty());
  EXPECT_FALSE(t.filter.status.has_value());
  EXPECT_FALSE(t.filter.min_duration_ns.has_value());
  EXPECT_TRUE(t.filter.attributes.empty());
}

TEST(ParseTraceSearchTest, TextFilters) {
  TraceSearchParams t =
      Trace("service=api&agent=research+bot&model=gpt-4o&tool=web.search&name=chat%20gpt-4o");
  EXPECT_EQ(t.filter.service, "api");
  EXPECT_EQ(t.filter.agent, "research bot");
  EXPECT_EQ(t.filter.model, "gpt-4o");
  EXPECT_EQ(t.filter.tool, "web.search");
  EXPECT_EQ(t.filter.name, "chat gpt-4o");
}

TEST(ParseTraceSearchTest, EmptyValuesMeanNotGiven) {
  TraceSearchParams t = Trace(
      "service=&agent=&model=&tool=&name=&status=&min_duration_ms=&max_duration_ms=&since=&"
      "until=&limit=");
  EXPECT_TRUE(t.filter.service.empty());
  EXPECT_FALSE(t.filter.status.has_value());
  EXPECT_FALSE(t.filter.min_duration_ns.has_value());
  EXPECT_FALSE(t.filter.max_duration_ns.has_value());
  EXPECT_EQ(t.filter.start_min_unix_nano, 0u);
  EXPECT_EQ(t.filter.start_max_unix_nano, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(t.limit, 20u);
}

TEST(ParseTraceSearchTest, Status) {
  EXPECT_EQ(Trace("status=unset").filter.status, StatusCodeValue::kUnset);
  EXPECT_EQ(Trace("status=ok").filter.status, StatusCodeValue::kOk);
  EXPECT_EQ(Trace("status=error").filter.status, StatusCodeValue::kError);
  EXPECT_EQ(TraceError("status=ERROR"), "status: must be one of unset, ok, error, got \"ERROR\"");
  EXPECT_EQ(TraceError("status=failed"), "status: must be one of unset, ok, error, got \"failed\"");
}

TEST(ParseTraceSearchTest, Durations) {
  TraceSearchParams t = Trace("min_duration_ms=1.5&max_duration_ms=250");
  EXPECT_EQ(t.filter.min_duration_ns, 1'500'000);
  EXPECT_EQ(t.filter.max_duration_ns, 250'000'000);
  EXPECT_EQ(Trace("min_duration_ms=0").filter.min_duration_ns, 0);
  EXPECT_EQ(Trace("min_duration_ms=.25").filter.min_duration_ns, 250'000);
  EXPECT_EQ(Trace("min_duration_ms=2.").filter.min_duration_ns, 2'000'000);
  EXPECT_EQ(Trace("max_duration_ms=0.000001").filter.max_duration_ns, 1);
  EXPECT_EQ(Trace("min_duration_ms=5&max_duration_ms=5").filter.max_duration_ns, 5'000'000);
  for (std::string_view bad :
       {"-1", "abc", "1.2.3", ".", "1e3", "inf", "nan", " 1", "1ms", "0x10"}) {
    EXPECT_EQ(TraceError("min_duration_ms=" + std::string(bad)),
              "min_duration_ms: must be a non-negative number of milliseconds, got \"" +
                  std::string(bad) + "\"")
        << bad;
  }
  EXPECT_EQ(TraceError("min_duration_ms=%2B1"),  // a literal '+': "+" alone decodes to ' '
            "min_duration_ms: must be a non-negative number of milliseconds, got \"+1\"");
  EXPECT_TRUE(TraceError("max_duration_ms=-0.5").starts_with("max_duration_ms: must be"));
  EXPECT_EQ(TraceError("max_duration_ms=99999999999999999"),
            "max_duration_ms: too large, got \"99999999999999999\"");
  EXPECT_EQ(TraceError("min_duration_ms=10&max_duration_ms=9.5"),
            "min_duration_ms: must not exceed max_duration_ms");
}

TEST(ParseTraceSearchTest, Attributes) {
  TraceSearchParams t =
      Trace("attr.gen_ai.system=openai&attr.user%20id=42&attr.empty=&attr.eq=a%3Db");
  std::vector<std::pair<std::string, std::string>> want = {
      {"gen_ai.system", "openai"}, {"user id", "42"}, {"empty", ""}, {"eq", "a=b"}};
  EXPECT_EQ(t.filter.attributes, want);
  EXPECT_EQ(TraceError("attr.=x"), "attr.: attribute key missing (use attr.KEY=VALUE)");
  EXPECT_EQ(TraceError("attr.k=1&attr.k=2"), "attr.k: given more than once");
}

TEST(ParseTraceSearchTest, AbsoluteTimes) {
  TraceSearchParams t = Trace("since=1000&until=2000");
  EXPECT_EQ(t.filter.start_min_unix_nano, 1000u);
  EXPECT_EQ(t.filter.start_max_unix_nano, 2000u);
  EXPECT_EQ(Trace("since=5&until=5").filter.start_min_unix_nano, 5u);
  EXPECT_EQ(Trace("until=18446744073709551615").filter.start_max_unix_nano,
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(TraceError("since=18446744073709551616"),
            "since: number too large, got \"18446744073709551616\"");
  EXPECT_EQ(TraceError("since=2000&until=1000"), "since: must not be after until");
}

TEST(ParseTraceSearchTest, RelativeTimes) {
  struct Case {
    std::string text;
    uint64_t ago;
  } cases[] = {
      {"7ns", 7},
      {"7us", 7'000},
      {"7ms", 7'000'000},
      {"7s", 7 * kSecond},
      {"15m", 15 * 60 * kSecond},
      {"24h", 24 * 3600 * kSecond},
      {"2d", 2 * 86400 * kSecond},
      {"0s", 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Trace("since=" + c.text).filter.start_min_unix_nano, kNow - c.ago) << c.text;
    EXPECT_EQ(Trace("until=" + c.text).filter.start_max_unix_nano, kNow - c.ago) << c.text;
  }
  TraceSearchParams t = Trace("since=1h&until=5m");
  EXPECT_EQ(t.filter.start_min_unix_nano, kNow - 3600 * kSecond);
  EXPECT_EQ(t.filter.start_max_unix_nano, kNow - 300 * kSecond);
  // Further back than the epoch clamps at 0.
  EXPECT_EQ(Trace("since=100000d").filter.start_min_unix_nano, 0u);
  EXPECT_EQ(TraceError("since=5m&until=1h"), "since: must not be after until");
  EXPECT_EQ(TraceError("since=999999999999999999d"),
            "since: duration too large, got \"999999999999999999d\"");
  for (std::string_view bad : {"15x", "m", "-5m", "1.5h", "15 m", "15M", "h15", "now", "5mm"}) {
    EXPECT_EQ(TraceError("until=" + std::string(bad)),
              "until: must be unix nanoseconds or a relative duration like 15m (units ns, us, "
              "ms, s, m, h, d), got \"" +
                  std::string(bad) + "\"")
        << bad;
  }
}

TEST(ParseTraceSearchTest, Limit) {
  EXPECT_EQ(Trace("limit=1").limit, 1u);
  EXPECT_EQ(Trace("limit=10000").limit, 10000u);
  EXPECT_EQ(Trace("limit=55").limit, 55u);
  for (std::string_view bad :
       {"0", "10001", "abc", "-1", "1.5", " 5", "5 ", "99999999999999999999999"}) {
    EXPECT_EQ(TraceError("limit=" + std::string(bad)),
              "limit: must be an integer between 1 and 10000, got \"" + std::string(bad) + "\"")
        << bad;
  }
}

TEST(ParseTraceSearchTest, UnknownAndRepeatedParameters) {
  EXPECT_EQ(TraceError("servce=api"), "servce: unknown parameter");
  EXPECT_EQ(TraceError("group_by=agent"), "group_by: unknown parameter");
  EXPECT_EQ(TraceError("Service=api"), "Service: unknown parameter");
  EXPECT_EQ(TraceError("service=a&service=b"), "service: given more than once");
  EXPECT_EQ(TraceError("limit=5&limit=5"), "limit: given more than once");
}

TEST(ParseTraceSearchTest, ErrorValuesAreQuotedAndCut) {
  EXPECT_EQ(TraceError("status=a%22b%0A"),
            "status: must be one of unset, ok, error, got "
            "\"a\\\"b\\x0a\"");
  const std::string long_value(100, 'x');
  EXPECT_EQ(
      TraceError("limit=" + long_value),
      "limit: must be an integer between 1 and 10000, got \"" + std::string(64, 'x') + "\"...");
}

TEST(ParseStatsTest, FiltersAndGroupBy) {
  AggregateRequest r = Stats("group_by=agent,model&service=api&status=error&since=1h");
  EXPECT_EQ(r.group_by,
            (std::vector<GroupKey>{{GroupField::kAgent, ""}, {GroupField::kModel, ""}}));
  EXPECT_EQ(r.filter.service, "api");
  EXPECT_EQ(r.filter.status, StatusCodeValue::kError);
  EXPECT_EQ(r.filter.start_min_unix_nano, kNow - 3600 * kSecond);
  EXPECT_TRUE(r.with_percentiles);
  EXPECT_TRUE(r.with_cost);
}

TEST(ParseStatsTest, EveryGroupKey) {
  AggregateRequest r = Stats("group_by=agent,model,provider,tool,service,operation,name,status");
  std::vector<GroupKey> want = {{GroupField::kAgent, ""},    {GroupField::kModel, ""},
                                {GroupField::kProvider, ""}, {GroupField::kTool, ""},
                                {GroupField::kService, ""},  {GroupField::kOperation, ""},
                                {GroupField::kName, ""},     {GroupField::kStatus, ""}};
  EXPECT_EQ(r.group_by, want);
  r = Stats("group_by=attr.gen_ai.system,+agent+");
  EXPECT_EQ(r.group_by, (std::vector<GroupKey>{{GroupField::kAttribute, "gen_ai.system"},
                                               {GroupField::kAgent, ""}}));
  // "%2C" decodes before splitting, so it separates keys like a literal comma.
  EXPECT_TRUE(StatsError("group_by=attr.x%2Cy").ends_with("got \"y\""));
  EXPECT_TRUE(Stats("").group_by.empty());
  EXPECT_TRUE(Stats("group_by=").group_by.empty());
}

TEST(ParseStatsTest, GroupByErrors) {
  EXPECT_EQ(StatsError("group_by=agent,"), "group_by: empty key, got \"agent,\"");
  EXPECT_EQ(StatsError("group_by=,agent"), "group_by: empty key, got \",agent\"");
  EXPECT_EQ(StatsError("group_by=agent,,model"), "group_by: empty key, got \"agent,,model\"");
  EXPECT_EQ(StatsError("group_by=agent,model,agent"), "group_by: duplicate key, got \"agent\"");
  EXPECT_EQ(StatsError("group_by=attr.a,attr.a"), "group_by: duplicate key, got \"attr.a\"");
  EXPECT_EQ(StatsError("group_by=attr.a,attr.b"), "");
  EXPECT_EQ(StatsError("group_by=agent,modle"),
            "group_by: keys must be among agent, model, provider, tool, service, operation, "
            "name, status, attr.KEY, got \"modle\"");
  EXPECT_TRUE(StatsError("group_by=attr.").starts_with("group_by: keys must be among"));
  EXPECT_EQ(StatsError("group_by=attr.1,attr.2,attr.3,attr.4,attr.5,attr.6,attr.7,attr.8"), "");
  EXPECT_TRUE(StatsError("group_by=attr.1,attr.2,attr.3,attr.4,attr.5,attr.6,attr.7,attr.8,attr.9")
                  .starts_with("group_by: at most 8 keys, got"));
  EXPECT_EQ(StatsError("group_by=agent&group_by=model"), "group_by: given more than once");
}

TEST(ParseStatsTest, RejectsLimitAndUnknown) {
  EXPECT_EQ(StatsError("limit=5"), "limit: not accepted by stats");
  EXPECT_EQ(StatsError("group=agent"), "group: unknown parameter");
  EXPECT_EQ(StatsError("status=bad"), "status: must be one of unset, ok, error, got \"bad\"");
  EXPECT_EQ(StatsError("since=1m&until=1h"), "since: must not be after until");
  EXPECT_EQ(StatsError("min_duration_ms=x"),
            "min_duration_ms: must be a non-negative number of milliseconds, got \"x\"");
}

}  // namespace
}  // namespace hoptrace
