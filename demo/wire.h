// How demo agents talk to each other: POST /v1/invoke over loopback HTTP with form-encoded
// fields, the W3C trace context (traceparent, tracestate, baggage) in the request headers.
//
// A delegation is traced on the caller as a `handoff {from} -> {to}` span holding the HTTP CLIENT
// span `POST /v1/invoke`; that client span's context is what the callee extracts, so the
// callee's `invoke_agent {to}` SERVER span is its child (one trace across processes). With
// propagate = false the headers are left out, as a misconfigured client would: the callee then
// starts a trace of its own.
//
// Thread-safety: free functions; Delegate may run on many threads at once (each opens its own
// connection).
#pragma once

#include <hoptrace/propagation.h>
#include <hoptrace/trace.h>
#include <httplib.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::demo {

// A message between agents (and between the launcher and the orchestrator).
using Fields = std::map<std::string, std::string>;

// application/x-www-form-urlencoded, and back (malformed escapes are kept verbatim).
std::string EncodeFields(const Fields& fields);

// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
std::string JsonString(std::string_view s);
Fields DecodeFields(std::string_view body);

// The field `key`, or `fallback`.
std::string Field(const Fields& fields, const std::string& key, std::string fallback = {});

// httplib's request headers as a read-only carrier for hoptrace::Extract.
class RequestHeadersCarrier final : public TextMapCarrier {
 public:
  explicit RequestHeadersCarrier(const httplib::Headers& headers) : headers_(&headers) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view, std::string_view) override {}
  std::vector<std::string> Keys() const override;

 private:
  const httplib::Headers* headers_;
};

struct DelegateOptions {
  bool propagate = true;    // inject traceparent/tracestate/baggage
  std::string_view reason;  // handoff.reason
  int timeout_seconds = 30;
};

struct DelegateResult {
  bool ok = false;      // HTTP 200 with status=ok in the reply
  int http_status = 0;  // 0: no answer
  Fields reply;         // the callee's fields when it answered 200
  std::string error;    // why !ok
};

// Sends `request` to the agent `to` listening at `url` ("http://127.0.0.1:PORT") under the
// current context, traced as described above.
DelegateResult Delegate(const Tracer& tracer, std::string_view from, std::string_view to,
                        const std::string& url, const Fields& request,
                        const DelegateOptions& options = {});

// Plain POST of `fields` to `url` + `path` without tracing (the launcher's calls). Same result
// shape: ok when the answer is 200.
DelegateResult PostFields(const std::string& url, const std::string& path, const Fields& fields,
                          int timeout_seconds);

}  // namespace hoptrace::demo
