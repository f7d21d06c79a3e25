// Recycling of span records (SpanData) and attribute keys, so that a recorded span costs no
// allocation in the steady state and nothing is freed on the batch processor's thread.
//
// Life of a record: a producer thread takes one (AcquireSpanData), the span fills it, the
// processor exports it and hands it back (RecycleSpanData); it waits in a process-wide pool
// until a producer thread takes it again, in chunks, into a small per-thread cache. Records
// keep the capacity of their strings and vectors; the keys of their attributes are kept, as
// strings with their capacity, in a per-thread list of spare keys that SetAttribute reuses.
//
// A pooled record keeps its `scope` (a strong reference to its tracer, and so to the provider's
// state): StartSpan reassigns it only when the new span's tracer differs, which saves a shared
// reference count update per span. TracerProvider::Shutdown purges the process-wide pool of its
// records (PurgeSpanPool); a per-thread cache may hold up to kLocalCacheMax of them until that
// thread starts spans of another tracer or exits.
//
// Thread-safety: every function may be called from any thread. The process-wide pool is never
// destroyed (usable during exit); per-thread caches return their records to it when their thread
// exits.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/resource.h"
#include "hoptrace/span_data.h"

namespace hoptrace::internal {

inline constexpr std::size_t kLocalCacheMax = 64;    // records per thread
inline constexpr std::size_t kGlobalPoolMax = 16384;  // records in the process-wide pool
inline constexpr std::size_t kSpareKeysMax = 1024;   // spare key strings per thread

// A record ready to be filled: every field as a default-constructed SpanData has it, except
// `scope`, which is left as it was (the caller compares and reassigns it), and the capacity of
// strings and vectors. Never null (std::bad_alloc terminates, as any allocation in a noexcept
// hot path does).
std::unique_ptr<SpanData> AcquireSpanData() noexcept;

// Hands finished records back (null entries are skipped; `spans` is left empty). Records that
// grew unusually large, and records beyond kGlobalPoolMax, are freed instead.
void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>* spans) noexcept;
void RecycleSpanData(std::unique_ptr<SpanData> span) noexcept;

// Frees the pooled records whose resource is `resource` (a provider shutting down), so the pool
// no longer keeps that provider's state alive.
void PurgeSpanPool(const Resource* resource) noexcept;

// An attribute key with the contents `key`, reusing a spare string of this thread when there is
// one (no allocation when its capacity suffices).
std::string MakeAttributeKey(std::string_view key);

// For tests.
struct SpanPoolCounts {
  std::size_t global = 0;      // records in the process-wide pool
  std::size_t local = 0;       // records in this thread's cache
  std::size_t spare_keys = 0;  // spare key strings of this thread
};
SpanPoolCounts GetSpanPoolCounts() noexcept;

}  // namespace hoptrace::internal
