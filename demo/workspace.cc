#include "workspace.h"

#include <hoptrace/genai.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hoptrace::demo {

namespace genai = hoptrace::genai;

std::optional<std::string> Workspace::Write(const Tracer& tracer, std::string_view path,
                                            std::string_view content) const {
  Span span = genai::FileOperation(tracer, "write", path,
                                   {.size = static_cast<std::int64_t>(content.size())});
  const std::filesystem::path full = std::filesystem::path(root_) / path;
  std::error_code ec;
  std::filesystem::create_directories(full.parent_path(), ec);
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  if (out) out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    std::string error = "cannot write " + std::string(path) + ": " + std::strerror(errno);
    genai::RecordError(span, "OSError", error);
    return error;
  }
  return std::nullopt;
}

Workspace::ReadResult Workspace::Read(const Tracer& tracer, std::string_view path) const {
  Span span = genai::FileOperation(tracer, "read", path);
  const std::filesystem::path full = std::filesystem::path(root_) / path;
  ReadResult result;
  std::ifstream in(full, std::ios::binary);
  if (!in) {
    const int err = errno;
    result.error = (err == ENOENT ? "FileNotFoundError: " : "OSError: ") +
                   std::string(std::strerror(err)) + ": '" + std::string(path) + "'";
    genai::RecordError(span, err == ENOENT ? "FileNotFoundError" : "OSError", result.error);
    return result;
  }
  std::ostringstream content;
  content << in.rdbuf();
  result.ok = true;
  result.content = std::move(content).str();
  span.SetAttribute(genai::kFileSize, static_cast<std::int64_t>(result.content.size()));
  return result;
}

}  // namespace hoptrace::demo
