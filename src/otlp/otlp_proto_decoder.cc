// DecodeOtlpProtobuf: ExportTraceServiceRequest bytes -> Spans, read straight off the wire (no
// libprotobuf message objects): each text field is validated as UTF-8 where it lies in the body
// and copied once into its Span (repaired only when invalid); Resource and Scope are decoded once
// per ResourceSpans / ScopeSpans and copied into their spans.
//
// Exactness. What is malformed, and what a well-formed body decodes to, is what libprotobuf
// 3.21's generated parser gives for our .proto files (proto/**), field for field; the
// libprotobuf-based decoder this one replaced is kept as testing/reference_proto_decoder.h, and
// otlp_proto_differential_test.cc and fuzz/otlp's differential fuzzer require identical results.
// The rules that reproduces:
// - Tags are varints of at most 5 bytes, taken modulo 2^32 (ReadTag). Other varints have at most
//   10 bytes, taken modulo 2^64; 32-bit fields keep the low 32 bits (enums too, as int32).
//   Lengths have at most 5 bytes and are below 2^31 - 16, and must fit in the enclosing message.
// - Every field must fit in its enclosing message; a fixed-width value too.
// - A tag 0 or an end-group tag outside a group is malformed (a message cannot end on one).
// - A known field number with another wire type than the schema's is an unknown field. Unknown
//   fields are skipped by wire type: varint, fixed64, fixed32, length-delimited (not looked
//   into), and groups, whose contents are checked field by field up to an end-group tag of the
//   same number. Field number 0 and wire types 6 and 7 are malformed.
// - Nesting: every message below the request and every group takes one level of 100 (libprotobuf's
//   default recursion limit); going deeper is malformed.
// - A field seen twice: scalars and text keep the last value, repeated fields append, and a
//   singular message (Resource, Scope, Status, KeyValue.value, an AnyValue's array or kvlist)
//   merges the later occurrence into the earlier one. AnyValue is a oneof: setting another member
//   replaces the value (string_value_strindex, profiles only, leaves it empty).
// - No schema field is packed (every repeated field is a message or bytes).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "otlp/batch_builder.h"
#include "otlp/decode.h"
#include "otlp/proto_errors.h"
#include "otlp/utf8.h"

namespace hoptrace {

namespace {

using otlp_internal::BatchBuilder;
using otlp_internal::ByteCount;

// Wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLen = 2;
constexpr uint32_t kStartGroup = 3;
constexpr uint32_t kEndGroup = 4;
constexpr uint32_t kFixed32 = 5;

constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) { return field << 3 | wire_type; }

// libprotobuf's default recursion limit (io::CodedInputStream::GetDefaultRecursionLimit()).
constexpr int kRecursionLimit = 100;

// --- Wire primitives. Each reads at *p, never past `end`, advances *p, false when malformed. ---

// A varint of at most kMaxBytes bytes into T; bits beyond T's width are dropped, as
// libprotobuf does for the 5th byte of a tag and the 10th of a 64-bit varint.
template <typename T, int kMaxBytes>
inline bool ReadVarintOf(const char** p, const char* end, T* out) {
  const char* q = *p;
  if (q < end && static_cast<uint8_t>(*q) < 0x80) {
    *out = static_cast<uint8_t>(*q);
    *p = q + 1;
    return true;
  }
  T res = 0;
  for (int i = 0; i < kMaxBytes; ++i, ++q) {
    if (q == end) return false;
    const T b = static_cast<uint8_t>(*q);
    res |= (b & 0x7F) << (7 * i);
    if (b < 0x80) {
      *out = res;
      *p = q + 1;
      return true;
    }
  }
  return false;
}

inline bool ReadTag(const char** p, const char* end, uint32_t* tag) {
  return ReadVarintOf<uint32_t, 5>(p, end, tag);
}

inline bool ReadVarint(const char** p, const char* end, uint64_t* out) {
  return ReadVarintOf<uint64_t, 10>(p, end, out);
}

// A length prefix, checked to fit in what is left before `end`.
inline bool ReadLength(const char** p, const char* end, size_t* out) {
  const char* q = *p;
  uint32_t res = 0;
  for (int i = 0;; ++i, ++q) {
    if (q == end) return false;
    const uint32_t b = static_cast<uint8_t>(*q);
    if (i == 4) {
      if (b >= 8) return false;  // 2 GiB or more, or longer than 5 bytes
      res |= b << 28;
      if (res > static_cast<uint32_t>(std::numeric_limits<int>::max() - 16)) return false;
      break;
    }
    res |= (b & 0x7F) << (7 * i);
    if (b < 0x80) break;
  }
  ++q;
  if (res > static_cast<size_t>(end - q)) return false;
  *p = q;
  *out = res;
  return true;
}

// A length-delimited field's bytes.
inline bool ReadBytes(const char** p, const char* end, std::string_view* out) {
  size_t n;
  if (!ReadLength(p, end, &n)) return false;
  *out = std::string_view(*p, n);
  *p += n;
  return true;
}

template <typename T>
inline bool ReadFixed(const char** p, const char* end, T* out) {
  if (static_cast<size_t>(end - *p) < sizeof(T)) return false;
  std::memcpy(out, *p, sizeof(T));  // little-endian host (x86-64, arm64)
  *p += sizeof(T);
  return true;
}

inline bool ReadUint32(const char** p, const char* end, uint32_t* out) {
  uint64_t v;
  if (!ReadVarint(p, end, &v)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Text from a `bytes` field (see common.proto): copied once, repaired if not valid UTF-8.
inline void AssignText(std::string_view bytes, std::string* out) {
  if (bytes.empty()) {
    out->clear();
  } else if (otlp_internal::IsValidUtf8(bytes)) {
    out->assign(bytes.data(), bytes.size());
  } else {
    *out = otlp_internal::ToValidUtf8(bytes);
  }
}

template <size_t N>
bool CopyId(std::string_view bytes, std::array<uint8_t, N>* out) {
  if (bytes.size() != N) return false;
  std::memcpy(out->data(), bytes.data(), N);
  return true;
}

SpanKind ConvertKind(int32_t kind) {
  if (kind >= 0 && kind <= static_cast<int32_t>(SpanKind::kConsumer)) {
    return static_cast<SpanKind>(kind);
  }
  return SpanKind::kUnspecified;
}

StatusCodeValue ConvertStatusCode(int32_t code) {
  if (code >= 0 && code <= static_cast<int32_t>(StatusCodeValue::kError)) {
    return static_cast<StatusCodeValue>(code);
  }
  return StatusCodeValue::kUnset;
}

// Counts the fields tagged tags[i] among the fields of the message in [p, end), into counts[i],
// to reserve room for repeated fields before decoding them. Lenient: it stops at the first thing
// it does not read (a group, a malformed field), which the decoding pass then deals with.
template <size_t N>
void CountFields(const char* p, const char* end, const uint32_t (&tags)[N], size_t (&counts)[N]) {
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(&p, end, &tag)) return;
    switch (tag & 7) {
      case kVarint: {
        uint64_t v;
        if (!ReadVarint(&p, end, &v)) return;
        break;
      }
      case kFixed64:
      case kFixed32: {
        const size_t n = (tag & 7) == kFixed64 ? 8 : 4;
        if (static_cast<size_t>(end - p) < n) return;
        p += n;
        break;
      }
      case kLen: {
        size_t n;
        if (!ReadLength(&p, end, &n)) return;
        p += n;
        break;
      }
      default:
        return;
    }
    for (size_t i = 0; i < N; ++i) counts[i] += tag == tags[i];
  }
}

// Makes room for `more` elements without giving up geometric growth (a field repeated in many
// occurrences of its message must not reallocate on each).
template <typename T>
void ReserveMore(std::vector<T>* v, size_t more) {
  const size_t need = v->size() + more;
  if (need > v->capacity()) v->reserve(std::max(need, 2 * v->capacity()));
}

// Leaves `v` holding a value of `type` with every other member at its default, as the AnyValue
// factories build it (so that a oneof member replacing another leaves nothing behind).
inline void ResetValue(AnyValue* v, AnyValue::Type type) {
  if (v->type != AnyValue::Type::kEmpty) *v = AnyValue{};
  v->type = type;
}

// One decode call. Each Decode* method parses the message in [p, end) and returns false when the
// body is malformed (whatever it decoded is then thrown away with the batch).
class WireDecoder {
 public:
  explicit WireDecoder(BatchBuilder* builder) : builder_(builder) {}

  // ExportTraceServiceRequest.
  bool DecodeRequest(const char* p, const char* end) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      if (tag == Tag(1, kLen)) {  // resource_spans
        if (!Nested(&p, end,
                    [&](const char* b, const char* e) { return DecodeResourceSpans(b, e); })) {
          return false;
        }
      } else if (!SkipUnknown(&p, end, tag)) {
        return false;
      }
    }
    return true;
  }

 private:
  // Reads the length of a sub-message at *p and parses its bytes with decode(begin, end), one
  // nesting level down; *p moves past it.
  template <typename F>
  bool Nested(const char** p, const char* end, F&& decode) {
    size_t n;
    if (!ReadLength(p, end, &n)) return false;
    if (--depth_ < 0) return false;
    const char* begin = *p;
    *p += n;
    if (!decode(begin, begin + n)) return false;
    ++depth_;
    return true;
  }

  // An unknown field (or a known field number with another wire type) whose tag was just read.
  bool SkipUnknown(const char** p, const char* end, uint32_t tag) {
    // Tag 0 and end-group end a message in libprotobuf, which outside a group is an error.
    if (tag == 0 || (tag & 7) == kEndGroup) return false;
    return SkipField(p, end, tag);
  }

  bool SkipField(const char** p, const char* end, uint32_t tag) {
    const uint32_t number = tag >> 3;
    if (number == 0) return false;
    switch (tag & 7) {
      case kVarint: {
        uint64_t v;
        return ReadVarint(p, end, &v);
      }
      case kFixed64: {
        uint64_t v;
        return ReadFixed(p, end, &v);
      }
      case kLen: {
        std::string_view v;
        return ReadBytes(p, end, &v);
      }
      case kStartGroup:
        return SkipGroup(p, end, number);
      case kFixed32: {
        uint32_t v;
        return ReadFixed(p, end, &v);
      }
      default:  // end-group (handled by the callers), 6, 7
        return false;
    }
  }

  // The rest of a group whose start tag (field `number`) was just read: its fields up to an
  // end-group tag of the same number, within `end`. One nesting level down.
  bool SkipGroup(const char** p, const char* end, uint32_t number) {
    if (--depth_ < 0) return false;
    while (*p < end) {
      uint32_t tag;
      if (!ReadTag(p, end, &tag)) return false;
      if (tag == 0 || (tag & 7) == kEndGroup) {
        ++depth_;
        return tag == Tag(number, kEndGroup);
      }
      if (!SkipField(p, end, tag)) return false;
    }
    return false;  // the enclosing message ended inside the group
  }

  // A message none of whose fields is kept (Resource.entity_refs: bytes and repeated bytes,
  // which read exactly as unknown length-delimited fields do): checked only.
  bool SkipMessage(const char* p, const char* end) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag) || !SkipUnknown(&p, end, tag)) return false;
    }
    return true;
  }

  // Copies `value` into spans[first..], moving it into the last one.
  template <typename T>
  static void CopyIntoSpans(std::vector<Span>* spans, size_t first, T Span::*member, T* value) {
    for (size_t i = first; i < spans->size(); ++i) {
      if (i + 1 == spans->size()) {
        (*spans)[i].*member = std::move(*value);
      } else {
        (*spans)[i].*member = *value;
      }
    }
  }

  bool DecodeResourceSpans(const char* p, const char* end) {
    std::vector<Span>* spans = &builder_->batch().spans;
    const size_t first_span = spans->size();
    Resource resource;
    std::string_view schema_url;
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):  // resource
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeResource(b, e, &resource);
          });
          break;
        case Tag(2, kLen):  // scope_spans
          ok =
              Nested(&p, end, [&](const char* b, const char* e) { return DecodeScopeSpans(b, e); });
          break;
        case Tag(3, kLen):  // schema_url
          ok = ReadBytes(&p, end, &schema_url);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    AssignText(schema_url, &resource.schema_url);
    // The resource is complete only now (its fields may come after the spans).
    CopyIntoSpans(spans, first_span, &Span::resource, &resource);
    return true;
  }

  // Resource, merged into *resource.
  bool DecodeResource(const char* p, const char* end, Resource* resource) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):  // attributes
          ok = DecodeAttribute(&p, end, &resource->attributes);
          break;
        case Tag(2, kVarint):  // dropped_attributes_count
          ok = ReadUint32(&p, end, &resource->dropped_attributes_count);
          break;
        case Tag(3, kLen):  // entity_refs (not kept)
          ok = Nested(&p, end, [&](const char* b, const char* e) { return SkipMessage(b, e); });
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool DecodeScopeSpans(const char* p, const char* end) {
    std::vector<Span>* spans = &builder_->batch().spans;
    const size_t first_span = spans->size();
    {
      size_t counts[1] = {};
      CountFields(p, end, {Tag(2, kLen)}, counts);
      ReserveMore(spans, counts[0]);
    }
    Scope scope;
    std::string_view name, version, schema_url;
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):  // scope
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeScope(b, e, &scope, &name, &version);
          });
          break;
        case Tag(2, kLen):  // spans
          ok = Nested(&p, end, [&](const char* b, const char* e) { return DecodeSpan(b, e); });
          break;
        case Tag(3, kLen):  // schema_url
          ok = ReadBytes(&p, end, &schema_url);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    AssignText(name, &scope.name);
    AssignText(version, &scope.version);
    AssignText(schema_url, &scope.schema_url);
    CopyIntoSpans(spans, first_span, &Span::scope, &scope);
    return true;
  }

  // InstrumentationScope, merged into *scope; name and version are left as views of their last
  // occurrence.
  bool DecodeScope(const char* p, const char* end, Scope* scope, std::string_view* name,
                   std::string_view* version) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):
          ok = ReadBytes(&p, end, name);
          break;
        case Tag(2, kLen):
          ok = ReadBytes(&p, end, version);
          break;
        case Tag(3, kLen):
          ok = DecodeAttribute(&p, end, &scope->attributes);
          break;
        case Tag(4, kVarint):
          ok = ReadUint32(&p, end, &scope->dropped_attributes_count);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    return true;
  }

  // A Span: checked and handed to the builder (kept or rejected) once all its fields are read,
  // since any of them may come last.
  bool DecodeSpan(const char* p, const char* end) {
    Span span;
    std::string_view trace_id, span_id, parent_span_id, trace_state, name, status_message;
    uint64_t kind = 0;
    uint64_t status_code = 0;
    uint32_t dropped_links = 0;  // links with invalid ids, added to dropped_links_count
    {
      size_t counts[3] = {};
      CountFields(p, end, {Tag(9, kLen), Tag(11, kLen), Tag(13, kLen)}, counts);
      span.attributes.reserve(counts[0]);
      span.events.reserve(counts[1]);
      span.links.reserve(counts[2]);
    }
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):
          ok = ReadBytes(&p, end, &trace_id);
          break;
        case Tag(2, kLen):
          ok = ReadBytes(&p, end, &span_id);
          break;
        case Tag(3, kLen):
          ok = ReadBytes(&p, end, &trace_state);
          break;
        case Tag(4, kLen):
          ok = ReadBytes(&p, end, &parent_span_id);
          break;
        case Tag(5, kLen):
          ok = ReadBytes(&p, end, &name);
          break;
        case Tag(6, kVarint):
          ok = ReadVarint(&p, end, &kind);
          break;
        case Tag(7, kFixed64):
          ok = ReadFixed(&p, end, &span.start_unix_nano);
          break;
        case Tag(8, kFixed64):
          ok = ReadFixed(&p, end, &span.end_unix_nano);
          break;
        case Tag(9, kLen):
          ok = DecodeAttribute(&p, end, &span.attributes);
          break;
        case Tag(10, kVarint):
          ok = ReadUint32(&p, end, &span.dropped_attributes_count);
          break;
        case Tag(11, kLen):
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeEvent(b, e, &span.events.emplace_back());
          });
          break;
        case Tag(12, kVarint):
          ok = ReadUint32(&p, end, &span.dropped_events_count);
          break;
        case Tag(13, kLen):
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeLink(b, e, &span.links, &dropped_links);
          });
          break;
        case Tag(14, kVarint):
          ok = ReadUint32(&p, end, &span.dropped_links_count);
          break;
        case Tag(15, kLen):
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeStatus(b, e, &status_code, &status_message);
          });
          break;
        case Tag(16, kFixed32):
          ok = ReadFixed(&p, end, &span.flags);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }

    const uint64_t index = builder_->NextIndex();
    auto reject = [&](std::string_view reason, const std::string& detail) {
      std::string text;
      AssignText(name, &text);
      builder_->Reject(index, reason, text, detail);
      return true;
    };
    if (!CopyId(trace_id, &span.trace_id)) {
      return reject(kRejectInvalidTraceId,
                    "trace id is " + ByteCount(trace_id.size()) + ", want 16");
    }
    if (!CopyId(span_id, &span.span_id)) {
      return reject(kRejectInvalidSpanId, "span id is " + ByteCount(span_id.size()) + ", want 8");
    }
    if (!parent_span_id.empty() && !CopyId(parent_span_id, &span.parent_span_id)) {
      return reject(kRejectInvalidParentSpanId, "parent span id is " +
                                                    ByteCount(parent_span_id.size()) +
                                                    ", want 8 (or empty for a root span)");
    }
    AssignText(trace_state, &span.trace_state);
    AssignText(name, &span.name);
    span.kind = ConvertKind(static_cast<int32_t>(kind));
    span.dropped_links_count += dropped_links;
    span.status_code = ConvertStatusCode(static_cast<int32_t>(status_code));
    AssignText(status_message, &span.status_message);
    builder_->Accept(index, std::move(span));
    return true;
  }

  bool DecodeEvent(const char* p, const char* end, SpanEvent* event) {
    std::string_view name;
    {
      size_t counts[1] = {};
      CountFields(p, end, {Tag(3, kLen)}, counts);
      event->attributes.reserve(counts[0]);
    }
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kFixed64):
          ok = ReadFixed(&p, end, &event->time_unix_nano);
          break;
        case Tag(2, kLen):
          ok = ReadBytes(&p, end, &name);
          break;
        case Tag(3, kLen):
          ok = DecodeAttribute(&p, end, &event->attributes);
          break;
        case Tag(4, kVarint):
          ok = ReadUint32(&p, end, &event->dropped_attributes_count);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    AssignText(name, &event->name);
    return true;
  }

  // Appends the link to *links, or counts it in *dropped when an id is invalid or all zero (a
  // link to nowhere).
  bool DecodeLink(const char* p, const char* end, std::vector<SpanLink>* links, uint32_t* dropped) {
    SpanLink& link = links->emplace_back();
    std::string_view trace_id, span_id, trace_state;
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):
          ok = ReadBytes(&p, end, &trace_id);
          break;
        case Tag(2, kLen):
          ok = ReadBytes(&p, end, &span_id);
          break;
        case Tag(3, kLen):
          ok = ReadBytes(&p, end, &trace_state);
          break;
        case Tag(4, kLen):
          ok = DecodeAttribute(&p, end, &link.attributes);
          break;
        case Tag(5, kVarint):
          ok = ReadUint32(&p, end, &link.dropped_attributes_count);
          break;
        case Tag(6, kFixed32):
          ok = ReadFixed(&p, end, &link.flags);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    if (!CopyId(trace_id, &link.trace_id) || !CopyId(span_id, &link.span_id) ||
        IsZeroId(link.trace_id) || IsZeroId(link.span_id)) {
      links->pop_back();
      ++*dropped;
      return true;
    }
    AssignText(trace_state, &link.trace_state);
    return true;
  }

  // Status, merged: *code and *message keep their last occurrence.
  bool DecodeStatus(const char* p, const char* end, uint64_t* code, std::string_view* message) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(2, kLen):
          ok = ReadBytes(&p, end, message);
          break;
        case Tag(3, kVarint):
          ok = ReadVarint(&p, end, code);
          break;
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    return true;
  }

  // A KeyValue message at *p (its tag was just read), appended to *attrs.
  bool DecodeAttribute(const char** p, const char* end, Attributes* attrs) {
    return Nested(p, end, [&](const char* b, const char* e) {
      return DecodeKeyValue(b, e, &attrs->emplace_back());
    });
  }

  bool DecodeKeyValue(const char* p, const char* end, KeyValue* kv) {
    std::string_view key;
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      bool ok;
      switch (tag) {
        case Tag(1, kLen):
          ok = ReadBytes(&p, end, &key);
          break;
        case Tag(2, kLen):
          ok = Nested(&p, end, [&](const char* b, const char* e) {
            return DecodeAnyValue(b, e, &kv->value);
          });
          break;
        case Tag(3, kVarint): {  // key_strindex (profiles only)
          uint64_t ignored;
          ok = ReadVarint(&p, end, &ignored);
          break;
        }
        default:
          ok = SkipUnknown(&p, end, tag);
      }
      if (!ok) return false;
    }
    AssignText(key, &kv->key);
    return true;
  }

  // Merges the AnyValue message in [p, end) into *v.
  bool DecodeAnyValue(const char* p, const char* end, AnyValue* v) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      switch (tag) {
        case Tag(1, kLen): {  // string_value
          std::string_view s;
          if (!ReadBytes(&p, end, &s)) return false;
          ResetValue(v, AnyValue::Type::kString);
          AssignText(s, &v->string_value);
          break;
        }
        case Tag(2, kVarint): {  // bool_value
          uint64_t b;
          if (!ReadVarint(&p, end, &b)) return false;
          ResetValue(v, AnyValue::Type::kBool);
          v->bool_value = b != 0;
          break;
        }
        case Tag(3, kVarint): {  // int_value
          uint64_t i;
          if (!ReadVarint(&p, end, &i)) return false;
          ResetValue(v, AnyValue::Type::kInt);
          v->int_value = static_cast<int64_t>(i);
          break;
        }
        case Tag(4, kFixed64): {  // double_value
          double d;
          if (!ReadFixed(&p, end, &d)) return false;
          ResetValue(v, AnyValue::Type::kDouble);
          v->double_value = d;
          break;
        }
        case Tag(5, kLen):  // array_value: a second one merges into the first
          if (v->type != AnyValue::Type::kArray) ResetValue(v, AnyValue::Type::kArray);
          if (!Nested(&p, end, [&](const char* b, const char* e) {
                return DecodeArrayValue(b, e, &v->array_value);
              })) {
            return false;
          }
          break;
        case Tag(6, kLen):  // kvlist_value: likewise
          if (v->type != AnyValue::Type::kKvList) ResetValue(v, AnyValue::Type::kKvList);
          if (!Nested(&p, end, [&](const char* b, const char* e) {
                return DecodeKeyValueList(b, e, &v->kvlist_value);
              })) {
            return false;
          }
          break;
        case Tag(7, kLen): {  // bytes_value
          std::string_view s;
          if (!ReadBytes(&p, end, &s)) return false;
          ResetValue(v, AnyValue::Type::kBytes);
          v->string_value.assign(s.data(), s.size());
          break;
        }
        case Tag(8, kVarint): {  // string_value_strindex: profiles only, no string table here
          uint64_t ignored;
          if (!ReadVarint(&p, end, &ignored)) return false;
          ResetValue(v, AnyValue::Type::kEmpty);
          break;
        }
        default:
          if (!SkipUnknown(&p, end, tag)) return false;
      }
    }
    return true;
  }

  // ArrayValue: its values appended to *values.
  bool DecodeArrayValue(const char* p, const char* end, std::vector<AnyValue>* values) {
    {
      size_t counts[1] = {};
      CountFields(p, end, {Tag(1, kLen)}, counts);
      ReserveMore(values, counts[0]);
    }
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      const bool ok = tag == Tag(1, kLen)
                          ? Nested(&p, end,
                                   [&](const char* b, const char* e) {
                                     return DecodeAnyValue(b, e, &values->emplace_back());
                                   })
                          : SkipUnknown(&p, end, tag);
      if (!ok) return false;
    }
    return true;
  }

  // KeyValueList: its values appended to *values.
  bool DecodeKeyValueList(const char* p, const char* end, Attributes* values) {
    {
      size_t counts[1] = {};
      CountFields(p, end, {Tag(1, kLen)}, counts);
      ReserveMore(values, counts[0]);
    }
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      const bool ok =
          tag == Tag(1, kLen) ? DecodeAttribute(&p, end, values) : SkipUnknown(&p, end, tag);
      if (!ok) return false;
    }
    return true;
  }

  BatchBuilder* builder_;
  int depth_ = kRecursionLimit;  // nesting levels left below the request
};

}  // namespace

StatusOr<DecodedBatch> DecodeOtlpProtobuf(std::string_view body) {
  if (body.size() >= otlp_internal::kMaxProtobufBody) {
    return otlp_internal::ProtobufBodyTooLargeError(body.size());
  }
  BatchBuilder builder;
  WireDecoder decoder(&builder);
  if (!decoder.DecodeRequest(body.data(), body.data() + body.size())) {
    return otlp_internal::ProtobufParseError(body);
  }
  return std::move(builder).Finish();
}

}  // namespace hoptrace
