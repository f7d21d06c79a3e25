// A minimal instrumented agent: one agent invocation with an LLM call and a tool call, exported
// over OTLP/HTTP to $OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
//
//   OTEL_SERVICE_NAME=minimal-agent OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \
//     ./minimal_agent
#include <hoptrace/hoptrace.h>

#include <cstdio>
#include <string>

namespace genai = hoptrace::genai;

std::string CallModel(const std::string& prompt) { return "read notes.txt for: " + prompt; }
std::string ReadFile(const std::string& path) { return "contents of " + path; }

int main() {
  // OTEL_* variables: service name, endpoint, sampler, batch settings. Also the global provider.
  auto provider =
      hoptrace::InitFromEnvironment({.resource_attributes = {{"service.name", "minimal-agent"}}});
  hoptrace::Tracer tracer = provider->GetTracer("minimal_agent", "1.0");

  auto agent = genai::InvokeAgent(tracer, "researcher", {.conversation_id = "conv-1"});
  auto scope = agent.Activate();  // spans below are children of the agent span
  {
    auto llm = genai::Chat(tracer, "openai", "gpt-4o-mini");
    std::string answer = CallModel("summarise the notes");
    genai::RecordResponse(llm, "gpt-4o-mini-2024-07-18");
    genai::RecordUsage(llm, {.input = 812, .output = 64, .cache_read = 512});
  }
  {
    auto tool = genai::ExecuteTool(tracer, "read_file",
                                   {.call_id = "call_1", .arguments = R"({"path":"notes.txt"})"});
    genai::RecordToolResult(tool, ReadFile("notes.txt"));
  }
  std::printf("trace %s\n", agent.context().trace_id().ToHex().c_str());
  agent.End();
  provider->ForceFlush(std::chrono::seconds(5));
  return 0;  // the provider's destructor flushes anything left
}
