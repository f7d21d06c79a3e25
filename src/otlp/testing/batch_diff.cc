#include "otlp/testing/batch_diff.h"

#include <cstring>
#include <sstream>
#include <type_traits>
#include <vector>

namespace hoptrace::otlp_testing {

namespace {

// Collects the first difference; every Compare* returns false once one is found.
class Differ {
 public:
  const std::string& result() const { return result_; }

  template <typename T>
  bool Field(const std::string& path, const T& a, const T& b) {
    if (a == b) return true;
    std::ostringstream out;
    out << path << ": ";
    Print(out, a);
    out << " vs ";
    Print(out, b);
    result_ = out.str();
    return false;
  }

  bool Double(const std::string& path, double a, double b) {
    uint64_t x, y;
    std::memcpy(&x, &a, 8);
    std::memcpy(&y, &b, 8);
    if (x == y) return true;
    result_ = path + ": " + std::to_string(a) + " vs " + std::to_string(b) + " (bits differ)";
    return false;
  }

  bool Value(const std::string& path, const AnyValue& a, const AnyValue& b) {
    return Field(path + ".type", static_cast<int>(a.type), static_cast<int>(b.type)) &&
           Field(path + ".bool_value", a.bool_value, b.bool_value) &&
           Field(path + ".int_value", a.int_value, b.int_value) &&
           Double(path + ".double_value", a.double_value, b.double_value) &&
           Field(path + ".string_value", a.string_value, b.string_value) &&
           List(path + ".array_value", a.array_value, b.array_value,
                [&](const std::string& p, const AnyValue& x, const AnyValue& y) {
                  return Value(p, x, y);
                }) &&
           Attrs(path + ".kvlist_value", a.kvlist_value, b.kvlist_value);
  }

  bool Attrs(const std::string& path, const Attributes& a, const Attributes& b) {
    return List(path, a, b, [&](const std::string& p, const KeyValue& x, const KeyValue& y) {
      return Field(p + ".key", x.key, y.key) && Value(p + ".value", x.value, y.value);
    });
  }

  template <typename T, typename F>
  bool List(const std::string& path, const std::vector<T>& a, const std::vector<T>& b, F each) {
    if (!Field(path + ".size()", a.size(), b.size())) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!each(path + "[" + std::to_string(i) + "]", a[i], b[i])) return false;
    }
    return true;
  }

  bool SpanFields(const std::string& p, const Span& a, const Span& b) {
    return Field(p + ".trace_id", ToHex(a.trace_id), ToHex(b.trace_id)) &&
           Field(p + ".span_id", ToHex(a.span_id), ToHex(b.span_id)) &&
           Field(p + ".parent_span_id", ToHex(a.parent_span_id), ToHex(b.parent_span_id)) &&
           Field(p + ".trace_state", a.trace_state, b.trace_state) &&
           Field(p + ".flags", a.flags, b.flags) && Field(p + ".name", a.name, b.name) &&
           Field(p + ".kind", static_cast<int>(a.kind), static_cast<int>(b.kind)) &&
           Field(p + ".start_unix_nano", a.start_unix_nano, b.start_unix_nano) &&
           Field(p + ".end_unix_nano", a.end_unix_nano, b.end_unix_nano) &&
           Attrs(p + ".attributes", a.attributes, b.attributes) &&
           Field(p + ".dropped_attributes_count", a.dropped_attributes_count,
                 b.dropped_attributes_count) &&
           List(p + ".events", a.events, b.events,
                [&](const std::string& q, const SpanEvent& x, const SpanEvent& y) {
                  return Field(q + ".time_unix_nano", x.time_unix_nano, y.time_unix_nano) &&
                         Field(q + ".name", x.name, y.name) &&
                         Attrs(q + ".attributes", x.attributes, y.attributes) &&
                         Field(q + ".dropped_attributes_count", x.dropped_attributes_count,
                               y.dropped_attributes_count);
                }) &&
           Field(p + ".dropped_events_count", a.dropped_events_count, b.dropped_events_count) &&
           List(p + ".links", a.links, b.links,
                [&](const std::string& q, const SpanLink& x, const SpanLink& y) {
                  return Field(q + ".trace_id", ToHex(x.trace_id), ToHex(y.trace_id)) &&
                         Field(q + ".span_id", ToHex(x.span_id), ToHex(y.span_id)) &&
                         Field(q + ".trace_state", x.trace_state, y.trace_state) &&
                         Attrs(q + ".attributes", x.attributes, y.attributes) &&
                         Field(q + ".dropped_attributes_count", x.dropped_attributes_count,
                               y.dropped_attributes_count) &&
                         Field(q + ".flags", x.flags, y.flags);
                }) &&
           Field(p + ".dropped_links_count", a.dropped_links_count, b.dropped_links_count) &&
           Field(p + ".status_code", static_cast<int>(a.status_code),
                 static_cast<int>(b.status_code)) &&
           Field(p + ".status_message", a.status_message, b.status_message) &&
           Attrs(p + ".resource.attributes", a.resource.attributes, b.resource.attributes) &&
           Field(p + ".resource.dropped_attributes_count", a.resource.dropped_attributes_count,
                 b.resource.dropped_attributes_count) &&
           Field(p + ".resource.schema_url", a.resource.schema_url, b.resource.schema_url) &&
           Field(p + ".scope.name", a.scope.name, b.scope.name) &&
           Field(p + ".scope.version", a.scope.version, b.scope.version) &&
           Attrs(p + ".scope.attributes", a.scope.attributes, b.scope.attributes) &&
           Field(p + ".scope.dropped_attributes_count", a.scope.dropped_attributes_count,
                 b.scope.dropped_attributes_count) &&
           Field(p + ".scope.schema_url", a.scope.schema_url, b.scope.schema_url) &&
           Field(p + ".derived", a.derived == b.derived, true);
  }

 private:
  template <typename T>
  static void Print(std::ostream& out, const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      out << '"' << v << '"' << " (" << v.size() << " bytes)";
    } else {
      out << v;
    }
  }

  std::string result_;
};

}  // namespace

std::string DiffDecodeResults(const StatusOr<DecodedBatch>& a, const StatusOr<DecodedBatch>& b) {
  Differ d;
  if (!d.Field("ok", a.ok(), b.ok())) return d.result();
  if (!a.ok()) {
    if (d.Field("status.code", static_cast<int>(a.status().code()),
                static_cast<int>(b.status().code()))) {
      d.Field("status.message", a.status().message(), b.status().message());
    }
    return d.result();
  }
  if (d.Field("rejected", a->rejected, b->rejected) &&
      d.Field("first_rejection", a->first_rejection, b->first_rejection) &&
      d.Field("rejected_by_reason", a->rejected_by_reason == b->rejected_by_reason, true)) {
    d.List("spans", a->spans, b->spans, [&](const std::string& p, const Span& x, const Span& y) {
      return d.SpanFields(p, x, y);
    });
  }
  return d.result();
}

}  // namespace hoptrace::otlp_testing
