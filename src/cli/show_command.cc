#include "cli/show_command.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "cli/api_client.h"
#include "cli/diagnose_command.h"
#include "cli/flags.h"

namespace hoptrace::cli {
namespace {

constexpr char kCmd[] = "show";

const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = {
      {"server", true, std::string("server URL (default ") + kDefaultServer + ")"},
      {"json", false, "print the API's JSON as it is"},
      {"width", true, "columns to draw in (default: the terminal's, else $COLUMNS, else 120)"},
      {"color", true, "always, never or auto (default: on a terminal unless NO_COLOR/TERM=dumb)"},
      {"ascii", false, "ASCII glyphs only (default when the locale is not UTF-8)"},
      {"limit", true, "draw at most N spans (default 0: all)"},
      {"help", false, "show this help"}};
  return specs;
}

// A whole decimal number in [lo, hi].
std::optional<long> ParseInt(const std::string& s, long lo, long hi) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  const long v = std::strtol(s.c_str(), nullptr, 10);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int TerminalWidth(std::FILE* out) {
  const int fd = fileno(out);
  winsize ws{};
  if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (auto columns = ParseInt(Env("COLUMNS"), 1, 100000)) return static_cast<int>(*columns);
  return 120;
}

bool AutoColor(std::FILE* out) {
  const int fd = fileno(out);
  return fd >= 0 && isatty(fd) && Env("NO_COLOR").empty() && Env("TERM") != "dumb";
}

}  // namespace

std::optional<std::string> NormalizeTraceId(const std::string& id) {
  if (id.size() != 32) return std::nullopt;
  std::string out;
  for (char c : id) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.find_first_not_of('0') == std::string::npos) return std::nullopt;
  return out;
}

bool LocaleIsUtf8() {
  std::string locale = Env("LC_ALL");
  if (locale.empty()) locale = Env("LC_CTYPE");
  if (locale.empty()) locale = Env("LANG");
  for (char& c : locale) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return locale.find("utf-8") != std::string::npos || locale.find("utf8") != std::string::npos;
}

std::optional<WaterfallTrace> ParseTraceJson(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array spans;
  if (parser.parse(body).get(doc) || doc["spans"].get(spans)) return std::nullopt;
  WaterfallTrace trace;
  trace.trace_id = JsonText(doc["trace_id"], "");
  trace.spans.reserve(spans.size());
  for (simdjson::dom::element e : spans) {
    WaterfallSpan s;
    s.span_id = JsonText(e["span_id"], "");
    s.parent_span_id = JsonText(e["parent_span_id"], "");
    s.name = JsonText(e["name"], "");
    s.service = JsonText(e["service"], "");
    s.agent = JsonText(e["agent"], "");
    s.operation = JsonText(e["operation"], "");
    s.model = JsonText(e["model"], "");
    s.start_unix_nano = JsonU64(e["start_unix_nano"]);
    s.end_unix_nano = JsonU64(e["end_unix_nano"]);
    s.error = JsonText(e["status"]["code"], "") == "error";
    s.status_message = JsonText(e["status"]["message"], "");
    s.input_tokens = static_cast<int64_t>(JsonU64(e["input_tokens"]));
    s.output_tokens = static_cast<int64_t>(JsonU64(e["output_tokens"]));
    s.total_tokens = static_cast<int64_t>(JsonU64(e["total_tokens"]));
    s.cost_usd = JsonNumber(e["cost_usd"]);
    bool counted = true;
    if (!e["usage_counted"].get(counted)) s.usage_counted = counted;
    trace.spans.push_back(std::move(s));
  }
  return trace;
}

std::optional<std::string> TraceIdArgument(const char* cmd, const ParsedFlags& flags,
                                           std::FILE* err) {
  if (flags.positional.empty()) {
    UsageError(cmd, std::string("want a trace id: hoptrace ") + cmd + " TRACE_ID", err);
    return std::nullopt;
  }
  if (flags.positional.size() > 1) {
    UsageError(cmd, "unexpected argument " + flags.positional[1], err);
    return std::nullopt;
  }
  auto trace_id = NormalizeTraceId(flags.positional[0]);
  if (!trace_id) {
    UsageError(cmd,
               "trace id: want 32 hex digits (not all zero), got '" + flags.positional[0] + "'",
               err);
  }
  return trace_id;
}

int ShowCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  std::string error;
  auto flags = ParseFlags(args, Specs(), &error);
  if (!flags) return UsageError(kCmd, error, err);
  if (flags->has("help")) {
    std::fprintf(out,
                 "usage: hoptrace show TRACE_ID [--server URL] [--json] [--width N] "
                 "[--color always|never|auto] [--ascii] [--limit N]\n\n"
                 "Draws one trace as a waterfall: the span tree, a time bar per span (parallel\n"
                 "spans overlap), agent, model, tokens in/out, cost, duration; errors marked '!'\n"
                 "and listed below with their messages. The server's diagnosis is marked: the\n"
                 "comb's teeth, the straggler, the root cause, '*' on the critical path.\n\n%s",
                 FlagsHelp(Specs()).c_str());
    return 0;
  }
  const auto trace_id = TraceIdArgument(kCmd, *flags, err);
  if (!trace_id) return 2;
  WaterfallOptions options;
  if (flags->has("width")) {
    auto width = ParseInt(flags->get("width"), 40, 10000);
    if (!width) return UsageError(kCmd, "--width: want a number of columns from 40 to 10000", err);
    options.width = static_cast<int>(*width);
  } else {
    options.width = TerminalWidth(out);
  }
  const std::string color = flags->get("color", "auto");
  if (color == "always") {
    options.color = true;
  } else if (color == "never") {
    options.color = false;
  } else if (color == "auto") {
    options.color = AutoColor(out);
  } else {
    return UsageError(kCmd, "--color: want always, never or auto, got '" + color + "'", err);
  }
  options.utf8 = !flags->has("ascii") && LocaleIsUtf8();
  if (flags->has("limit")) {
    auto limit = ParseInt(flags->get("limit"), 0, 999'999'999);
    if (!limit) return UsageError(kCmd, "--limit: want a whole number of spans (0: all)", err);
    options.limit = static_cast<size_t>(*limit);
  }

  const std::string server = flags->get("server", kDefaultServer);
  std::string body;
  if (int rc = GetOrReport(kCmd, server, "/api/v1/traces/" + *trace_id, &body, err,
                           "trace " + *trace_id + " not found"))
    return rc;
  if (flags->has("json")) {
    std::fprintf(out, "%s\n", body.c_str());
    return 0;
  }
  auto trace = ParseTraceJson(body);
  if (!trace) {
    std::fprintf(err, "hoptrace show: the server's answer is not the expected JSON\n");
    return 1;
  }
  // The diagnosis marked on the rows; the waterfall is drawn without it when it is not to be had
  // (an older server, an error).
  ApiResponse diagnosis = ApiGet(server, "/api/v1/traces/" + *trace_id + "/diagnosis");
  if (diagnosis.status == 200) {
    if (auto d = ParseDiagnosisJson(diagnosis.body)) MarkFindings(*d, &*trace);
  }
  const std::string text = RenderWaterfall(*trace, options);
  std::fwrite(text.data(), 1, text.size(), out);
  return 0;
}

}  // namespace hoptrace::cli
