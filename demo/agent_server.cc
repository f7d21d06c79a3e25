#include "agent_server.h"

#include <hoptrace/context.h>
#include <hoptrace/export.h>
#include <hoptrace/genai.h>
#include <hoptrace/otlp_http.h>
#include <hoptrace/propagation.h>
#include <hoptrace/provider.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "agents.h"
#include "wire.h"

namespace hoptrace::demo {
namespace {

namespace genai = hoptrace::genai;

constexpr char kFormType[] = "application/x-www-form-urlencoded";

void HandleInvoke(const AgentEnv& env, const httplib::Request& req, httplib::Response& res) {
  // Fault injection for the tests: the named agent crashes instead of answering.
  if (const char* fault = std::getenv("HOPTRACE_DEMO_CRASH");
      fault != nullptr && env.role == fault) {
    std::fprintf(stderr, "hoptrace-agent %s: crashing as HOPTRACE_DEMO_CRASH asks\n",
                 env.role.c_str());
    std::abort();
  }
  const Fields request = DecodeFields(req.body);
  const Context parent = Extract(RequestHeadersCarrier(req.headers));
  const std::string conversation(parent.baggage().Get("task.id").value_or(""));
  Span agent =
      genai::InvokeAgent(env.tracer, env.role,
                         {.agent_id = env.role + "-" + std::to_string(::getpid()),
                          .description = "demo fleet " + env.role,
                          .conversation_id = conversation,
                          .kind = SpanKind::kServer,
                          .span = {.parent = &parent,
                                   .attributes = {{"http.request.method", "POST"},
                                                  {"url.path", req.path},
                                                  {"demo.workspace", env.workspace.root()}}}});
  // Keep the caller's baggage, and start it at the root of a task.
  Baggage baggage = parent.baggage();
  if (env.role == "orchestrator" && !baggage.Get("task.id")) {
    baggage = baggage.Set("task.id", "task-" + agent.context().trace_id().ToHex().substr(0, 8));
    agent.SetAttribute(genai::kConversationId, *baggage.Get("task.id"));
  }
  Scope scope(Context(agent.context(), baggage));
  if (auto task_id = baggage.Get("task.id")) agent.SetAttribute("task.id", *task_id);

  Fields reply = RunAgent(env, request, agent);
  reply["agent"] = env.role;
  reply["trace_id"] = agent.context().trace_id().ToHex();
  if (Field(reply, "status") != "ok") {
    genai::RecordError(agent, "AgentError", Field(reply, "error", "failed"));
  }
  agent.SetAttribute("http.response.status_code", 200);
  agent.End();
  res.set_content(EncodeFields(reply), kFormType);
}

}  // namespace

int ServeAgent(const AgentServerOptions& options) {
  const std::string service = "demo-" + options.role;
  // The provider InitFromEnvironment would build (OTLP/HTTP behind a batch processor, both
  // configured by OTEL_*), assembled here to keep the processor: its counters tell whether every
  // span reached the server.
  auto exporter = std::make_shared<OtlpHttpExporter>(OtlpHttpExporterOptions::FromEnvironment());
  // An agent exports as it works (every 50 ms unless OTEL_BSP_SCHEDULE_DELAY says otherwise),
  // like a long-running service, so the server sees a task while it is still in progress: the
  // runaway-cost finding fires before the fleet is done.
  BatchSpanProcessorOptions batch_options = BatchOptionsFromEnvironment();
  if (std::getenv("OTEL_BSP_SCHEDULE_DELAY") == nullptr)
    batch_options.schedule_delay = std::chrono::milliseconds(50);
  auto batch = std::make_shared<BatchSpanProcessor>(exporter, batch_options);
  TracerProviderOptions provider_options;
  provider_options.resource =
      Resource::Create({{"service.name", service},
                        {"service.namespace", "hoptrace-demo"},
                        {"service.instance.id", service + "-" + std::to_string(::getpid())},
                        {"process.pid", static_cast<std::int64_t>(::getpid())}});
  provider_options.processors = {batch};
  provider_options.limits = SpanLimitsFromEnvironment();
  auto provider = TracerProvider::Create(std::move(provider_options));
  SetTracerProvider(provider);
  AgentEnv env{options.role, provider->GetTracer("hoptrace.demo", "0.1.0"),
               Workspace(options.workspace), options.peers};

  httplib::Server server;
  server.Post("/v1/invoke", [&env](const httplib::Request& req, httplib::Response& res) {
    HandleInvoke(env, req, res);
  });
  server.Post("/v1/shutdown", [&server](const httplib::Request&, httplib::Response& res) {
    res.set_content("status=ok", kFormType);
    server.stop();
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "hoptrace-agent %s: cannot listen on 127.0.0.1\n", options.role.c_str());
    return 1;
  }
  std::printf("listening 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();

  const bool flushed = provider->Shutdown(options.flush_timeout);
  const BatchSpanProcessorStats stats = batch->stats();
  const std::uint64_t lost = stats.dropped_spans + stats.failed_spans + stats.queue_size;
  if (!flushed || lost > 0) {
    std::fprintf(stderr,
                 "hoptrace-agent %s: %llu of %llu spans were not exported%s (the SDK's messages "
                 "above say why)\n",
                 options.role.c_str(), static_cast<unsigned long long>(lost),
                 static_cast<unsigned long long>(lost + stats.exported_spans),
                 flushed ? "" : " before the flush deadline");
    return 3;
  }
  return 0;
}

}  // namespace hoptrace::demo
