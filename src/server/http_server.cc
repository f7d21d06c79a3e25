#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "analysis/analysis.h"
#include "api/analysis_api_json.h"
#include "api/api_json.h"
#include "api/jaeger_json.h"
#include "api/waterfall_json.h"
#include "common/json.h"
#include "common/clock.h"
#include "common/log.h"
#include "normalize/normalize.h"
#include "normalize/price_table.h"
#include "otlp/response.h"
#include "query/jaeger_params.h"
#include "query/query_params.h"
#include "server/analysis_params.h"
#include "server/diagnosis_service.h"
#include "server/ingest.h"
#include "server/metrics.h"
#include "webui/webui.h"

namespace hoptrace {
namespace {

std::string MediaType(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  std::string type = ct.substr(0, ct.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// /api/v1/traces/{id}, and its /waterfall and /stitched views.
bool IsTraceDocument(const std::string& path) {
  constexpr std::string_view kPrefix = "/api/v1/traces/";
  if (path.size() <= kPrefix.size() || path.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  const std::string_view rest = std::string_view(path).substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return true;
  const std::string_view view = rest.substr(slash + 1);
  return view == "waterfall" || view == "stitched";
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(Receiver* receiver, std::unique_ptr<Receiver> owned, HttpServerOptions options)
      : owned_receiver_(std::move(owned)),
        receiver_(receiver),
        store_(receiver->store()),
        metrics_(receiver->metrics()),
        max_body_bytes_(receiver->options().max_body_bytes),
        options_(std::move(options)),
        diagnosis_(store_, options_.diagnosis) {}

  Status Bind() {
    const int threads = options_.worker_threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(1000);
    // An idle keep-alive connection holds a worker thread, and delays a stop, this long.
    server_.set_keep_alive_timeout(2);
    server_.set_read_timeout(std::chrono::seconds(30));
    server_.set_payload_max_length(max_body_bytes_);
    // Response compression (done by the HTTP library for text): never Brotli, whose default
    // quality took 12 s for a 100,000-span trace document; and none for the trace documents
    // (the full trace, /waterfall, /stitched), which are megabytes that gzip at ~10 MB/s, while
    // the server is usually reached over loopback. Assets and small answers keep gzip.
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
      // The request object is the server's own, mutable; the handler type only shows it const.
      auto& headers = const_cast<httplib::Request&>(req).headers;
      auto it = headers.find("Accept-Encoding");
      if (it != headers.end()) {
        if (IsTraceDocument(req.path)) {
          headers.erase(it);
        } else {
          it->second = it->second.find("gzip") != std::string::npos ? "gzip" : "";
        }
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    Routes();
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
      if (port_ < 0)
        return UnavailableError("cannot listen on " + options_.host + ": no free port");
    } else {
      if (!server_.bind_to_port(options_.host, options_.port)) {
        return UnavailableError("cannot listen on " + options_.host + ":" +
                                std::to_string(options_.port) +
                                " (in use, or not an address of this machine)");
      }
      port_ = options_.port;
    }
    return Status::Ok();
  }

  int port() const override { return port_; }
  void Run() override { server_.listen_after_bind(); }
  bool IsRunning() const override { return server_.is_running(); }
  void Stop() override { server_.stop(); }

 private:
  // Checks what can be checked before reading the body: the encoding and the declared length.
  // Returns false after writing the error response (the connection is then closed, since the
  // body stays unread).
  bool CheckBodyHeaders(const httplib::Request& req, httplib::Response& res) {
    std::string encoding = req.get_header_value("Content-Encoding");
    for (auto& c : encoding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!encoding.empty() && encoding != "identity" && encoding != "gzip" &&
        encoding != "deflate") {
      res.status = 415;
      res.set_header("Connection", "close");
      res.set_content(
          ErrorJson("unsupported Content-Encoding '" + req.get_header_value("Content-Encoding") +
                    "': send gzip or no encoding"),
          "application/json");
      return false;
    }
    const std::string length = req.get_header_value("Content-Length");
    if (!length.empty() && length.size() < 20 &&
        length.find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(length) > max_body_bytes_) {
      res.status = 413;
      res.set_header("Connection", "close");
      res.set_content(ErrorJson("request body of " + length + " bytes exceeds the limit of " +
                                std::to_string(max_body_bytes_) + " bytes"),
                      "application/json");
      return false;
    }
    return true;
  }

  // Reads the (already decompressed) body, refusing more than max_body_bytes.
  bool ReadBody(const httplib::ContentReader& reader, std::string* body, bool* too_large) {
    *too_large = false;
    return reader([&](const char* data, size_t n) {
      if (body->size() + n > max_body_bytes_) {
        *too_large = true;
        return false;
      }
      body->append(data, n);
      return true;
    });
  }

  // Runs an ingest handler and records its answer and latency.
  template <typename Fn>
  void Measured(httplib::Response& res, Fn fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    metrics_.ObserveRequest(
        "http", std::to_string(res.status),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  // Reserves room for the request before its body is read; on saturation answers 503 with
  // Retry-After (the connection is closed, since the body stays unread).
  std::optional<Receiver::Ticket> Admit(const httplib::Request& req, httplib::Response& res,
                                        bool rpc_status_json, bool rpc_status_proto) {
    size_t declared = kUnknownLengthCharge;
    const std::string length = req.get_header_value("Content-Length");
    if (!length.empty() && length.size() < 20 &&
        length.find_first_not_of("0123456789") == std::string::npos) {
      declared = std::stoull(length);
    }
    // A gzip body inflates: charge it as if it were several times larger.
    if (!req.get_header_value("Content-Encoding").empty()) declared *= 4;
    auto ticket = receiver_->Admit(std::min(declared, max_body_bytes_));
    if (!ticket) {
      const std::string message = "server saturated: retry later";
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_header("Connection", "close");
      if (rpc_status_json) {
        res.set_content(EncodeRpcStatusJson(14, message), "application/json");
      } else if (rpc_status_proto) {
        res.set_content(EncodeRpcStatusProto(14, message), "application/x-protobuf");
      } else {
        res.set_content(ErrorJson(message), "application/json");
      }
    }
    return ticket;
  }

  void OtlpExport(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader) {
    const std::string type = MediaType(req);
    const bool proto = type == "application/x-protobuf" || type == "application/protobuf";
    const bool json = type == "application/json";
    auto reply_status = [&](int http, int rpc_code, const std::string& message) {
      res.status = http;
      if (json) {
        res.set_content(EncodeRpcStatusJson(rpc_code, message), "application/json");
      } else {
        res.set_content(EncodeRpcStatusProto(rpc_code, message), "application/x-protobuf");
      }
    };
    if (!proto && !json) {
      res.status = 415;
      res.set_content(
          ErrorJson("unsupported Content-Type '" + req.get_header_value("Content-Type") +
                    "': use application/x-protobuf or application/json"),
          "application/json");
      return;
    }
    if (!CheckBodyHeaders(req, res)) return;
    auto ticket = Admit(req, res, json, proto);
    if (!ticket) return;
    std::string body;
    bool too_large = false;
    if (!ReadBody(reader, &body, &too_large)) {
      res.set_header("Connection", "close");  // the rest of the body is unread
      if (too_large) {
        reply_status(413, 8,
                     "request body exceeds " + std::to_string(max_body_bytes_) +
                         " bytes (after decompression)");
      } else {
        reply_status(400, 3,
                     "could not read the request body (truncated, or a corrupt gzip stream)");
      }
      return;
    }
    auto outcome =
        receiver_->Ingest(proto ? WireFormat::kOtlpProtobuf : WireFormat::kOtlpJson, body);
    if (!outcome.ok()) {
      const Status& s = outcome.status();
      int http = HttpStatusFor(s);
      if (http == 503) res.set_header("Retry-After", "1");
      reply_status(http, s.code() == StatusCode::kInvalidArgument ? 3 : 14, s.message());
      return;
    }
    std::string message = outcome->first_rejection;
    res.status = 200;
    if (json) {
      res.set_content(EncodeExportResponseJson(outcome->rejected, message), "application/json");
    } else {
      res.set_content(EncodeExportResponseProto(outcome->rejected, message),
                      "application/x-protobuf");
    }
  }

  void JsonIngest(WireFormat format, int ok_status, const httplib::Request& req,
                  httplib::Response& res, const httplib::ContentReader& reader) {
    if (MediaType(req) != "application/json") {
      res.status = 415;
      res.set_content(ErrorJson("unsupported Content-Type: use application/json"),
                      "application/json");
      return;
    }
    if (!CheckBodyHeaders(req, res)) return;
    auto ticket = Admit(req, res, false, false);
    if (!ticket) return;
    std::string body;
    bool too_large = false;
    if (!ReadBody(reader, &body, &too_large)) {
      res.set_header("Connection", "close");  // the rest of the body is unread
      res.status = too_large ? 413 : 400;
      res.set_content(
          ErrorJson(too_large ? "request body too large" : "could not read the request body"),
          "application/json");
      return;
    }
    auto outcome = receiver_->Ingest(format, body);
    if (!outcome.ok()) {
      res.status = HttpStatusFor(outcome.status());
      if (res.status == 503) res.set_header("Retry-After", "1");
      res.set_content(ErrorJson(outcome.status().message()), "application/json");
      return;
    }
    res.status = ok_status;
    res.set_content("{}", "application/json");
  }

  void Routes() {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
      Measured(res, [&] { OtlpExport(req, res, reader); });
    });
    server_.Post("/api/v2/spans", [this](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) {
      Measured(res, [&] { JsonIngest(WireFormat::kZipkinJson, 202, req, res, reader); });
    });
    server_.Post("/v1/traces/ingest", [this](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
      Measured(res, [&] { JsonIngest(WireFormat::kOpenAIAgentsJson, 200, req, res, reader); });
    });
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.Render(store_->GetStats()), "text/plain; version=0.0.4");
    });
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+))", [this](const httplib::Request& req,
                                                           httplib::Response& res) {
      auto id = ParseTraceId(req.matches[1].str());
      if (!id)
        return Error(res, 400, "trace id: want 32 hex digits, got '" + req.matches[1].str() + "'");
      // ?stitched=true: the trace's broken-propagation group (the /stitched view).
      auto params = Params(req);
      auto stitched = params.ok() ? ParseSingleBool(*params, "stitched") : params.status();
      if (!stitched.ok()) return Error(res, 400, stitched.status().message());
      if (*stitched) return StitchedView(*id, res);
      auto spans = store_->GetTrace(*id);
      if (!spans.ok()) return Error(res, HttpStatusFor(spans.status()), spans.status().message());
      // Spans that arrived before their parent get the agent they inherit at read time too.
      ResolveTrace(&*spans);
      res.set_content(TraceJson(*id, *spans), "application/json");
    });
    AnalysisRoutes();
    WebUiRoutes();
    server_.Get("/api/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return Error(res, 400, params.status().message());
      auto search = ParseTraceSearch(*params, NowUnixNano());
      if (!search.ok()) return Error(res, 400, search.status().message());
      auto traces = store_->SearchTraces(search->filter, search->limit);
      if (!traces.ok())
        return Error(res, HttpStatusFor(traces.status()), traces.status().message());
      res.set_content(TraceSummariesJson(*traces), "application/json");
    });
    server_.Get("/api/v1/stats", [this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return Error(res, 400, params.status().message());
      auto stats = ParseStats(*params, NowUnixNano());
      if (!stats.ok()) return Error(res, 400, stats.status().message());
      auto rows = store_->Aggregate(stats->request);
      if (!rows.ok()) return Error(res, HttpStatusFor(rows.status()), rows.status().message());
      res.set_content(StatsJson(stats->request.group_by, *rows), "application/json");
    });
    // The Jaeger query service's "api/" HTTP API (DESIGN.md §3) for Grafana's Jaeger data
    // source and the Jaeger UI: Jaeger's JSON envelope, errors included.
    auto jaeger_error = [](httplib::Response& res, int status, const std::string& message) {
      res.status = status;
      res.set_content(JaegerErrorJson(status, message), "application/json");
    };
    server_.Get("/api/services", [=, this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      const Status checked = params.ok() ? CheckJaegerListParams(*params) : params.status();
      if (!checked.ok()) return jaeger_error(res, 400, checked.message());
      AggregateRequest request;
      request.group_by = {GroupKey{GroupField::kService, ""}};
      request.with_percentiles = false;
      request.with_cost = false;
      auto rows = store_->Aggregate(request);
      if (!rows.ok())
        return jaeger_error(res, HttpStatusFor(rows.status()), rows.status().message());
      std::vector<std::string> services;
      for (AggregateRow& row : *rows) {
        if (!row.key.empty() && !row.key[0].empty()) services.push_back(std::move(row.key[0]));
      }
      res.set_content(JaegerStringsJson(services), "application/json");
    });
    server_.Get(R"(/api/services/(.+)/operations)", [=, this](const httplib::Request& req,
                                                              httplib::Response& res) {
      auto params = Params(req);
      const Status checked = params.ok() ? CheckJaegerListParams(*params) : params.status();
      if (!checked.ok()) return jaeger_error(res, 400, checked.message());
      auto operations = JaegerOperationsOf(req.matches[1].str(), /*with_kinds=*/false);
      if (!operations.ok()) {
        return jaeger_error(res, HttpStatusFor(operations.status()), operations.status().message());
      }
      std::vector<std::string> names;
      for (JaegerOperation& op : *operations) names.push_back(std::move(op.name));
      res.set_content(JaegerStringsJson(names), "application/json");
    });
    server_.Get("/api/operations", [=, this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return jaeger_error(res, 400, params.status().message());
      auto query = ParseJaegerOperations(*params);
      if (!query.ok()) return jaeger_error(res, 400, query.status().message());
      auto operations = JaegerOperationsOf(query->service, /*with_kinds=*/true);
      if (!operations.ok()) {
        return jaeger_error(res, HttpStatusFor(operations.status()), operations.status().message());
      }
      if (query->span_kind) {
        std::erase_if(*operations,
                      [&](const JaegerOperation& op) { return op.kind != *query->span_kind; });
      }
      res.set_content(JaegerOperationsJson(*operations), "application/json");
    });
    server_.Get(
        R"(/api/traces/(.+))", [=, this](const httplib::Request& req, httplib::Response& res) {
          auto params = Params(req);
          const Status checked = params.ok() ? CheckJaegerGetTraceParams(*params) : params.status();
          if (!checked.ok()) return jaeger_error(res, 400, checked.message());
          const std::string text = req.matches[1].str();
          const std::optional<TraceId> id = ParseJaegerTraceId(text);
          if (!id) {
            return jaeger_error(
                res, 400, "trace id: want 1 to 32 hex digits, got '" + text.substr(0, 64) + "'");
          }
          auto spans = store_->GetTrace(*id);
          if (!spans.ok()) {
            const bool missing = spans.status().code() == StatusCode::kNotFound;
            return jaeger_error(res, HttpStatusFor(spans.status()),
                                missing ? "trace not found" : spans.status().message());
          }
          ResolveTrace(&*spans);  // as for /api/v1/traces/{id}
          std::vector<std::vector<Span>> traces;
          traces.push_back(std::move(*spans));
          res.set_content(JaegerTracesJson(traces), "application/json");
        });
    server_.Get("/api/traces", [=, this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return jaeger_error(res, 400, params.status().message());
      auto search = ParseJaegerTraceSearch(*params, NowUnixNano());
      if (!search.ok()) return jaeger_error(res, 400, search.status().message());
      // traceID=… fetches those traces (missing ones reported in "errors", as Jaeger does);
      // otherwise the newest traces with a matching span.
      const bool by_id = !search->trace_ids.empty();
      std::vector<TraceId> ids = search->trace_ids;
      if (!by_id) {
        auto found = store_->SearchTraces(search->filter, search->limit);
        if (!found.ok()) {
          return jaeger_error(res, HttpStatusFor(found.status()), found.status().message());
        }
        for (const TraceSummary& t : *found) ids.push_back(t.trace_id);
      }
      std::vector<std::vector<Span>> traces;
      std::vector<JaegerError> errors;
      for (const TraceId& id : ids) {
        auto spans = store_->GetTrace(id);
        if (spans.ok()) {
          ResolveTrace(&*spans);
          traces.push_back(std::move(*spans));
        } else if (spans.status().code() != StatusCode::kNotFound) {
          return jaeger_error(res, HttpStatusFor(spans.status()), spans.status().message());
        } else if (by_id) {
          errors.push_back({0, "trace not found", ToHex(id)});
        }  // else dropped by retention since the search: left out
      }
      res.set_content(JaegerTracesJson(traces, errors), "application/json");
    });
  }

  // The operations (span names) of `service`, sorted by name. With `with_kinds`, each carries
  // the kind of its newest span (Jaeger lists one entry per name and kind; hoptrace keeps no
  // such index, so a name used with several kinds shows the latest).
  StatusOr<std::vector<JaegerOperation>> JaegerOperationsOf(const std::string& service,
                                                            bool with_kinds) {
    AggregateRequest request;
    request.filter.service = service;
    request.group_by = {GroupKey{GroupField::kName, ""}};
    request.with_percentiles = false;
    request.with_cost = false;
    HT_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, store_->Aggregate(request));
    std::vector<JaegerOperation> operations;
    for (AggregateRow& row : rows) {
      if (row.key.empty() || row.key[0].empty()) continue;
      JaegerOperation op{std::move(row.key[0]), SpanKind::kUnspecified};
      if (with_kinds) {
        SpanFilter filter;
        filter.service = service;
        filter.name = op.name;
        HT_ASSIGN_OR_RETURN(std::vector<Span> newest,
                            store_->SearchSpans(filter, SpanOrder::kNewestFirst, 1));
        if (!newest.empty()) op.kind = newest.front().kind;
      }
      operations.push_back(std::move(op));
    }
    return operations;
  }

  // The diagnosis endpoints (issue 6, docs/api.md).
  void AnalysisRoutes() {
    // The trace id of a /api/v1/traces/{id}/... route, or a 400 written.
    auto trace_id = [](const httplib::Request& req,
                       httplib::Response& res) -> std::optional<TraceId> {
      auto id = ParseTraceId(req.matches[1].str());
      if (!id) Error(res, 400, "trace id: want 32 hex digits, got '" + req.matches[1].str() + "'");
      return id;
    };
    auto no_params = [](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      Status s = params.status();
      if (s.ok() && !params->empty())
        s = ParamError(params->front().first, "unknown parameter", params->front().second);
      if (!s.ok()) Error(res, 400, s.message());
      return s.ok();
    };
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+)/diagnosis)",
                [=, this](const httplib::Request& req, httplib::Response& res) {
                  auto id = trace_id(req, res);
                  if (!id || !no_params(req, res)) return;
                  auto d = diagnosis_.Diagnose(*id);
                  if (!d.ok()) return Error(res, HttpStatusFor(d.status()), d.status().message());
                  // Findings computed on demand are recorded too (/api/v1/findings).
                  RecordFindings(receiver_->findings(), &metrics_, *id, d->findings,
                                 NowUnixNano(), /*log_new=*/false);
                  res.set_content(analysis::DiagnosisJson(*d), "application/json");
                });
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+)/stitched)",
                [=, this](const httplib::Request& req, httplib::Response& res) {
                  auto id = trace_id(req, res);
                  if (!id || !no_params(req, res)) return;
                  StitchedView(*id, res);
                });
    // The web UI's waterfall: the trace (or its stitched group) as compact columns.
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+)/waterfall)",
                [=, this](const httplib::Request& req, httplib::Response& res) {
                  auto id = trace_id(req, res);
                  if (!id) return;
                  auto params = Params(req);
                  auto stitched =
                      params.ok() ? ParseSingleBool(*params, "stitched") : params.status();
                  if (!stitched.ok()) return Error(res, 400, stitched.status().message());
                  if (*stitched) {
                    auto group = diagnosis_.Stitch(*id);
                    if (!group.ok())
                      return Error(res, HttpStatusFor(group.status()), group.status().message());
                    return res.set_content(
                        WaterfallJson(*id, &group->group, std::move(group->spans)),
                        "application/json");
                  }
                  auto spans = diagnosis_.ResolvedTrace(*id);
                  if (!spans.ok())
                    return Error(res, HttpStatusFor(spans.status()), spans.status().message());
                  res.set_content(WaterfallJson(*id, nullptr, std::move(*spans)),
                                  "application/json");
                });
    // One span in full (the UI's detail panel), as in /api/v1/traces/{id}.
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+)/spans/([0-9A-Za-z]+))",
                [=, this](const httplib::Request& req, httplib::Response& res) {
                  auto id = trace_id(req, res);
                  if (!id || !no_params(req, res)) return;
                  auto span_id = ParseSpanId(req.matches[2].str());
                  if (!span_id)
                    return Error(res, 400, "span id: want 16 hex digits, got '" +
                                               req.matches[2].str() + "'");
                  auto spans = diagnosis_.ResolvedTrace(*id);
                  if (!spans.ok())
                    return Error(res, HttpStatusFor(spans.status()), spans.status().message());
                  for (const Span& s : *spans) {
                    if (s.span_id != *span_id) continue;
                    std::string out;
                    AppendSpanJson(&out, s);
                    return res.set_content(out, "application/json");
                  }
                  Error(res, 404,
                        "span " + req.matches[2].str() + " not found in trace " + ToHex(*id));
                });
    // Whether the server prices each model (the UI lists unpriced models as such).
    server_.Get("/api/v1/prices", [this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return Error(res, 400, params.status().message());
      const PriceTable* prices = receiver_->prices();
      std::string out = "{\"as_of\":";
      AppendJsonString(&out, prices ? prices->as_of() : std::string());
      out.append(",\"models\":[");
      bool first = true;
      for (const auto& [name, value] : *params) {
        if (name != "model")
          return Error(res, 400, ParamError(name, "unknown parameter (want model=NAME, repeated)",
                                            value).message());
        const ModelPrice* p = prices ? prices->Lookup(value) : nullptr;
        if (!first) out.push_back(',');
        first = false;
        out.append("{\"model\":");
        AppendJsonString(&out, value);
        out.append(",\"priced\":");
        out.append(p ? "true" : "false");
        if (p) {
          out.append(",\"price_model\":");
          AppendJsonString(&out, p->model);
          out.append(",\"input_usd_per_mtok\":");
          out.append(JsonNumber(p->input_per_mtok, true));
          out.append(",\"output_usd_per_mtok\":");
          out.append(JsonNumber(p->output_per_mtok, true));
        }
        out.push_back('}');
      }
      out.append("]}");
      res.set_content(out, "application/json");
    });
    server_.Get(R"(/api/v1/traces/([0-9A-Za-z]+)/graph)",
                [=, this](const httplib::Request& req, httplib::Response& res) {
                  auto id = trace_id(req, res);
                  if (!id) return;
                  auto params = Params(req);
                  auto tools = params.ok() ? ParseSingleBool(*params, "tools") : params.status();
                  if (!tools.ok()) return Error(res, 400, tools.status().message());
                  auto g = diagnosis_.TraceGraph(*id, *tools);
                  if (!g.ok()) return Error(res, HttpStatusFor(g.status()), g.status().message());
                  res.set_content(analysis::AgentGraphJson(*g), "application/json");
                });
    server_.Get("/api/v1/findings", [this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return Error(res, 400, params.status().message());
      auto parsed = ParseFindingsParams(*params, NowUnixNano());
      if (!parsed.ok()) return Error(res, 400, parsed.status().message());
      std::vector<FindingRecord> records;
      if (FindingsStore* store = receiver_->findings()) {
        FindingsQuery q;
        q.since_unix_nano = parsed->since_unix_nano;
        if (parsed->kind) q.kind = std::string(analysis::FindingKindName(*parsed->kind));
        q.agent = parsed->agent;
        q.trace_id = parsed->trace_id;
        q.limit = parsed->limit;
        records = store->List(q);
      }
      res.set_content(FindingRecordsJson(records), "application/json");
    });
    server_.Get("/api/v1/graph", [this](const httplib::Request& req, httplib::Response& res) {
      auto params = Params(req);
      if (!params.ok()) return Error(res, 400, params.status().message());
      auto graph = ParseGraphParams(*params, NowUnixNano());
      if (!graph.ok()) return Error(res, 400, graph.status().message());
      auto g = diagnosis_.Graph(graph->filter, graph->limit, graph->include_tools);
      if (!g.ok()) return Error(res, HttpStatusFor(g.status()), g.status().message());
      res.set_content(analysis::AgentGraphJson(*g), "application/json");
    });
  }

  // The web UI (web/, embedded at build time): hashed assets cached for good, the pages (any
  // path the UI routes) answered with index.html, revalidated by ETag.
  void WebUiRoutes() {
    auto send = [](const httplib::Request& req, httplib::Response& res, const WebAsset& a,
                   bool immutable) {
      res.set_header("ETag", std::string(a.etag));
      res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
      res.set_header("X-Content-Type-Options", "nosniff");
      if (a.content_type.starts_with("text/html")) {
        // Everything the UI loads comes from this server.
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self' "
                       "'unsafe-inline'; script-src 'self'; connect-src 'self'; "
                       "frame-ancestors 'none'");
      }
      if (req.get_header_value("If-None-Match") == a.etag) {
        res.status = 304;
        return;
      }
      // Text is gzipped by the HTTP library when the client accepts it.
      res.set_content(a.body.data(), a.body.size(), std::string(a.content_type));
    };
    server_.Get(R"(/assets/[^/]+)", [send](const httplib::Request& req, httplib::Response& res) {
      const WebAsset* a = FindWebAsset(req.path);
      if (a == nullptr) return Error(res, 404, "no such asset: " + req.path);
      send(req, res, *a, true);
    });
    server_.Get(R"(/(|traces|traces/[0-9A-Za-z]+|traces/[0-9A-Za-z]+/graph|graph|dashboard|findings))",
                [send](const httplib::Request& req, httplib::Response& res) {
                  const WebAsset* index = FindWebAsset("/index.html");
                  if (index == nullptr || !IsWebUiPage(req.path))
                    return Error(res, 404, "not found: " + req.path);
                  send(req, res, *index, false);
                });
  }

  void StitchedView(const TraceId& id, httplib::Response& res) {
    auto group = diagnosis_.Stitch(id);
    if (!group.ok()) return Error(res, HttpStatusFor(group.status()), group.status().message());
    res.set_content(StitchedTraceJson(id, group->group, group->spans), "application/json");
  }

  static StatusOr<QueryParams> Params(const httplib::Request& req) {
    size_t q = req.target.find('?');
    return ParseQueryString(q == std::string::npos ? std::string_view()
                                                   : std::string_view(req.target).substr(q + 1));
  }

  static void Error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(ErrorJson(message), "application/json");
  }

  // Charged for a body whose length is not declared (chunked).
  static constexpr size_t kUnknownLengthCharge = 4 << 20;

  const std::unique_ptr<Receiver> owned_receiver_;  // when not shared
  Receiver* const receiver_;
  SpanStore* const store_;
  ServerMetrics& metrics_;
  const size_t max_body_bytes_;
  const HttpServerOptions options_;
  const DiagnosisService diagnosis_;
  httplib::Server server_;
  int port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Bind(SpanStore* store, const PriceTable* prices,
                                                       const HttpServerOptions& options) {
  ReceiverOptions receiver_options;
  receiver_options.max_body_bytes = options.max_body_bytes;
  auto receiver = std::make_unique<Receiver>(store, prices, receiver_options);
  Receiver* r = receiver.get();
  auto server = std::make_unique<HttpServerImpl>(r, std::move(receiver), options);
  HT_RETURN_IF_ERROR(server->Bind());
  return std::unique_ptr<HttpServer>(std::move(server));
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Bind(Receiver* receiver,
                                                       const HttpServerOptions& options) {
  auto server = std::make_unique<HttpServerImpl>(receiver, nullptr, options);
  HT_RETURN_IF_ERROR(server->Bind());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace hoptrace
