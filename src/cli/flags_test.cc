#include "cli/flags.h"

#include <gtest/gtest.h>

namespace hoptrace::cli {
namespace {

const std::vector<FlagSpec> kSpecs = {{"data", true, "dir"}, {"json", false, "json"}};

TEST(FlagsTest, ValuesSwitchesAndPositionals) {
  std::string err;
  auto f = ParseFlags({"--data", "/x", "--json", "abc", "--data=/y"}, kSpecs, &err);
  ASSERT_TRUE(f.has_value()) << err;
  EXPECT_EQ(f->get("data"), "/y");
  EXPECT_TRUE(f->has("json"));
  EXPECT_EQ(f->positional, std::vector<std::string>{"abc"});
}

TEST(FlagsTest, UnknownFlagIsOneClearLine) {
  std::string err;
  EXPECT_FALSE(ParseFlags({"--nope"}, kSpecs, &err).has_value());
  EXPECT_EQ(err, "unknown flag --nope");
}

TEST(FlagsTest, MissingValueAndValueOnSwitch) {
  std::string err;
  EXPECT_FALSE(ParseFlags({"--data"}, kSpecs, &err).has_value());
  EXPECT_EQ(err, "flag --data needs a value");
  EXPECT_FALSE(ParseFlags({"--json=1"}, kSpecs, &err).has_value());
  EXPECT_EQ(err, "flag --json takes no value");
}

TEST(FlagsTest, HelpListsEveryFlag) {
  std::string help = FlagsHelp(kSpecs);
  EXPECT_NE(help.find("--data VALUE"), std::string::npos);
  EXPECT_NE(help.find("--json"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::cli
