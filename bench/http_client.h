// A minimal HTTP/1.1 client over POSIX sockets, for talking to a local server (ClickHouse's
// HTTP interface) from benchmarks. Loopback only, by design: it refuses other hosts.
// Keeps one connection alive and reconnects once when a kept connection was closed.
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

  // Bounds each connect, send and receive on new connections to `ms` milliseconds (0, the
  // default: no bound). A bound that runs out is an error.
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  StatusOr<std::string> Request(std::string_view method, std::string_view target,
                                std::string_view body);
  Status Connect();
  void Close();
  Status SendAll(std::string_view data);
  StatusOr<std::string> ReadResponse(int* status_code, bool* keep_alive);
  // Reads at least one more byte into buffer_; error on EOF.
  Status Fill();

  LoopbackUrl url_;
  int fd_ = -1;
  int timeout_ms_ = 0;
  std::string buffer_;  // received, not yet consumed
};

}  // namespace hoptrace::bench
