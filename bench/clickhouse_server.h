// A private clickhouse-server (Debian's package, 18.16) started by a benchmark as its own child
// process, on loopback only: `store_bench --clickhouse auto`.
//
// Start() makes a fresh directory, writes a minimal config.xml and users.xml there (data, tmp,
// user_files, format schemas and logs all inside it; listen_host 127.0.0.1; HTTP, TCP and
// interserver ports chosen free on 127.0.0.1), runs the server and waits until GET /ping
// answers. Stop() (and the destructor) sends SIGTERM, waits, sends SIGKILL after a timeout, and
// removes the directory. Should this process die first, the server gets SIGTERM from the kernel
// (PR_SET_PDEATHSIG); the directory is then left behind.
//
// Thread-safety: a ClickHouseServer is used from one thread. Start() forks: call it while this
// process has no other threads that hold locks the child could need (the child only execs).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "child_process.h"
#include "common/status.h"

namespace hoptrace::bench {

struct ClickHouseServerOptions {
  // Where the server's fresh directory is made.
  std::string parent_dir = "/tmp";
  // How long to wait for GET /ping to answer after starting.
  int startup_timeout_ms = 60'000;
  // How long to wait for the server to exit after SIGTERM before sending SIGKILL.
  int stop_timeout_ms = 30'000;
};

class ClickHouseServer {
 public:
  // The command that runs the server ({"/usr/sbin/clickhouse-server"} or
  // {"/usr/bin/clickhouse", "server"}), looked for in /usr/bin, /usr/sbin and PATH.
  // NotFound, with the reason and how to install it, when clickhouse-server is not installed.
  static StatusOr<std::vector<std::string>> FindCommand();

  // Starts a server and waits until it answers. On any error, whatever was started is stopped
  // and removed before returning; the error carries the end of the server's log.
  static StatusOr<std::unique_ptr<ClickHouseServer>> Start(
      const ClickHouseServerOptions& options = {});

  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  // Stops the server (SIGTERM, then SIGKILL after stop_timeout_ms) and removes its directory.
  // Idempotent. An error when the server had to be killed or had exited on its own with a
  // failure; it is stopped and removed either way.
  Status Stop();

  // http://127.0.0.1:PORT, the HTTP interface.
  const std::string& url() const { return url_; }
  uint16_t http_port() const { return http_port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const std::string& dir() const { return dir_; }

 private:
  ClickHouseServer(ClickHouseServerOptions options, std::string dir)
      : options_(std::move(options)), dir_(std::move(dir)) {}

  // Writes the config files, starts `command` and waits for /ping.
  Status Launch(const std::vector<std::string>& command);
  Status WaitUntilReady();
  // Non-blocking: true (and the status in *wait_status) when the child has exited.
  bool Exited(int* wait_status);
  // The last lines of the server's logs, for error messages.
  std::string LogTail() const;

  ClickHouseServerOptions options_;
  std::string dir_;
  std::string url_;
  uint16_t http_port_ = 0;
  std::unique_ptr<ChildProcess> process_;  // null: not running (never started, or stopped)
};

}  // namespace hoptrace::bench
