// Diagnose: every per-trace detector and the critical path.

#include <algorithm>

#include "analysis/analysis.h"
#include "analysis/trace_index.h"

namespace hoptrace::analysis {

Diagnosis Diagnose(std::span<const Span> trace, const DiagnoseOptions& options) {
  Diagnosis d;
  if (trace.empty()) return d;
  auto add = [&d](std::vector<Finding> found) {
    for (Finding& f : found) d.findings.push_back(std::move(f));
  };
  add(FindCombs(trace, options.comb));
  add(FindStragglers(trace, options.straggler));
  add(FindRootCauses(trace, options.root_cause));
  add(FindOrphanRoots(trace, options.propagation));
  std::stable_sort(d.findings.begin(), d.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.kind < b.kind;
  });
  if (options.critical_path) d.critical_path = CriticalPath(trace);
  return d;
}

}  // namespace hoptrace::analysis
