// Test fixture: an embedded store in a fresh temporary directory (dir_), opened by the test with
// the options it needs; the store is closed and the directory removed after the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/file_system.h"
#include "storage/embedded/embedded_store.h"

namespace hoptrace {

class StoreDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeTempDir("ht_store_test_");
    ASSERT_TRUE(made.ok());
    dir_ = *made;
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Closes the store if open, then opens it with `o`.
  void Open(EmbeddedStoreOptions o) {
    store_.reset();
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  std::string dir_;
  std::unique_ptr<EmbeddedStore> store_;
};

}  // namespace hoptrace
