// Subcommands that talk to a running server: `hoptrace traces`, `hoptrace stats`.
#pragma once

#include <string>
#include <vector>

namespace hoptrace::cli {

int TracesCommand(const std::vector<std::string>& args);
int StatsCommand(const std::vector<std::string>& args);

}  // namespace hoptrace::cli
