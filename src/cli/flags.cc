#include "cli/flags.h"

namespace hoptrace::cli {

std::optional<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                      const std::vector<FlagSpec>& specs, std::string* error) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      *error = "unknown flag --" + name;
      return std::nullopt;
    }
    if (spec->takes_value) {
      if (!value) {
        if (i + 1 >= args.size()) {
          *error = "flag --" + name + " needs a value";
          return std::nullopt;
        }
        value = args[++i];
      }
      out.values[name] = *value;
    } else {
      if (value) {
        *error = "flag --" + name + " takes no value";
        return std::nullopt;
      }
      out.values[name] = "true";
    }
  }
  return out;
}

std::string FlagsHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "  --" + s.name + (s.takes_value ? " VALUE" : "");
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + s.help + "\n";
  }
  return out;
}

}  // namespace hoptrace::cli
