// A minimal HTTP/1.1 client over POSIX sockets, for talking to a local server (ClickHouse's
// HTTP interface, `hoptrace serve`) from benchmarks. Loopback only, by design: it refuses other
// hosts. Keeps one connection alive and reconnects once when a kept connection was closed.
//
// Thread-safety: an HttpClient is used from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hoptrace::bench {

struct LoopbackUrl {
  std::string host;  // as given ("127.0.0.1", "localhost")
  uint16_t port = 0;
};

// Parses http://HOST:PORT[/] where HOST is 127.x.x.x or localhost.
StatusOr<LoopbackUrl> ParseLoopbackUrl(std::string_view url);

// Percent-encodes `s` for a URL query value.
std::string UrlEncode(std::string_view s);

// One response, whatever its status.
struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header's value; empty when absent
};

class HttpClient {
 public:
  explicit HttpClient(LoopbackUrl url) : url_(std::move(url)) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `target` (path and query). Returns the response body of a 200; any other
  // status is an error carrying the status and the start of the body.
  StatusOr<std::string> Post(std::string_view target, std::string_view body);
  // GETs `target`; the response as for Post.
  StatusOr<std::string> Get(std::string_view target);

  // Sends one request with the extra header lines `headers` (each ending in "\r\n"; Host and
  // Connection: keep-alive are added, and Content-Length for methods other than GET) and
  // returns the response whatever its status. Errors are transport failures only. As for Post,
  // a kept connection found closed is retried once on a new one.
  StatusOr<HttpResponse> Send(std::string_view method, std::string_view target,
                              std::string_view headers, std::string_view body);

  // Bounds each connect, send and receive on new connections to `ms` milliseconds (0, the
  // default: no bound). A bound that runs out is an error.
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  // Send() for Post and Get: a status other than 200 is an error.
  StatusOr<std::string> Request(std::string_view method, std::string_view target,
                                std::string_view headers, std::string_view body);
  Status Connect();
  void Close();
  // `flags` for send(2) besides MSG_NOSIGNAL (MSG_MORE when more follows at once).
  Status SendAll(std::string_view data, int flags = 0);
  Status ReadResponse(HttpResponse* response, bool* keep_alive);
  // Reads at least one more byte into buffer_; error on EOF.
  Status Fill();

  LoopbackUrl url_;
  int fd_ = -1;
  int timeout_ms_ = 0;
  std::string buffer_;  // received, not yet consumed
};

}  // namespace hoptrace::bench
