// Starts the real OTLP/gRPC listener on an ephemeral loopback port over a real embedded store and
// calls it with gRPC's own client (a generic stub sending the fixture's protobuf bytes).
#include "server/grpc_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/span.h"
#include "server/test_server.h"

namespace hoptrace {
namespace {

constexpr const char* kExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

std::string ReadFixture(const std::string& relative) {
  std::ifstream in(std::string(HOPTRACE_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CallResult {
  grpc::Status status;
  std::string response;
};

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.ok()) << store_.status().ToString();
    prices_ = PriceTable::Builtin();
    ReceiverOptions r;
    r.max_body_bytes = 1 << 20;
    r.max_inflight_requests = 4;
    receiver_ = std::make_unique<Receiver>(store_.get(), &prices_, r);
    GrpcServerOptions g;
    g.port = 0;
    auto server = GrpcServer::Start(receiver_.get(), g);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    receiver_.reset();
  }

  CallResult Call(const std::string& method, const std::string& body, bool gzip = false) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    CallResult out;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     std::lock_guard l(mu);
                     out.status = std::move(s);
                     done = true;
                     cv.notify_one();
                   });
    std::unique_lock l(mu);
    cv.wait(l, [&] { return done; });
    std::vector<grpc::Slice> slices;
    if (out.status.ok() && response.Dump(&slices).ok()) {
      for (const auto& s : slices) out.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return out;
  }

  TestStore store_;
  PriceTable prices_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GrpcServerTest, ExportStoresSpansDurablyAndRetriesCountOnce) {
  const std::string body = ReadFixture("otel-genai-manual/request.pb");
  ASSERT_FALSE(body.empty());
  CallResult r = Call(kExport, body);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.response, "");  // full success: an empty ExportTraceServiceResponse
  // The same request again, gzip-compressed: a retry, stored once.
  r = Call(kExport, body, /*gzip=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  auto stats = store_->GetStats();
  EXPECT_EQ(stats.spans, 6u);
  SpanFilter all;
  auto traces = store_->SearchTraces(all, 10);
  ASSERT_TRUE(traces.ok());
  ASSERT_EQ(traces->size(), 1u);
  EXPECT_EQ((*traces)[0].span_count, 6u);
  const std::string metrics = receiver_->metrics().Render(store_->GetStats());
  EXPECT_NE(metrics.find("hoptrace_spans_accepted_total 6\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hoptrace_spans_duplicate_total 6\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("{protocol=\"grpc\",code=\"OK\"} 2\n"), std::string::npos) << metrics;
}

TEST_F(GrpcServerTest, ErrorsGetTheMatchingStatusCodes) {
  // A truncated protobuf message.
  const std::string body = ReadFixture("otel-genai-manual/request.pb");
  CallResult r = Call(kExport, body.substr(0, body.size() / 2));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(r.status.error_message().empty());
  // Over the 1 MiB size limit.
  r = Call(kExport, std::string(2 << 20, '\0'));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Over the limit only once inflated (a gzip bomb): 2 MiB of zero bytes compress to ~2 KiB.
  r = Call(kExport, std::string(2 << 20, '\0'), /*gzip=*/true);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another method.
  r = Call("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", body);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // The server still serves.
  r = Call(kExport, body);
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(store_->GetStats().spans, 6u);
}

TEST_F(GrpcServerTest, InvalidSpansArePartialSuccess) {
  // One span with an all-zero span id: ResourceSpans{ScopeSpans{Span{trace_id, span_id, name}}}.
  auto field = [](int number, const std::string& bytes) {
    std::string out;
    out.push_back(static_cast<char>(number << 3 | 2));
    out.push_back(static_cast<char>(bytes.size()));
    return out + bytes;
  };
  std::string trace_id(16, '\x07');
  std::string span = field(1, trace_id) + field(2, std::string(8, '\0')) + field(5, "bad");
  std::string good = field(1, trace_id) + field(2, std::string(8, '\x01')) + field(5, "good");
  std::string request = field(1, field(2, field(2, span) + field(2, good)));
  CallResult r = Call(kExport, request);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_FALSE(r.response.empty());  // partial_success{rejected_spans: 1, error_message}
  EXPECT_NE(r.response.find('\x08'), std::string::npos);
  EXPECT_EQ(store_->GetStats().spans, 1u);
}

TEST_F(GrpcServerTest, SaturatedServerSaysUnavailable) {
  // Hold every admission slot, as four slow exports would.
  std::vector<Receiver::Ticket> held;
  for (int i = 0; i < 4; ++i) {
    auto t = receiver_->Admit(1, 0);
    ASSERT_TRUE(t.has_value());
    held.push_back(std::move(*t));
  }
  CallResult r = Call(kExport, ReadFixture("otel-genai-manual/request.pb"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  held.clear();
  r = Call(kExport, ReadFixture("otel-genai-manual/request.pb"));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
}

}  // namespace
}  // namespace hoptrace
