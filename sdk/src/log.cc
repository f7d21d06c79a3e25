// The SDK's own diagnostics hook.
#include <cstdio>
#include <mutex>

#include "internal.h"

namespace hoptrace {
namespace {

void DefaultHandler(LogLevel level, std::string_view message) {
  if (level < LogLevel::kWarning) return;
  std::fprintf(stderr, "hoptrace sdk %s: %.*s\n", level == LogLevel::kError ? "error" : "warning",
               static_cast<int>(message.size()), message.data());
}

struct LogState {
  std::mutex mu;
  std::shared_ptr<const LogHandler> handler = std::make_shared<const LogHandler>(DefaultHandler);
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: usable during exit
  return *state;
}

}  // namespace

void SetLogHandler(LogHandler handler) {
  auto h = std::make_shared<const LogHandler>(std::move(handler));
  std::lock_guard lock(State().mu);
  State().handler = std::move(h);
}

void ResetLogHandler() { SetLogHandler(DefaultHandler); }

namespace internal {

void Log(LogLevel level, std::string_view message) noexcept {
  try {
    std::shared_ptr<const LogHandler> h;
    {
      std::lock_guard lock(State().mu);
      h = State().handler;
    }
    if (h && *h) (*h)(level, message);
  } catch (...) {
    // A throwing handler must not reach the host.
  }
}

}  // namespace internal
}  // namespace hoptrace
