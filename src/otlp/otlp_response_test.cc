#include <gtest/gtest.h>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/response.h"

namespace hoptrace {
namespace {

using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

TEST(OtlpResponseTest, FullSuccessIsAnEmptyMessage) {
  EXPECT_EQ(EncodeExportResponseProto(0, ""), "");
  EXPECT_EQ(EncodeExportResponseJson(0, ""), "{}");
}

TEST(OtlpResponseTest, PartialSuccessProto) {
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(EncodeExportResponseProto(3, "span #0 rejected")));
  ASSERT_TRUE(response.has_partial_success());
  EXPECT_EQ(response.partial_success().rejected_spans(), 3);
  EXPECT_EQ(response.partial_success().error_message(), "span #0 rejected");
  // A warning: nothing rejected, but a message.
  ASSERT_TRUE(response.ParseFromString(EncodeExportResponseProto(0, "slow down")));
  ASSERT_TRUE(response.has_partial_success());
  EXPECT_EQ(response.partial_success().rejected_spans(), 0);
}

TEST(OtlpResponseTest, PartialSuccessJson) {
  EXPECT_EQ(EncodeExportResponseJson(2, "bad \"id\"\n"),
            R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad \"id\"\n"}})");
}

TEST(OtlpResponseTest, RpcStatus) {
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(EncodeRpcStatusProto(3, "invalid JSON at byte 5")));
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "invalid JSON at byte 5");
  EXPECT_EQ(EncodeRpcStatusJson(8, "too big"), R"({"code":8,"message":"too big"})");
}

TEST(OtlpResponseTest, LongMessagesAreCutOnACharacterBoundary) {
  std::string message(kMaxResponseMessage - 1, 'a');
  message += "\xc3\xa9\xc3\xa9";  // "éé" straddles the limit
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(EncodeRpcStatusProto(3, message)));
  EXPECT_EQ(status.message().size(), kMaxResponseMessage - 1);
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(EncodeExportResponseProto(1, message)));
  EXPECT_EQ(response.partial_success().error_message().size(), kMaxResponseMessage - 1);
}

}  // namespace
}  // namespace hoptrace
