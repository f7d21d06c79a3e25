#include "cli/load_command.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "cli/api_client.h"
#include "cli/flags.h"
#include "otlp/encode.h"
#include "w1/w1_generator.h"

namespace hoptrace::cli {
namespace {

constexpr char kUsage[] =
    "usage: hoptrace load [--server URL] [--spans N] [--seed S] [--batch N] [--connections N]\n"
    "  sends the W1 agent-trace workload (seeded, deterministic) as OTLP/HTTP protobuf";

bool ParseCount(const std::string& s, uint64_t lo, uint64_t hi, uint64_t* out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::stoull(s);
  return *out >= lo && *out <= hi;
}

}  // namespace

int LoadCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"server", true, "server URL (default http://127.0.0.1:4318)"},
      {"spans", true, "spans to send, whole traces (default 20000)"},
      {"seed", true, "W1 seed (default 42)"},
      {"batch", true, "spans per request (default 512)"},
      {"connections", true, "keep-alive connections sending at once (default 2)"},
      {"help", false, "show this help"}};
  std::string err;
  auto flags = ParseFlags(args, specs, &err);
  if (!flags) return UsageError("load", err);
  if (flags->has("help")) {
    std::printf("%s\n\n%s", kUsage, FlagsHelp(specs).c_str());
    return 0;
  }
  if (!flags->positional.empty())
    return UsageError("load", "unexpected argument " + flags->positional[0]);
  W1Options w;
  uint64_t batch = 0, connections = 0;
  if (!ParseCount(flags->get("spans", "20000"), 1, uint64_t{1} << 40, &w.spans))
    return UsageError("load",
                      "--spans: want a positive integer, got '" + flags->get("spans") + "'");
  if (!ParseCount(flags->get("seed", "42"), 0, UINT64_MAX >> 1, &w.seed))
    return UsageError("load",
                      "--seed: want a non-negative integer, got '" + flags->get("seed") + "'");
  if (!ParseCount(flags->get("batch", "512"), 1, 100000, &batch))
    return UsageError("load", "--batch: want 1..100000, got '" + flags->get("batch") + "'");
  if (!ParseCount(flags->get("connections", "2"), 1, 64, &connections))
    return UsageError("load", "--connections: want 1..64, got '" + flags->get("connections") + "'");
  const std::string server = flags->get("server", kDefaultServer);

  // Encode everything first: the W1 spans as an SDK would send them (no derived fields).
  std::vector<std::string> bodies;
  uint64_t total_spans = 0;
  {
    W1Generator gen(w);
    std::vector<Span> pending, trace;
    auto emit = [&] {
      for (Span& s : pending) s.derived = AgentFields{};
      bodies.push_back(EncodeOtlpProtobuf(pending));
      pending.clear();
    };
    while (gen.NextTrace(&trace)) {
      total_spans += trace.size();
      for (Span& s : trace) {
        pending.push_back(std::move(s));
        if (pending.size() == batch) emit();
      }
      trace.clear();
    }
    if (!pending.empty()) emit();
  }

  std::atomic<size_t> next{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (uint64_t c = 0; c < connections; ++c) {
    senders.emplace_back([&] {
      httplib::Client client(server);
      client.set_keep_alive(true);
      client.set_connection_timeout(std::chrono::seconds(5));
      client.set_read_timeout(std::chrono::seconds(60));
      for (size_t i = next++; i < bodies.size() && !failed; i = next++) {
        for (int attempt = 0;; ++attempt) {
          auto res = client.Post("/v1/traces", bodies[i], "application/x-protobuf");
          if (res && res->status == 200) break;
          if (res && (res->status == 503 || res->status == 429) && attempt < 20) {
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
          }
          std::lock_guard l(failure_mu);
          if (!failed.exchange(true)) {
            failure = res ? "server answered " + std::to_string(res->status) + ": " +
                                ApiErrorMessage(res->body)
                          : "cannot reach the server at " + server + " (" +
                                httplib::to_string(res.error()) + ")";
          }
          return;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  if (failed) {
    std::fprintf(stderr, "hoptrace load: %s\n", failure.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("sent %llu W1 spans in %zu requests in %.2f s (%.0f spans/s, %llu retried)\n",
              static_cast<unsigned long long>(total_spans), bodies.size(), secs, total_spans / secs,
              static_cast<unsigned long long>(retries.load()));
  return 0;
}

}  // namespace hoptrace::cli
