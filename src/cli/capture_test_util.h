// For the CLI tests: a temporary file standing in for stdout or stderr (not a terminal, so no
// colour), read back with Take().
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

namespace hoptrace::cli {

class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::FILE* get() { return file_; }
  // Everything written since the last Take.
  std::string Take() {
    std::fflush(file_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    std::rewind(file_);
    (void)ftruncate(fileno(file_), 0);
    return out;
  }

 private:
  std::FILE* file_;
};

}  // namespace hoptrace::cli
