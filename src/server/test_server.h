// For tests: a real embedded store in a fresh temporary directory, and the real HTTP listener on
// an ephemeral loopback port over it, running on its own thread. Both are torn down (and the
// directory removed) on destruction.
//
// Thread-safety: use from the test's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/file_system.h"
#include "normalize/price_table.h"
#include "server/http_server.h"
#include "server/receiver.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace {

class TestStore {
 public:
  // Check ok() (and status()) before use.
  TestStore() {
    auto dir = MakeTempDir("hoptrace_test_");
    if (!dir.ok()) {
      status_ = dir.status();
      return;
    }
    dir_ = *dir;
    status_ = Reopen();
  }
  ~TestStore() {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  TestStore(const TestStore&) = delete;
  TestStore& operator=(const TestStore&) = delete;

  // Closes the store and opens it again on the same directory.
  Status Reopen() {
    store_.reset();
    EmbeddedStoreOptions o;
    o.dir = dir_;
    auto store = EmbeddedStore::Open(o);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    return Status::Ok();
  }

  bool ok() const { return status_.ok() && store_ != nullptr; }
  const Status& status() const { return status_; }
  EmbeddedStore* get() const { return store_.get(); }
  EmbeddedStore* operator->() const { return store_.get(); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  Status status_;
  std::unique_ptr<EmbeddedStore> store_;
};

class TestHttpServer {
 public:
  // Serves `store` with the built-in prices. Check ok() before use.
  explicit TestHttpServer(SpanStore* store, ReceiverOptions receiver_options = {})
      : prices_(PriceTable::Builtin()), receiver_(store, &prices_, receiver_options) {
    HttpServerOptions http;
    http.port = 0;
    auto server = HttpServer::Bind(&receiver_, http);
    if (!server.ok()) {
      status_ = server.status();
      return;
    }
    server_ = std::move(*server);
    thread_ = std::thread([this] {
      server_->Run();
      returned_ = true;
    });
    while (!server_->IsRunning() && !returned_)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TestHttpServer() {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  bool ok() const { return status_.ok() && server_ != nullptr; }
  const Status& status() const { return status_; }
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  Receiver& receiver() { return receiver_; }

 private:
  PriceTable prices_;
  Receiver receiver_;
  Status status_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

}  // namespace hoptrace
