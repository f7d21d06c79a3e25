// The per-thread current context and Scope.
#include "hoptrace/context.h"

namespace hoptrace {
namespace {

Context& CurrentSlot() noexcept {
  thread_local Context current;
  return current;
}

}  // namespace

const Context& Context::Current() noexcept { return CurrentSlot(); }

Scope::Scope(Context context) noexcept : previous_(std::move(CurrentSlot())) {
  CurrentSlot() = std::move(context);
}

Scope::~Scope() { CurrentSlot() = std::move(previous_); }

}  // namespace hoptrace
