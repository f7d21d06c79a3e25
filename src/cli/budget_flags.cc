#include "cli/budget_flags.h"

#include <cmath>
#include <cstdlib>

namespace hoptrace::cli {
namespace {

// A non-negative decimal ("12", "0.5"); nullopt otherwise.
std::optional<double> Decimal(const std::string& s) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789.") != std::string::npos ||
      s.find('.') != s.rfind('.') || s == ".")
    return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

}  // namespace

std::optional<std::string> ParseBudgetList(const std::string& list,
                                           std::map<std::string, analysis::Budget>* budgets) {
  std::map<std::string, analysis::Budget> out = *budgets;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(pos, end - pos);
    pos = end + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return "want NAME=LIMIT (LIMIT: tokens like 200000 or 200k, or dollars like $2.50), got '" +
             item + "'";
    const std::string name = item.substr(0, eq);
    std::string limit = item.substr(eq + 1);
    analysis::Budget& b = out[name];
    if (limit.front() == '$') {
      auto usd = Decimal(limit.substr(1));
      if (!usd || !(*usd > 0)) return "'" + item + "': want a dollar amount like $2.50";
      b.max_cost_usd = *usd;
      continue;
    }
    double scale = 1;
    const char suffix = static_cast<char>(std::tolower(static_cast<unsigned char>(limit.back())));
    if (suffix == 'k' || suffix == 'm') {
      scale = suffix == 'k' ? 1e3 : 1e6;
      limit.pop_back();
    }
    auto tokens = Decimal(limit);
    if (!tokens || !(*tokens * scale >= 1) || *tokens * scale > 1e15 ||
        std::floor(*tokens * scale) != *tokens * scale)
      return "'" + item + "': want a whole number of tokens like 200000 or 200k, or $ dollars";
    b.max_tokens = static_cast<int64_t>(*tokens * scale);
  }
  *budgets = std::move(out);
  return std::nullopt;
}

}  // namespace hoptrace::cli
