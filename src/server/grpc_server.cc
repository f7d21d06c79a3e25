#include "server/grpc_server.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <chrono>

#include "common/thread_pool.h"
#include "otlp/response.h"

namespace hoptrace {
namespace {

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

grpc::StatusCode GrpcCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;  // retryable: the store is full or failing
    default:
      return grpc::StatusCode::INTERNAL;
  }
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    default:
      return std::to_string(static_cast<int>(code));
  }
}

class GrpcServerImpl;

// One Export call: read the single request message, ingest it on the pool (it blocks until the
// spans are durable, which must not hold a gRPC callback thread), write the answer, finish.
class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  ExportReactor(Receiver* receiver, ThreadPool* pool, grpc::GenericCallbackServerContext* ctx)
      : receiver_(receiver), pool_(pool), start_(std::chrono::steady_clock::now()) {
    if (ctx->method() != kExportMethod) {
      Done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "unknown method " + ctx->method() + "; hoptrace serves " + kExportMethod));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed without a message, or the message could not be received (gRPC
      // has already failed the call when it was over the size limit).
      Done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    auto ticket = receiver_->Admit(request_.Length(), 0);
    if (!ticket) {
      Done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server saturated: retry later"));
      return;
    }
    // The ticket is held until the export has been answered.
    auto held = std::make_shared<Receiver::Ticket>(std::move(*ticket));
    (void)pool_->Submit([this, held] { Export(); });
  }

  void OnWriteDone(bool) override {}

  void OnDone() override { delete this; }

 private:
  void Export() {
    std::string body;
    std::vector<grpc::Slice> slices;
    if (!request_.Dump(&slices).ok()) {
      Done(grpc::Status(grpc::StatusCode::INTERNAL, "could not read the request message"));
      return;
    }
    size_t n = 0;
    for (const auto& s : slices) n += s.size();
    body.reserve(n);
    for (const auto& s : slices) body.append(reinterpret_cast<const char*>(s.begin()), s.size());
    request_.Clear();
    auto outcome = receiver_->Ingest(WireFormat::kOtlpProtobuf, body);
    if (!outcome.ok()) {
      Done(grpc::Status(GrpcCode(outcome.status()), outcome.status().message()));
      return;
    }
    const std::string reply =
        EncodeExportResponseProto(outcome->rejected, outcome->first_rejection);
    grpc::Slice slice(reply);
    response_ = grpc::ByteBuffer(&slice, 1);
    Observe(grpc::StatusCode::OK);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void Done(const grpc::Status& status) {
    Observe(status.error_code());
    Finish(status);
  }

  void Observe(grpc::StatusCode code) {
    receiver_->metrics().ObserveRequest(
        "grpc", CodeName(code),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

  Receiver* const receiver_;
  ThreadPool* const pool_;
  const std::chrono::steady_clock::time_point start_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class ExportService final : public grpc::CallbackGenericService {
 public:
  ExportService(Receiver* receiver, ThreadPool* pool) : receiver_(receiver), pool_(pool) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new ExportReactor(receiver_, pool_, ctx);
  }

 private:
  Receiver* const receiver_;
  ThreadPool* const pool_;
};

class GrpcServerImpl final : public GrpcServer {
 public:
  GrpcServerImpl(Receiver* receiver, const GrpcServerOptions& options)
      : options_(options),
        pool_(static_cast<size_t>(std::max(1, options.ingest_threads))),
        service_(receiver, &pool_) {}

  ~GrpcServerImpl() override { Stop(); }

  Status Start(const Receiver& receiver) {
    grpc::ServerBuilder builder;
    const std::string address = options_.host + ":" + std::to_string(options_.port);
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service_);
    const auto limit = receiver.options().max_body_bytes;
    builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(limit, INT32_MAX)));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      server_.reset();
      return UnavailableError("cannot listen for gRPC on " + address +
                              " (in use, or not an address of this machine)");
    }
    return Status::Ok();
  }

  int port() const override { return port_; }

  void Stop() override {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
    server_->Wait();
    server_.reset();
  }

 private:
  const GrpcServerOptions options_;
  ThreadPool pool_;  // destroyed after server_ (declared before it)
  ExportService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(Receiver* receiver,
                                                        const GrpcServerOptions& options) {
  auto server = std::make_unique<GrpcServerImpl>(receiver, options);
  HT_RETURN_IF_ERROR(server->Start(*receiver));
  return std::unique_ptr<GrpcServer>(std::move(server));
}

}  // namespace hoptrace
