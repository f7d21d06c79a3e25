// Minimal leveled logging with a replaceable sink. Thread-safe.
#pragma once

#include <functional>
#include <string_view>

namespace hoptrace {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Writes one line ("2026-11-24T22:57:16Z WARN storage: message") to the current sink (stderr).
void Log(LogLevel level, std::string_view component, std::string_view message);
// Replaces the sink; pass nullptr to restore stderr. Returns the previous sink.
using LogSink = std::function<void(LogLevel, std::string_view component, std::string_view message)>;
LogSink SetLogSink(LogSink sink);
void SetMinLogLevel(LogLevel level);

}  // namespace hoptrace
