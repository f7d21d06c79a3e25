#include "cli/client_commands.h"

#include <cstdio>
#include <ctime>

#include "cli/api_client.h"
#include "cli/flags.h"

namespace hoptrace::cli {
namespace {

// Filters shared by `traces` and `stats`, passed to the API as they are (it validates them).
const std::vector<FlagSpec> kFilterSpecs = {
    {"server", true, std::string("server URL (default ") + kDefaultServer + ")"},
    {"service", true, "only spans of this service"},
    {"agent", true, "only spans of this agent"},
    {"model", true, "only spans of this model"},
    {"tool", true, "only spans of this tool"},
    {"name", true, "only spans with this name"},
    {"status", true, "unset, ok or error"},
    {"since", true, "unix nanoseconds or a duration back from now (15m, 24h)"},
    {"until", true, "unix nanoseconds or a duration back from now"},
    {"json", false, "print the API's JSON"},
    {"help", false, "show this help"}};

std::string TimeText(uint64_t unix_nano) {
  std::time_t t = static_cast<std::time_t>(unix_nano / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

int TracesCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = kFilterSpecs;
  specs.push_back({"limit", true, "at most this many traces (default 20)"});
  std::string err;
  auto flags = ParseFlags(args, specs, &err);
  if (!flags) return UsageError("traces", err);
  if (flags->has("help")) {
    std::printf("usage: hoptrace traces [filters] [--limit N] [--json]\n\n%s",
                FlagsHelp(specs).c_str());
    return 0;
  }
  if (!flags->positional.empty())
    return UsageError("traces", "unexpected argument " + flags->positional[0]);
  std::string body;
  const std::string path =
      "/api/v1/traces" + Query(*flags, {"service", "agent", "model", "tool", "name", "status",
                                        "since", "until", "limit"});
  if (int rc = GetOrReport("traces", flags->get("server", kDefaultServer), path, &body)) return rc;
  if (flags->has("json")) {
    std::printf("%s\n", body.c_str());
    return 0;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array traces;
  if (parser.parse(body).get(doc) || doc["traces"].get(traces)) {
    std::fprintf(stderr, "hoptrace traces: the server's answer is not the expected JSON\n");
    return 1;
  }
  std::printf("%-32s  %-19s  %9s  %5s  %4s  %9s  %9s  %-24s %s\n", "TRACE", "START (UTC)",
              "DURATION", "SPANS", "ERR", "TOKENS", "COST_USD", "ROOT", "AGENTS");
  for (simdjson::dom::element t : traces) {
    std::string agents;
    simdjson::dom::array list;
    if (!t["agents"].get(list)) {
      for (simdjson::dom::element a : list) {
        if (!agents.empty()) agents.push_back(',');
        agents += JsonText(JsonField(simdjson::dom::element(a)));
      }
    }
    const double cost = JsonNumber(t["cost_usd"]);
    std::printf("%-32s  %-19s  %8.2fs  %5llu  %4llu  %9llu  %9.4f  %-24.24s %s\n",
                JsonText(t["trace_id"]).c_str(), TimeText(JsonU64(t["start_unix_nano"])).c_str(),
                JsonU64(t["duration_ns"]) / 1e9,
                static_cast<unsigned long long>(JsonU64(t["span_count"])),
                static_cast<unsigned long long>(JsonU64(t["error_count"])),
                static_cast<unsigned long long>(JsonU64(t["total_tokens"])), cost,
                JsonText(t["root_name"]).c_str(), agents.c_str());
  }
  return 0;
}

int StatsCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = kFilterSpecs;
  specs.push_back(
      {"by", true,
       "group keys, e.g. agent,model (agent, model, provider, tool, service, operation, "
       "name, status, attr.KEY)"});
  std::string err;
  auto flags = ParseFlags(args, specs, &err);
  if (!flags) return UsageError("stats", err);
  if (flags->has("help")) {
    std::printf("usage: hoptrace stats --by agent,model [filters] [--json]\n\n%s",
                FlagsHelp(specs).c_str());
    return 0;
  }
  if (!flags->positional.empty())
    return UsageError("stats", "unexpected argument " + flags->positional[0]);
  std::string path = "/api/v1/stats" + Query(*flags, {"service", "agent", "model", "tool", "name",
                                                      "status", "since", "until"});
  const std::string by = flags->get("by", "agent,model");
  path +=
      std::string(path.find('?') == std::string::npos ? "?" : "&") + "group_by=" + UrlEncode(by);
  std::string body;
  if (int rc = GetOrReport("stats", flags->get("server", kDefaultServer), path, &body)) return rc;
  if (flags->has("json")) {
    std::printf("%s\n", body.c_str());
    return 0;
  }
  std::vector<std::string> keys;
  for (size_t start = 0; start <= by.size();) {
    size_t comma = by.find(',', start);
    if (comma == std::string::npos) comma = by.size();
    if (comma > start) keys.push_back(by.substr(start, comma - start));
    start = comma + 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array rows;
  if (parser.parse(body).get(doc) || doc["rows"].get(rows)) {
    std::fprintf(stderr, "hoptrace stats: the server's answer is not the expected JSON\n");
    return 1;
  }
  for (const auto& k : keys) std::printf("%-18s ", k.c_str());
  std::printf("%9s %7s %12s %12s %10s %9s %9s %9s\n", "SPANS", "ERRORS", "INPUT_TOK", "OUTPUT_TOK",
              "COST_USD", "P50_MS", "P95_MS", "P99_MS");
  for (simdjson::dom::element r : rows) {
    for (const auto& k : keys) std::printf("%-18.18s ", JsonText(r[k]).c_str());
    const double cost = JsonNumber(r["cost_usd"]), p50 = JsonNumber(r["p50_ms"]),
                 p95 = JsonNumber(r["p95_ms"]), p99 = JsonNumber(r["p99_ms"]);
    std::printf("%9llu %7llu %12llu %12llu %10.4f %9.1f %9.1f %9.1f\n",
                static_cast<unsigned long long>(JsonU64(r["spans"])),
                static_cast<unsigned long long>(JsonU64(r["errors"])),
                static_cast<unsigned long long>(JsonU64(r["input_tokens"])),
                static_cast<unsigned long long>(JsonU64(r["output_tokens"])), cost, p50, p95, p99);
  }
  return 0;
}

}  // namespace hoptrace::cli
