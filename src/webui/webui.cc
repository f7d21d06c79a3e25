#include "webui/webui.h"

#include <algorithm>
#include <cctype>

namespace hoptrace {

const WebAsset* FindWebAsset(std::string_view path) {
  auto assets = WebAssets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const WebAsset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

bool IsWebUiPage(std::string_view path) {
  if (path == "/" || path == "/traces" || path == "/graph" || path == "/dashboard" ||
      path == "/findings")
    return true;
  constexpr std::string_view kTraces = "/traces/";
  if (path.substr(0, kTraces.size()) != kTraces) return false;
  std::string_view rest = path.substr(kTraces.size());
  if (rest.size() > 6 && rest.substr(rest.size() - 6) == "/graph") rest.remove_suffix(6);
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}


}  // namespace hoptrace
