// JSON documents of the Jaeger-compatible query API (DESIGN.md §3): the shapes of Jaeger's
// query service "api/" HTTP API (v2.20 era, model/json), which Grafana's Jaeger data source and
// the Jaeger UI read.
//
// Every document is the envelope {"data":…,"total":N,"limit":0,"offset":0,"errors":null|[…]}.
// A Trace is
//   {"traceID","spans":[Span],"processes":{"p1":{"serviceName","tags":[KeyValue]}},
//    "warnings":null}
// and a Span
//   {"traceID","spanID","flags":1,"operationName","references":[{"refType","traceID","spanID"}],
//    "startTime","duration","tags":[KeyValue],"logs":[{"timestamp","fields":[KeyValue]}],
//    "processID","warnings":null}
// with times and durations in microseconds (JSON numbers), ids lowercase hex (trace ids always
// 32 digits, span ids 16), KeyValue = {"key","type":"string|bool|int64|float64|binary","value"}.
//
// How an OTLP span maps (as the OpenTelemetry Collector's Jaeger translator does):
//   - the parent is the first reference, CHILD_OF; each link follows as FOLLOWS_FROM;
//   - tags are the span attributes (arrays and maps as JSON text, type string; bytes as
//     base64, type binary; NaN and infinities as text, type string), then span.kind
//     (client, server, producer, consumer, internal; none when unspecified),
//     otel.status_code (OK, ERROR; none when unset), error=true for an error status,
//     otel.status_description, w3c.tracestate, otel.scope.name, otel.scope.version, and the
//     agent fields hoptrace derived (DESIGN.md §4): hoptrace.agent, hoptrace.operation,
//     hoptrace.model, hoptrace.provider, hoptrace.tool, hoptrace.conversation (when not empty),
//     hoptrace.input_tokens, hoptrace.output_tokens, hoptrace.total_tokens (int64, when not 0),
//     hoptrace.cost_usd (float64, when above 0), hoptrace.usage_counted=false on a span whose
//     usage repeats its children's. An added tag is left out when the span has an attribute of
//     that name (error=true still goes in unless the attribute already says true);
//   - events are logs: the event name as field "event" (unless an attribute is named so), then
//     its attributes;
//   - one process per distinct (service, resource attributes) in the trace, numbered p1, p2, …
//     in order of first appearance: serviceName is the derived service ("unknown_service" when
//     there is none), tags the resource attributes other than service.name.
//
// The output is valid JSON whenever the input strings are valid UTF-8 (see common/json.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace hoptrace {

// The span.kind tag value of `kind`: "client", "server", "producer", "consumer", "internal";
// "" for kUnspecified (and in /api/operations, for spans without a kind).
std::string_view JaegerSpanKind(SpanKind kind);

// Appends the Trace object of `spans`, in the given order. REQUIRES: spans of the trace
// `trace_id` (spans of another trace are written as they are).
void AppendJaegerTrace(std::string* out, const TraceId& trace_id, const std::vector<Span>& spans);

// One entry of "errors". `code` 0 and an empty `trace_id` are left out, as Jaeger does.
struct JaegerError {
  int code = 0;
  std::string msg;
  std::string trace_id;
};

// {"data":[Trace…],"total":<traces>,"limit":0,"offset":0,"errors":null or [{"code","msg",
// "traceID"}]}: /api/traces and /api/traces/{id}. Each element of `traces` is one trace's
// spans; empty ones are skipped.
std::string JaegerTracesJson(const std::vector<std::vector<Span>>& traces,
                             const std::vector<JaegerError>& errors = {});

// {"data":["…",…],"total":N,"limit":0,"offset":0,"errors":null}: /api/services and
// /api/services/{service}/operations.
std::string JaegerStringsJson(const std::vector<std::string>& data);

struct JaegerOperation {
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
};

// {"data":[{"name","spanKind"}…],"total":N,"limit":0,"offset":0,"errors":null}:
// /api/operations.
std::string JaegerOperationsJson(const std::vector<JaegerOperation>& operations);

// {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":<code>,"msg":<msg>}]}.
std::string JaegerErrorJson(int code, std::string_view msg);

}  // namespace hoptrace
