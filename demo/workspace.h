// The fleet's shared scratch workspace: a directory every agent process reads and writes real
// files in. Each operation is traced as a `file.read` / `file.write` span (genai::FileOperation)
// whose file.path is the path relative to the workspace root, so the same file has the same
// file.path in every process and every run; the root itself is on the agent spans
// (demo.workspace).
//
// Thread-safety: operations on different files may run concurrently; the class holds no
// mutable state.
#pragma once

#include <hoptrace/trace.h>

#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::demo {

class Workspace {
 public:
  explicit Workspace(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }

  // Writes `content` to `path` (relative; parent directories are created) under a `file.write`
  // span. Returns an error message, or nullopt on success.
  std::optional<std::string> Write(const Tracer& tracer, std::string_view path,
                                   std::string_view content) const;

  struct ReadResult {
    bool ok = false;
    std::string content;  // the file's bytes when ok
    std::string error;    // "FileNotFoundError: ..." etc. when not ok
  };
  // Reads `path` (relative) under a `file.read` span; a failed read marks the span failed.
  ReadResult Read(const Tracer& tracer, std::string_view path) const;

 private:
  std::string root_;
};

}  // namespace hoptrace::demo
