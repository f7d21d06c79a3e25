// hoptrace's embedded store under W1: EmbeddedStore with default options, Append per batch of
// 1,000 spans (or `batch_spans`) (from several threads at once with store_bench --writers N), Flush
// at the end of ingest, queries through the SpanStore interface.
#pragma once

#include <memory>
#include <string>

#include "w1_system.h"

namespace hoptrace::bench {

// Opens an embedded store in `dir`, appending `batch_spans` (> 0) spans per Append. Unimplemented
// when the benchmark was built without the embedded store library.
StatusOr<std::unique_ptr<W1System>> OpenHoptraceSystem(const std::string& dir,
                                                       size_t batch_spans = 1000);

}  // namespace hoptrace::bench
