// Crash test: runs crash_writer on one store directory, SIGKILLs it after a random 5-150 ms,
// then opens the store in-process and checks that
//  - every batch the writer acknowledged is present, complete and exactly as written;
//  - no batch is partially present (every present trace has its full span count and content);
//  - nothing is stored twice (per-trace counts, the Aggregate total and GetStats agree);
//  - nothing recovered by an earlier round disappears later.
// and repeats on the same directory, so recovery (also of an interrupted recovery) runs over
// and over while blocks are being flushed (small memtable).
//
// Rounds: --kills N on the command line, else HOPTRACE_CRASH_KILLS, else 200.
// HOPTRACE_CRASH_SEED fixes the random kill delays (the seed is printed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/file_system.h"
#include "common/log.h"
#include "crash_batches.h"
#include "storage/embedded/embedded_store.h"
#include "storage/testing/span_test_util.h"

extern char** environ;

namespace hoptrace {
namespace {

int g_kills = 200;
constexpr size_t kMemtableBytes = 64 << 10;
constexpr int kWriterThreads = 3;
constexpr int kSampledOldBatches = 20;
constexpr int kFullCheckEvery = 20;  // rounds between checks of every batch in the store

struct WriterRun {
  std::vector<uint64_t> acked;
  bool exited_by_itself = false;
  int exit_status = 0;
};

// Spawns the writer, lets it run `run_ms`, kills it, and returns the batches it acknowledged.
WriterRun RunAndKill(const std::string& dir, uint64_t first, int run_ms, const std::string& log) {
  WriterRun run;
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> args = {HOPTRACE_CRASH_WRITER_PATH,
                                   "--dir",
                                   dir,
                                   "--first",
                                   std::to_string(first),
                                   "--threads",
                                   std::to_string(kWriterThreads),
                                   "--memtable_bytes",
                                   std::to_string(kMemtableBytes)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, HOPTRACE_CRASH_WRITER_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << HOPTRACE_CRASH_WRITER_PATH << ": " << std::strerror(rc);
    close(fds[0]);
    return run;
  }
  // Drain stdout while the writer runs (so it never blocks on a full pipe), then kill it.
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  bool eof = false;
  while (!eof) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0)
      eof = true;
    else
      out.append(buf, static_cast<size_t>(n));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  run.exited_by_itself = WIFEXITED(status);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  size_t pos = 0;
  while (true) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) break;  // an incomplete last line is not an ack
    std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("ACK ", 0) == 0)
      run.acked.push_back(std::strtoull(line.c_str() + 4, nullptr, 10));
  }
  return run;
}

std::vector<Span> ExpectedTrace(uint64_t k) {
  std::vector<Span> spans = crash::CrashBatch(k);
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.start_unix_nano, a.span_id) < std::tie(b.start_unix_nano, b.span_id);
  });
  return spans;
}

std::string Tail(const std::string& path, size_t bytes) {
  std::string s;
  if (!DefaultFileSystem()->ReadFileToString(path, &s).ok()) return "";
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("hoptrace-crash-");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    root_ = *made;
    store_dir_ = root_ + "/store";
    log_ = root_ + "/writer.log";
    SetLogSink([this](LogLevel, std::string_view component, std::string_view message) {
      std::lock_guard<std::mutex> lock(log_mu_);
      store_log_.push_back(std::string(component) + ": " + std::string(message));
      if (store_log_.size() > 40) store_log_.pop_front();
    });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    if (!HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    } else {
      std::printf("store directory kept for inspection: %s\n", root_.c_str());
    }
  }

  std::string Context() {
    std::lock_guard<std::mutex> lock(log_mu_);
    std::string s = "\n  recent store log (in-process):";
    for (const auto& l : store_log_) s += "\n    " + l;
    return s + "\n  writer stderr tail:\n" + Tail(log_, 2000);
  }

  // Checks the store after round `round` (every batch, not only this round's, when `full`).
  // Returns false after reporting a failure.
  bool Verify(SpanStore* store, uint64_t round, const std::vector<uint64_t>& acked_now, bool full);

  std::string root_, store_dir_, log_;
  std::mutex log_mu_;
  std::deque<std::string> store_log_;
  std::set<uint64_t> acked_;    // acknowledged in any round
  std::set<uint64_t> present_;  // present after some round (acknowledged or recovered)
  std::map<std::string, uint64_t> run_spans_;  // round (as text) -> its spans in the store
  std::mt19937_64 rng_;
};

bool CrashTest::Verify(SpanStore* store, uint64_t round, const std::vector<uint64_t>& acked_now,
                       bool full) {
  auto check_batch = [&](uint64_t k, const char* why) {
    auto got = store->GetTrace(crash::BatchTraceId(k));
    if (!got.ok()) {
      ADD_FAILURE() << why << " batch " << k << ": " << got.status().ToString() << Context();
      return false;
    }
    auto eq = SpansEqual(*got, ExpectedTrace(k));
    if (!eq) ADD_FAILURE() << why << " batch " << k << " differs: " << eq.message() << Context();
    return static_cast<bool>(eq);
  };
  // Lists traces matching `filter`, checking each has its batch's full span count (and, for
  // batches of this round, exactly the expected content).
  auto list_batches = [&](SpanFilter filter, std::set<uint64_t>* out) {
    filter.service = "crash";
    auto traces = store->SearchTraces(filter, 10'000'000);
    if (!traces.ok()) {
      ADD_FAILURE() << "SearchTraces: " << traces.status().ToString() << Context();
      return false;
    }
    for (const TraceSummary& t : *traces) {
      uint64_t k = crash::BatchOf(t.trace_id);
      if (k < crash::kRunStride || crash::RunOf(k) > round) {
        ADD_FAILURE() << "unexpected trace " << ToHex(t.trace_id) << Context();
        return false;
      }
      if (t.span_count != crash::BatchSize(k)) {
        ADD_FAILURE() << "partial or duplicated batch " << k << ": " << t.span_count
                      << " spans, want " << crash::BatchSize(k) << Context();
        return false;
      }
      // Unacknowledged batches of this round may be present, but only whole and exact.
      if (crash::RunOf(k) == round && !check_batch(k, "recovered unacknowledged")) return false;
      if (!out->insert(k).second) {
        ADD_FAILURE() << "SearchTraces returned batch " << k << " twice" << Context();
        return false;
      }
    }
    return true;
  };

  for (uint64_t k : acked_now) {
    if (!check_batch(k, "acknowledged")) return false;
  }
  // This round's batches: whole, exact, and a superset of the acknowledged ones.
  SpanFilter this_round;  // by start time, which the store can prune on (crash_batches.h)
  this_round.start_min_unix_nano = crash::kBase + crash::kRunStride * (round + 1) * 1000;
  this_round.start_max_unix_nano = crash::kBase + crash::kRunStride * (round + 2) * 1000 - 1;
  std::set<uint64_t> present_now;
  if (!list_batches(this_round, &present_now)) return false;
  for (uint64_t k : acked_now) {
    if (!present_now.count(k)) {
      ADD_FAILURE() << "acknowledged batch " << k << " is not found by SearchTraces" << Context();
      return false;
    }
  }
  uint64_t round_spans = 0;
  for (uint64_t k : present_now) round_spans += crash::BatchSize(k);
  if (round_spans > 0) run_spans_[std::to_string(round)] = round_spans;
  // Span counts per round: earlier rounds' data never changes (nothing lost, nothing doubled).
  AggregateRequest by_round;
  by_round.filter.service = "crash";
  by_round.group_by = {{GroupField::kAttribute, "run"}};
  by_round.with_percentiles = false;
  auto rows = store->Aggregate(by_round);
  if (!rows.ok()) {
    ADD_FAILURE() << "Aggregate: " << rows.status().ToString() << Context();
    return false;
  }
  std::map<std::string, uint64_t> got_spans;
  uint64_t total = 0;
  for (const AggregateRow& r : *rows) {
    got_spans[r.key.empty() ? "?" : r.key[0]] = r.spans;
    total += r.spans;
  }
  if (got_spans != run_spans_) {
    std::string diff;
    for (const auto& [run, n] : run_spans_) {
      if (got_spans[run] != n) {
        diff += " round " + run + ": " + std::to_string(got_spans[run]) + " spans, want " +
                std::to_string(n) + ";";
      }
    }
    ADD_FAILURE() << "span counts per round changed:" << diff << Context();
    return false;
  }
  if (store->GetStats().spans != total) {
    ADD_FAILURE() << "GetStats().spans " << store->GetStats().spans << ", want " << total
                  << Context();
    return false;
  }
  std::vector<uint64_t> old(acked_.begin(), acked_.end());
  for (int i = 0; i < kSampledOldBatches && !old.empty(); ++i) {
    if (!check_batch(old[rng_() % old.size()], "earlier acknowledged")) return false;
  }
  present_.insert(present_now.begin(), present_now.end());
  if (!full) return true;

  // Every batch ever acknowledged or recovered is still there, whole.
  std::set<uint64_t> present;
  if (!list_batches(SpanFilter{}, &present)) return false;
  if (present != present_) {
    for (uint64_t k : present_) {
      if (!present.count(k)) {
        ADD_FAILURE() << "batch " << k << " (round " << crash::RunOf(k) << ", "
                      << (acked_.count(k) ? "acknowledged" : "recovered") << ") is missing"
                      << Context();
        return false;
      }
    }
    ADD_FAILURE() << present.size() - present_.size() << " batches appeared from nowhere"
                  << Context();
    return false;
  }
  return true;
}

TEST_F(CrashTest, AckedBatchesSurviveSigkillAndNoBatchIsPartial) {
  const char* seed_env = std::getenv("HOPTRACE_CRASH_SEED");
  uint64_t seed =
      seed_env ? std::strtoull(seed_env, nullptr, 10)
               : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  rng_.seed(seed);
  std::printf("crash test: %d kills, HOPTRACE_CRASH_SEED=%llu, dir %s\n", g_kills,
              static_cast<unsigned long long>(seed), store_dir_.c_str());
  SCOPED_TRACE("HOPTRACE_CRASH_SEED=" + std::to_string(seed));
  uint64_t total_acks = 0, empty_rounds = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < g_kills; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int run_ms = 5 + static_cast<int>(rng_() % 146);
    WriterRun run = RunAndKill(store_dir_, crash::kRunStride * (round + 1), run_ms, log_);
    ASSERT_FALSE(run.exited_by_itself)
        << "the writer exited with status " << run.exit_status << " before the kill" << Context();
    acked_.insert(run.acked.begin(), run.acked.end());
    total_acks += run.acked.size();
    if (run.acked.empty()) ++empty_rounds;

    EmbeddedStoreOptions options;
    options.dir = store_dir_;
    options.memtable_bytes = kMemtableBytes;
    auto store = EmbeddedStore::Open(options);
    ASSERT_TRUE(store.ok()) << "open after kill: " << store.status().ToString() << Context();
    bool full = round % kFullCheckEvery == kFullCheckEvery - 1 || round == g_kills - 1;
    ASSERT_TRUE(Verify(store->get(), round, run.acked, full)) << "after a " << run_ms << " ms run";
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "crash test: %d rounds, %llu acknowledged batches (%llu rounds without any), "
      "%zu batches present at the end, %.1f s\n",
      g_kills, static_cast<unsigned long long>(total_acks),
      static_cast<unsigned long long>(empty_rounds), present_.size(), secs);
}

}  // namespace
}  // namespace hoptrace

int main(int argc, char** argv) {
  if (const char* env = std::getenv("HOPTRACE_CRASH_KILLS")) hoptrace::g_kills = std::atoi(env);
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--kills" && i + 1 < argc) {
      hoptrace::g_kills = std::atoi(argv[++i]);
    } else if (a.rfind("--kills=", 0) == 0) {
      hoptrace::g_kills = std::atoi(a.c_str() + 8);
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  ::testing::InitGoogleTest(&n, args.data());
  return RUN_ALL_TESTS();
}
