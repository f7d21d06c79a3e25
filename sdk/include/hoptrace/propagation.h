// W3C Trace Context (traceparent, tracestate) and W3C Baggage over text-map carriers: HTTP
// headers, message metadata, the environment of a child process (tracing.md §2.3–2.4).
//
//   // client
//   std::map<std::string, std::string> headers;
//   hoptrace::MapCarrier carrier(headers);
//   hoptrace::Inject(hoptrace::Context::Current(), carrier);
//
//   // server
//   hoptrace::Context parent = hoptrace::Extract(hoptrace::ConstMapCarrier(request_headers));
//   auto span = tracer.StartSpan("handle", {.kind = hoptrace::SpanKind::kServer,
//                                           .parent = &parent});
//
// Validation follows the spec: version ff, an all-zero trace or parent id, non-lowercase or bad
// hex, wrong lengths or missing dashes reject the traceparent (and then tracestate is ignored);
// versions above 00 are parsed leniently (the first 55 characters, followed by end or '-').
// Rejected headers are not propagated. Never throws.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hoptrace/context.h"
#include "hoptrace/span_context.h"

namespace hoptrace {

// Keys are lowercase header names ("traceparent", "tracestate", "baggage").
class TextMapCarrier {
 public:
  virtual ~TextMapCarrier() = default;
  // The value of `key` (case-insensitive where the transport is), or empty when absent. The view
  // stays valid until the carrier is modified.
  virtual std::string_view Get(std::string_view key) const = 0;
  virtual void Set(std::string_view key, std::string_view value) = 0;
  virtual std::vector<std::string> Keys() const = 0;
};

namespace internal {
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;
}

// Adapts a std::map or std::unordered_map of headers (string keys and values). Get is
// case-insensitive (exact match first); Set replaces any key equal ignoring case.
template <class Map>
class BasicMapCarrier final : public TextMapCarrier {
 public:
  explicit BasicMapCarrier(Map& map) : map_(&map) {}
  std::string_view Get(std::string_view key) const override {
    if (auto it = map_->find(std::string(key)); it != map_->end()) return it->second;
    for (const auto& [k, v] : *map_) {
      if (internal::EqualsIgnoreCase(k, key)) return v;
    }
    return {};
  }
  void Set(std::string_view key, std::string_view value) override {
    for (auto it = map_->begin(); it != map_->end();) {
      if (it->first != key && internal::EqualsIgnoreCase(it->first, key)) {
        it = map_->erase(it);
      } else {
        ++it;
      }
    }
    (*map_)[std::string(key)] = std::string(value);
  }
  std::vector<std::string> Keys() const override {
    std::vector<std::string> keys;
    keys.reserve(map_->size());
    for (const auto& kv : *map_) keys.push_back(kv.first);
    return keys;
  }

 private:
  Map* map_;
};

// Read-only view for extraction from a const map; Set is ignored.
template <class Map>
class BasicConstMapCarrier final : public TextMapCarrier {
 public:
  explicit BasicConstMapCarrier(const Map& map) : map_(&map) {}
  std::string_view Get(std::string_view key) const override {
    if (auto it = map_->find(std::string(key)); it != map_->end()) return it->second;
    for (const auto& [k, v] : *map_) {
      if (internal::EqualsIgnoreCase(k, key)) return v;
    }
    return {};
  }
  void Set(std::string_view, std::string_view) override {}
  std::vector<std::string> Keys() const override {
    std::vector<std::string> keys;
    for (const auto& kv : *map_) keys.push_back(kv.first);
    return keys;
  }

 private:
  const Map* map_;
};

using MapCarrier = BasicMapCarrier<std::map<std::string, std::string>>;
using UnorderedMapCarrier = BasicMapCarrier<std::unordered_map<std::string, std::string>>;
using ConstMapCarrier = BasicConstMapCarrier<std::map<std::string, std::string>>;
using ConstUnorderedMapCarrier = BasicConstMapCarrier<std::unordered_map<std::string, std::string>>;

// The process environment as a carrier, for context handed to child processes: key
// "traceparent" is the variable TRACEPARENT (upper case, '-' and '.' become '_').
//   - Get reads this process's environment (how a child picks up its parent's context).
//   - Set writes into `child_env` (e.g. to build the envp of a child), or, when constructed
//     without one, into this process's environment with setenv (not thread-safe: do it before
//     starting threads).
class EnvironmentCarrier final : public TextMapCarrier {
 public:
  EnvironmentCarrier() = default;
  explicit EnvironmentCarrier(std::map<std::string, std::string>& child_env)
      : child_env_(&child_env) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string> Keys() const override;
  static std::string VariableName(std::string_view key);

 private:
  std::map<std::string, std::string>* child_env_ = nullptr;
};

// traceparent: "00-<trace id>-<span id>-<flags>" for a valid context, else empty.
std::string FormatTraceparent(const SpanContext& context);
// Parses traceparent (+ tracestate, ignored if invalid) into a remote SpanContext; nullopt when
// the traceparent is invalid.
std::optional<SpanContext> ParseTraceparent(std::string_view traceparent,
                                            std::string_view tracestate = {});

// Writes traceparent and tracestate (when the span context is valid) and baggage (when not
// empty).
void InjectTraceContext(const SpanContext& context, TextMapCarrier& carrier);
void InjectBaggage(const Baggage& baggage, TextMapCarrier& carrier);
void Inject(const Context& context, TextMapCarrier& carrier);

// `base` with its span context replaced by the carrier's (when valid) and its baggage replaced
// by the carrier's (when present).
Context Extract(const TextMapCarrier& carrier, const Context& base = Context());

}  // namespace hoptrace
