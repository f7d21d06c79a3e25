// Trace decoders: pure functions from a request body to spans of the shared model
// (model/span.h). No I/O, no server, no store.
//
// Every decoder has the same contract:
// - A body that cannot be read at all (not protobuf / not JSON / wrong top-level shape) is an
//   InvalidArgument error whose message says what is wrong and where, so that the server can
//   answer 400 with it. Nothing is decoded then.
// - Otherwise each span is checked on its own. An invalid span (bad or all-zero ids, end before
//   start, a field of the wrong type...) is left out and counted in `rejected` under a reason;
//   the valid spans of the same request are kept. The server answers 200 with partial_success
//   (rejected, first_rejection) then.
// - Spans come out in request order. Each carries a copy of its resource and scope.
// - Decoders never throw (except std::bad_alloc when memory runs out) and never abort on any
//   input (they are fuzzed); deep nesting is bounded, and sizes by the body size the caller
//   admits (see Gunzip's max_out). The JSON decoders' working memory is a few times the body.
//
// Thread-safety: every function here is thread-safe (no shared mutable state; the JSON decoders
// keep a per-thread parser).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace hoptrace {

// Rejection reasons (keys of DecodedBatch::rejected_by_reason; also the `reason` label of the
// server's rejected-spans metric, so do not rename casually).
inline constexpr std::string_view kRejectInvalidTraceId = "invalid_trace_id";
inline constexpr std::string_view kRejectInvalidSpanId = "invalid_span_id";
inline constexpr std::string_view kRejectInvalidParentSpanId = "invalid_parent_span_id";
inline constexpr std::string_view kRejectEndBeforeStart = "end_before_start";
// A time that is missing where required, or not a valid number / ISO 8601 date.
inline constexpr std::string_view kRejectInvalidTime = "invalid_time";
// A field of the span (or of its attributes, events, links) has the wrong JSON type or an
// unreadable value (bad base64, an int64 out of range...).
inline constexpr std::string_view kRejectMalformedSpan = "malformed_span";

struct DecodedBatch {
  std::vector<Span> spans;  // the valid spans, in request order
  uint64_t rejected = 0;    // spans left out
  std::map<std::string, uint64_t> rejected_by_reason;
  // Human-readable description of the first rejected span, for partial_success.error_message:
  // `span #3 (name "chat") rejected (invalid_trace_id): trace id is 15 bytes, want 16`, where
  // #3 counts the spans of the request from 0. Empty when nothing was rejected.
  std::string first_rejection;
};

// OTLP ExportTraceServiceRequest in protobuf (application/x-protobuf, and the gRPC message).
// Read straight off the wire (no libprotobuf), accepting and rejecting exactly what libprotobuf
// would for proto/**.proto (see otlp_proto_decoder.cc for the rules).
// An empty body is a valid empty request; a body of 2 GiB or more is ResourceExhausted.
// Every AnyValue type is kept (bytes stay bytes).
// Unknown enum values map to kUnspecified (kind) / kUnset (status). A link whose ids are
// invalid is dropped and counted in the span's dropped_links_count. Text that is not valid
// UTF-8 (names, keys, string values...) is repaired, each invalid sequence becoming U+FFFD,
// rather than failing the request (see proto/opentelemetry/proto/common/v1/common.proto).
StatusOr<DecodedBatch> DecodeOtlpProtobuf(std::string_view body);

// OTLP/JSON (application/json), by the OTLP rules (../shared/reference/tracing.md §2.1):
// - trace/span ids are hex in either case; invalid hex rejects that span; a missing or empty
//   parentSpanId means a root;
// - 64-bit integers as JSON numbers or decimal strings; enums as integers (the proto enum names,
//   e.g. "SPAN_KIND_SERVER", are accepted too);
// - lowerCamelCase keys (the proto snake_case names are accepted too); unknown keys ignored;
//   null means absent;
// - bytesValue is base64 (standard or URL-safe alphabet, padding optional);
// - doubleValue is a number, or one of the strings "NaN", "Infinity", "-Infinity" or a decimal
//   string (proto3 JSON).
// The body must be a JSON object in UTF-8; anything else is InvalidArgument (with the byte
// offset of a syntax error when it can be found). A wrong shape above the spans (resourceSpans
// not an array, a bad resource or scope) fails the request; inside a span it rejects the span.
StatusOr<DecodedBatch> DecodeOtlpJson(std::string_view body);

// Zipkin v2 JSON (POST /api/v2/spans): a JSON array of spans.
// - traceId 16 or 32 hex (16 is left-padded with zeros to 16 bytes), id 16 hex, parentId 16 hex
//   or absent/empty for a root;
// - timestamp and duration in microseconds (start = timestamp*1000, end = start+duration*1000;
//   missing duration means end = start; missing timestamp rejects the span as invalid_time);
// - kind CLIENT/SERVER/PRODUCER/CONSUMER, absent or anything else = internal;
// - localEndpoint.serviceName -> resource attribute service.name (one resource per span);
//   remoteEndpoint.serviceName -> attribute peer.service; remote ipv4/ipv6/port ->
//   network.peer.address / network.peer.port (unless a tag of that name exists);
// - tags -> string attributes, kept verbatim (token counts stay strings such as "1200");
// - status: tag otel.status_code ("ERROR"/"OK") wins; else an `error` tag means error; the
//   message is the `error` tag's value (or otel.status_description);
// - annotations -> events {time = timestamp*1000, name = value};
// - debug / shared -> attributes zipkin.debug / zipkin.shared (bools) when true.
StatusOr<DecodedBatch> DecodeZipkinJson(std::string_view body);

// How the OpenAI Agents SDK's own trace export (POST /v1/traces/ingest) is mapped.
struct OpenAIAgentsOptions {
  // Off by default: fixtures/openai-agents-js/openai-agents-native.expected.json (the contract for
  // this format) has no span for the trace object. On: when the body holds a {"object":"trace"}
  // and at least one span of that trace, emit the trace
  // as a root span (named after workflow_name, spanning its spans of this body, appended after
  // all spans) and make it the parent of that trace's spans of this body that have no
  // parent_id. A trace object that arrives in another body than its spans adds nothing (it has
  // no times of its own), and those spans keep their own roots. This gives the same tree as the
  // OpenInference bridge's OTLP export of the same run. When false, the trace object only
  // contributes attributes (openai_agents.workflow_name) to its spans, which is the shape of
  // fixtures/openai-agents-js/openai-agents-native.expected.json.
  bool trace_root_span = false;
};

// The OpenAI Agents SDK trace export:
// {"data":[{"object":"trace","id","workflow_name","group_id","metadata"},
//          {"object":"trace.span","id","trace_id","parent_id","started_at","ended_at",
//           "span_data":{"type",...},"error":{"message","data"}|null}, ...]}
// Mapping (see also OpenAIAgentsTraceId / OpenAIAgentsSpanId for ids):
// - name: span_data.name when it is a non-empty string (agent, function, guardrail, custom);
//   for a custom span with data.sdk_span_type "task", data.name ("Agent workflow"); else
//   span_data.type ("generation", "handoff", "response", ...). The trace root: workflow_name.
// - times: started_at / ended_at, ISO 8601 with any fraction digits and Z or +hh:mm; a missing
//   ended_at means end = start; a missing or bad started_at rejects the span (invalid_time).
// - kind: CLIENT for model calls (generation, response, transcription, speech), else INTERNAL.
// - attributes (prefix kOpenAIAgentsPrefix = "openai_agents."):
//     openai_agents.span_data.<field> for every field of span_data: strings, bools and numbers
//     keep their type (integers as int, others as double); objects are flattened into
//     openai_agents.span_data.<field>.<key>... (so usage counts stay numbers, e.g.
//     openai_agents.span_data.data.usage.input_tokens); arrays and empty objects become their
//     compact JSON text (input, output, handoffs, tools...); nulls are left out.
//     openai_agents.object: "trace.span", or "trace" on the root span made from a trace object;
//     openai_agents.trace_id / openai_agents.span_id / openai_agents.parent_id: the original ids;
//     openai_agents.workflow_name, openai_agents.group_id when the trace object is in the body;
//     on the trace root span also openai_agents.trace.metadata.<key>...;
//     openai_agents.error.data: error.data as JSON text.
// - status: error != null -> kError with error.message; else kUnset.
// - resource: telemetry.sdk.name = "openai-agents"; scope: name "openai-agents".
// Objects other than "trace" and "trace.span" are ignored; an item of `data` that is not an
// object is counted as a rejected span (malformed_span).
StatusOr<DecodedBatch> DecodeOpenAIAgentsJson(std::string_view body,
                                              const OpenAIAgentsOptions& options = {});

inline constexpr std::string_view kOpenAIAgentsPrefix = "openai_agents.";

// Deterministic id mapping for the OpenAI Agents SDK (stable: these ids are persisted).
// The id's text after its last '_' ("trace_<32 hex>" -> the 32 hex digits) is used as the id
// when it is exactly 32 (trace) / 16 (span) hex digits of a non-zero id. Otherwise (the SDK's
// span ids are "span_<24 hex>", custom ids are free text) the id is the first 16 / 8 bytes of
// XXH3-128 (common/hash.h ContentHash, canonical big-endian form: high 64 bits first) of the
// whole original string; an all-zero result gets its last byte set to 1. An empty string maps to
// the all-zero (invalid) id. Pinned by otlp_openai_agents_test.cc.
TraceId OpenAIAgentsTraceId(std::string_view id);
SpanId OpenAIAgentsSpanId(std::string_view id);
// Span id of the root span made from a trace object (see OpenAIAgentsOptions): the mapping above
// applied to "<trace id>#root".
SpanId OpenAIAgentsTraceRootSpanId(std::string_view trace_id);

}  // namespace hoptrace
