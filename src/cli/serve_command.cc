#include "cli/serve_command.h"

#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include "cli/budget_flags.h"
#include "cli/flags.h"
#include "common/log.h"
#include "normalize/price_table.h"
#include "server/auto_diagnosis.h"
#include "server/cost_watcher.h"
#include "server/findings_store.h"
#include "server/grpc_server.h"
#include "server/http_server.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace::cli {
namespace {

constexpr char kUsage[] =
    "usage: hoptrace serve [--data DIR] [--http HOST:PORT] [--grpc HOST:PORT] [--store embedded]\n"
    "                      [--retention DURATION] [--prices FILE] [--budget-trace-tokens N]\n"
    "                      [--budget-trace-usd X] [--budget-agent NAME=LIMIT,...]\n"
    "                      [--budget-model NAME=LIMIT,...] [--budget-agent-outlier RATIO]\n"
    "                      [--diagnose-after DURATION]";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "hoptrace serve: %s\n", msg.c_str());
  return 2;
}

// "HOST:PORT" (port 0: any free port).
bool ParseHostPort(const std::string& s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = s.substr(0, colon);
  const std::string p = s.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *port = std::stoi(p);
  return *port <= 65535;
}

// A non-negative decimal number (digits and at most one '.').
std::optional<double> ParseAmount(const std::string& s) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789.") != std::string::npos ||
      s.find('.') != s.rfind('.') || s == ".")
    return std::nullopt;
  return std::stod(s);
}

// "30d", "12h", "90m", "3600s".
std::optional<uint64_t> ParseDurationNs(const std::string& s) {
  if (s.size() < 2 || s.find_first_not_of("0123456789", 0) != s.size() - 1) return std::nullopt;
  const uint64_t n = std::stoull(s.substr(0, s.size() - 1));
  const uint64_t unit = s.back() == 'd'   ? 86400ull
                        : s.back() == 'h' ? 3600ull
                        : s.back() == 'm' ? 60ull
                        : s.back() == 's' ? 1ull
                                          : 0ull;
  if (unit == 0 || n == 0 || n > (UINT64_MAX / 1'000'000'000ull) / unit) return std::nullopt;
  return n * unit * 1'000'000'000ull;
}

HttpServer* g_server = nullptr;
void OnSignal(int) {
  if (g_server) g_server->Stop();
}

}  // namespace

int ServeCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      {"data", true, "data directory (default ./hoptrace-data)"},
      {"http", true,
       "OTLP/HTTP, Zipkin and the API (default 127.0.0.1:4318; port 0 = any free port)"},
      {"grpc", true, "OTLP/gRPC (default 127.0.0.1:4317; port 0 = any free port)"},
      {"store", true, "embedded (default); clickhouse is not available yet"},
      {"retention", true, "drop data older than this (e.g. 30d, 12h)"},
      {"prices", true, "model price overrides (JSON, see src/normalize/price_table.h)"},
      {"budget-trace-tokens", true,
       "runaway_cost finding when a trace uses more tokens than this (default: none)"},
      {"budget-trace-usd", true,
       "runaway_cost finding when a trace costs more than this many dollars (default: none)"},
      {"budget-agent", true,
       "runaway_cost finding when an agent uses more than its budget in a trace: "
       "NAME=LIMIT,... with LIMIT tokens (200000, 200k) or dollars ($2.50)"},
      {"budget-model", true, "the same per model: NAME=LIMIT,..."},
      {"budget-agent-outlier", true,
       "runaway_cost finding for an agent using this many times the median tokens of the "
       "trace's other agents (default 10; 0 disables)"},
      {"diagnose-after", true,
       "diagnose each trace once no span of it arrived for this long, recording its findings "
       "(default 10s; 'off' disables)"},
      {"help", false, "show this help"}};
  std::string err;
  auto flags = ParseFlags(args, specs, &err);
  if (!flags) return Fail(err);
  if (flags->has("help")) {
    std::printf("%s\n\n%s", kUsage, FlagsHelp(specs).c_str());
    return 0;
  }
  if (!flags->positional.empty()) return Fail("unexpected argument " + flags->positional[0]);
  HttpServerOptions http;
  if (!ParseHostPort(flags->get("http", "127.0.0.1:4318"), &http.host, &http.port)) {
    return Fail("--http: want HOST:PORT, got '" + flags->get("http") + "'");
  }
  GrpcServerOptions grpc_options;
  if (!ParseHostPort(flags->get("grpc", "127.0.0.1:4317"), &grpc_options.host,
                     &grpc_options.port)) {
    return Fail("--grpc: want HOST:PORT, got '" + flags->get("grpc") + "'");
  }
  if (flags->get("store", "embedded") != "embedded") {
    return Fail("--store: only 'embedded' is available in this build");
  }
  EmbeddedStoreOptions store_options;
  store_options.dir = flags->get("data", "./hoptrace-data");
  if (flags->has("retention")) {
    auto ns = ParseDurationNs(flags->get("retention"));
    if (!ns)
      return Fail("--retention: want a duration like 30d, 12h, 90m, got '" +
                  flags->get("retention") + "'");
    store_options.retention.max_age_ns = *ns;
  }
  PriceTable prices = PriceTable::Builtin();
  if (flags->has("prices")) {
    auto loaded = PriceTable::LoadFile(flags->get("prices"));
    if (!loaded.ok()) {
      std::fprintf(stderr, "hoptrace serve: --prices: %s\n", loaded.status().message().c_str());
      return 1;
    }
    prices = std::move(*loaded);
  }
  CostWatcherOptions cost;
  if (flags->has("budget-trace-tokens")) {
    auto n = ParseAmount(flags->get("budget-trace-tokens"));
    if (!n || *n < 1 || *n > 1e15 || flags->get("budget-trace-tokens").find('.') != std::string::npos)
      return Fail("--budget-trace-tokens: want a whole number of tokens, got '" +
                  flags->get("budget-trace-tokens") + "'");
    cost.budgets.per_trace.max_tokens = static_cast<int64_t>(*n);
  }
  if (flags->has("budget-trace-usd")) {
    auto usd = ParseAmount(flags->get("budget-trace-usd"));
    if (!usd || !(*usd > 0))
      return Fail("--budget-trace-usd: want a dollar amount like 0.50, got '" +
                  flags->get("budget-trace-usd") + "'");
    cost.budgets.per_trace.max_cost_usd = *usd;
  }
  for (const char* flag : {"budget-agent", "budget-model"}) {
    if (!flags->has(flag)) continue;
    auto& budgets = std::string(flag) == "budget-agent" ? cost.budgets.per_agent
                                                        : cost.budgets.per_model;
    if (auto error = ParseBudgetList(flags->get(flag), &budgets))
      return Fail(std::string("--") + flag + ": " + *error);
  }
  if (flags->has("budget-agent-outlier")) {
    auto ratio = ParseAmount(flags->get("budget-agent-outlier"));
    if (!ratio || (*ratio != 0 && *ratio < 1))
      return Fail("--budget-agent-outlier: want a ratio of at least 1 (0 disables), got '" +
                  flags->get("budget-agent-outlier") + "'");
    cost.budgets.agent_outlier_ratio = *ratio;
  }
  AutoDiagnosisOptions auto_diagnosis;
  bool auto_diagnose = true;
  if (flags->has("diagnose-after")) {
    const std::string v = flags->get("diagnose-after");
    auto ns = ParseDurationNs(v);
    if (v == "off") {
      auto_diagnose = false;
    } else if (!ns) {
      return Fail("--diagnose-after: want a duration like 10s or 2m, or off, got '" + v + "'");
    } else {
      auto_diagnosis.quiet = std::chrono::nanoseconds(*ns);
    }
  }
  // /diagnosis judges runaway cost by the same budgets as the ingest-time watcher.
  http.diagnosis.cost = cost.budgets;
  auto store = EmbeddedStore::Open(store_options);
  if (!store.ok()) {
    std::fprintf(stderr, "hoptrace serve: %s\n", store.status().message().c_str());
    return 1;
  }
  auto findings = FindingsStore::Open(JoinPath(store_options.dir, "findings"));
  if (!findings.ok()) {
    std::fprintf(stderr, "hoptrace serve: findings: %s\n", findings.status().message().c_str());
    return 1;
  }
  Receiver receiver(store->get(), &prices);
  CostWatcher watcher(store->get(), findings->get(), &receiver.metrics(), cost);
  receiver.SetFindingsStore(findings->get());
  const DiagnosisService diagnosis(store->get(), http.diagnosis);
  std::optional<AutoDiagnoser> diagnoser;
  if (auto_diagnose) diagnoser.emplace(&diagnosis, findings->get(), &receiver.metrics(), auto_diagnosis);
  receiver.SetIngestObserver([&watcher, &diagnoser](std::vector<std::vector<Span>> traces) {
    if (diagnoser) {
      std::vector<TraceId> ids;
      ids.reserve(traces.size());
      for (const std::vector<Span>& t : traces)
        if (!t.empty()) ids.push_back(t.front().trace_id);
      diagnoser->Touch(ids);
    }
    watcher.Offer(std::move(traces));
  });
  auto server = HttpServer::Bind(&receiver, http);
  if (!server.ok()) {
    std::fprintf(stderr, "hoptrace serve: %s\n", server.status().message().c_str());
    return 1;
  }
  auto grpc = GrpcServer::Start(&receiver, grpc_options);
  if (!grpc.ok()) {
    std::fprintf(stderr, "hoptrace serve: %s\n", grpc.status().message().c_str());
    return 1;
  }
  g_server = server->get();
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  Log(LogLevel::kInfo, "serve",
      "hoptrace serving OTLP/HTTP, Zipkin and the API on http://" + http.host + ":" +
          std::to_string((*server)->port()) + " and OTLP/gRPC on " + grpc_options.host + ":" +
          std::to_string((*grpc)->port()) + " (data " + store_options.dir + ")");
  (*server)->Run();
  g_server = nullptr;
  (*grpc)->Stop();
  Status flushed = (*store)->Flush();
  if (!flushed.ok()) Log(LogLevel::kWarning, "serve", "flush at shutdown: " + flushed.message());
  Log(LogLevel::kInfo, "serve", "stopped");
  return 0;
}

}  // namespace hoptrace::cli
