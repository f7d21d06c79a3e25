// What the client subcommands (`traces`, `stats`, `show`) share: GETs against a server's query
// API with one-line error reports, and readers of the API's JSON fields (DESIGN.md §3).
//
// Error conventions of every client subcommand: a usage error prints one line and exits 2; an
// unreachable server, an error answer (4xx/5xx) or JSON that is not the expected shape prints
// one line on stderr and exits 1.
//
// Thread-safety: pure functions (a GET opens its own connection).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/flags.h"

namespace hoptrace::cli {

inline constexpr char kDefaultServer[] = "http://127.0.0.1:4318";

// Prints "hoptrace CMD: MSG" on `err`; returns 2, the exit code of a usage error.
int UsageError(const char* cmd, const std::string& msg, std::FILE* err = stderr);

// Percent-encodes everything but unreserved characters and ','.
std::string UrlEncode(const std::string& s);

// "?a=1&b=2" from the flags among `names` that are set (values URL-encoded); "" when none is.
std::string Query(const ParsedFlags& flags, const std::vector<std::string>& names);

// The outcome of one GET. status == 0: the server was not reached and `error` says why.
struct ApiResponse {
  int status = 0;
  std::string body;
  std::string error;
};
ApiResponse ApiGet(const std::string& server, const std::string& path);

// The message of an error answer: its {"error":"..."} field, or the body when it is not that.
std::string ApiErrorMessage(const std::string& body);

// GETs `path`. On 200 sets *body and returns 0. Otherwise prints one line on `err`
// ("hoptrace CMD: cannot reach the server at URL (...)", "hoptrace CMD: NOT_FOUND" for a 404
// when `not_found` is given, else "hoptrace CMD: server answered STATUS: MESSAGE") and
// returns 1.
int GetOrReport(const char* cmd, const std::string& server, const std::string& path,
                std::string* body, std::FILE* err = stderr, const std::string& not_found = "");

// Readers of API fields. A missing field is an error value, which reads as 0 or "-".
using JsonField = simdjson::simdjson_result<simdjson::dom::element>;
// An unsigned count or nanosecond time, as a JSON number or a decimal string; else 0.
uint64_t JsonU64(JsonField e);
// A number; null or missing (no value) reads as 0.
double JsonNumber(JsonField e);
// A string; null or missing reads as `absent`.
std::string JsonText(JsonField e, const std::string& absent = "-");

}  // namespace hoptrace::cli
