// A fixed pool of worker threads for CPU-parallel query work. Threads are created once, so
// per-thread scratch buffers stay warm across queries.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace hoptrace {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn on a worker; the future becomes ready when it returns.
  std::future<void> Submit(std::function<void()> fn);
  size_t size() const { return workers_.size(); }

  // A process-wide pool with one thread fewer than the machine has cores (at least one).
  static ThreadPool& Shared();

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::packaged_task<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                             // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace hoptrace
