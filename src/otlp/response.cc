#include "otlp/response.h"

#include <limits>

#include "common/json.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace hoptrace {

namespace {

std::string_view Cut(std::string_view s) {
  if (s.size() <= kMaxResponseMessage) return s;
  size_t n = kMaxResponseMessage;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

int64_t Clamp(uint64_t v) {
  return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(v);
}

}  // namespace

std::string EncodeExportResponseProto(uint64_t rejected, std::string_view message) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  if (rejected != 0 || !message.empty()) {
    auto* partial = response.mutable_partial_success();
    partial->set_rejected_spans(Clamp(rejected));
    std::string_view cut = Cut(message);
    partial->set_error_message(cut.data(), cut.size());
  }
  return response.SerializeAsString();
}

std::string EncodeExportResponseJson(uint64_t rejected, std::string_view message) {
  if (rejected == 0 && message.empty()) return "{}";
  // int64 as a decimal string, as proto3 JSON and OTLP/JSON encode 64-bit integers.
  std::string out = "{\"partialSuccess\":{\"rejectedSpans\":\"" + std::to_string(Clamp(rejected)) +
                    "\",\"errorMessage\":";
  AppendJsonString(&out, Cut(message));
  out += "}}";
  return out;
}

std::string EncodeRpcStatusProto(int code, std::string_view message) {
  google::rpc::Status status;
  status.set_code(code);
  std::string_view cut = Cut(message);
  status.set_message(cut.data(), cut.size());
  return status.SerializeAsString();
}

std::string EncodeRpcStatusJson(int code, std::string_view message) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":";
  AppendJsonString(&out, Cut(message));
  out += "}";
  return out;
}

}  // namespace hoptrace
