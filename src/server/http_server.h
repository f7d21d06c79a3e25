// The HTTP listener: OTLP/HTTP (`POST /v1/traces`, protobuf or JSON, gzip), Zipkin v2
// (`POST /api/v2/spans`), the OpenAI Agents exporter (`POST /v1/traces/ingest`), the query API
// (`/api/v1/...`), `/healthz` (DESIGN.md §3).
//
// Thread-safety: Start/Stop from one thread; requests are served on a pool of worker threads.
#pragma once

#include <memory>
#include <string>

#include "normalize/price_table.h"
#include "server/diagnosis_service.h"
#include "server/receiver.h"
#include "storage/span_store.h"

namespace hoptrace {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 4318;                   // 0: an ephemeral port (see port())
  size_t max_body_bytes = 64 << 20;  // after decompression (with a receiver of its own)
  int worker_threads = 32;           // slow clients each hold one
  DiagnosisServiceOptions diagnosis;  // /diagnosis, /stitched, the graphs (budgets: serve flags)
};

class HttpServer {
 public:
  // Binds the port; the server answers once Run() is called.
  static StatusOr<std::unique_ptr<HttpServer>> Bind(SpanStore* store, const PriceTable* prices,
                                                    const HttpServerOptions& options);
  // The same, sharing `receiver` (ingest pipeline, metrics, admission) with other listeners.
  // The receiver's options rule the body size limit. Not owned; must outlive the server.
  static StatusOr<std::unique_ptr<HttpServer>> Bind(Receiver* receiver,
                                                    const HttpServerOptions& options);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  // Serves until Stop(); returns when the listener has stopped.
  virtual void Run() = 0;
  // True once Run() is serving (and until it returns).
  virtual bool IsRunning() const = 0;
  // Stops accepting and lets in-flight requests finish. Safe from another thread.
  virtual void Stop() = 0;
};

}  // namespace hoptrace
