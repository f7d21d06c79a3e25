#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <atomic>
#include <functional>
#include <thread>

#include "hoptrace/hoptrace.h"
#include "otlp_test_reader.h"

namespace hoptrace {
namespace {

using std::chrono::milliseconds;
using testing::Gunzip;
using testing::PbMessage;

struct Received {
  std::string content_type, content_encoding, custom_header, body;
  std::size_t content_length = 0;  // on the wire (before the server's own gunzip)
};

// A collector on 127.0.0.1:<ephemeral>. `respond` picks the answer for request n (0-based).
class FakeCollector {
 public:
  using Responder = std::function<void(int n, httplib::Response&)>;
  explicit FakeCollector(Responder respond) : respond_(std::move(respond)) {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      int n;
      {
        std::lock_guard lock(mu_);
        n = static_cast<int>(requests_.size());
        Received r;
        r.content_type = req.get_header_value("Content-Type");
        r.content_encoding = req.get_header_value("Content-Encoding");
        r.custom_header = req.get_header_value("x-api-key");
        r.content_length =
            static_cast<std::size_t>(std::stoul("0" + req.get_header_value("Content-Length")));
        // httplib (built with zlib) already inflates gzip bodies; inflate here if it did not.
        bool gz = req.body.size() >= 2 && req.body[0] == '\x1f' && req.body[1] == '\x8b';
        r.body = gz ? Gunzip(req.body) : req.body;
        requests_.push_back(std::move(r));
      }
      res.status = 200;
      respond_(n, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~FakeCollector() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces";
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  Responder respond_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> requests_;
};

std::vector<std::unique_ptr<SpanData>> OneSpan(std::string name = "op") {
  std::vector<std::unique_ptr<SpanData>> v;
  auto s = std::make_unique<SpanData>();
  s->context = SpanContext(*TraceId::FromHex("0102030405060708090a0b0c0d0e0f10"),
                           *SpanId::FromHex("0102030405060708"), 1, false);
  s->name = std::move(name);
  v.push_back(std::move(s));
  return v;
}

OtlpHttpExporterOptions FastOptions(const FakeCollector& c) {
  OtlpHttpExporterOptions o;
  o.endpoint = c.endpoint();
  o.initial_backoff = milliseconds(10);
  o.max_backoff = milliseconds(50);
  o.timeout = milliseconds(2000);
  return o;
}

struct QuietLogs {
  QuietLogs() { SetLogHandler({}); }
  ~QuietLogs() { ResetLogHandler(); }
};

TEST(OtlpHttpExporterTest, PostsGzipProtobufWithHeaders) {
  FakeCollector c([](int, httplib::Response&) {});
  OtlpHttpExporterOptions o = FastOptions(c);
  o.compression = OtlpHttpExporterOptions::Compression::kGzip;
  o.headers = {{"x-api-key", "secret"}};
  OtlpHttpExporter exporter(o);
  std::string name = "hello" + std::string(4000, 'a');
  EXPECT_EQ(exporter.Export(OneSpan(name), DeadlineAfter(std::chrono::seconds(5))),
            ExportResult::kSuccess);
  auto reqs = c.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].content_type, "application/x-protobuf");
  EXPECT_EQ(reqs[0].content_encoding, "gzip");
  EXPECT_EQ(reqs[0].custom_header, "secret");
  PbMessage span = PbMessage(reqs[0].body).sub(1).sub(2).sub(2);
  EXPECT_EQ(span.str(5), name);
  EXPECT_LT(reqs[0].content_length, 500u);  // compressed on the wire
  EXPECT_EQ(exporter.stats().exported_spans, 1u);
}

TEST(OtlpHttpExporterTest, RetriesOn503HonouringRetryAfter) {
  FakeCollector c([](int n, httplib::Response& res) {
    if (n == 0) {
      res.status = 503;
      res.set_header("Retry-After", "1");
    }
  });
  OtlpHttpExporter exporter(FastOptions(c));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(10))),
            ExportResult::kSuccess);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(950));  // waited for Retry-After, not the 10 ms backoff
  EXPECT_EQ(c.requests().size(), 2u);
  EXPECT_EQ(exporter.stats().retries, 1u);
  EXPECT_EQ(exporter.stats().requests, 2u);
}

TEST(OtlpHttpExporterTest, RetriesEachRetryableStatusWithBackoff) {
  for (int status : {429, 502, 504}) {
    FakeCollector c([status](int n, httplib::Response& res) {
      if (n < 2) res.status = status;
    });
    QuietLogs quiet;
    OtlpHttpExporter exporter(FastOptions(c));
    EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(10))),
              ExportResult::kSuccess)
        << status;
    EXPECT_EQ(c.requests().size(), 3u) << status;
  }
}

TEST(OtlpHttpExporterTest, GivesUpAtTheDeadline) {
  FakeCollector c([](int, httplib::Response& res) { res.status = 503; });
  QuietLogs quiet;
  OtlpHttpExporterOptions o = FastOptions(c);
  o.max_elapsed = milliseconds(400);
  OtlpHttpExporter exporter(o);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(30))),
            ExportResult::kFailure);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_GE(c.requests().size(), 2u);
  EXPECT_EQ(exporter.stats().failed_spans, 1u);

  // The Export deadline bounds it too, and a Retry-After past the deadline is not waited for.
  FakeCollector slow([](int, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "60");
  });
  OtlpHttpExporter e2(FastOptions(slow));
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(e2.Export(OneSpan(), DeadlineAfter(milliseconds(300))), ExportResult::kFailure);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(slow.requests().size(), 1u);
}

TEST(OtlpHttpExporterTest, DoesNotRetryOtherStatuses) {
  FakeCollector c([](int, httplib::Response& res) { res.status = 400; });
  QuietLogs quiet;
  OtlpHttpExporter exporter(FastOptions(c));
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(5))),
            ExportResult::kFailure);
  EXPECT_EQ(c.requests().size(), 1u);
}

TEST(OtlpHttpExporterTest, PartialSuccessIsLoggedNotRetried) {
  FakeCollector c([](int, httplib::Response& res) {
    std::string inner = std::string("\x08\x02\x12\x03", 4) + "bad";
    res.set_content(std::string("\x0a", 1) + static_cast<char>(inner.size()) + inner,
                    "application/x-protobuf");
  });
  std::vector<std::string> logs;
  std::mutex mu;
  SetLogHandler([&](LogLevel, std::string_view m) {
    std::lock_guard lock(mu);
    logs.emplace_back(m);
  });
  OtlpHttpExporter exporter(FastOptions(c));
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(5))),
            ExportResult::kSuccess);
  ResetLogHandler();
  EXPECT_EQ(c.requests().size(), 1u);
  EXPECT_EQ(exporter.stats().rejected_spans, 2u);
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs[0].find("2 spans rejected: bad"), std::string::npos);
}

TEST(OtlpHttpExporterTest, UnreachableCollectorFailsByTheDeadline) {
  QuietLogs quiet;
  OtlpHttpExporterOptions o;
  o.endpoint = "http://127.0.0.1:1/v1/traces";  // nothing listens on port 1
  o.initial_backoff = milliseconds(10);
  o.max_elapsed = milliseconds(300);
  OtlpHttpExporter exporter(o);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(30))),
            ExportResult::kFailure);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
  EXPECT_GE(exporter.stats().requests, 2u);
}

TEST(OtlpHttpExporterTest, ShutdownInterruptsARetryWait) {
  FakeCollector c([](int, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "20");
  });
  QuietLogs quiet;
  OtlpHttpExporter exporter(FastOptions(c));
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(200));
    exporter.Shutdown(DeadlineAfter(milliseconds(10)));
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(60))),
            ExportResult::kFailure);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  stopper.join();
  EXPECT_EQ(exporter.Export(OneSpan(), DeadlineAfter(std::chrono::seconds(1))),
            ExportResult::kFailure);
}

TEST(OtlpHttpExporterTest, InitFromEnvironmentExportsEndToEnd) {
  FakeCollector c([](int, httplib::Response&) {});
  std::map<std::string, std::string> vars = {
      {"OTEL_SERVICE_NAME", "env-agent"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", c.base()},
      {"OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k%201"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
      {"OTEL_BSP_SCHEDULE_DELAY", "50"},
  };
  EnvironmentOptions eo;
  eo.set_global = false;
  eo.env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto provider = InitFromEnvironment(eo);
  { auto agent = genai::InvokeAgent(provider->GetTracer("t"), "planner"); }
  EXPECT_TRUE(provider->ForceFlush(std::chrono::seconds(10)));
  auto reqs = c.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].content_encoding, "gzip");
  EXPECT_EQ(reqs[0].custom_header, "k 1");
  PbMessage rs = PbMessage(reqs[0].body).sub(1);
  bool found = false;
  for (const PbMessage& kv : rs.sub(1).subs(1)) {
    if (kv.str(1) == "service.name") {
      EXPECT_EQ(kv.sub(2).str(1), "env-agent");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(rs.sub(2).sub(2).str(5), "invoke_agent planner");
}

}  // namespace
}  // namespace hoptrace
