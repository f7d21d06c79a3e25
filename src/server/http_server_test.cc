// Starts the real HTTP listener on an ephemeral loopback port over a real embedded store and
// talks to it with an HTTP client.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "otlp/gzip.h"
#include "server/served_store_test.h"

namespace hoptrace {
namespace {

std::string ReadFixture(const std::string& relative) {
  std::ifstream in(std::string(HOPTRACE_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HttpServerTest : public ServedStoreTest {
 protected:
  void SetUp() override {
    ReceiverOptions r;
    r.max_body_bytes = 1 << 20;
    Serve(r);
  }
};

TEST_F(HttpServerTest, OtlpJsonAndProtobufIngestThenReadBack) {
  auto r = client_->Post("/v1/traces", ReadFixture("otel-genai-manual/request.pb"),
                         "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-protobuf");
  // The same spans as JSON: a retry in another encoding is stored once.
  r = client_->Post("/v1/traces", ReadFixture("otel-genai-manual/request.json"),
                    "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto list = client_->Get("/api/v1/traces?limit=5");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_NE(list->body.find("\"span_count\":6"), std::string::npos) << list->body;
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("hoptrace_spans_received_total 12\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("hoptrace_spans_accepted_total 6\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("hoptrace_spans_duplicate_total 6\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("hoptrace_ingest_request_duration_seconds_count 2\n"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("hoptrace_store_spans 6\n"), std::string::npos) << metrics->body;
  auto stats = client_->Get("/api/v1/stats?group_by=agent");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200);
  EXPECT_NE(stats->body.find("\"agent\":\"researcher\""), std::string::npos) << stats->body;
}

TEST_F(HttpServerTest, BadRequestsGetTheirDocumentedAnswers) {
  auto r = client_->Post("/v1/traces", "hello", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  r = client_->Post("/v1/traces", "{not json", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(r->body.empty());
  // 8 KiB on the wire, 2 MiB once decompressed: over the 1 MiB limit, caught while inflating.
  auto bomb = Gzip(std::string(2 << 20, ' '));
  ASSERT_TRUE(bomb.ok());
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  r = client_->Post("/v1/traces", gzip, *bomb, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // An encoding we do not speak.
  httplib::Client fresh("127.0.0.1", server_->port());
  r = fresh.Post("/v1/traces", httplib::Headers{{"Content-Encoding", "snappy"}}, "{}",
                 "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  auto q = client_->Get("/api/v1/traces?limit=abc");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 400);
  EXPECT_NE(q->body.find("limit"), std::string::npos);
  q = client_->Get("/api/v1/traces/ffffffffffffffffffffffffffffffff");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 404);
  q = client_->Get("/healthz");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 200);
}

TEST_F(HttpServerTest, InvalidSpansArePartialSuccessAndValidOnesKept) {
  const std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
    {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000000","name":"bad",
     "startTimeUnixNano":"1","endTimeUnixNano":"2"},
    {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1111111111111111","name":"good",
     "startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]})";
  auto r = client_->Post("/v1/traces", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"rejectedSpans\""), std::string::npos) << r->body;
  auto t = client_->Get("/api/v1/traces/0102030405060708090a0b0c0d0e0f10");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, 200);
  EXPECT_NE(t->body.find("\"good\""), std::string::npos);
  EXPECT_EQ(t->body.find("\"bad\""), std::string::npos);
}

TEST(HttpServerSaturation, SaturatedIngestIsRetryLaterAndQueriesStillAnswer) {
  TestStore store;
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ReceiverOptions ro;
  ro.max_inflight_requests = 1;
  ro.admit_wait_ms = 20;
  TestHttpServer server(store.get(), ro);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client client("127.0.0.1", server.port());
  const std::string body = ReadFixture("otel-genai-manual/request.pb");
  {
    auto held = server.receiver().Admit(1, 0);  // a slow export holds the only slot
    ASSERT_TRUE(held.has_value());
    auto r = client.Post("/v1/traces", body, "application/x-protobuf");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get_header_value("Retry-After"), "1");
    auto q = client.Get("/api/v1/traces?limit=5");  // queries are not held back
    ASSERT_TRUE(q);
    EXPECT_EQ(q->status, 200);
  }
  auto r = client.Post("/v1/traces", body, "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto m = client.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("hoptrace_ingest_saturated_total 1\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("{protocol=\"http\",code=\"503\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace
