// The C++ side of the SDK interop tests (tests/sdk_interop/*.test.mjs): a program that uses only
// the installed-style SDK API (hoptrace/*.h) and talks to the OpenTelemetry JS SDK.
//
//   interop_driver wire          emits a known set of spans (every field, every attribute type,
//                                events, links, status, limits and drops) to the OTLP endpoint of
//                                OTEL_EXPORTER_OTLP_ENDPOINT (gzip when
//                                OTEL_EXPORTER_OTLP_COMPRESSION=gzip), then prints one JSON line
//                                per span with its ids, and a last line with the run's clock
//                                window and the SDK version.
//   interop_driver w3c-extract   reads header cases from stdin ("name: value" lines, a case
//                                ended by a line "---") and prints, per case, one JSON line with
//                                what Extract found (ids, flags, tracestate, baggage).
//   interop_driver w3c-inject    reads context cases from stdin (lines "trace_id HEX",
//                                "span_id HEX", "flags N", "tracestate HEADER",
//                                "baggage KEY<TAB>VALUE<TAB>PROPERTIES", a case ended by "---")
//                                and prints, per case, one JSON line with the headers Inject
//                                wrote.
//   interop_driver cross URL     the cross-process round trip: a root span and a client span
//                                here, POST URL/work with the context in traceparent/baggage
//                                headers and x-callback naming this process's own loopback
//                                server; the JS process calls back GET /callback with its
//                                context, answered under a server span (and a child) here.
//                                Exports to OTEL_EXPORTER_OTLP_ENDPOINT; prints one JSON line
//                                with the trace id and the span ids of this side.
//
// Exit status 0 on success; errors go to stderr with status 1.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hoptrace/hoptrace.h"
#include "hoptrace/otlp_http.h"
#include "hoptrace/version.h"

namespace ht = hoptrace;

namespace {

// JSON string literal: escapes quotes, backslashes and control characters; other bytes
// (UTF-8) pass through.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

ht::SystemTime At(std::uint64_t unix_nanos) {
  return ht::SystemTime(std::chrono::duration_cast<ht::SystemTime::duration>(
      std::chrono::nanoseconds(unix_nanos)));
}

std::uint64_t NowNanos() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string IdsLine(std::string_view name, const ht::Span& span, const ht::SpanContext& parent) {
  return "{\"name\":" + Quote(name) + ",\"trace_id\":" + Quote(span.context().trace_id().ToHex()) +
         ",\"span_id\":" + Quote(span.context().span_id().ToHex()) + ",\"parent_span_id\":" +
         (parent.IsValid() ? Quote(parent.span_id().ToHex()) : std::string("null")) + "}";
}

// ---------------------------------------------------------------------------------------------
// wire

constexpr std::uint64_t kT0 = 1700000000000000000ULL;  // 2023-11-14T22:13:20Z
constexpr std::uint64_t kMs = 1000000ULL;

int Wire() {
  const std::uint64_t window_start = NowNanos();
  // The main provider, configured from OTEL_* like any application; resource attributes of
  // every type given in code.
  std::shared_ptr<ht::TracerProvider> provider = ht::InitFromEnvironment({
      .resource_attributes = {{"host.cores", 2},
                              {"deploy.canary", true},
                              {"deploy.weight", 0.25},
                              {"deploy.regions", std::vector<std::string>{"eu-west", "us-east"}}},
      .set_global = false,
  });
  if (!provider->enabled()) {
    std::cerr << "provider is disabled\n";
    return 1;
  }
  ht::Tracer a = provider->GetTracer("interop.scope.a", "1.2.3",
                                     "https://opentelemetry.io/schemas/1.26.0");
  ht::Tracer b = provider->GetTracer("interop.scope.b");

  // The remote parent, as a server would extract it.
  std::optional<ht::SpanContext> remote = ht::ParseTraceparent(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  if (!remote) {
    std::cerr << "traceparent did not parse\n";
    return 1;
  }
  const ht::Context remote_ctx(*remote, ht::Baggage());
  std::vector<std::string> lines;

  {
    ht::Span root = a.StartSpan("server-root", {.kind = ht::SpanKind::kServer,
                                                .parent = &remote_ctx,
                                                .attributes = {{"http.request.method", "POST"}},
                                                .start_time = At(kT0)});
    lines.push_back(IdsLine("server-root", root, *remote));
    root.SetAttribute("s", "first")
        .SetAttribute("s.empty", "")
        .SetAttribute("s.unicode", "h\xC3\xA9llo \xE2\x80\x94 \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x9A\x80")
        .SetAttribute("s.escapes", std::string("tab\tnl\nnul\0end", 14))
        .SetAttribute("b.true", true)
        .SetAttribute("b.false", false)
        .SetAttribute("i.pos", 42)
        .SetAttribute("i.neg", -7)
        .SetAttribute("i.max", std::numeric_limits<std::int64_t>::max())
        .SetAttribute("i.min", std::numeric_limits<std::int64_t>::min())
        .SetAttribute("i.zero", 0)
        .SetAttribute("i.u64", std::numeric_limits<std::uint64_t>::max())  // saturates
        .SetAttribute("d", 3.25)
        .SetAttribute("d.neg", -0.5)
        .SetAttribute("d.tiny", 1e-300)
        .SetAttribute("d.zero", 0.0)
        .SetAttribute("a.s", std::vector<std::string>{"x", "", "\xC3\xBC"})
        .SetAttribute("a.b", std::vector<bool>{true, false, true})
        .SetAttribute("a.i", std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::max()})
        .SetAttribute("a.d", std::vector<double>{1.5, -2.25, 0.0})
        .SetAttribute("a.empty", std::vector<std::string>{})
        .SetAttribute("s", "replaced");  // same key: replaced in place
    root.AddEvent("ev.one",
                  {{"ev.s", "v"},
                   {"ev.i", 7},
                   {"ev.b", true},
                   {"ev.d", 2.5},
                   {"ev.a", std::vector<std::int64_t>{1, 2}}},
                  At(kT0 + 100 * kMs));
    root.AddEvent("ev.noattrs", {}, At(kT0 + 200 * kMs));
    root.RecordException("std::runtime_error", "disk full", {{"exception.escaped", false}});
    root.AddLink(ht::SpanContext(*ht::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                 *ht::SpanId::FromHex("00f067aa0ba902b7"), 0x01, true,
                                 *ht::TraceState::Parse("a=1")),
                 {{"link.kind", "follows"}, {"link.n", 3}});
    root.AddLink(ht::SpanContext(remote->trace_id(), *ht::SpanId::FromHex("1111111111111111"), 0,
                                 false),
                 {{"link.d", 0.5}, {"link.arr", std::vector<std::string>{"p", "q"}}});
    root.SetStatus(ht::StatusCode::kError, "boom: \xC3\xBCn\xC3\xAF" "code");

    const ht::Context root_ctx = ht::Context().WithSpan(root.context());
    {
      ht::Span client = a.StartSpan("client-child", {.kind = ht::SpanKind::kClient,
                                                     .parent = &root_ctx,
                                                     .start_time = At(kT0 + 10 * kMs)});
      lines.push_back(IdsLine("client-child", client, root.context()));
      client.SetAttribute("peer.service", "llm");
      client.SetStatus(ht::StatusCode::kOk, "ignored with ok");
      {
        // A child through the current context rather than an explicit parent.
        auto scope = client.Activate();
        ht::Span internal = a.StartSpan("internal", {.start_time = At(kT0 + 12 * kMs)});
        lines.push_back(IdsLine("internal", internal, client.context()));
        internal.End(At(kT0 + 13 * kMs));
      }
      client.End(At(kT0 + 20 * kMs));
    }
    {
      ht::Span producer = b.StartSpan(
          "producer", {.kind = ht::SpanKind::kProducer, .parent = &root_ctx,
                       .links = {ht::Link{*remote, {{"from", "start"}}, 0}},
                       .start_time = At(kT0 + 30 * kMs)});
      lines.push_back(IdsLine("producer", producer, root.context()));
      producer.End(At(kT0 + 31 * kMs));
    }
    {
      ht::Span consumer = b.StartSpan("consumer", {.kind = ht::SpanKind::kConsumer,
                                                   .root = true,
                                                   .start_time = At(kT0 + 40 * kMs)});
      lines.push_back(IdsLine("consumer", consumer, ht::SpanContext()));
      consumer.SetStatus(ht::StatusCode::kUnset, "ignored with unset");
      consumer.End(At(kT0 + 40 * kMs));  // zero duration
    }
    root.End(At(kT0 + 1500 * kMs));
  }

  // A second provider with tight limits: truncation and every dropped count. Its own resource,
  // its own exporter (one more request), a simple processor.
  {
    ht::SpanLimits limits{.attribute_count = 2,
                          .event_count = 1,
                          .link_count = 1,
                          .attributes_per_event = 1,
                          .attributes_per_link = 1,
                          .attribute_value_length = 4};
    auto exporter = std::make_shared<ht::OtlpHttpExporter>(
        ht::OtlpHttpExporterOptions::FromEnvironment());
    auto limited = ht::TracerProvider::Create({
        .resource = ht::Resource::Create({{"service.name", "sdk-interop-limits"}}),
        .processors = {std::make_shared<ht::SimpleSpanProcessor>(exporter)},
        .limits = limits,
    });
    ht::Tracer t = limited->GetTracer("interop.limits");
    ht::Span span = t.StartSpan("limited", {.root = true, .start_time = At(kT0 + 2000 * kMs)});
    lines.push_back(IdsLine("limited", span, ht::SpanContext()));
    span.SetAttribute("k1", "a\xC3\xA9\xE2\x82\xAC")  // a é €: 6 bytes, cut to 3 (not 4)
        .SetAttribute("k2", 5)
        .SetAttribute("k3", 1)
        .SetAttribute("k4", 2)
        .SetAttribute("k2", std::vector<std::string>{"xyzzy", "ok"});  // replacing: not a drop
    span.AddEvent("e1", {{"e.a", 1}, {"e.b", 2}}, At(kT0 + 2001 * kMs));
    span.AddEvent("e2", {}, At(kT0 + 2002 * kMs));
    span.AddLink(ht::SpanContext(*ht::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                 *ht::SpanId::FromHex("00f067aa0ba902b7"), 0x01, true),
                 {{"l.a", "longer than four"}, {"l.b", 2}});
    span.AddLink(ht::SpanContext(*ht::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                 *ht::SpanId::FromHex("00f067aa0ba902b8"), 0x01, true));
    span.End(At(kT0 + 2003 * kMs));
    if (!limited->Shutdown(std::chrono::seconds(20))) {
      std::cerr << "limits provider: shutdown failed\n";
      return 1;
    }
  }

  if (!provider->Shutdown(std::chrono::seconds(20))) {
    std::cerr << "shutdown failed (export did not complete)\n";
    return 1;
  }
  for (const std::string& l : lines) std::cout << l << "\n";
  std::cout << "{\"window_start\":\"" << window_start << "\",\"window_end\":\"" << NowNanos()
            << "\",\"sdk_version\":" << Quote(ht::kSdkVersion) << "}\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------
// w3c-extract / w3c-inject

std::string ContextJson(const ht::Context& ctx) {
  const ht::SpanContext& sc = ctx.span_context();
  std::ostringstream o;
  o << "{\"valid\":" << (sc.IsValid() ? "true" : "false");
  if (sc.IsValid()) {
    o << ",\"trace_id\":" << Quote(sc.trace_id().ToHex())
      << ",\"span_id\":" << Quote(sc.span_id().ToHex()) << ",\"flags\":" << int{sc.flags()}
      << ",\"remote\":" << (sc.IsRemote() ? "true" : "false") << ",\"tracestate\":[";
    bool first = true;
    for (const auto& [k, v] : sc.trace_state().members()) {
      o << (first ? "" : ",") << "[" << Quote(k) << "," << Quote(v) << "]";
      first = false;
    }
    o << "]";
  }
  o << ",\"baggage\":[";
  bool first = true;
  for (const ht::Baggage::Entry& e : ctx.baggage().entries()) {
    o << (first ? "" : ",") << "[" << Quote(e.key) << "," << Quote(e.value) << ","
      << Quote(e.properties) << "]";
    first = false;
  }
  o << "]}";
  return o.str();
}

int W3cExtract() {
  std::map<std::string, std::string> headers;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "---") {
      std::cout << ContextJson(ht::Extract(ht::ConstMapCarrier(headers))) << "\n";
      headers.clear();
      continue;
    }
    std::size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      std::cerr << "bad header line: " << line << "\n";
      return 1;
    }
    // Repeated header fields are joined with "," as HTTP allows.
    std::string& v = headers[line.substr(0, colon)];
    if (!v.empty()) v += ',';
    v += line.substr(colon + 2);
  }
  return 0;
}

int W3cInject() {
  ht::TraceId trace_id;
  ht::SpanId span_id;
  int flags = 0;
  ht::TraceState trace_state;
  ht::Baggage baggage;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "---") {
      ht::Context ctx(ht::SpanContext(trace_id, span_id, static_cast<std::uint8_t>(flags), false,
                                      trace_state),
                      baggage);
      std::map<std::string, std::string> headers;
      ht::MapCarrier carrier(headers);
      ht::Inject(ctx, carrier);
      std::cout << "{";
      bool first = true;
      for (const auto& [k, v] : headers) {
        std::cout << (first ? "" : ",") << Quote(k) << ":" << Quote(v);
        first = false;
      }
      std::cout << "}\n";
      trace_id = {};
      span_id = {};
      flags = 0;
      trace_state = {};
      baggage = {};
      continue;
    }
    std::size_t sp = line.find(' ');
    std::string key = line.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "trace_id") {
      trace_id = ht::TraceId::FromHex(value).value_or(ht::TraceId());
    } else if (key == "span_id") {
      span_id = ht::SpanId::FromHex(value).value_or(ht::SpanId());
    } else if (key == "flags") {
      flags = std::stoi(value);
    } else if (key == "tracestate") {
      auto parsed = ht::TraceState::Parse(value);
      if (!parsed) {
        std::cerr << "bad tracestate: " << value << "\n";
        return 1;
      }
      trace_state = *parsed;
    } else if (key == "baggage") {
      std::size_t t1 = value.find('\t');
      std::size_t t2 = value.find('\t', t1 + 1);
      if (t1 == std::string::npos || t2 == std::string::npos) {
        std::cerr << "bad baggage line: " << line << "\n";
        return 1;
      }
      baggage = baggage.Set(value.substr(0, t1), value.substr(t1 + 1, t2 - t1 - 1),
                            value.substr(t2 + 1));
    } else {
      std::cerr << "bad line: " << line << "\n";
      return 1;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// cross

// The callback server is a few lines of POSIX sockets rather than httplib::Server: the
// cpp-httplib of Debian 12 (0.11) percent-decodes request header values, which would hand
// Extract a baggage header that is no longer the one on the wire.
class CallbackServer {
 public:
  using Handler = std::function<void(const std::map<std::string, std::string>& headers)>;

  bool Start(Handler handler) {
    handler_ = std::move(handler);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return false;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
    return true;
  }
  int port() const { return port_; }
  void Stop() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void Serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;  // Stop()
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      std::map<std::string, std::string> headers;
      std::istringstream lines(in.substr(0, in.find("\r\n\r\n")));
      std::string line;
      std::getline(lines, line);  // request line
      bool ok = line.rfind("GET /callback ", 0) == 0;
      while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key;
        for (char ch : line.substr(0, colon)) {
          key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
        }
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
        std::string& slot = headers[key];
        if (!slot.empty()) slot += ',';
        slot += value;
      }
      if (ok) handler_(headers);
      std::string body = ok ? "{\"ok\":true}" : "not found";
      std::string out = std::string(ok ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                        "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      std::size_t off = 0;
      while (off < out.size()) {
        ssize_t n = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::close(c);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

int Cross(const std::string& node_url) {
  std::shared_ptr<ht::TracerProvider> provider = ht::InitFromEnvironment({.set_global = true});
  ht::Tracer tracer = provider->GetTracer("interop.cross", "1.0.0");

  std::mutex mu;
  std::string callback_ids;  // written by the server thread
  CallbackServer server;
  bool started = server.Start([&](const std::map<std::string, std::string>& headers) {
    ht::Context parent = ht::Extract(ht::ConstMapCarrier(headers));
    ht::Span span = tracer.StartSpan("cpp handle /callback",
                                     {.kind = ht::SpanKind::kServer, .parent = &parent});
    std::string user = std::string(parent.baggage().Get("user.id").value_or(""));
    span.SetAttribute("baggage.user.id", user);
    std::string work_id;
    {
      auto scope = span.Activate();
      ht::Span work = tracer.StartSpan("cpp work");
      work.SetAttribute("work.items", 3);
      work_id = work.context().span_id().ToHex();
    }
    std::lock_guard lock(mu);
    callback_ids = "\"callback_parent\":" +
                   Quote(parent.span_context().IsValid() ? parent.span_context().span_id().ToHex()
                                                         : "") +
                   ",\"callback_trace_id\":" + Quote(span.context().trace_id().ToHex()) +
                   ",\"callback_server\":" + Quote(span.context().span_id().ToHex()) +
                   ",\"callback_work\":" + Quote(work_id) +
                   ",\"callback_baggage_user\":" + Quote(user);
  });
  if (!started) {
    std::cerr << "cannot listen on a loopback port\n";
    return 1;
  }

  int status = 0;
  std::string body;
  std::string root_id, client_id, trace_id;
  {
    ht::Span root = tracer.StartSpan("cpp agent run", {.root = true});
    auto root_scope = root.Activate();
    ht::Span client = tracer.StartSpan("POST /work", {.kind = ht::SpanKind::kClient});
    root_id = root.context().span_id().ToHex();
    client_id = client.context().span_id().ToHex();
    trace_id = root.context().trace_id().ToHex();

    ht::Context ctx = ht::Context::Current()
                          .WithSpan(client.context())
                          .WithBaggage(ht::Baggage().Set("user.id", "u 1/\xC3\xA9"));
    std::map<std::string, std::string> headers;
    ht::MapCarrier carrier(headers);
    ht::Inject(ctx, carrier);
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    h.emplace("x-callback", "http://127.0.0.1:" + std::to_string(server.port()) + "/callback");

    httplib::Client cli(node_url);
    cli.set_read_timeout(30, 0);
    auto res = cli.Post("/work", h, "{}", "application/json");
    if (!res) {
      std::cerr << "POST " << node_url << "/work failed: " << httplib::to_string(res.error())
                << "\n";
      client.SetStatus(ht::StatusCode::kError, "request failed");
      status = 1;
    } else {
      client.SetAttribute("http.response.status_code", res->status);
      body = res->body;
      if (res->status != 200) status = 1;
    }
  }
  server.Stop();
  if (!provider->Shutdown(std::chrono::seconds(20))) {
    std::cerr << "shutdown failed (export did not complete)\n";
    status = 1;
  }
  std::lock_guard lock(mu);
  std::cout << "{\"trace_id\":" << Quote(trace_id) << ",\"root\":" << Quote(root_id)
            << ",\"client\":" << Quote(client_id) << ","
            << (callback_ids.empty() ? std::string("\"callback_server\":null") : callback_ids)
            << ",\"node_answer\":" << Quote(body) << "}\n";
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "wire") return Wire();
  if (mode == "w3c-extract") return W3cExtract();
  if (mode == "w3c-inject") return W3cInject();
  if (mode == "cross" && argc > 2) return Cross(argv[2]);
  std::cerr << "usage: interop_driver wire | w3c-extract | w3c-inject | cross URL\n";
  return 2;
}
