#include "cli/client_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "normalize/price_table.h"
#include "server/http_server.h"
#include "storage/embedded/embedded_store.h"

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
  auto dir =
      std::filesystem::temp_directory_path() / ("hoptrace_cli_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  EmbeddedStoreOptions o;
  o.dir = dir.string();
  auto store = EmbeddedStore::Open(o);
  ASSERT_TRUE(store.ok());
  PriceTable prices = PriceTable::Builtin();
  HttpServerOptions http;
  http.port = 0;
  auto server = HttpServer::Bind(store->get(), &prices, http);
  ASSERT_TRUE(server.ok());
  std::thread run([&] { (*server)->Run(); });
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
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
  (*server)->Stop();
  run.join();
  server->reset();
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hoptrace::cli
