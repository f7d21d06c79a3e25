// The SpanStore conformance suite, written once and run against every backend
// (span_store.h states the contract, model_store.h spells out the exact semantics).
//
// A backend instantiates it in its own test file:
//
//   INSTANTIATE_TEST_SUITE_P(Embedded, SpanStoreConformanceTest,
//                            ::testing::Values(SpanStoreBackend{"embedded", factory, flush, true}),
//                            SpanStoreBackendName);
//
// and links ht_store_testing. Passing SpanStoreBackendName is required: it is defined next to
// the TEST_Ps, so referencing it makes the linker keep them (an unreferenced archive member would
// be dropped and the suite would silently run zero tests).
//
// Every test gets a fresh empty directory (removed afterwards) and a store made by `factory`.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "storage/span_store.h"

namespace hoptrace {

struct SpanStoreBackend {
  // Test-name suffix: letters, digits and '_' only.
  std::string name;
  // Opens a store in `dir` (an existing directory); returns null (after reporting why with
  // ADD_FAILURE) when it cannot.
  std::function<std::unique_ptr<SpanStore>(const std::string& dir)> factory;
  // Optional: moves everything appended so far to the backend's durable long-term form
  // (EmbeddedStore::Flush). Tests check every answer before and after it.
  std::function<void(SpanStore*)> flush;
  // True when closing the store and calling `factory` again on the same directory keeps the
  // data; tests then also check every answer after such a reopen.
  bool persistent = false;
};

std::string SpanStoreBackendName(const ::testing::TestParamInfo<SpanStoreBackend>& info);
namespace conformance_internal {
// Defined in span_store_conformance_queries.cc; referenced by SpanStoreBackendName so that file's
// TEST_Ps are linked too.
int LinkQueryCases();
// Likewise for span_store_conformance_updates.cc and span_store_conformance_narrow.cc.
int LinkUpdateCases();
int LinkNarrowCases();
}  // namespace conformance_internal
void PrintTo(const SpanStoreBackend& backend, std::ostream* os);

class SpanStoreConformanceTest : public ::testing::TestWithParam<SpanStoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  SpanStore* store() { return store_.get(); }
  // Calls the backend's flush hook, if any.
  void Flush();
  // Closes the store and opens it again on the same directory (persistent backends only).
  void Reopen();
  // Runs `check` now, after Flush(), and (persistent backends) after Reopen(), each under a
  // SCOPED_TRACE naming the state.
  void InEveryState(const std::function<void()>& check);

  // Appends and expects success; returns the result (zeros on failure).
  AppendResult Append(std::vector<Span> spans);
  // GetTrace expecting success (empty on failure).
  std::vector<Span> Trace(const TraceId& id);
  std::vector<TraceSummary> Traces(const SpanFilter& filter, size_t limit = 1000);
  std::vector<Span> Spans(const SpanFilter& filter, SpanOrder order, size_t limit = 100000);
  std::vector<AggregateRow> Rows(const AggregateRequest& request);

  std::string dir_;
  std::unique_ptr<SpanStore> store_;
};

}  // namespace hoptrace
