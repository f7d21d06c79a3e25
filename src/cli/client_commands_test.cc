#include "cli/client_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "server/test_server.h"

namespace hoptrace::cli {
namespace {

TEST(ClientCommandsTest, BadFlagsExit2AndUnreachableServerExits1) {
  EXPECT_EQ(TracesCommand({"--nope"}), 2);
  EXPECT_EQ(StatsCommand({"--by"}), 2);
  EXPECT_EQ(TracesCommand({"stray"}), 2);
  EXPECT_EQ(TracesCommand({"--server", "http://127.0.0.1:1"}), 1);
  EXPECT_EQ(StatsCommand({"--server", "http://127.0.0.1:1"}), 1);
}

TEST(ClientCommandsTest, TalksToARealServer) {
  TestStore store;
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  TestHttpServer server(store.get());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string url = server.url();
  int rc = 1;
  for (int i = 0; i < 100 && rc != 0; ++i) {
    rc = TracesCommand({"--server", url, "--json"});
    if (rc != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(StatsCommand({"--server", url, "--by", "agent,model"}), 0);
  EXPECT_EQ(StatsCommand({"--server", url, "--by", "bogus"}), 1)
      << "the server's 400 is reported, exit 1";
  EXPECT_EQ(TracesCommand({"--server", url, "--limit", "abc"}), 1);
}

}  // namespace
}  // namespace hoptrace::cli
