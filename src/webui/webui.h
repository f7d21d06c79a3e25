// The web UI's files (web/, built by Vite), embedded into the binary at build time by
// tools/embed_assets, and how the HTTP server answers for them.
//
// Thread-safety: immutable data.
#pragma once

#include <span>
#include <string_view>

namespace hoptrace {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/index-HASH.js"
  std::string_view content_type;  // with charset for text
  std::string_view body;
  std::string_view etag;  // quoted
};

// Every embedded file, sorted by path.
std::span<const WebAsset> WebAssets();

// The asset at `path`, or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

// Whether `path` is one of the UI's own pages (served index.html, so links can be shared and
// reloaded): "/", "/traces", "/traces/<id>", "/traces/<id>/graph", "/graph", "/dashboard",
// "/findings".
bool IsWebUiPage(std::string_view path);

}  // namespace hoptrace
