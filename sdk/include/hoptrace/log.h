// Where the SDK reports its own problems (export failures, bad configuration, dropped spans).
// Default: one line on stderr for warnings and errors. Never throws into the host.
//
// Thread-safety: SetLogHandler may be called at any time; the handler is called from any thread
// (including exporter threads) and must be thread-safe.
#pragma once

#include <functional>
#include <string_view>

namespace hoptrace {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogHandler = std::function<void(LogLevel level, std::string_view message)>;

// Replaces the handler; an empty function silences the SDK.
void SetLogHandler(LogHandler handler);
// Restores the default (stderr, warnings and errors).
void ResetLogHandler();

}  // namespace hoptrace
