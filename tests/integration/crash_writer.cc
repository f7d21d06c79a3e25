// crash_writer: the victim process of crash_test. Opens an EmbeddedStore at --dir and appends
// the deterministic batches of crash_batches.h (numbers --first, --first + 1, ...) from several
// threads until killed, writing "ACK k\n" to stdout (one unbuffered write) after batch k's
// Append returns OK.
//
// Usage: crash_writer --dir DIR --first K [--threads N] [--memtable_bytes B] [--max_batches M]
// Exit codes: 0 after --max_batches batches, 1 bad usage, 2 a store error (printed to stderr).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "crash_batches.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace {
namespace {

struct Flags {
  std::string dir;
  uint64_t first = 0;
  int threads = 3;
  size_t memtable_bytes = 64 << 10;
  uint64_t max_batches = UINT64_MAX;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--dir") {
      flags->dir = value;
    } else if (name == "--first") {
      flags->first = std::strtoull(value, nullptr, 10);
    } else if (name == "--threads") {
      flags->threads = std::atoi(value);
    } else if (name == "--memtable_bytes") {
      flags->memtable_bytes = std::strtoull(value, nullptr, 10);
    } else if (name == "--max_batches") {
      flags->max_batches = std::strtoull(value, nullptr, 10);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !flags->dir.empty() && flags->first > 0 && flags->threads > 0;
}

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n <= 0) std::_Exit(3);  // stdout closed: nobody is listening any more
    done += static_cast<size_t>(n);
  }
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: crash_writer --dir DIR --first K [--threads N] [--memtable_bytes B] "
                 "[--max_batches M]\n");
    return 1;
  }
  EmbeddedStoreOptions options;
  options.dir = flags.dir;
  options.memtable_bytes = flags.memtable_bytes;
  options.row_group_bytes = 8 << 10;
  options.background_flush = true;
  auto store = EmbeddedStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "crash_writer: open %s: %s\n", flags.dir.c_str(),
                 store.status().ToString().c_str());
    return 2;
  }
  std::atomic<uint64_t> next{flags.first};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < flags.threads; ++t) {
    threads.emplace_back([&] {
      while (!failed.load()) {
        uint64_t k = next.fetch_add(1);
        if (k - flags.first >= flags.max_batches) return;
        auto r = (*store)->Append(crash::CrashBatch(k));
        if (!r.ok()) {
          std::fprintf(stderr, "crash_writer: append %llu: %s\n",
                       static_cast<unsigned long long>(k), r.status().ToString().c_str());
          failed = true;
          return;
        }
        WriteAll(STDOUT_FILENO, "ACK " + std::to_string(k) + "\n");
      }
    });
  }
  for (auto& t : threads) t.join();
  return failed.load() ? 2 : 0;
}

}  // namespace
}  // namespace hoptrace

int main(int argc, char** argv) { return hoptrace::Main(argc, argv); }
