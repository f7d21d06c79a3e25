// A `hoptrace serve` started by a benchmark (ingest_bench) as its own child process on a fresh
// data directory and a free port on 127.0.0.1.
//
// Start() makes a fresh directory (data/ and serve.log inside it), runs
// `hoptrace serve --data DIR/data --http 127.0.0.1:0 --grpc 127.0.0.1:0` (free ports, so that
// it never collides with another server), reads the HTTP port from the server's start log line
// ("... on http://127.0.0.1:PORT ...") and waits until GET /healthz answers.
// Stop() sends SIGTERM (the server then flushes its memtable into blocks and exits) and waits;
// the directory stays until the destructor, so its size can be measured.
//
// Thread-safety: used from one thread. Start() forks (see child_process.h).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "child_process.h"
#include "common/status.h"
#include "http_client.h"

namespace hoptrace::bench {

struct HoptraceServerOptions {
  std::string binary;  // path of the hoptrace executable (see FindHoptraceBinary)
  std::string parent_dir = "/tmp";
  int startup_timeout_ms = 30'000;
  // SIGTERM makes the server write what its memtable holds into blocks before exiting.
  int stop_timeout_ms = 300'000;
};

// The hoptrace executable: `explicit_path` when not empty (it must be executable); otherwise
// the one of the build tree this benchmark belongs to (build/bench/<bench> -> build/hoptrace,
// as the build lays them out; also build/src/exe/hoptrace and build/bin/hoptrace).
// NotFound, saying where it looked and to pass --bin, when there is none.
StatusOr<std::string> FindHoptraceBinary(const std::string& explicit_path);

class HoptraceServer {
 public:
  // Starts a server and waits until it answers. On any error whatever was started is stopped
  // and removed; the error carries the end of the server's log.
  static StatusOr<std::unique_ptr<HoptraceServer>> Start(const HoptraceServerOptions& options);

  // Stops the server if running and removes its directory.
  ~HoptraceServer();
  HoptraceServer(const HoptraceServer&) = delete;
  HoptraceServer& operator=(const HoptraceServer&) = delete;

  // Stops the server (SIGTERM; SIGKILL after stop_timeout_ms). An error when it had exited
  // before, was killed, or exited with a failure; it is stopped either way. Idempotent.
  Status Stop();

  const LoopbackUrl& url() const { return url_; }
  // The server's pid while it runs; -1 after Stop.
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const std::string& data_dir() const { return data_dir_; }
  // The last lines of the server's log, for error messages.
  std::string LogTail() const;

 private:
  HoptraceServer(HoptraceServerOptions options, std::string dir)
      : options_(std::move(options)),
        dir_(std::move(dir)),
        data_dir_(dir_ + "/data"),
        log_path_(dir_ + "/serve.log") {}

  Status Launch();
  // Reads the port from the start log line, then polls GET /healthz.
  Status WaitUntilReady();

  HoptraceServerOptions options_;
  std::string dir_;
  std::string data_dir_;
  std::string log_path_;
  LoopbackUrl url_;
  std::unique_ptr<ChildProcess> process_;  // null: not running
};

}  // namespace hoptrace::bench
