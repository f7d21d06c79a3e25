// The Jaeger-compatible query API (/api/services, /api/services/{s}/operations,
// /api/operations, /api/traces, /api/traces/{id}) against the real HTTP listener on an
// ephemeral loopback port over a real embedded store.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/served_store_test.h"

namespace hoptrace {
namespace {

constexpr char kRecentTrace[] = "00000000000000001122334455667788";
constexpr char kOldTrace[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kOtherTrace[] = "cccccccccccccccccccccccccccccccc";
constexpr uint64_t kSecond = 1'000'000'000;

uint64_t NowNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string Str(std::string_view key, std::string_view value) {
  return R"({"key":")" + std::string(key) + R"(","value":{"stringValue":")" + std::string(value) +
         R"("}})";
}
std::string Int(std::string_view key, int64_t value) {
  return R"({"key":")" + std::string(key) + R"(","value":{"intValue":)" + std::to_string(value) +
         "}}";
}

// One resourceSpans element: a resource with service.name `service` and `spans`.
std::string Resource(std::string_view service, std::string_view extra_attr,
                     const std::string& spans) {
  std::string out = R"({"resource":{"attributes":[)";
  out += Str("service.name", service);
  if (!extra_attr.empty()) out.append(",").append(extra_attr);
  out += R"(]},"scopeSpans":[{"scope":{"name":"fixture","version":"1.0"},"spans":[)";
  out += spans;
  out += "]}]}";
  return out;
}

std::string SpanJson(std::string_view trace, std::string_view span, std::string_view parent,
                     std::string_view name, int kind, uint64_t start, uint64_t duration,
                     const std::string& attrs, const std::string& rest = "") {
  std::string out =
      R"({"traceId":")" + std::string(trace) + R"(","spanId":")" + std::string(span) + "\",";
  if (!parent.empty()) out += R"("parentSpanId":")" + std::string(parent) + "\",";
  out += R"("name":")" + std::string(name) + R"(","kind":)" + std::to_string(kind) +
         R"(,"startTimeUnixNano":")" + std::to_string(start) + R"(","endTimeUnixNano":")" +
         std::to_string(start + duration) + R"(","attributes":[)" + attrs + "]" + rest + "}";
  return out;
}

// Trace kRecentTrace ten minutes ago: an agent span on "svc" and its LLM call on "llm-gw"
// (failed, with an event and a link; no agent of its own: it inherits "researcher"); trace
// kOldTrace three days ago on "svc"; trace kOtherTrace on "my svc/x".
std::string Payload(uint64_t now) {
  const uint64_t recent = now - 600 * kSecond;
  const uint64_t old = now - 3 * 86'400 * kSecond;
  const std::string root = SpanJson(
      kRecentTrace, "a1a2a3a4a5a6a7a8", "", "invoke_agent researcher", 2, recent, 2 * kSecond,
      Str("gen_ai.operation.name", "invoke_agent") + "," + Str("gen_ai.agent.name", "researcher"));
  const std::string llm = SpanJson(
      kRecentTrace, "b1b2b3b4b5b6b7b8", "a1a2a3a4a5a6a7a8", "chat gpt-4o", 3, recent + kSecond / 10,
      kSecond / 2,
      Str("gen_ai.operation.name", "chat") + "," + Str("gen_ai.request.model", "gpt-4o") + "," +
          Str("gen_ai.provider.name", "openai") + "," + Int("gen_ai.usage.input_tokens", 1000) +
          "," + Int("gen_ai.usage.output_tokens", 200),
      R"(,"status":{"code":2,"message":"rate limited"},"events":[{"timeUnixNano":")" +
          std::to_string(recent + kSecond / 5) + R"(","name":"retry","attributes":[)" +
          Int("attempt", 2) + R"(]}],"links":[{"traceId":")" + kOtherTrace +
          R"(","spanId":"c1c2c3c4c5c6c7c8"}])");
  const std::string old_root = SpanJson(
      kOldTrace, "d1d2d3d4d5d6d7d8", "", "invoke_agent writer", 2, old, kSecond / 20,
      Str("gen_ai.operation.name", "invoke_agent") + "," + Str("gen_ai.agent.name", "writer"));
  const std::string other = SpanJson(kOtherTrace, "c1c2c3c4c5c6c7c8", "", "op/with slash", 1,
                                     recent - kSecond, kSecond / 1000, "");
  return R"({"resourceSpans":[)" + Resource("svc", Str("host.name", "h1"), root + "," + old_root) +
         "," + Resource("llm-gw", "", llm) + "," + Resource("my svc/x", "", other) + "]}";
}

class JaegerApiTest : public ServedStoreTest {
 protected:
  void SetUp() override {
    ServedStoreTest::SetUp();
    if (HasFatalFailure()) return;
    auto r = client_->Post("/v1/traces", Payload(NowNanos()), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    ASSERT_EQ(r->body.find("rejected"), std::string::npos) << r->body;
  }
  // GETs `path`, expects `status` and a JSON body, and returns it parsed (valid until the
  // next Get).
  simdjson::dom::element Get(const std::string& path, int status = 200) {
    auto r = client_->Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, status) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    body_ = r->body;
    simdjson::dom::element root;
    if (parser_.parse(body_).get(root)) {
      ADD_FAILURE() << path << ": not JSON: " << body_;
      body_ = "{}";  // lookups then fail (and throw) instead of reading a broken document
      root = parser_.parse(body_);
    }
    return root;
  }

  // The "data" strings of a list answer.
  std::vector<std::string> Strings(const std::string& path) {
    std::vector<std::string> out;
    simdjson::dom::element root = Get(path);
    simdjson::dom::array data;
    if (root["data"].get_array().get(data)) {
      ADD_FAILURE() << path << ": no data array: " << body_;
      return out;
    }
    for (auto v : data) out.emplace_back(std::string_view(v.get_string()));
    EXPECT_EQ(int64_t(root["total"]), static_cast<int64_t>(out.size()));
    EXPECT_TRUE(root["errors"].is_null());
    return out;
  }

  // The trace ids in the "data" of a traces answer, in order.
  std::vector<std::string> TraceIds(const std::string& path) {
    std::vector<std::string> out;
    simdjson::dom::element root = Get(path);
    simdjson::dom::array data;
    if (root["data"].get_array().get(data)) {
      ADD_FAILURE() << path << ": no data array: " << body_;
      return out;
    }
    for (auto t : data) out.emplace_back(std::string_view(t["traceID"].get_string()));
    return out;
  }

  // Expects a Jaeger error envelope with `status` whose message contains `text`.
  void ExpectError(const std::string& path, int status, std::string_view text) {
    simdjson::dom::element root = Get(path, status);
    EXPECT_TRUE(root["data"].is_null()) << body_;
    EXPECT_EQ(int64_t(root["total"]), 0);
    simdjson::dom::array errors;
    ASSERT_FALSE(root["errors"].get_array().get(errors)) << body_;
    ASSERT_EQ(errors.size(), 1u) << body_;
    EXPECT_EQ(int64_t(errors.at(0)["code"]), status);
    const std::string_view msg = errors.at(0)["msg"];
    EXPECT_NE(msg.find(text), std::string_view::npos) << body_;
  }

  simdjson::dom::parser parser_;
  std::string body_;
};

using Strs = std::vector<std::string>;

TEST_F(JaegerApiTest, ServicesAndOperations) {
  EXPECT_EQ(Strings("/api/services"), (Strs{"llm-gw", "my svc/x", "svc"}));
  EXPECT_EQ(Strings("/api/services?prettyPrint=true"), (Strs{"llm-gw", "my svc/x", "svc"}));
  EXPECT_EQ(Strings("/api/services/svc/operations"),
            (Strs{"invoke_agent researcher", "invoke_agent writer"}));
  // A path-escaped service name, as Grafana sends it.
  EXPECT_EQ(Strings("/api/services/my%20svc%2Fx/operations"), (Strs{"op/with slash"}));
  EXPECT_EQ(Strings("/api/services/nobody/operations"), Strs{});

  simdjson::dom::element root = Get("/api/operations?service=llm-gw");
  simdjson::dom::array data = root["data"];
  ASSERT_EQ(data.size(), 1u) << body_;
  EXPECT_EQ(std::string_view(data.at(0)["name"]), "chat gpt-4o");
  EXPECT_EQ(std::string_view(data.at(0)["spanKind"]), "client");
  EXPECT_EQ(int64_t(root["total"]), 1);
  root = Get("/api/operations?service=svc&spanKind=server");
  data = root["data"];
  EXPECT_EQ(data.size(), 2u) << body_;
  root = Get("/api/operations?service=svc&spanKind=client");
  data = root["data"];
  EXPECT_EQ(data.size(), 0u) << body_;

  ExpectError("/api/operations", 400, "service: required");
  ExpectError("/api/operations?service=svc&spanKind=rpc", 400, "spanKind:");
  ExpectError("/api/services?bogus=1", 400, "bogus: unknown parameter");
}

TEST_F(JaegerApiTest, TraceById) {
  simdjson::dom::element root = Get(std::string("/api/traces/") + kRecentTrace);
  simdjson::dom::array data = root["data"];
  ASSERT_EQ(data.size(), 1u);
  EXPECT_TRUE(root["errors"].is_null());
  simdjson::dom::element trace = data.at(0);
  EXPECT_EQ(std::string_view(trace["traceID"]), kRecentTrace);
  simdjson::dom::array spans = trace["spans"];
  ASSERT_EQ(spans.size(), 2u) << body_;
  // Spans in start order: the agent span, then the LLM call.
  simdjson::dom::element agent = spans.at(0);
  simdjson::dom::element llm = spans.at(1);
  EXPECT_EQ(std::string_view(agent["operationName"]), "invoke_agent researcher");
  EXPECT_EQ(std::string_view(llm["spanID"]), "b1b2b3b4b5b6b7b8");
  EXPECT_EQ(int64_t(llm["duration"]), 500'000);
  EXPECT_EQ(int64_t(llm["startTime"]) - int64_t(agent["startTime"]), 100'000);
  EXPECT_EQ(uint64_t(agent["flags"]), 1u);
  simdjson::dom::array refs = llm["references"];
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(std::string_view(refs.at(0)["refType"]), "CHILD_OF");
  EXPECT_EQ(std::string_view(refs.at(0)["spanID"]), "a1a2a3a4a5a6a7a8");
  EXPECT_EQ(std::string_view(refs.at(1)["refType"]), "FOLLOWS_FROM");
  EXPECT_EQ(std::string_view(refs.at(1)["traceID"]), kOtherTrace);
  // Tags: kind, status, and the derived agent fields (the agent inherited from the parent).
  std::map<std::string, std::string> tags;
  for (auto tag : simdjson::dom::array(llm["tags"])) {
    std::string value = simdjson::to_string(tag["value"]);
    tags[std::string(std::string_view(tag["key"]))] = value;
  }
  EXPECT_EQ(tags["span.kind"], R"("client")");
  EXPECT_EQ(tags["error"], "true");
  EXPECT_EQ(tags["otel.status_code"], R"("ERROR")");
  EXPECT_EQ(tags["otel.status_description"], R"("rate limited")");
  EXPECT_EQ(tags["hoptrace.agent"], R"("researcher")");
  EXPECT_EQ(tags["hoptrace.model"], R"("gpt-4o")");
  EXPECT_EQ(tags["hoptrace.input_tokens"], "1000");
  EXPECT_EQ(tags["gen_ai.usage.output_tokens"], "200");
  EXPECT_EQ(tags["otel.scope.name"], R"("fixture")");
  simdjson::dom::array logs = llm["logs"];
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(int64_t(logs.at(0)["timestamp"]) - int64_t(agent["startTime"]), 200'000);
  EXPECT_EQ(std::string_view(logs.at(0)["fields"].at(0)["value"]), "retry");
  // One process per service and resource.
  EXPECT_EQ(std::string_view(agent["processID"]), "p1");
  EXPECT_EQ(std::string_view(llm["processID"]), "p2");
  EXPECT_EQ(std::string_view(trace["processes"]["p1"]["serviceName"]), "svc");
  EXPECT_EQ(std::string_view(trace["processes"]["p1"]["tags"].at(0)["key"]), "host.name");
  EXPECT_EQ(std::string_view(trace["processes"]["p2"]["serviceName"]), "llm-gw");

  // A 64-bit id is left-padded, as Jaeger does; case does not matter.
  EXPECT_EQ(TraceIds("/api/traces/1122334455667788"), Strs{kRecentTrace});
  EXPECT_EQ(TraceIds("/api/traces/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?start=1&end=2&raw=true"),
            Strs{kOldTrace});

  ExpectError("/api/traces/ffffffffffffffffffffffffffffffff", 404, "trace not found");
  ExpectError("/api/traces/xyz", 400, "trace id: want 1 to 32 hex digits, got 'xyz'");
  ExpectError("/api/traces/0102030405060708090a0b0c0d0e0f1011", 400, "trace id:");
  ExpectError(std::string("/api/traces/") + kRecentTrace + "?start=soon", 400, "start:");
}

TEST_F(JaegerApiTest, Search) {
  const uint64_t now_us = NowNanos() / 1000;
  // The default window is the last two days: the old trace is not in it.
  EXPECT_EQ(TraceIds("/api/traces?service=svc"), Strs{kRecentTrace});
  simdjson::dom::element root = Get("/api/traces?service=svc");
  EXPECT_EQ(int64_t(root["total"]), 1);
  EXPECT_TRUE(root["errors"].is_null());
  EXPECT_EQ(simdjson::dom::array(root["data"].at(0)["spans"]).size(), 2u);
  // Newest first.
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0"), (Strs{kRecentTrace, kOldTrace}));
  EXPECT_EQ(TraceIds("/api/traces?service=svc&lookback=7d"), (Strs{kRecentTrace, kOldTrace}));
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0&limit=1"), Strs{kRecentTrace});
  EXPECT_EQ(
      TraceIds("/api/traces?service=svc&start=0&end=" + std::to_string(now_us - 86'400'000'000)),
      Strs{kOldTrace});
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0&operation=invoke_agent%20writer"),
            Strs{kOldTrace});
  // Durations: the agent span takes 2s, the old one 50ms.
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0&minDuration=1.5s"), Strs{kRecentTrace});
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0&maxDuration=100ms"), Strs{kOldTrace});
  // Tags: attributes, the status, and the derived fields.
  EXPECT_EQ(
      TraceIds("/api/traces?service=llm-gw&tags=%7B%22gen_ai.provider.name%22%3A%22openai%22%7D"),
      Strs{kRecentTrace});
  EXPECT_EQ(TraceIds("/api/traces?service=llm-gw&tag=gen_ai.provider.name:anthropic"), Strs{});
  EXPECT_EQ(TraceIds("/api/traces?service=llm-gw&tags=%7B%22error%22%3A%22true%22%7D"),
            Strs{kRecentTrace});
  EXPECT_EQ(TraceIds("/api/traces?service=svc&tag=error:true"), Strs{});
  EXPECT_EQ(TraceIds("/api/traces?service=svc&start=0&tag=hoptrace.agent:writer"), Strs{kOldTrace});
  EXPECT_EQ(TraceIds("/api/traces?service=llm-gw&tag=hoptrace.model:gpt-4o"), Strs{kRecentTrace});

  // traceID=: those traces, missing ones reported in "errors".
  root = Get(std::string("/api/traces?traceID=") + kOldTrace + "&traceID=abc");
  simdjson::dom::array data = root["data"];
  ASSERT_EQ(data.size(), 1u) << body_;
  EXPECT_EQ(std::string_view(data.at(0)["traceID"]), kOldTrace);
  simdjson::dom::array errors = root["errors"];
  ASSERT_EQ(errors.size(), 1u) << body_;
  EXPECT_EQ(std::string_view(errors.at(0)["msg"]), "trace not found");
  EXPECT_EQ(std::string_view(errors.at(0)["traceID"]), "00000000000000000000000000000abc");

  ExpectError("/api/traces", 400, "service: required");
  ExpectError("/api/traces?service=svc&minDuration=100", 400, "minDuration:");
  ExpectError("/api/traces?service=svc&start=yesterday", 400, "start:");
  ExpectError("/api/traces?service=svc&tags=%7Bbad", 400, "tags:");
  ExpectError("/api/traces?service=svc&limit=0", 400, "limit:");
  ExpectError("/api/traces?service=svc&spanKind=server", 400, "spanKind: unknown parameter");
}

}  // namespace
}  // namespace hoptrace
