// `hoptrace serve`: the embedded store behind the HTTP listener, until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace hoptrace::cli {

int ServeCommand(const std::vector<std::string>& args);

}  // namespace hoptrace::cli
