#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hoptrace::bench {

namespace {

constexpr size_t kMaxHeaderBytes = 64 << 10;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

StatusOr<LoopbackUrl> ParseLoopbackUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgumentError("URL must start with http://: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("URL needs a port: " + std::string(url));
  }
  LoopbackUrl out;
  out.host = std::string(rest.substr(0, colon));
  std::string port(rest.substr(colon + 1));
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p <= 0 || p > 65535) {
    return InvalidArgumentError("bad port in URL: " + std::string(url));
  }
  out.port = static_cast<uint16_t>(p);
  in_addr addr{};
  bool loopback = out.host == "localhost" || (inet_pton(AF_INET, out.host.c_str(), &addr) == 1 &&
                                              (ntohl(addr.s_addr) >> 24) == 127);
  if (!loopback) {
    return InvalidArgumentError("only loopback hosts (127.x.x.x, localhost) are allowed: " +
                                out.host);
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status HttpClient::Connect() {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return ErrnoToStatus(errno, "socket", url_.host);
  if (timeout_ms_ > 0) {
    // Linux bounds a blocking connect by SO_SNDTIMEO as well.
    timeval tv{.tv_sec = timeout_ms_ / 1000, .tv_usec = (timeout_ms_ % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(url_.port);
  const char* ip = url_.host == "localhost" ? "127.0.0.1" : url_.host.c_str();
  inet_pton(AF_INET, ip, &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    Close();
    return UnavailableError("connect to " + url_.host + ":" + std::to_string(url_.port) + ": " +
                            std::strerror(err));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Status::Ok();
}

Status HttpClient::SendAll(std::string_view data, int flags) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | flags);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UnavailableError(std::string("send: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status HttpClient::Fill() {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return UnavailableError(std::string("recv: ") + std::strerror(errno));
    if (n == 0) return UnavailableError("connection closed by the server");
    buffer_.append(buf, static_cast<size_t>(n));
    return Status::Ok();
  }
}

Status HttpClient::ReadResponse(HttpResponse* response, bool* keep_alive) {
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > kMaxHeaderBytes) return DataLossError("HTTP header too long");
    HT_RETURN_IF_ERROR(Fill());
  }
  std::string_view head(buffer_.data(), header_end);
  // Status line: HTTP/1.1 200 OK
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) {
    return DataLossError("bad HTTP status line: " + std::string(status_line));
  }
  response->status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  response->retry_after.clear();
  *keep_alive = status_line.substr(0, 8) == "HTTP/1.1";
  int64_t content_length = -1;
  bool chunked = false;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      content_length = std::atoll(std::string(value).c_str());
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (EqualsIgnoreCase(name, "connection")) {
      *keep_alive = !EqualsIgnoreCase(value, "close");
    } else if (EqualsIgnoreCase(name, "retry-after")) {
      response->retry_after = std::string(value);
    }
  }
  buffer_.erase(0, header_end + 4);
  std::string& body = response->body;
  body.clear();
  if (chunked) {
    for (;;) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) HT_RETURN_IF_ERROR(Fill());
      size_t size = std::strtoull(buffer_.substr(0, eol).c_str(), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2) HT_RETURN_IF_ERROR(Fill());
      body.append(buffer_, eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;  // (trailers are not used by ClickHouse)
    }
  } else if (content_length >= 0) {
    while (buffer_.size() < static_cast<size_t>(content_length)) HT_RETURN_IF_ERROR(Fill());
    body = buffer_.substr(0, static_cast<size_t>(content_length));
    buffer_.erase(0, static_cast<size_t>(content_length));
  } else {
    // Body until the server closes.
    for (;;) {
      Status s = Fill();
      if (!s.ok()) break;
    }
    body = std::move(buffer_);
    buffer_.clear();
    *keep_alive = false;
  }
  return Status::Ok();
}

StatusOr<std::string> HttpClient::Post(std::string_view target, std::string_view body) {
  return Request("POST", target, "Content-Type: text/plain\r\n", body);
}

StatusOr<std::string> HttpClient::Get(std::string_view target) {
  return Request("GET", target, "", "");
}

StatusOr<std::string> HttpClient::Request(std::string_view method, std::string_view target,
                                          std::string_view headers, std::string_view body) {
  HT_ASSIGN_OR_RETURN(HttpResponse response, Send(method, target, headers, body));
  if (response.status != 200) {
    return InternalError("HTTP " + std::to_string(response.status) + ": " +
                         response.body.substr(0, 500));
  }
  return std::move(response.body);
}

StatusOr<HttpResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        std::string_view headers, std::string_view body) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: " + url_.host + ":" + std::to_string(url_.port) +
                        "\r\nConnection: keep-alive\r\n";
  request += headers;
  if (method != "GET") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = fd_ >= 0;
    if (!reused) HT_RETURN_IF_ERROR(Connect());
    // The head with MSG_MORE: head and body leave in full segments, not a small one first.
    Status sent = SendAll(request, body.empty() ? 0 : MSG_MORE);
    if (sent.ok()) sent = SendAll(body);
    HttpResponse response;
    bool keep_alive = false;
    Status received = sent.ok() ? ReadResponse(&response, &keep_alive) : sent;
    if (!received.ok()) {
      Close();
      if (reused) continue;  // the kept connection was closed: retry once on a new one
      return received;
    }
    if (!keep_alive) Close();
    return response;
  }
  return UnavailableError("HTTP request failed twice");
}

}  // namespace hoptrace::bench
