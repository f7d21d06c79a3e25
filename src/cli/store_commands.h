// `hoptrace store ...`: offline tools over an embedded store's data directory.
#pragma once

#include <string>
#include <vector>

namespace hoptrace::cli {

int StoreCommand(const std::vector<std::string>& args);

}  // namespace hoptrace::cli
