// A server a benchmark runs as its own child process (clickhouse-server for store_bench,
// `hoptrace serve` for ingest_bench): fork + exec with the output going to a log file, a
// non-blocking check for its exit, and SIGTERM-then-SIGKILL to stop it.
//
// Should the benchmark die first, the child gets SIGTERM from the kernel (PR_SET_PDEATHSIG).
//
// Thread-safety: a ChildProcess is used from one thread. Start() forks: call it while this
// process has no other threads that hold locks the child could need (the child only execs).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace hoptrace::bench {

// "exited with status 1", "killed by signal Terminated".
std::string DescribeWaitStatus(int wait_status);

// The last `max_bytes` of the file at `path`, from a line start, without trailing newlines;
// empty when missing.
std::string FileTail(const std::string& path, size_t max_bytes);

class ChildProcess {
 public:
  // Runs argv[0] (a path, not looked up in PATH) with `argv`, stdin from /dev/null, stdout and
  // stderr appended to `log_path`, in `cwd` (unchanged when empty), with default signal
  // handling and none of this process's other file descriptors. Returns once the exec has
  // succeeded; an error (and nothing left running) when it failed.
  static StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                       const std::string& log_path,
                                                       const std::string& cwd = "");

  // Stops the child as Stop(30 s) does, if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Non-blocking: true (and its wait status in *wait_status) once the child has exited; it is
  // reaped then. True with *wait_status 0 once reaped before.
  bool Exited(int* wait_status);

  struct StopOutcome {
    bool exited_before = false;  // it had exited on its own before Stop
    bool killed = false;         // it did not exit within the timeout and got SIGKILL
    int wait_status = 0;
  };
  // Sends SIGTERM, waits up to `timeout_ms` for the child to exit, then sends SIGKILL and
  // waits. Idempotent (a second call reports exited_before with wait status 0).
  StopOutcome Stop(int timeout_ms);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_;  // -1 once reaped
};

}  // namespace hoptrace::bench
