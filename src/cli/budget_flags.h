// `hoptrace serve --budget-agent` / `--budget-model`: runaway-cost budgets per agent or model.
//
//   NAME=LIMIT[,NAME=LIMIT...]   LIMIT: tokens (200000, 200k, 1.5m) or dollars ($2.50)
//
// A name may appear twice, once with tokens and once with dollars; a finding fires when either
// is exceeded.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "analysis/analysis.h"

namespace hoptrace::cli {

// Adds the budgets of `list` to *budgets. On error returns the reason (naming the bad item) and
// leaves *budgets unchanged.
std::optional<std::string> ParseBudgetList(const std::string& list,
                                           std::map<std::string, analysis::Budget>* budgets);

}  // namespace hoptrace::cli
