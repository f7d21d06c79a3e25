// Test fixture: a real embedded store (TestStore) served by the real HTTP listener on an
// ephemeral loopback port, and an HTTP client for it.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>

#include "server/test_server.h"

namespace hoptrace {

class ServedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Serve({}); }

  // Starts the server with `options` (a subclass's SetUp may call this instead).
  void Serve(ReceiverOptions options) {
    ASSERT_TRUE(store_.ok()) << store_.status().ToString();
    server_ = std::make_unique<TestHttpServer>(store_.get(), options);
    ASSERT_TRUE(server_->ok()) << server_->status().ToString();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  TestStore store_;
  std::unique_ptr<TestHttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace hoptrace
