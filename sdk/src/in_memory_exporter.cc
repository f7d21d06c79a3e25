#include "hoptrace/export.h"

namespace hoptrace {

ExportResult InMemorySpanExporter::Export(std::span<const std::unique_ptr<SpanData>> spans,
                                          Deadline /*deadline*/) noexcept {
  std::lock_guard lock(mu_);
  if (shutdown_) return ExportResult::kFailure;
  for (const auto& span : spans) spans_.push_back(*span);
  return ExportResult::kSuccess;
}

bool InMemorySpanExporter::Shutdown(Deadline /*deadline*/) noexcept {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  return true;
}

std::vector<SpanData> InMemorySpanExporter::GetFinishedSpans() const {
  std::lock_guard lock(mu_);
  return spans_;
}

std::size_t InMemorySpanExporter::size() const {
  std::lock_guard lock(mu_);
  return spans_.size();
}

void InMemorySpanExporter::Reset() {
  std::lock_guard lock(mu_);
  spans_.clear();
}

}  // namespace hoptrace
