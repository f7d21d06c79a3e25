// The OTLP/gRPC listener: `opentelemetry.proto.collector.trace.v1.TraceService/Export`
// (DESIGN.md §3), on gRPC's own server (Debian's libgrpc++). The request message arrives as raw
// bytes (a generic service, so no protobuf object is built) and goes through the same Receiver as
// OTLP/HTTP: the same decoder, normalisation, admission control and metrics. gzip-compressed
// messages (grpc-encoding: gzip) are inflated by gRPC, and the size limit applies after that.
//
// Status codes (tracing.md §2.1): OK with an ExportTraceServiceResponse (partial_success when
// spans were rejected) only once the spans are durable; INVALID_ARGUMENT for a message that
// cannot be read; RESOURCE_EXHAUSTED over the size limit; UNAVAILABLE when saturated or the store
// cannot take writes (retryable); UNIMPLEMENTED for any other method.
//
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <memory>
#include <string>

#include "server/receiver.h"

namespace hoptrace {

struct GrpcServerOptions {
  std::string host = "127.0.0.1";
  int port = 4317;       // 0: an ephemeral port (see port())
  int ingest_threads = 16;  // exports being decoded and stored at once (they wait on fsync)
};

class GrpcServer {
 public:
  // Binds the port and starts serving. The receiver is not owned and must outlive the server.
  static StatusOr<std::unique_ptr<GrpcServer>> Start(Receiver* receiver,
                                                     const GrpcServerOptions& options);
  virtual ~GrpcServer() = default;
  virtual int port() const = 0;
  // Stops accepting, lets in-flight exports finish (up to a deadline), then returns.
  virtual void Stop() = 0;
};

}  // namespace hoptrace
