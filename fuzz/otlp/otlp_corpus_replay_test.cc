// Replays every file of fuzz/otlp/corpus/<target>/ (seeds copied from the captured fixtures,
// hand-made edge cases, and any input a fuzzer found) through its fuzz target, and through every
// other decoder too, so that `make test` keeps each finding fixed without clang or libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace hoptrace::fuzz {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> CorpusFiles(std::string_view target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(HOPTRACE_OTLP_CORPUS_DIR) / target;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(OtlpCorpusReplayTest, EveryTargetHasSeeds) {
  for (const FuzzTarget& target : kFuzzTargets) {
    EXPECT_GE(CorpusFiles(target.corpus).size(), 2u) << "no seeds in corpus/" << target.corpus;
  }
}

TEST(OtlpCorpusReplayTest, EveryFileKeepsItsTargetsInvariants) {
  size_t runs = 0;
  for (const FuzzTarget& target : kFuzzTargets) {
    for (const fs::path& file : CorpusFiles(target.corpus)) {
      const std::string data = ReadAll(file);
      const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
      EXPECT_TRUE(target.run(bytes, data.size())) << file;
      // Cross-feed: each decoder must also cope with the other formats' inputs.
      for (const FuzzTarget& other : kFuzzTargets) {
        EXPECT_TRUE(other.run(bytes, data.size())) << other.corpus << " on " << file;
      }
      ++runs;
    }
  }
  EXPECT_GT(runs, 0u);
}

}  // namespace
}  // namespace hoptrace::fuzz
