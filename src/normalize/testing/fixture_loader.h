// TEST-ONLY: reads the payloads captured from real libraries in ../shared/fixtures/ into Spans
// with exactly the attributes, names, ids, parents and resources they carry, and reads each
// case's expected.json. Not a decoder: it trusts its input and does no validation beyond what
// the tests need (the real decoders live in src/otlp/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace hoptrace::testing {

// $HOPTRACE_FIXTURES when set, else ../shared/fixtures beside the source tree.
std::string FixturesDir();
StatusOr<std::string> ReadTextFile(const std::string& path);

// An OTLP/HTTP JSON body (ExportTraceServiceRequest): every resource, scope and span.
StatusOr<std::vector<Span>> SpansFromOtlpJson(std::string_view json);

// A Zipkin v2 JSON array: tags become string attributes (as Zipkin sends them),
// localEndpoint.serviceName the resource's service.name.
StatusOr<std::vector<Span>> SpansFromZipkinJson(std::string_view json);

// How the native OpenAI Agents span_data is put under openai_agents::kSpanDataPrefix — the
// decoder may choose any; the normaliser must read them all.
//   kFlattened       every object and array flattened into dotted keys
//   kArraysAsJson    objects flattened, arrays as compact JSON text (src/otlp's decoder today)
//   kNested          one kvlist attribute
//   kJsonString      one JSON text attribute
enum class NativeEncoding { kFlattened, kArraysAsJson, kNested, kJsonString };
// The OpenAI Agents SDK's trace-ingest body ({"data":[{object:"trace"...},{object:
// "trace.span"...}]}): one Span per trace.span. Ids map as NativeIdHex says.
StatusOr<std::vector<Span>> SpansFromOpenAiAgentsJson(std::string_view json,
                                                      NativeEncoding encoding);
// "span_<24 hex>" -> its first 16 hex digits; "trace_<32 hex>" -> the 32; hex ids unchanged.
std::string NativeIdHex(std::string_view id);

struct ExpectedSpan {
  std::string span_id;
  std::string parent_span_id;  // empty for null
  std::string name;
  std::string agent, operation, model, provider, tool;  // empty for null
  std::optional<std::string> service;                   // only where expected.json says
  int64_t input_tokens = 0;                             // 0 for null
  int64_t output_tokens = 0;
};
struct Expected {
  int trace_count = 0;
  std::vector<ExpectedSpan> spans;
  int64_t total_input_tokens = 0;
  int64_t total_output_tokens = 0;
};
StatusOr<Expected> ExpectedFromJson(std::string_view json);

}  // namespace hoptrace::testing
