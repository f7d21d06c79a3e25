// A small, strict flag parser shared by subcommands: --name VALUE, --name=VALUE, --switch.
// Unknown flags and missing values are usage errors (exit code 2 with one line).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hoptrace::cli {

struct FlagSpec {
  std::string name;  // without leading dashes
  bool takes_value = true;
  std::string help;
};

struct ParsedFlags {
  std::map<std::string, std::string> values;  // switches map to "true"
  std::vector<std::string> positional;
  bool has(const std::string& n) const { return values.count(n) != 0; }
  std::string get(const std::string& n, const std::string& def = "") const {
    auto it = values.find(n);
    return it == values.end() ? def : it->second;
  }
};

// Parses args (after the subcommand words). On error returns nullopt and sets *error.
std::optional<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                      const std::vector<FlagSpec>& specs, std::string* error);
std::string FlagsHelp(const std::vector<FlagSpec>& specs);

}  // namespace hoptrace::cli
