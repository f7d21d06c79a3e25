// OTLP/HTTP protobuf exporter over cpp-httplib.
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <ctime>

#include "hoptrace/otlp_http.h"
#include "hoptrace/version.h"
#include "internal.h"
#include "otlp_encoder.h"

namespace hoptrace {
namespace {

struct ParsedUrl {
  std::string scheme_host_port;  // "http://host:port"
  std::string path;              // "/v1/traces"
};

std::optional<ParsedUrl> ParseUrl(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::size_t path_start = url.find('/', scheme_end + 3);
  ParsedUrl out;
  out.scheme_host_port.assign(url.substr(0, path_start));
  out.path = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  if (out.scheme_host_port.size() <= scheme_end + 3) return std::nullopt;
  return out;
}

// Retry-After: delay-seconds or an HTTP-date; nullopt if absent or unparseable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value) {
  std::string_view v = internal::Trim(value);
  if (v.empty()) return std::nullopt;
  if (auto secs = internal::ParseNonNegative(v)) return std::chrono::seconds(*secs);
  std::tm tm{};
  const char* end = strptime(std::string(v).c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  std::time_t when = timegm(&tm);
  auto now = std::chrono::system_clock::now();
  auto at = std::chrono::system_clock::from_time_t(when);
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

bool IsRetryable(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

struct OtlpHttpExporter::Impl {
  OtlpHttpExporterOptions options;
  std::optional<ParsedUrl> url;
  std::unique_ptr<httplib::Client> client;  // used by the exporting thread only
  httplib::Headers headers;

  std::mutex mu;                 // guards shutdown and stats
  std::condition_variable wake;  // interrupts backoff sleeps
  bool shutdown = false;
  OtlpHttpExporterStats stats;

  // Sleeps until `until` or Shutdown; false if shut down.
  bool SleepUntil(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mu);
    wake.wait_until(lock, until, [&] { return shutdown; });
    return !shutdown;
  }
  void Count(std::uint64_t OtlpHttpExporterStats::*field, std::uint64_t n) {
    std::lock_guard lock(mu);
    stats.*field += n;
  }
};

OtlpHttpExporterOptions OtlpHttpExporterOptions::FromEnvironment(const EnvLookup& env) {
  OtlpHttpExporterOptions o;
  auto get = [&](std::string_view traces_name, std::string_view generic_name) {
    auto v = internal::GetEnv(env, traces_name);
    return v ? v : internal::GetEnv(env, generic_name);
  };
  if (auto v = internal::GetEnv(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    o.endpoint = *v;
  } else if (auto base = internal::GetEnv(env, "OTEL_EXPORTER_OTLP_ENDPOINT")) {
    std::string b = *base;
    if (!b.empty() && b.back() == '/') b.pop_back();
    o.endpoint = b + "/v1/traces";
  }
  if (auto v = get("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")) {
    if (auto list = internal::ParseKeyValueList(*v)) {
      o.headers = std::move(*list);
    } else {
      internal::Log(LogLevel::kWarning, "OTEL_EXPORTER_OTLP_HEADERS is malformed; ignored");
    }
  }
  if (auto v = get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION")) {
    std::string c = internal::ToLower(*v);
    if (c == "gzip") {
      o.compression = Compression::kGzip;
    } else if (c == "none") {
      o.compression = Compression::kNone;
    } else {
      internal::Log(LogLevel::kWarning, "OTLP compression \"" + *v + "\" is not supported");
    }
  }
  if (auto v = get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")) {
    if (auto ms = internal::ParseNonNegative(*v)) {
      o.timeout = std::chrono::milliseconds(*ms);
    } else {
      internal::Log(LogLevel::kWarning, "OTLP timeout \"" + *v + "\" is not milliseconds");
    }
  }
  return o;
}

OtlpHttpExporter::OtlpHttpExporter(OtlpHttpExporterOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->url = ParseUrl(impl_->options.endpoint);
  if (!impl_->url) {
    internal::Log(LogLevel::kError,
                  "OTLP endpoint \"" + impl_->options.endpoint + "\" is not an http(s) URL");
    return;
  }
  impl_->client = std::make_unique<httplib::Client>(impl_->url->scheme_host_port);
  impl_->client->set_keep_alive(true);
  impl_->headers.emplace("User-Agent", std::string("hoptrace-cpp/") + kSdkVersion);
  for (const auto& [k, v] : impl_->options.headers) impl_->headers.emplace(k, v);
  if (impl_->options.compression == OtlpHttpExporterOptions::Compression::kGzip) {
    impl_->headers.emplace("Content-Encoding", "gzip");
  }
}

OtlpHttpExporter::~OtlpHttpExporter() = default;

ExportResult OtlpHttpExporter::Export(std::span<const std::unique_ptr<SpanData>> spans,
                                      Deadline deadline) noexcept {
  Impl& im = *impl_;
  try {
    {
      std::lock_guard lock(im.mu);
      if (im.shutdown) return ExportResult::kFailure;
    }
    if (spans.empty()) return ExportResult::kSuccess;
    if (im.client == nullptr) {
      im.Count(&OtlpHttpExporterStats::failed_spans, spans.size());
      return ExportResult::kFailure;
    }
    std::string body = internal::EncodeExportTraceServiceRequest(spans);
    if (im.options.compression == OtlpHttpExporterOptions::Compression::kGzip) {
      std::string gz;
      if (!internal::GzipCompress(body, &gz)) {
        internal::Log(LogLevel::kError, "gzip failed");
        im.Count(&OtlpHttpExporterStats::failed_spans, spans.size());
        return ExportResult::kFailure;
      }
      body = std::move(gz);
    }

    const auto start = std::chrono::steady_clock::now();
    const auto give_up = std::min(deadline, start + im.options.max_elapsed);
    double backoff_ms = static_cast<double>(im.options.initial_backoff.count());
    for (int attempt = 0;; ++attempt) {
      auto now = std::chrono::steady_clock::now();
      if (now >= give_up) break;
      auto per_try =
          std::min<std::chrono::steady_clock::duration>(im.options.timeout, give_up - now);
      im.client->set_connection_timeout(per_try);
      im.client->set_read_timeout(per_try);
      im.client->set_write_timeout(per_try);
      im.Count(&OtlpHttpExporterStats::requests, 1);
      httplib::Result res =
          im.client->Post(im.url->path.c_str(), im.headers, body, "application/x-protobuf");

      std::optional<std::chrono::milliseconds> retry_after;
      std::string failure;
      if (res) {
        int status = res->status;
        if (status >= 200 && status < 300) {
          im.Count(&OtlpHttpExporterStats::exported_spans, spans.size());
          if (auto ps = internal::DecodePartialSuccess(res->body)) {
            im.Count(&OtlpHttpExporterStats::rejected_spans,
                     static_cast<std::uint64_t>(std::max<std::int64_t>(ps->rejected_spans, 0)));
            if (ps->rejected_spans > 0 || !ps->error_message.empty()) {
              internal::Log(LogLevel::kWarning,
                            "OTLP partial success: " + std::to_string(ps->rejected_spans) +
                                " spans rejected: " + ps->error_message);
            }
          }
          return ExportResult::kSuccess;
        }
        if (!IsRetryable(status)) {
          internal::Log(LogLevel::kError, "OTLP export rejected with HTTP " +
                                              std::to_string(status) + " (not retried)");
          break;
        }
        if (res->has_header("Retry-After")) {
          retry_after = ParseRetryAfter(res->get_header_value("Retry-After"));
        }
        failure = "HTTP " + std::to_string(status);
      } else {
        failure = httplib::to_string(res.error());
      }

      // Full jitter: a random wait in [0, backoff], but at least Retry-After.
      double jitter = static_cast<double>(internal::RandomU64() >> 11) * 0x1.0p-53;
      auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(backoff_ms * jitter));
      if (retry_after) wait = std::max(wait, *retry_after);
      backoff_ms = std::min(backoff_ms * im.options.backoff_multiplier,
                            static_cast<double>(im.options.max_backoff.count()));
      auto wake_at = std::chrono::steady_clock::now() + wait;
      if (wake_at >= give_up) {
        internal::Log(LogLevel::kWarning, "OTLP export failed (" + failure +
                                              "); retry would pass the deadline, giving up");
        break;
      }
      internal::Log(LogLevel::kDebug, "OTLP export failed (" + failure + "); retrying");
      im.Count(&OtlpHttpExporterStats::retries, 1);
      if (!im.SleepUntil(wake_at)) break;  // shut down
    }
    im.Count(&OtlpHttpExporterStats::failed_spans, spans.size());
    return ExportResult::kFailure;
  } catch (const std::exception& e) {
    internal::Log(LogLevel::kError, std::string("OTLP export failed: ") + e.what());
    return ExportResult::kFailure;
  } catch (...) {
    return ExportResult::kFailure;
  }
}

bool OtlpHttpExporter::Shutdown(Deadline /*deadline*/) noexcept {
  {
    std::lock_guard lock(impl_->mu);
    impl_->shutdown = true;
  }
  impl_->wake.notify_all();
  return true;
}

OtlpHttpExporterStats OtlpHttpExporter::stats() const noexcept {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace hoptrace
