// Context: what travels with a unit of work — the active span's SpanContext and the baggage.
//
// Each thread has a current Context (Context::Current()); a Scope makes a Context current for a
// block and restores the previous one when it goes out of scope (LIFO). Work handed to another
// thread takes an explicit copy:
//
//   hoptrace::Context ctx = hoptrace::Context::Current();
//   pool.Submit([ctx] {
//     hoptrace::Scope scope(ctx);           // or StartSpanOptions{.parent = &ctx}
//     auto span = tracer.StartSpan("work");  // a child of the submitting thread's span
//   });
//
// Thread-safety: Context is an immutable value (copies share the baggage); the current context
// is per thread. Scope must be destroyed on the thread that created it, in reverse order.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/span_context.h"

namespace hoptrace {

// W3C baggage: an ordered list of key/value entries with optional properties (the text after
// the value, e.g. "prop1;prop2=x", kept verbatim). Values are stored decoded; the header form
// percent-encodes them. Immutable: Set/Remove return a new Baggage; copies share storage.
class Baggage {
 public:
  static constexpr std::size_t kMaxEntries = 180;
  static constexpr std::size_t kMaxBytes = 8192;

  struct Entry {
    std::string key;
    std::string value;       // decoded
    std::string properties;  // verbatim, without the leading ';' (empty when none)
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  Baggage() = default;

  // Parses one or more baggage headers joined with ",". Invalid members are skipped (never
  // propagated); members beyond kMaxEntries, or that would take the header over kMaxBytes, are
  // dropped whole. A later duplicate key replaces the earlier value.
  static Baggage Parse(std::string_view header);

  std::optional<std::string_view> Get(std::string_view key) const noexcept;
  // REQUIRES nothing: an invalid key (not an RFC 7230 token) returns the baggage unchanged.
  Baggage Set(std::string_view key, std::string_view value, std::string_view properties = {}) const;
  Baggage Remove(std::string_view key) const;

  const std::vector<Entry>& entries() const noexcept;
  bool empty() const noexcept { return entries_ == nullptr || entries_->empty(); }
  // The header value, percent-encoding values; entries are dropped whole from the end if needed
  // to stay within the limits.
  std::string ToHeader() const;

  friend bool operator==(const Baggage& a, const Baggage& b) { return a.entries() == b.entries(); }

 private:
  explicit Baggage(std::shared_ptr<const std::vector<Entry>> entries)
      : entries_(std::move(entries)) {}
  std::shared_ptr<const std::vector<Entry>> entries_;
};

class Context {
 public:
  Context() = default;  // no span, no baggage
  Context(SpanContext span_context, Baggage baggage) noexcept
      : span_context_(std::move(span_context)), baggage_(std::move(baggage)) {}

  // This thread's current context (a root context when no Scope is active).
  static const Context& Current() noexcept;

  const SpanContext& span_context() const noexcept { return span_context_; }
  const Baggage& baggage() const noexcept { return baggage_; }

  Context WithSpan(SpanContext span_context) const noexcept {
    return Context(std::move(span_context), baggage_);
  }
  Context WithBaggage(Baggage baggage) const noexcept {
    return Context(span_context_, std::move(baggage));
  }

 private:
  SpanContext span_context_;
  Baggage baggage_;
};

// Makes `context` this thread's current context until destroyed. Not copyable or movable:
// scopes nest lexically.
class [[nodiscard]] Scope {
 public:
  explicit Scope(Context context) noexcept;
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Context previous_;
};

}  // namespace hoptrace
