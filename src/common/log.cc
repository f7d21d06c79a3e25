#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace hoptrace {
namespace {
std::mutex g_mu;
LogSink g_sink;  // guarded by g_mu
// HOPTRACE_LOG_LEVEL=debug|info|warn|error sets the initial level (default info).
int InitialLevel() {
  const char* e = std::getenv("HOPTRACE_LOG_LEVEL");
  std::string v = e ? e : "";
  if (v == "debug") return static_cast<int>(LogLevel::kDebug);
  if (v == "warn") return static_cast<int>(LogLevel::kWarning);
  if (v == "error") return static_cast<int>(LogLevel::kError);
  return static_cast<int>(LogLevel::kInfo);
}
std::atomic<int> g_min_level{InitialLevel()};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sink) {
    g_sink(level, component, message);
    return;
  }
  char ts[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::fprintf(stderr, "%s %s %.*s: %.*s\n", ts, LevelName(level),
               static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

LogSink SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  LogSink old = std::move(g_sink);
  g_sink = std::move(sink);
  return old;
}

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }

}  // namespace hoptrace
