#include "cli/api_client.h"

#include <httplib.h>

#include <cctype>
#include <cstdlib>

namespace hoptrace::cli {

int UsageError(const char* cmd, const std::string& msg, std::FILE* err) {
  std::fprintf(err, "hoptrace %s: %s\n", cmd, msg.c_str());
  return 2;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Query(const ParsedFlags& flags, const std::vector<std::string>& names) {
  std::string q;
  for (const auto& n : names) {
    if (!flags.has(n)) continue;
    q.push_back(q.empty() ? '?' : '&');
    q += n;
    q.push_back('=');
    q += UrlEncode(flags.get(n));
  }
  return q;
}

ApiResponse ApiGet(const std::string& server, const std::string& path) {
  ApiResponse out;
  httplib::Client client(server);
  if (!client.is_valid()) {
    out.error = "not a server URL";
    return out;
  }
  client.set_connection_timeout(3);
  client.set_read_timeout(30);
  auto res = client.Get(path.c_str());
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.body = std::move(res->body);
  return out;
}

std::string ApiErrorMessage(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view error;
  if (!parser.parse(body).get(doc) && !doc["error"].get(error)) return std::string(error);
  return body;
}

int GetOrReport(const char* cmd, const std::string& server, const std::string& path,
                std::string* body, std::FILE* err, const std::string& not_found) {
  ApiResponse res = ApiGet(server, path);
  if (res.status == 0) {
    std::fprintf(err, "hoptrace %s: cannot reach the server at %s (%s)\n", cmd, server.c_str(),
                 res.error.c_str());
    return 1;
  }
  if (res.status == 404 && !not_found.empty()) {
    std::fprintf(err, "hoptrace %s: %s\n", cmd, not_found.c_str());
    return 1;
  }
  if (res.status != 200) {
    std::fprintf(err, "hoptrace %s: server answered %d: %s\n", cmd, res.status,
                 ApiErrorMessage(res.body).c_str());
    return 1;
  }
  *body = std::move(res.body);
  return 0;
}

uint64_t JsonU64(JsonField e) {
  std::string_view s;
  if (!e.get(s)) return std::strtoull(std::string(s).c_str(), nullptr, 10);
  uint64_t u;
  if (!e.get(u)) return u;
  int64_t i;
  if (!e.get(i)) return i < 0 ? 0 : static_cast<uint64_t>(i);
  double d;
  if (!e.get(d) && d > 0) return static_cast<uint64_t>(d);
  return 0;
}

double JsonNumber(JsonField e) {
  double d = 0;
  if (e.get(d) != simdjson::SUCCESS) return 0;
  return d;
}

std::string JsonText(JsonField e, const std::string& absent) {
  std::string_view s;
  if (!e.get(s)) return std::string(s);
  return absent;
}

}  // namespace hoptrace::cli
