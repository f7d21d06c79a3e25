#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "hoptrace/hoptrace.h"

namespace hoptrace {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct QuietLogs {
  std::vector<std::string> lines;
  QuietLogs() {
    SetLogHandler([this](LogLevel, std::string_view m) { lines.emplace_back(m); });
  }
  ~QuietLogs() { ResetLogHandler(); }
};

TEST(EnvConfigTest, ResourcePrecedence) {
  Resource r =
      Resource::Create(Attributes{{"deployment.environment", "code"}},
                       FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES",
                                 "service.name=from-attrs, team=a%20b,deployment.environment=env"},
                                {"OTEL_SERVICE_NAME", "from-service-name"}}));
  EXPECT_EQ(r.GetString("service.name"), "from-service-name");  // beats OTEL_RESOURCE_ATTRIBUTES
  EXPECT_EQ(r.GetString("team"), "a b");                        // percent-decoded
  EXPECT_EQ(r.GetString("deployment.environment"), "code");     // code beats env
  EXPECT_EQ(r.GetString("telemetry.sdk.language"), "cpp");
  EXPECT_EQ(r.GetString("telemetry.sdk.name"), "hoptrace");

  EXPECT_EQ(Resource::Create({}, FakeEnv({})).GetString("service.name"), "unknown_service");
  QuietLogs quiet;
  Resource bad = Resource::Create({}, FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES", "a=1,broken"}}));
  EXPECT_EQ(bad.GetString("a"), "");  // malformed list ignored whole
  EXPECT_FALSE(quiet.lines.empty());
}

TEST(EnvConfigTest, OtlpEndpointsHeadersCompressionTimeout) {
  auto o = OtlpHttpExporterOptions::FromEnvironment(FakeEnv({}));
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.compression, OtlpHttpExporterOptions::Compression::kNone);

  o = OtlpHttpExporterOptions::FromEnvironment(
      FakeEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"},
               {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc,tenant=x%3Dy"},
               {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
               {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"}}));
  EXPECT_EQ(o.endpoint, "http://collector:4318/v1/traces");  // base + /v1/traces
  ASSERT_EQ(o.headers.size(), 2u);
  EXPECT_EQ(o.headers[0], (std::pair<std::string, std::string>{"api-key", "abc"}));
  EXPECT_EQ(o.headers[1], (std::pair<std::string, std::string>{"tenant", "x=y"}));
  EXPECT_EQ(o.compression, OtlpHttpExporterOptions::Compression::kGzip);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(2500));

  o = OtlpHttpExporterOptions::FromEnvironment(
      FakeEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
               {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:9999/custom"},
               {"OTEL_EXPORTER_OTLP_HEADERS", "a=1"},
               {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2"}}));
  EXPECT_EQ(o.endpoint, "http://other:9999/custom");  // used as is
  ASSERT_EQ(o.headers.size(), 1u);
  EXPECT_EQ(o.headers[0].first, "b");  // the traces-specific variable wins

  QuietLogs quiet;
  o = OtlpHttpExporterOptions::FromEnvironment(
      FakeEnv({{"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "x"}}));
  EXPECT_EQ(o.compression, OtlpHttpExporterOptions::Compression::kNone);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(quiet.lines.size(), 2u);
}

TEST(EnvConfigTest, BatchOptionsAndLimits) {
  auto b = BatchOptionsFromEnvironment(FakeEnv({}));
  EXPECT_EQ(b.schedule_delay, std::chrono::milliseconds(5000));
  EXPECT_EQ(b.export_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(b.max_queue_size, 2048u);
  EXPECT_EQ(b.max_export_batch_size, 512u);
  b = BatchOptionsFromEnvironment(FakeEnv({{"OTEL_BSP_SCHEDULE_DELAY", "100"},
                                           {"OTEL_BSP_EXPORT_TIMEOUT", "200"},
                                           {"OTEL_BSP_MAX_QUEUE_SIZE", "300"},
                                           {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "400"}}));
  QuietLogs quiet;
  EXPECT_EQ(b.schedule_delay, std::chrono::milliseconds(100));
  EXPECT_EQ(b.export_timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(b.max_queue_size, 300u);
  EXPECT_EQ(b.max_export_batch_size, 300u);  // clamped to the queue
  b = BatchOptionsFromEnvironment(FakeEnv({{"OTEL_BSP_MAX_QUEUE_SIZE", "-5"}}));
  EXPECT_EQ(b.max_queue_size, 2048u);

  auto l = SpanLimitsFromEnvironment(FakeEnv({{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5"},
                                              {"OTEL_SPAN_EVENT_COUNT_LIMIT", "6"},
                                              {"OTEL_SPAN_LINK_COUNT_LIMIT", "7"},
                                              {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "8"}}));
  EXPECT_EQ(l.attribute_count, 5u);
  EXPECT_EQ(l.event_count, 6u);
  EXPECT_EQ(l.link_count, 7u);
  EXPECT_EQ(l.attribute_value_length, 8u);
}

TEST(EnvConfigTest, SdkDisabledGivesANoopProvider) {
  EnvironmentOptions o;
  o.set_global = false;
  o.env = FakeEnv({{"OTEL_SDK_DISABLED", "TRUE"}});
  auto p = InitFromEnvironment(o);
  EXPECT_FALSE(p->enabled());
  EXPECT_FALSE(p->GetTracer("x").StartSpan("y").IsRecording());
  o.env = FakeEnv({{"OTEL_SDK_DISABLED", "false"}, {"OTEL_TRACES_EXPORTER", "none"}});
  EXPECT_TRUE(InitFromEnvironment(o)->enabled());
}

TEST(EnvConfigTest, SamplerFromEnvironment) {
  EnvironmentOptions o;
  o.set_global = false;
  o.env = FakeEnv({{"OTEL_TRACES_SAMPLER", "always_off"}, {"OTEL_TRACES_EXPORTER", "none"}});
  EXPECT_FALSE(InitFromEnvironment(o)->GetTracer("t").StartSpan("x").IsRecording());
  o.env = FakeEnv({{"OTEL_TRACES_SAMPLER", "traceidratio"},
                   {"OTEL_TRACES_SAMPLER_ARG", "0"},
                   {"OTEL_TRACES_EXPORTER", "none"}});
  EXPECT_FALSE(InitFromEnvironment(o)->GetTracer("t").StartSpan("x").IsRecording());
  QuietLogs quiet;
  o.env = FakeEnv({{"OTEL_TRACES_SAMPLER", "nonsense"}, {"OTEL_TRACES_EXPORTER", "none"}});
  EXPECT_TRUE(InitFromEnvironment(o)->GetTracer("t").StartSpan("x").IsRecording());
  EXPECT_FALSE(quiet.lines.empty());
}

TEST(EnvConfigTest, ConsoleExporterAndGlobal) {
  EnvironmentOptions o;
  o.env = FakeEnv({{"OTEL_TRACES_EXPORTER", "console"}, {"OTEL_SERVICE_NAME", "c"}});
  testing::internal::CaptureStdout();
  auto p = InitFromEnvironment(o);
  EXPECT_EQ(GetTracerProvider(), p);  // set_global defaults to true
  GetTracer("scope").StartSpan("printed").End();
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("span printed"), std::string::npos);
  SetTracerProvider(nullptr);
  EXPECT_FALSE(GetTracerProvider()->enabled());
}

TEST(EnvConfigTest, ConsoleJsonLines) {
  std::ostringstream out;
  ConsoleExporterOptions co;
  co.format = ConsoleExporterOptions::Format::kJsonLines;
  co.out = &out;
  TracerProviderOptions po;
  po.resource = Resource(Attributes{{"service.name", "j"}});
  po.processors.push_back(std::make_shared<SimpleSpanProcessor>(MakeConsoleExporter(co)));
  auto p = TracerProvider::Create(std::move(po));
  {
    Span s = p->GetTracer("t").StartSpan("quote\"d");
    s.SetAttribute("n", 1).SetAttribute("v", std::vector<double>{0.5});
    s.AddEvent("e");
  }
  std::string line = out.str();
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_NE(line.find("\"name\":\"quote\\\"d\""), std::string::npos);
  EXPECT_NE(line.find("\"attributes\":{\"n\":1,\"v\":[0.5]}"), std::string::npos);
  EXPECT_NE(line.find("\"resource\":{\"service.name\":\"j\"}"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace
