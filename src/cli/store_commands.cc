#include "cli/store_commands.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/flags.h"
#include "storage/embedded/embedded_store.h"
#include "w1/w1_generator.h"

namespace hoptrace::cli {
namespace {

constexpr char kStoreUsage[] =
    "usage: hoptrace store <verify|load-w1|stats> [flags]\n"
    "  verify   check every checksum of a data directory (the store must not be running)\n"
    "  load-w1  generate W1 agent traces (BENCHMARKS.md) into a data directory\n"
    "  stats    tokens, cost and latency per agent and model of a data directory\n";

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "hoptrace store: %s\n", msg.c_str());
  return 2;
}

// Parses a subcommand's flags. Returns an exit code when the command is over (a usage error:
// 2; --help printed: 0), else nullopt with *flags set.
std::optional<int> ParseOrExit(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs, const char* usage,
                               ParsedFlags* flags) {
  std::string err;
  auto parsed = ParseFlags(args, specs, &err);
  if (!parsed) return UsageError(err);
  if (parsed->has("help")) {
    std::printf("%s\n\n%s", usage, FlagsHelp(specs).c_str());
    return 0;
  }
  if (!parsed->positional.empty())
    return UsageError("unexpected argument " + parsed->positional[0]);
  *flags = std::move(*parsed);
  return std::nullopt;
}

int Verify(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {{"data", true, "data directory (default ./hoptrace-data)"},
                                 {"help", false, "show this help"}};
  ParsedFlags parsed;
  if (auto code = ParseOrExit(args, specs, "usage: hoptrace store verify [--data DIR]", &parsed))
    return *code;
  const ParsedFlags* flags = &parsed;
  std::string dir = flags->get("data", "./hoptrace-data");
  auto report = VerifyStore(dir);
  if (!report.ok()) {
    std::fprintf(stderr, "hoptrace store verify: %s\n", report.status().message().c_str());
    return 1;
  }
  const VerifyReport& r = *report;
  std::printf("wal:    %llu segments, %llu records, %llu spans, %llu torn bytes at tails\n",
              static_cast<unsigned long long>(r.wal_segments),
              static_cast<unsigned long long>(r.wal_records),
              static_cast<unsigned long long>(r.wal_spans),
              static_cast<unsigned long long>(r.wal_torn_bytes));
  std::string formats;
  for (const auto& [version, n] : r.block_formats)
    formats += (formats.empty() ? " (" : ", ") + std::to_string(n) + " of format " +
               std::to_string(version);
  if (!formats.empty()) formats += ")";
  std::printf("blocks: %llu blocks%s, %llu chunks checked, %llu spans\n",
              static_cast<unsigned long long>(r.blocks), formats.c_str(),
              static_cast<unsigned long long>(r.block_chunks),
              static_cast<unsigned long long>(r.block_spans));
  if (r.block_spans) {
    std::printf(
        "        %.1f bytes/span: rows %.1f, scan columns %.1f (span/parent ids %.1f), footers "
        "%.1f\n",
        static_cast<double>(r.block_bytes) / r.block_spans,
        static_cast<double>(r.row_group_bytes) / r.block_spans,
        static_cast<double>(r.column_bytes) / r.block_spans,
        static_cast<double>(r.id_column_bytes) / r.block_spans,
        static_cast<double>(r.block_bytes - r.row_group_bytes - r.column_bytes) / r.block_spans);
  }
  std::printf("blobs:  %llu files, %llu blobs\n", static_cast<unsigned long long>(r.blob_files),
              static_cast<unsigned long long>(r.blobs));
  if (r.quarantined)
    std::printf("quarantine: %llu files set aside earlier\n",
                static_cast<unsigned long long>(r.quarantined));
  for (const auto& p : r.problems) std::printf("PROBLEM %s\n", p.c_str());
  std::printf("%s\n", r.ok() ? "OK: every checksum matches" : "DAMAGED: see the problems above");
  return r.ok() ? 0 : 1;
}

StatusOr<std::unique_ptr<EmbeddedStore>> OpenStore(const std::string& dir) {
  EmbeddedStoreOptions o;
  o.dir = dir;
  return EmbeddedStore::Open(o);
}

int LoadW1(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      {"data", true, "data directory (default ./hoptrace-data)"},
      {"spans", true, "number of spans (default 20000)"},
      {"seed", true, "generator seed (default 42)"},
      {"compression-level", true, "zstd level of blocks (default 1)"},
      {"row-group-kib", true, "row group size in KiB (default: the store's)"},
      {"help", false, "show this help"}};
  ParsedFlags parsed;
  if (auto code = ParseOrExit(args, specs,
                              "usage: hoptrace store load-w1 [--data DIR] [--spans N] [--seed S]",
                              &parsed)) {
    return *code;
  }
  const ParsedFlags* flags = &parsed;
  W1Options w;
  try {
    w.spans = std::stoull(flags->get("spans", "20000"));
    w.seed = std::stoull(flags->get("seed", "42"));
  } catch (...) {
    return UsageError("--spans and --seed take non-negative integers");
  }
  EmbeddedStoreOptions o;
  o.dir = flags->get("data", "./hoptrace-data");
  try {
    o.compression_level = std::stoi(flags->get("compression-level", "1"));
    if (flags->has("row-group-kib"))
      o.row_group_bytes = std::stoul(flags->get("row-group-kib")) << 10;
  } catch (...) {
    return UsageError("--compression-level and --row-group-kib take integers");
  }
  auto store = EmbeddedStore::Open(o);
  if (!store.ok()) {
    std::fprintf(stderr, "hoptrace store load-w1: %s\n", store.status().message().c_str());
    return 1;
  }
  W1Generator gen(w);
  std::vector<Span> batch, trace;
  auto t0 = std::chrono::steady_clock::now();
  uint64_t n = 0, dups = 0;
  while (gen.NextTrace(&trace)) {
    for (auto& s : trace) batch.push_back(std::move(s));
    trace.clear();
    if (batch.size() >= 1000) {
      auto r = (*store)->Append(std::move(batch));
      batch.clear();
      if (!r.ok()) {
        std::fprintf(stderr, "hoptrace store load-w1: %s\n", r.status().message().c_str());
        return 1;
      }
      n += r->stored;
      dups += r->duplicates;
    }
  }
  if (!batch.empty()) {
    auto r = (*store)->Append(std::move(batch));
    if (!r.ok()) {
      std::fprintf(stderr, "hoptrace store load-w1: %s\n", r.status().message().c_str());
      return 1;
    }
    n += r->stored;
    dups += r->duplicates;
  }
  Status s = (*store)->Flush();
  if (!s.ok()) {
    std::fprintf(stderr, "hoptrace store load-w1: %s\n", s.message().c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (dups > 0) {
    std::printf("%llu spans were already stored (same trace and span ids): kept once\n",
                static_cast<unsigned long long>(dups));
  }
  std::printf("stored %llu spans in %.2f s (%.0f spans/s)\n", static_cast<unsigned long long>(n),
              secs, n / secs);
  return 0;
}

int Stats(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {{"data", true, "data directory (default ./hoptrace-data)"},
                                 {"help", false, "show this help"}};
  ParsedFlags parsed;
  if (auto code = ParseOrExit(args, specs, "usage: hoptrace store stats [--data DIR]", &parsed))
    return *code;
  const ParsedFlags* flags = &parsed;
  auto store = OpenStore(flags->get("data", "./hoptrace-data"));
  if (!store.ok()) {
    std::fprintf(stderr, "hoptrace store stats: %s\n", store.status().message().c_str());
    return 1;
  }
  AggregateRequest req;
  req.group_by = {{GroupField::kAgent, ""}, {GroupField::kModel, ""}};
  auto rows = (*store)->Aggregate(req);
  if (!rows.ok()) {
    std::fprintf(stderr, "hoptrace store stats: %s\n", rows.status().message().c_str());
    return 1;
  }
  std::printf("%-14s %-18s %9s %7s %12s %12s %10s %9s %9s\n", "AGENT", "MODEL", "SPANS", "ERRORS",
              "INPUT_TOK", "OUTPUT_TOK", "COST_USD", "P50_MS", "P95_MS");
  for (const auto& r : *rows) {
    std::printf("%-14s %-18s %9llu %7llu %12lld %12lld %10.4f %9.1f %9.1f\n",
                r.key[0].empty() ? "-" : r.key[0].c_str(),
                r.key[1].empty() ? "-" : r.key[1].c_str(), static_cast<unsigned long long>(r.spans),
                static_cast<unsigned long long>(r.errors), static_cast<long long>(r.input_tokens),
                static_cast<long long>(r.output_tokens), r.cost_usd, r.p50_ms, r.p95_ms);
  }
  StoreStats st = (*store)->GetStats();
  std::printf("\n%llu spans, %llu blocks, %.1f MiB on disk (%.0f bytes/span)\n",
              static_cast<unsigned long long>(st.spans), static_cast<unsigned long long>(st.blocks),
              st.bytes_on_disk / 1048576.0,
              st.spans ? static_cast<double>(st.bytes_on_disk) / st.spans : 0.0);
  return 0;
}

}  // namespace

int StoreCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::printf("%s", kStoreUsage);
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "verify") return Verify(rest);
  if (args[0] == "load-w1") return LoadW1(rest);
  if (args[0] == "stats") return Stats(rest);
  return UsageError("unknown subcommand '" + args[0] + "' (try hoptrace store --help)");
}

}  // namespace hoptrace::cli
