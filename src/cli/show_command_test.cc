#include "cli/show_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cli/capture_test_util.h"
#include "server/test_server.h"

namespace hoptrace::cli {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

size_t CountLines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(ShowCommandTest, UsageErrorsAreOneLineAndExit2) {
  Capture out, err;
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"--nope", kTraceId},
      {"not-a-trace-id"},
      {"4bf92f3577b34da6a3ce929d0e0e473"},   // 31 digits
      {"4bf92f3577b34da6a3ce929d0e0e473g"},  // not hex
      {"00000000000000000000000000000000"},  // all zero: invalid
      {kTraceId, "extra"},
      {kTraceId, "--width", "abc"},
      {kTraceId, "--width", "5"},
      {kTraceId, "--color=sometimes"},
      {kTraceId, "--limit", "-1"},
      {kTraceId, "--server"},
  };
  for (const auto& args : bad) {
    EXPECT_EQ(ShowCommand(args, out.get(), err.get()), 2) << ::testing::PrintToString(args);
    const std::string message = err.Take();
    EXPECT_EQ(CountLines(message), 1u) << message;
    EXPECT_EQ(message.rfind("hoptrace show: ", 0), 0u) << message;
    EXPECT_EQ(out.Take(), "");
  }
  EXPECT_EQ(ShowCommand({"--help"}, out.get(), err.get()), 0);
  EXPECT_NE(out.Take().find("usage: hoptrace show TRACE_ID"), std::string::npos);
}

TEST(ShowCommandTest, UnreachableServerIsOneLineAndExit1) {
  Capture out, err;
  EXPECT_EQ(ShowCommand({kTraceId, "--server", "http://127.0.0.1:1"}, out.get(), err.get()), 1);
  const std::string message = err.Take();
  EXPECT_EQ(CountLines(message), 1u) << message;
  EXPECT_NE(message.find("cannot reach the server at http://127.0.0.1:1"), std::string::npos)
      << message;
}

TEST(ShowCommandTest, ParsesTheApiJson) {
  const std::string body = R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","spans":[
    {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",
     "parent_span_id":null,"name":"invoke_agent","kind":"internal",
     "start_unix_nano":"1714564800000000000","end_unix_nano":"1714564802300000000",
     "duration_ns":"2300000000","status":{"code":"error","message":"boom"},
     "service":"svc","agent":"orchestrator","operation":"agent","model":null,"provider":null,
     "tool":null,"input_tokens":1200,"output_tokens":340,"total_tokens":1540,
     "cost_usd":null,"attributes":{},"resource":{},"events":[],"links":[],
     "usage_counted":false},
    {"span_id":"b7ad6b7169203331","parent_span_id":"00f067aa0ba902b7","name":"chat",
     "start_unix_nano":"1714564800100000000","end_unix_nano":"1714564800200000000",
     "status":{"code":"ok","message":""},"model":"gpt-4o","cost_usd":0.0123}]})";
  auto trace = ParseTraceJson(body);
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->trace_id, kTraceId);
  ASSERT_EQ(trace->spans.size(), 2u);
  const WaterfallSpan& a = trace->spans[0];
  EXPECT_EQ(a.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(a.parent_span_id, "");
  EXPECT_EQ(a.start_unix_nano, 1714564800000000000ull);
  EXPECT_EQ(a.end_unix_nano, 1714564802300000000ull);
  EXPECT_TRUE(a.error);
  EXPECT_EQ(a.status_message, "boom");
  EXPECT_EQ(a.agent, "orchestrator");
  EXPECT_EQ(a.model, "");
  EXPECT_EQ(a.input_tokens, 1200);
  EXPECT_EQ(a.output_tokens, 340);
  EXPECT_EQ(a.cost_usd, 0);
  EXPECT_EQ(a.usage_counted, std::optional<bool>(false));
  const WaterfallSpan& b = trace->spans[1];
  EXPECT_EQ(b.parent_span_id, "00f067aa0ba902b7");
  EXPECT_FALSE(b.error);
  EXPECT_EQ(b.model, "gpt-4o");
  EXPECT_DOUBLE_EQ(b.cost_usd, 0.0123);
  EXPECT_EQ(b.usage_counted, std::nullopt);

  EXPECT_FALSE(ParseTraceJson("not json").has_value());
  EXPECT_FALSE(ParseTraceJson(R"({"error":"x"})").has_value());
}

Span MakeSpan(const std::string& span_id, const std::string& parent_id, std::string name,
              uint64_t start_ms, uint64_t end_ms) {
  Span s;
  s.trace_id = *ParseTraceId(kTraceId);
  s.span_id = *ParseSpanId(span_id);
  if (!parent_id.empty()) s.parent_span_id = *ParseSpanId(parent_id);
  s.name = std::move(name);
  s.start_unix_nano = 1'714'564'800'000'000'000ull + start_ms * 1'000'000;
  s.end_unix_nano = 1'714'564'800'000'000'000ull + end_ms * 1'000'000;
  s.derived.service = "fleet";
  return s;
}

TEST(ShowCommandTest, DrawsATraceFromARealServer) {
  TestStore store;
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  {
    // An orchestrator fanning out to two agents in parallel; one of them fails.
    std::vector<Span> spans;
    spans.push_back(MakeSpan("00000000000000a1", "", "invoke_agent orchestrator", 0, 1000));
    spans.back().derived.agent = "orchestrator";
    spans.push_back(
        MakeSpan("00000000000000b1", "00000000000000a1", "invoke_agent researcher", 100, 800));
    spans.back().derived.agent = "researcher";
    spans.push_back(MakeSpan("00000000000000b2", "00000000000000b1", "chat gpt-4o", 150, 700));
    spans.back().derived.agent = "researcher";
    spans.back().derived.model = "gpt-4o";
    spans.back().derived.input_tokens = 1234;
    spans.back().derived.output_tokens = 340;
    spans.back().derived.total_tokens = 1574;
    spans.back().derived.cost_usd = 0.0065;
    spans.push_back(
        MakeSpan("00000000000000c1", "00000000000000a1", "invoke_agent coder", 120, 900));
    spans.back().derived.agent = "coder";
    spans.back().status_code = StatusCodeValue::kError;
    spans.back().status_message = "tests failed";
    ASSERT_TRUE(store->Append(std::move(spans)).ok());
  }
  TestHttpServer server(store.get());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string url = server.url();
  Capture out, err;
  int rc = 1;
  for (int i = 0; i < 100 && rc != 0; ++i) {
    rc =
        ShowCommand({kTraceId, "--server", url, "--width", "120", "--ascii"}, out.get(), err.get());
    if (rc != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(rc, 0) << err.Take();
  const std::string text = out.Take();
  EXPECT_NE(text.find("Trace 4bf92f3577b34da6a3ce929d0e0e4736  invoke_agent orchestrator"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" *|- invoke_agent researcher"), std::string::npos) << text;
  EXPECT_NE(text.find("  |  `- chat gpt-4o"), std::string::npos) << text;
  // The coder gates the root's end: on the critical path ('*').
  EXPECT_NE(text.find("!*`- invoke_agent coder"), std::string::npos) << text;
  EXPECT_NE(text.find("1.2k/340"), std::string::npos) << text;
  EXPECT_NE(text.find("$0.0065"), std::string::npos) << text;
  EXPECT_NE(text.find("ERROR: tests failed"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "not a terminal: no colour";
  EXPECT_EQ(err.Take(), "");

  // Upper-case ids are accepted; --json is the API's answer as it is.
  EXPECT_EQ(ShowCommand({"4BF92F3577B34DA6A3CE929D0E0E4736", "--server", url, "--json"}, out.get(),
                        err.get()),
            0);
  EXPECT_EQ(out.Take().rfind(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","spans":[{)", 0),
            0u);

  // An unknown trace: one line, exit 1.
  EXPECT_EQ(
      ShowCommand({"0123456789abcdef0123456789abcdef", "--server", url}, out.get(), err.get()), 1);
  EXPECT_EQ(err.Take(), "hoptrace show: trace 0123456789abcdef0123456789abcdef not found\n");
  EXPECT_EQ(out.Take(), "");
}

}  // namespace
}  // namespace hoptrace::cli
