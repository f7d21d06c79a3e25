#include "wire.h"

#include <hoptrace/context.h>
#include <hoptrace/genai.h>

#include <cstdint>
#include <cstdio>

namespace hoptrace::demo {
namespace {

namespace genai = hoptrace::genai;

constexpr char kFormType[] = "application/x-www-form-urlencoded";
constexpr char kInvokePath[] = "/v1/invoke";

void PercentEncode(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The port of "http://host:PORT", or 0.
std::int64_t PortOf(const std::string& url) {
  std::int64_t port = 0;
  for (std::size_t i = url.rfind(':') + 1; i > 0 && i < url.size(); ++i) {
    if (url[i] < '0' || url[i] > '9' || port > 65535) return 0;
    port = port * 10 + (url[i] - '0');
  }
  return port;
}

DelegateResult ToResult(const httplib::Result& res) {
  DelegateResult result;
  if (!res) {
    result.error = "no answer: " + httplib::to_string(res.error());
    return result;
  }
  result.http_status = res->status;
  if (res->status != 200) {
    result.error = "HTTP " + std::to_string(res->status) + ": " + res->body;
    return result;
  }
  result.reply = DecodeFields(res->body);
  result.ok = Field(result.reply, "status") == "ok";
  if (!result.ok)
    result.error = Field(result.reply, "error", "status " + Field(result.reply, "status"));
  return result;
}

}  // namespace

std::string EncodeFields(const Fields& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out.push_back('&');
    PercentEncode(key, &out);
    out.push_back('=');
    PercentEncode(value, &out);
  }
  return out;
}

Fields DecodeFields(std::string_view body) {
  Fields fields;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    fields[std::move(key)] = std::move(value);
  }
  return fields;
}

std::string Field(const Fields& fields, const std::string& key, std::string fallback) {
  auto it = fields.find(key);
  return it == fields.end() ? fallback : it->second;
}

std::string_view RequestHeadersCarrier::Get(std::string_view key) const {
  // httplib::Headers compares keys case-insensitively.
  auto it = headers_->find(std::string(key));
  return it == headers_->end() ? std::string_view() : std::string_view(it->second);
}

std::vector<std::string> RequestHeadersCarrier::Keys() const {
  std::vector<std::string> keys;
  for (const auto& kv : *headers_) keys.push_back(kv.first);
  return keys;
}

DelegateResult Delegate(const Tracer& tracer, std::string_view from, std::string_view to,
                        const std::string& url, const Fields& request,
                        const DelegateOptions& options) {
  Span handoff = genai::Handoff(tracer, from, to, {.reason = options.reason});
  Scope handoff_scope = handoff.Activate();

  Span client = tracer.StartSpan(
      std::string("POST ") + kInvokePath,
      {.kind = SpanKind::kClient,
       .attributes = {{"http.request.method", "POST"},
                      {"url.full", url + kInvokePath},
                      {"server.address", "127.0.0.1"},
                      {"server.port", PortOf(url)},
                      {"demo.propagation", options.propagate ? "w3c" : "dropped"}}});
  Scope client_scope = client.Activate();

  httplib::Headers headers;
  if (options.propagate) {
    std::map<std::string, std::string> carried;
    MapCarrier carrier(carried);
    Inject(Context::Current(), carrier);
    for (auto& [key, value] : carried) headers.emplace(key, value);
  }
  httplib::Client http(url);
  http.set_connection_timeout(5);
  http.set_read_timeout(options.timeout_seconds);
  httplib::Result res = http.Post(kInvokePath, headers, EncodeFields(request), kFormType);
  DelegateResult result = ToResult(res);
  if (result.http_status != 0) client.SetAttribute("http.response.status_code", result.http_status);
  if (result.http_status != 200) {
    genai::RecordError(client, result.http_status == 0 ? "ConnectionError" : "HTTPError",
                       result.error);
    genai::RecordError(handoff, "DelegationError", result.error);
  } else if (!result.ok) {
    // The callee answered but its work failed: the failure is the callee's, the hop is fine.
    handoff.SetAttribute("demo.callee_status", Field(result.reply, "status"));
  }
  return result;
}

DelegateResult PostFields(const std::string& url, const std::string& path, const Fields& fields,
                          int timeout_seconds) {
  httplib::Client http(url);
  http.set_connection_timeout(5);
  http.set_read_timeout(timeout_seconds);
  return ToResult(http.Post(path, EncodeFields(fields), kFormType));
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace hoptrace::demo
