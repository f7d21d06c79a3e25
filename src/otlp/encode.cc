// EncodeOtlpProtobuf: Spans -> ExportTraceServiceRequest in protobuf, without libprotobuf.
//
// Two passes over the same message tree: Size* computes each message's encoded size (needed
// for the length prefix of every nested message), Write* writes into a buffer sized exactly
// once. Field numbers are those of proto/opentelemetry/proto/**.proto.
#include "otlp/encode.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace hoptrace {

namespace {

// Wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLen = 2;
constexpr uint32_t kFixed32 = 5;

constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) { return field << 3 | wire_type; }

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Size of a length-delimited field holding `len` bytes.
size_t LenFieldSize(uint32_t field, size_t len) {
  return VarintSize(Tag(field, kLen)) + VarintSize(len) + len;
}
// Size of a varint field; 0 (left out) when `v` is 0 and `always` is false.
size_t VarintFieldSize(uint32_t field, uint64_t v, bool always = false) {
  return v || always ? VarintSize(Tag(field, kVarint)) + VarintSize(v) : 0;
}

// Writes into a buffer sized beforehand; never checks bounds (the sizes are exact).
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  char* position() const { return p_; }

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void Bytes(const void* data, size_t n) {
    if (n) std::memcpy(p_, data, n);
    p_ += n;
  }
  // A length-delimited field's tag and length; the caller writes the `len` bytes next.
  void LenHeader(uint32_t field, size_t len) {
    Varint(Tag(field, kLen));
    Varint(len);
  }
  void LenField(uint32_t field, const void* data, size_t n) {
    LenHeader(field, n);
    Bytes(data, n);
  }
  // proto3 `bytes`/`string` field: left out when empty.
  void TextField(uint32_t field, const std::string& s) {
    if (!s.empty()) LenField(field, s.data(), s.size());
  }
  void VarintField(uint32_t field, uint64_t v, bool always = false) {
    if (!v && !always) return;
    Varint(Tag(field, kVarint));
    Varint(v);
  }
  void Fixed64Field(uint32_t field, uint64_t v, bool always = false) {
    if (!v && !always) return;
    Varint(Tag(field, kFixed64));
    for (int i = 0; i < 8; ++i) *p_++ = static_cast<char>(v >> (8 * i));
  }
  void Fixed32Field(uint32_t field, uint32_t v) {
    if (!v) return;
    Varint(Tag(field, kFixed32));
    for (int i = 0; i < 4; ++i) *p_++ = static_cast<char>(v >> (8 * i));
  }

 private:
  char* p_;
};

size_t TextFieldSize(uint32_t field, const std::string& s) {
  return s.empty() ? 0 : LenFieldSize(field, s.size());
}

// --- common.proto: AnyValue, KeyValue -------------------------------------------------------

size_t KeyValueSize(const KeyValue& kv);

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5,
// kvlist_value 6, bytes_value 7. ArrayValue.values 1, KeyValueList.values 1.
size_t AnyValueSize(const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      return 0;
    case AnyValue::Type::kString:
      return LenFieldSize(1, v.string_value.size());
    case AnyValue::Type::kBool:
      return VarintFieldSize(2, v.bool_value, true);
    case AnyValue::Type::kInt:
      return VarintFieldSize(3, static_cast<uint64_t>(v.int_value), true);
    case AnyValue::Type::kDouble:
      return 1 + 8;
    case AnyValue::Type::kBytes:
      return LenFieldSize(7, v.string_value.size());
    case AnyValue::Type::kArray: {
      size_t n = 0;
      for (const AnyValue& item : v.array_value) n += LenFieldSize(1, AnyValueSize(item));
      return LenFieldSize(5, n);
    }
    case AnyValue::Type::kKvList: {
      size_t n = 0;
      for (const KeyValue& kv : v.kvlist_value) n += LenFieldSize(1, KeyValueSize(kv));
      return LenFieldSize(6, n);
    }
  }
  return 0;
}

// KeyValue: key 1, value 2 (always written, so that the value is present).
size_t KeyValueSize(const KeyValue& kv) {
  return TextFieldSize(1, kv.key) + LenFieldSize(2, AnyValueSize(kv.value));
}

size_t AttributesSize(uint32_t field, const Attributes& attrs) {
  size_t n = 0;
  for (const KeyValue& kv : attrs) n += LenFieldSize(field, KeyValueSize(kv));
  return n;
}

void WriteKeyValue(const KeyValue& kv, Writer* w);

void WriteAnyValue(const AnyValue& v, Writer* w) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      return;
    case AnyValue::Type::kString:
      w->LenField(1, v.string_value.data(), v.string_value.size());
      return;
    case AnyValue::Type::kBool:
      w->VarintField(2, v.bool_value, true);
      return;
    case AnyValue::Type::kInt:
      w->VarintField(3, static_cast<uint64_t>(v.int_value), true);
      return;
    case AnyValue::Type::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &v.double_value, sizeof bits);
      w->Fixed64Field(4, bits, true);
      return;
    }
    case AnyValue::Type::kBytes:
      w->LenField(7, v.string_value.data(), v.string_value.size());
      return;
    case AnyValue::Type::kArray: {
      size_t n = 0;
      for (const AnyValue& item : v.array_value) n += LenFieldSize(1, AnyValueSize(item));
      w->LenHeader(5, n);
      for (const AnyValue& item : v.array_value) {
        w->LenHeader(1, AnyValueSize(item));
        WriteAnyValue(item, w);
      }
      return;
    }
    case AnyValue::Type::kKvList: {
      size_t n = 0;
      for (const KeyValue& kv : v.kvlist_value) n += LenFieldSize(1, KeyValueSize(kv));
      w->LenHeader(6, n);
      for (const KeyValue& kv : v.kvlist_value) {
        w->LenHeader(1, KeyValueSize(kv));
        WriteKeyValue(kv, w);
      }
      return;
    }
  }
}

void WriteKeyValue(const KeyValue& kv, Writer* w) {
  w->TextField(1, kv.key);
  w->LenHeader(2, AnyValueSize(kv.value));
  WriteAnyValue(kv.value, w);
}

void WriteAttributes(uint32_t field, const Attributes& attrs, Writer* w) {
  for (const KeyValue& kv : attrs) {
    w->LenHeader(field, KeyValueSize(kv));
    WriteKeyValue(kv, w);
  }
}

// --- resource.proto, InstrumentationScope -----------------------------------------------------

// Resource: attributes 1, dropped_attributes_count 2.
size_t ResourceSize(const Resource& r) {
  return AttributesSize(1, r.attributes) + VarintFieldSize(2, r.dropped_attributes_count);
}

void WriteResource(const Resource& r, Writer* w) {
  WriteAttributes(1, r.attributes, w);
  w->VarintField(2, r.dropped_attributes_count);
}

// InstrumentationScope: name 1, version 2, attributes 3, dropped_attributes_count 4.
size_t ScopeSize(const Scope& s) {
  return TextFieldSize(1, s.name) + TextFieldSize(2, s.version) + AttributesSize(3, s.attributes) +
         VarintFieldSize(4, s.dropped_attributes_count);
}

void WriteScope(const Scope& s, Writer* w) {
  w->TextField(1, s.name);
  w->TextField(2, s.version);
  WriteAttributes(3, s.attributes, w);
  w->VarintField(4, s.dropped_attributes_count);
}

// --- trace.proto: Span and its parts ----------------------------------------------------------

// Span.Event: time_unix_nano 1 (fixed64), name 2, attributes 3, dropped_attributes_count 4.
size_t EventSize(const SpanEvent& e) {
  return (e.time_unix_nano ? 1 + 8 : 0) + TextFieldSize(2, e.name) +
         AttributesSize(3, e.attributes) + VarintFieldSize(4, e.dropped_attributes_count);
}

void WriteEvent(const SpanEvent& e, Writer* w) {
  w->Fixed64Field(1, e.time_unix_nano);
  w->TextField(2, e.name);
  WriteAttributes(3, e.attributes, w);
  w->VarintField(4, e.dropped_attributes_count);
}

// Span.Link: trace_id 1, span_id 2, trace_state 3, attributes 4, dropped_attributes_count 5,
// flags 6 (fixed32).
size_t LinkSize(const SpanLink& l) {
  return LenFieldSize(1, l.trace_id.size()) + LenFieldSize(2, l.span_id.size()) +
         TextFieldSize(3, l.trace_state) + AttributesSize(4, l.attributes) +
         VarintFieldSize(5, l.dropped_attributes_count) + (l.flags ? 1 + 4 : 0);
}

void WriteLink(const SpanLink& l, Writer* w) {
  w->LenField(1, l.trace_id.data(), l.trace_id.size());
  w->LenField(2, l.span_id.data(), l.span_id.size());
  w->TextField(3, l.trace_state);
  WriteAttributes(4, l.attributes, w);
  w->VarintField(5, l.dropped_attributes_count);
  w->Fixed32Field(6, l.flags);
}

// Status: message 2, code 3. Left out of the span when both are defaults.
size_t StatusSize(const Span& s) {
  return TextFieldSize(2, s.status_message) +
         VarintFieldSize(3, static_cast<uint64_t>(s.status_code));
}
bool HasStatus(const Span& s) {
  return s.status_code != StatusCodeValue::kUnset || !s.status_message.empty();
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6,
// start_time_unix_nano 7 (fixed64), end_time_unix_nano 8 (fixed64), attributes 9,
// dropped_attributes_count 10, events 11, dropped_events_count 12, links 13,
// dropped_links_count 14, status 15, flags 16 (fixed32; a two-byte tag).
size_t SpanSize(const Span& s) {
  size_t n = LenFieldSize(1, s.trace_id.size()) + LenFieldSize(2, s.span_id.size()) +
             TextFieldSize(3, s.trace_state) +
             (s.is_root() ? 0 : LenFieldSize(4, s.parent_span_id.size())) +
             TextFieldSize(5, s.name) + VarintFieldSize(6, static_cast<uint64_t>(s.kind)) +
             (s.start_unix_nano ? 1 + 8 : 0) + (s.end_unix_nano ? 1 + 8 : 0) +
             AttributesSize(9, s.attributes) + VarintFieldSize(10, s.dropped_attributes_count) +
             VarintFieldSize(12, s.dropped_events_count) +
             VarintFieldSize(14, s.dropped_links_count) + (s.flags ? 2 + 4 : 0);
  for (const SpanEvent& e : s.events) n += LenFieldSize(11, EventSize(e));
  for (const SpanLink& l : s.links) n += LenFieldSize(13, LinkSize(l));
  if (HasStatus(s)) n += LenFieldSize(15, StatusSize(s));
  return n;
}

void WriteSpan(const Span& s, Writer* w) {
  w->LenField(1, s.trace_id.data(), s.trace_id.size());
  w->LenField(2, s.span_id.data(), s.span_id.size());
  w->TextField(3, s.trace_state);
  if (!s.is_root()) w->LenField(4, s.parent_span_id.data(), s.parent_span_id.size());
  w->TextField(5, s.name);
  w->VarintField(6, static_cast<uint64_t>(s.kind));
  w->Fixed64Field(7, s.start_unix_nano);
  w->Fixed64Field(8, s.end_unix_nano);
  WriteAttributes(9, s.attributes, w);
  w->VarintField(10, s.dropped_attributes_count);
  for (const SpanEvent& e : s.events) {
    w->LenHeader(11, EventSize(e));
    WriteEvent(e, w);
  }
  w->VarintField(12, s.dropped_events_count);
  for (const SpanLink& l : s.links) {
    w->LenHeader(13, LinkSize(l));
    WriteLink(l, w);
  }
  w->VarintField(14, s.dropped_links_count);
  if (HasStatus(s)) {
    w->LenHeader(15, StatusSize(s));
    w->TextField(2, s.status_message);
    w->VarintField(3, static_cast<uint64_t>(s.status_code));
  }
  w->Fixed32Field(16, s.flags);
}

// --- The request: ExportTraceServiceRequest.resource_spans 1; ResourceSpans: resource 1,
// scope_spans 2, schema_url 3; ScopeSpans: scope 1, spans 2, schema_url 3.

struct ScopeGroup {
  const Scope* scope;
  std::vector<size_t> spans;  // indices into the input
  size_t size = 0;            // of the ScopeSpans message
};

struct ResourceGroup {
  const Resource* resource;
  std::vector<ScopeGroup> scopes;
  size_t size = 0;  // of the ResourceSpans message
};

// Index of the group `pred` accepts, trying the last one first (the common case: spans of one
// resource and scope arrive together); groups.size() when none does.
template <typename Group, typename Pred>
size_t FindGroup(const std::vector<Group>& groups, Pred pred) {
  if (!groups.empty() && pred(groups.back())) return groups.size() - 1;
  for (size_t i = 0; i + 1 < groups.size(); ++i) {
    if (pred(groups[i])) return i;
  }
  return groups.size();
}

}  // namespace

void AppendOtlpProtobuf(std::span<const Span> spans, std::string* out) {
  std::vector<ResourceGroup> groups;
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    size_t r = FindGroup(groups, [&](const ResourceGroup& g) { return *g.resource == s.resource; });
    if (r == groups.size()) groups.push_back(ResourceGroup{&s.resource, {}, 0});
    std::vector<ScopeGroup>& scopes = groups[r].scopes;
    size_t c = FindGroup(scopes, [&](const ScopeGroup& g) { return *g.scope == s.scope; });
    if (c == scopes.size()) scopes.push_back(ScopeGroup{&s.scope, {}, 0});
    scopes[c].spans.push_back(i);
  }

  std::vector<size_t> span_sizes(spans.size());
  size_t total = 0;
  for (ResourceGroup& g : groups) {
    for (ScopeGroup& sg : g.scopes) {
      const size_t scope_size = ScopeSize(*sg.scope);
      sg.size =
          (scope_size ? LenFieldSize(1, scope_size) : 0) + TextFieldSize(3, sg.scope->schema_url);
      for (size_t i : sg.spans) {
        span_sizes[i] = SpanSize(spans[i]);
        sg.size += LenFieldSize(2, span_sizes[i]);
      }
      g.size += LenFieldSize(2, sg.size);
    }
    const size_t resource_size = ResourceSize(*g.resource);
    g.size += (resource_size ? LenFieldSize(1, resource_size) : 0) +
              TextFieldSize(3, g.resource->schema_url);
    total += LenFieldSize(1, g.size);
  }

  const size_t start = out->size();
  out->resize(start + total);
  Writer w(out->data() + start);
  for (const ResourceGroup& g : groups) {
    w.LenHeader(1, g.size);
    if (const size_t resource_size = ResourceSize(*g.resource)) {
      w.LenHeader(1, resource_size);
      WriteResource(*g.resource, &w);
    }
    for (const ScopeGroup& sg : g.scopes) {
      w.LenHeader(2, sg.size);
      if (const size_t scope_size = ScopeSize(*sg.scope)) {
        w.LenHeader(1, scope_size);
        WriteScope(*sg.scope, &w);
      }
      for (size_t i : sg.spans) {
        w.LenHeader(2, span_sizes[i]);
        WriteSpan(spans[i], &w);
      }
      w.TextField(3, sg.scope->schema_url);
    }
    w.TextField(3, g.resource->schema_url);
  }
  // The sizes and the writes follow the same tree; a mismatch would be a bug here.
  if (w.position() != out->data() + out->size()) std::abort();
}

std::string EncodeOtlpProtobuf(std::span<const Span> spans) {
  std::string out;
  AppendOtlpProtobuf(spans, &out);
  return out;
}

}  // namespace hoptrace
