// Runs the SpanStore conformance suite against EmbeddedStore, with a small memtable so blocks
// are written during the tests, the background flush thread on, and Flush() as the flush hook.
#include <gtest/gtest.h>

#include "storage/embedded/embedded_store.h"
#include "storage/testing/span_store_conformance.h"

namespace hoptrace {
namespace {

std::unique_ptr<SpanStore> OpenEmbedded(const std::string& dir) {
  EmbeddedStoreOptions options;
  options.dir = dir;
  options.memtable_bytes = 256 << 10;
  options.row_group_bytes = 16 << 10;
  options.column_chunk_rows = 512;
  options.background_flush = true;
  auto store = EmbeddedStore::Open(options);
  if (!store.ok()) {
    ADD_FAILURE() << "EmbeddedStore::Open(" << dir << "): " << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

void FlushEmbedded(SpanStore* store) {
  Status s = static_cast<EmbeddedStore*>(store)->Flush();
  EXPECT_TRUE(s.ok()) << "Flush: " << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(Embedded, SpanStoreConformanceTest,
                         ::testing::Values(SpanStoreBackend{"embedded", OpenEmbedded, FlushEmbedded,
                                                            true}),
                         SpanStoreBackendName);

}  // namespace
}  // namespace hoptrace
