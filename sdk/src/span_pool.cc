// The span record pool (span_pool.h).
#include "span_pool.h"

#include <algorithm>
#include <mutex>
#include <utility>

namespace hoptrace::internal {
namespace {

// Records that grew past these are freed rather than pooled, so one unusual span does not pin
// its memory in the pool forever.
constexpr std::size_t kMaxPooledAttributes = 256;
constexpr std::size_t kMaxPooledEventsOrLinks = 32;
constexpr std::size_t kMaxPooledStringBytes = 1024;

bool Poolable(const SpanData& s) noexcept {
  return s.attributes.capacity() <= kMaxPooledAttributes &&
         s.events.capacity() <= kMaxPooledEventsOrLinks &&
         s.links.capacity() <= kMaxPooledEventsOrLinks &&
         s.name.capacity() <= kMaxPooledStringBytes &&
         s.status_message.capacity() <= kMaxPooledStringBytes;
}

// The process-wide pool. Owns the records it holds (raw pointers: it is never destroyed, so
// it stays usable while the process exits; what it holds at exit is still reachable).
struct GlobalPool {
  std::mutex mu;
  std::vector<SpanData*> free;  // guarded by mu
};

GlobalPool& Global() noexcept {
  static GlobalPool* pool = [] {
    auto* p = new GlobalPool();
    p->free.reserve(kGlobalPoolMax);
    return p;
  }();
  return *pool;
}

// Gives `spans` to the global pool up to its bound; frees the rest (outside the lock).
void ToGlobal(std::vector<SpanData*>* spans) noexcept {
  if (spans->empty()) return;
  GlobalPool& g = Global();
  std::size_t kept = 0;
  {
    std::lock_guard lock(g.mu);
    kept = std::min(spans->size(), kGlobalPoolMax - std::min(kGlobalPoolMax, g.free.size()));
    g.free.insert(g.free.end(), spans->begin(), spans->begin() + static_cast<std::ptrdiff_t>(kept));
  }
  for (std::size_t i = kept; i < spans->size(); ++i) delete (*spans)[i];
  spans->clear();
}

// This thread's cache of records and spare keys.
struct LocalCache {
  std::vector<SpanData*> free;
  std::vector<std::string> spare_keys;

  LocalCache() {
    free.reserve(kLocalCacheMax);
    spare_keys.reserve(64);
  }
  ~LocalCache();
};

// Set when this thread's cache has been destroyed (thread exit): a span ended by a later
// thread-exit destructor then allocates and frees as if there were no pool.
thread_local bool tls_cache_gone = false;

LocalCache::~LocalCache() {
  tls_cache_gone = true;
  ToGlobal(&free);
}

LocalCache* Local() noexcept {
  if (tls_cache_gone) return nullptr;
  thread_local LocalCache cache;
  return &cache;
}

// Takes up to half a cache's worth of records from the global pool.
void Refill(LocalCache* local) noexcept {
  GlobalPool& g = Global();
  std::lock_guard lock(g.mu);
  std::size_t n = std::min(g.free.size(), kLocalCacheMax / 2);
  local->free.insert(local->free.end(), g.free.end() - static_cast<std::ptrdiff_t>(n),
                     g.free.end());
  g.free.resize(g.free.size() - n);
}

// Every field back to its default except `scope`; keeps capacities; moves the attribute keys
// that own heap storage to this thread's spare keys.
void Reset(SpanData* s, LocalCache* local) noexcept {
  constexpr std::size_t kInlineKey = 15;  // libstdc++'s short-string capacity
  for (KeyValue& kv : s->attributes) {
    if (kv.key.capacity() > kInlineKey && local->spare_keys.size() < kSpareKeysMax) {
      __builtin_prefetch(kv.key.data(), 1);  // reused by the next SetAttribute calls
      local->spare_keys.push_back(std::move(kv.key));
    }
  }
  s->attributes.clear();
  s->context = SpanContext();
  s->parent_span_id = SpanId();
  s->parent_is_remote = false;
  s->name.clear();
  s->kind = SpanKind::kInternal;
  s->start_unix_nano = 0;
  s->end_unix_nano = 0;
  s->dropped_attributes_count = 0;
  s->events.clear();
  s->dropped_events_count = 0;
  s->links.clear();
  s->dropped_links_count = 0;
  s->status_code = StatusCode::kUnset;
  s->status_message.clear();
  s->resource = nullptr;
}

}  // namespace

std::unique_ptr<SpanData> AcquireSpanData() noexcept {
  LocalCache* local = Local();
  if (local == nullptr) return std::make_unique<SpanData>();
  if (local->free.empty()) Refill(local);
  if (local->free.empty()) return std::make_unique<SpanData>();
  SpanData* s = local->free.back();
  local->free.pop_back();
  // Records come back cold from the processor's thread. Prefetch the next two: the attribute
  // array of the next (its record was prefetched by the previous call), the record after it.
  const std::size_t n = local->free.size();
  if (n >= 1) __builtin_prefetch(local->free[n - 1]->attributes.data(), 1);
  if (n >= 2) {
    const char* after = reinterpret_cast<const char*>(local->free[n - 2]);
    for (std::size_t off = 0; off < sizeof(SpanData); off += 64) __builtin_prefetch(after + off, 1);
  }
  Reset(s, local);
  return std::unique_ptr<SpanData>(s);
}

void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>* spans) noexcept {
  std::vector<SpanData*> keep;
  try {
    keep.reserve(spans->size());
  } catch (...) {
    spans->clear();  // no memory to pool them: free them
    return;
  }
  for (std::unique_ptr<SpanData>& s : *spans) {
    if (s != nullptr && Poolable(*s)) keep.push_back(s.release());
  }
  spans->clear();  // frees what was not poolable
  ToGlobal(&keep);
}

void RecycleSpanData(std::unique_ptr<SpanData> span) noexcept {
  if (span == nullptr || !Poolable(*span)) return;
  LocalCache* local = Local();
  if (local != nullptr && local->free.size() < kLocalCacheMax) {
    local->free.push_back(span.release());  // reserved: no allocation
    return;
  }
  GlobalPool& g = Global();
  std::lock_guard lock(g.mu);
  if (g.free.size() < kGlobalPoolMax) g.free.push_back(span.release());
  // else `span` is freed on return, after the lock is released (declared before it).
}

void PurgeSpanPool(const Resource* resource) noexcept {
  std::vector<SpanData*> purged;
  {
    GlobalPool& g = Global();
    std::lock_guard lock(g.mu);
    auto it = std::partition(g.free.begin(), g.free.end(),
                             [&](const SpanData* s) { return s->resource != resource; });
    try {
      purged.assign(it, g.free.end());
    } catch (...) {
      return;  // keep them pooled
    }
    g.free.erase(it, g.free.end());
  }
  for (SpanData* s : purged) delete s;
}

std::string MakeAttributeKey(std::string_view key) {
  if (key.size() > 15) {
    LocalCache* local = Local();
    if (local != nullptr && !local->spare_keys.empty()) {
      std::string s = std::move(local->spare_keys.back());
      local->spare_keys.pop_back();
      s.assign(key.data(), key.size());
      return s;
    }
  }
  return std::string(key);
}

SpanPoolCounts GetSpanPoolCounts() noexcept {
  SpanPoolCounts c;
  {
    GlobalPool& g = Global();
    std::lock_guard lock(g.mu);
    c.global = g.free.size();
  }
  if (LocalCache* local = Local()) {
    c.local = local->free.size();
    c.spare_keys = local->spare_keys.size();
  }
  return c;
}

}  // namespace hoptrace::internal
