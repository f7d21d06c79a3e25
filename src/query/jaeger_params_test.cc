#include "query/jaeger_params.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace hoptrace {
namespace {

constexpr uint64_t kNow = 1'700'000'000'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

StatusOr<JaegerTraceSearch> Search(std::string_view query) {
  auto params = ParseQueryString(query);
  if (!params.ok()) return params.status();
  return ParseJaegerTraceSearch(*params, kNow);
}

// The error message of parsing `query`, "" when it parsed.
std::string SearchError(std::string_view query) {
  auto parsed = Search(query);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

JaegerTraceSearch Parsed(std::string_view query) {
  auto parsed = Search(query);
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : JaegerTraceSearch{};
}

int64_t Duration(std::string_view text) {
  auto d = ParseGoDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.ok() ? *d : -1;
}

TEST(GoDurationTest, ParsesWhatTimeParseDurationParses) {
  EXPECT_EQ(Duration("0"), 0);
  EXPECT_EQ(Duration("+0"), 0);
  EXPECT_EQ(Duration("5us"), 5'000);
  EXPECT_EQ(Duration("5\xc2\xb5s"), 5'000);  // µs, micro sign
  EXPECT_EQ(Duration("5\xce\xbcs"), 5'000);  // μs, Greek mu
  EXPECT_EQ(Duration("7ns"), 7);
  EXPECT_EQ(Duration("100ms"), 100 * kMs);
  EXPECT_EQ(Duration("1.2s"), 1'200 * kMs);
  EXPECT_EQ(Duration(".5s"), 500 * kMs);
  EXPECT_EQ(Duration("1.s"), kSecond);
  EXPECT_EQ(Duration("2m"), 120 * kSecond);
  EXPECT_EQ(Duration("1h30m"), 5'400 * kSecond);
  EXPECT_EQ(Duration("1h0.5m1s"), 3'631 * kSecond);
  EXPECT_EQ(Duration("-1.5h"), -5'400 * kSecond);
  EXPECT_EQ(Duration("0.000000001s"), 1);
  EXPECT_EQ(Duration("2562047h47m16.854775807s"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Duration("-2562047h47m16.854775808s"), std::numeric_limits<int64_t>::min());
}

TEST(GoDurationTest, RejectsWhatTimeParseDurationRejects) {
  for (std::string_view bad :
       {"", "-", "+", "1", "10", ".s", "s", "1d", "1 s", "1.5", "1sm", "1h-2m", "--1s",
        "9223372036854775808ns", "2562047h47m16.854775808s", "99999999999999999999h"}) {
    auto d = ParseGoDuration(bad);
    EXPECT_FALSE(d.ok()) << '"' << bad << "\" parsed as " << (d.ok() ? *d : 0);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_NE(ParseGoDuration("3x").status().message().find("unknown unit \"x\""), std::string::npos);
  EXPECT_NE(ParseGoDuration("3").status().message().find("missing unit"), std::string::npos);
}

TEST(JaegerTraceIdTest, AcceptsOneToThirtyTwoHexDigitsLeftPadded) {
  auto full = ParseJaegerTraceId("0102030405060708090A0b0c0d0e0f10");
  ASSERT_TRUE(full);
  EXPECT_EQ(ToHex(*full), "0102030405060708090a0b0c0d0e0f10");
  auto short_id = ParseJaegerTraceId("abc");
  ASSERT_TRUE(short_id);
  EXPECT_EQ(ToHex(*short_id), "00000000000000000000000000000abc");
  auto sixteen = ParseJaegerTraceId("1122334455667788");
  ASSERT_TRUE(sixteen);
  EXPECT_EQ(ToHex(*sixteen), "00000000000000001122334455667788");
  EXPECT_FALSE(ParseJaegerTraceId(""));
  EXPECT_FALSE(ParseJaegerTraceId("0102030405060708090a0b0c0d0e0f1011"));  // 34 digits
  EXPECT_FALSE(ParseJaegerTraceId("xyz"));
  EXPECT_FALSE(ParseJaegerTraceId("-1"));
}

TEST(JaegerTraceSearchTest, MapsParametersToTheFilter) {
  const JaegerTraceSearch s = Parsed(
      "service=svc&operation=chat%20gpt-4o&start=1699999000000000&end=1699999999000000"
      "&minDuration=1.2s&maxDuration=5s&limit=7&lookback=custom&prettyPrint=true");
  EXPECT_EQ(s.filter.service, "svc");
  EXPECT_EQ(s.filter.name, "chat gpt-4o");
  EXPECT_EQ(s.filter.start_min_unix_nano, 1'699'999'000'000'000'000u);
  // end covers its whole microsecond.
  EXPECT_EQ(s.filter.start_max_unix_nano, 1'699'999'999'000'000'999u);
  EXPECT_EQ(s.filter.min_duration_ns, 1'200 * kMs);
  EXPECT_EQ(s.filter.max_duration_ns, 5 * kSecond);
  EXPECT_EQ(s.limit, 7u);
  EXPECT_TRUE(s.filter.attributes.empty());
  EXPECT_FALSE(s.filter.status);
  EXPECT_TRUE(s.trace_ids.empty());
}

TEST(JaegerTraceSearchTest, DefaultWindowIsTwoDaysBeforeEnd) {
  JaegerTraceSearch s = Parsed("service=svc");
  EXPECT_EQ(s.limit, kDefaultTraceLimit);
  EXPECT_EQ(s.filter.start_max_unix_nano, kNow);
  EXPECT_EQ(s.filter.start_min_unix_nano, kNow - 48 * 3'600 * uint64_t{kSecond});
  s = Parsed("service=svc&lookback=1h");
  EXPECT_EQ(s.filter.start_min_unix_nano, kNow - 3'600 * uint64_t{kSecond});
  s = Parsed("service=svc&lookback=2d&end=1000000000000000");
  EXPECT_EQ(s.filter.start_max_unix_nano, 1'000'000'000'000'000'999u);
  EXPECT_EQ(s.filter.start_min_unix_nano,
            1'000'000'000'000'000'999u - 2 * 86'400 * uint64_t{kSecond});
  s = Parsed("service=svc&lookback=1w");
  EXPECT_EQ(s.filter.start_min_unix_nano, kNow - 7 * 86'400 * uint64_t{kSecond});
  // A lookback reaching before 1970 starts at 0.
  s = Parsed("service=svc&end=5&lookback=1h");
  EXPECT_EQ(s.filter.start_min_unix_nano, 0u);
  // start wins over lookback (the Jaeger UI sends both).
  s = Parsed("service=svc&start=10&lookback=1h");
  EXPECT_EQ(s.filter.start_min_unix_nano, 10'000u);
  // Empty values are absent.
  s = Parsed("service=svc&operation=&start=&end=&minDuration=&maxDuration=&limit=&tags=&tag=");
  EXPECT_EQ(s.filter.start_max_unix_nano, kNow);
  EXPECT_FALSE(s.filter.min_duration_ns);
}

TEST(JaegerTraceSearchTest, TagsFromJsonAndFromTagParameters) {
  JaegerTraceSearch s = Parsed(
      "service=svc&tags=%7B%22http.method%22%3A%22GET%22%2C%22n%22%3A%222%22%7D"
      "&tag=gen_ai.system:openai&tag=url:http://x:1/");
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(s.filter.attributes, (Attrs{{"gen_ai.system", "openai"},
                                        {"url", "http://x:1/"},
                                        {"http.method", "GET"},
                                        {"n", "2"}}));
  // A later value replaces an earlier one; tags= is applied after tag=; null reads as "".
  s = Parsed(R"(service=svc&tags={"a":"json","b":null}&tag=a:simple&tag=c:1&tag=c:2)");
  EXPECT_EQ(s.filter.attributes, (Attrs{{"a", "json"}, {"c", "2"}, {"b", ""}}));
  s = Parsed("service=svc&tags=null");
  EXPECT_TRUE(s.filter.attributes.empty());
}

TEST(JaegerTraceSearchTest, TagsHoptraceAddsFilterTheirFields) {
  JaegerTraceSearch s = Parsed(
      R"(service=svc&tags={"error":"true","hoptrace.agent":"researcher","hoptrace.model":"gpt-4o",)"
      R"("hoptrace.tool":"search","hoptrace.operation":"llm"})");
  EXPECT_EQ(s.filter.status, StatusCodeValue::kError);
  EXPECT_EQ(s.filter.agent, "researcher");
  EXPECT_EQ(s.filter.model, "gpt-4o");
  EXPECT_EQ(s.filter.tool, "search");
  EXPECT_EQ(s.filter.operation, "llm");
  EXPECT_TRUE(s.filter.attributes.empty());
  s = Parsed("service=svc&tag=otel.status_code:OK");
  EXPECT_EQ(s.filter.status, StatusCodeValue::kOk);
  s = Parsed("service=svc&tag=otel.status_code:error&tag=error:true");
  EXPECT_EQ(s.filter.status, StatusCodeValue::kError);
  EXPECT_EQ(SearchError("service=svc&tag=otel.status_code:OK&tag=error:true"),
            "tags: the error and otel.status_code tags disagree, got \"true\"");
  EXPECT_EQ(SearchError("service=svc&tag=otel.status_code:bad"),
            "tags: otel.status_code must be one of ERROR, OK, UNSET, got \"bad\"");
  // error=false is not a status: it is left to the attributes.
  s = Parsed("service=svc&tag=error:false");
  EXPECT_FALSE(s.filter.status);
  ASSERT_EQ(s.filter.attributes.size(), 1u);
  EXPECT_EQ(s.filter.attributes[0].first, "error");
}

TEST(JaegerTraceSearchTest, TraceIdsReplaceTheSearch) {
  const JaegerTraceSearch s = Parsed("traceID=abc&traceID=0102030405060708090a0b0c0d0e0f10");
  ASSERT_EQ(s.trace_ids.size(), 2u);
  EXPECT_EQ(ToHex(s.trace_ids[0]), "00000000000000000000000000000abc");
  EXPECT_EQ(ToHex(s.trace_ids[1]), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(SearchError("traceID=xyz"), "traceID: must be 1 to 32 hex digits, got \"xyz\"");
}

TEST(JaegerTraceSearchTest, ErrorsNameTheParameter) {
  EXPECT_EQ(SearchError(""), "service: required (or give traceID)");
  EXPECT_EQ(SearchError("service="), "service: required (or give traceID)");
  EXPECT_EQ(SearchError("service=a&service=b"), "service: given more than once");
  EXPECT_EQ(SearchError("service=a&bogus=1"), "bogus: unknown parameter");
  EXPECT_EQ(SearchError("service=a&bogus="), "bogus: unknown parameter");
  EXPECT_EQ(SearchError("service=a&start=-1"), "start: must be unix microseconds, got \"-1\"");
  EXPECT_EQ(SearchError("service=a&end=1.5"), "end: must be unix microseconds, got \"1.5\"");
  EXPECT_EQ(SearchError("service=a&start=99999999999999999999"),
            "start: must be unix microseconds, got \"99999999999999999999\"");
  EXPECT_EQ(SearchError("service=a&start=18446744073709551"),
            "start: too large, got \"18446744073709551\"");
  EXPECT_EQ(SearchError("service=a&start=20&end=10"), "start: must not be after end");
  EXPECT_EQ(SearchError("service=a&minDuration=100"),
            "minDuration: must be a non-negative duration like 100ms, 1.5s or 2m, got \"100\"");
  EXPECT_EQ(SearchError("service=a&maxDuration=-1s"),
            "maxDuration: must be a non-negative duration like 100ms, 1.5s or 2m, got \"-1s\"");
  EXPECT_EQ(SearchError("service=a&minDuration=2s&maxDuration=1s"),
            "maxDuration: must not be less than minDuration");
  EXPECT_EQ(SearchError("service=a&limit=0"),
            "limit: must be an integer between 1 and 10000, got \"0\"");
  EXPECT_EQ(SearchError("service=a&limit=abc"),
            "limit: must be an integer between 1 and 10000, got \"abc\"");
  EXPECT_EQ(SearchError("service=a&lookback=soon"),
            "lookback: must be a duration like 1h, 2d or 1w, or custom, got \"soon\"");
  EXPECT_EQ(SearchError("service=a&tag=novalue"), "tag: must be KEY:VALUE, got \"novalue\"");
  EXPECT_EQ(SearchError("service=a&tag=:v"), "tag: must be KEY:VALUE, got \":v\"");
  EXPECT_EQ(SearchError(R"(service=a&tags={"":"v"})"), "tags: empty tag key");
  const std::string kTagsWhat = R"(tags: must be a JSON object of strings like {"error":"true"})";
  EXPECT_EQ(SearchError("service=a&tags=%7Bbad"), kTagsWhat + R"(, got "{bad")");
  EXPECT_EQ(SearchError(R"(service=a&tags=["x"])"), kTagsWhat + R"(, got "[\"x\"]")");
  EXPECT_EQ(SearchError(R"(service=a&tags={"n":2})"), kTagsWhat + R"(, got "{\"n\":2}")");
  EXPECT_EQ(SearchError("service=a&operation=%zz"),
            "operation: malformed percent-escape, got \"%zz\"");
}

TEST(JaegerOtherParamsTest, OperationsGetTraceAndLists) {
  auto ops = [](std::string_view query) {
    auto params = ParseQueryString(query);
    EXPECT_TRUE(params.ok());
    return ParseJaegerOperations(*params);
  };
  auto o = ops("service=svc&spanKind=server");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->service, "svc");
  EXPECT_EQ(o->span_kind, SpanKind::kServer);
  o = ops("service=svc&spanKind=");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->span_kind);
  EXPECT_EQ(ops("spanKind=client").status().message(), "service: required");
  EXPECT_EQ(ops("service=s&spanKind=SERVER").status().message(),
            "spanKind: must be one of server, client, producer, consumer, internal, got "
            "\"SERVER\"");
  EXPECT_EQ(ops("service=s&x=1").status().message(), "x: unknown parameter");

  auto get = [](std::string_view query) {
    auto params = ParseQueryString(query);
    EXPECT_TRUE(params.ok());
    return CheckJaegerGetTraceParams(*params);
  };
  EXPECT_TRUE(get("").ok());
  EXPECT_TRUE(get("start=1&end=2&raw=true&prettyPrint=1").ok());
  EXPECT_EQ(get("start=x").message(), "start: must be unix microseconds, got \"x\"");
  EXPECT_EQ(get("limit=2").message(), "limit: unknown parameter");

  auto list = [](std::string_view query) {
    auto params = ParseQueryString(query);
    EXPECT_TRUE(params.ok());
    return CheckJaegerListParams(*params);
  };
  EXPECT_TRUE(list("prettyPrint=true").ok());
  EXPECT_EQ(list("service=x").message(), "service: unknown parameter");
}

}  // namespace
}  // namespace hoptrace
