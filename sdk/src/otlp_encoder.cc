// A small protobuf writer for ExportTraceServiceRequest.
//
// Nested messages are written in place: a one-byte length placeholder is reserved, the body is
// written after it, and the length is patched in (moving the body right when the length needs
// more than one varint byte). Only canonical encodings are produced.
#include "otlp_encoder.h"

#include <zlib.h>

#include <cstring>
#include <vector>

#include "hoptrace/resource.h"

namespace hoptrace::internal {
namespace {

// Wire types.
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLen = 2;
constexpr int kFixed32 = 5;

// Span flags (trace.proto SpanFlags).
constexpr std::uint32_t kHasIsRemote = 0x100;
constexpr std::uint32_t kIsRemote = 0x200;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Tag(int field, int wire_type) {
    Varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire_type));
  }
  void VarintField(int field, std::uint64_t v) {
    Tag(field, kVarint);
    Varint(v);
  }
  void Fixed64Field(int field, std::uint64_t v) {
    Tag(field, kFixed64);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    out_->append(b, 8);
  }
  void Fixed32Field(int field, std::uint32_t v) {
    Tag(field, kFixed32);
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    out_->append(b, 4);
  }
  void DoubleField(int field, double d) {
    std::uint64_t v;
    std::memcpy(&v, &d, 8);
    Fixed64Field(field, v);
  }
  void BytesField(int field, std::string_view bytes) {
    Tag(field, kLen);
    Varint(bytes.size());
    out_->append(bytes);
  }
  void BytesField(int field, const std::uint8_t* data, std::size_t size) {
    BytesField(field, std::string_view(reinterpret_cast<const char*>(data), size));
  }

  // Begins a length-delimited submessage; returns the position of its placeholder.
  std::size_t Begin(int field) {
    Tag(field, kLen);
    out_->push_back('\0');
    return out_->size();
  }
  // Ends the submessage begun at `start` (the value Begin returned).
  void End(std::size_t start) {
    std::size_t len = out_->size() - start;
    char buf[10];
    std::size_t n = 0;
    std::uint64_t v = len;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    if (n > 1) out_->insert(start - 1, n - 1, '\0');  // make room, moving the body right
    std::memcpy(out_->data() + start - 1, buf, n);
  }

 private:
  std::string* out_;
};

void WriteAnyValue(Writer& w, const AttributeValue& value);

template <class T>
void WriteArrayElement(Writer& w, const T& e) {
  std::size_t any = w.Begin(1);  // ArrayValue.values
  WriteAnyValue(w, AttributeValue(e));
  w.End(any);
}

void WriteAnyValue(Writer& w, const AttributeValue& value) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.BytesField(1, x);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.VarintField(2, x ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.VarintField(3, static_cast<std::uint64_t>(x));
        } else if constexpr (std::is_same_v<T, double>) {
          w.DoubleField(4, x);
        } else {
          std::size_t array = w.Begin(5);
          for (const auto& e : x) {
            using E = typename T::value_type;
            WriteArrayElement(w, static_cast<E>(e));
          }
          w.End(array);
        }
      },
      value.storage());
}

void WriteAttributes(Writer& w, int field, const Attributes& attributes) {
  for (const KeyValue& kv : attributes) {
    std::size_t m = w.Begin(field);
    w.BytesField(1, kv.key);
    std::size_t any = w.Begin(2);
    WriteAnyValue(w, kv.value);
    w.End(any);
    w.End(m);
  }
}

void WriteSpan(Writer& w, const SpanData& s) {
  std::size_t m = w.Begin(2);  // ScopeSpans.spans
  w.BytesField(1, s.context.trace_id().bytes().data(), TraceId::kSize);
  w.BytesField(2, s.context.span_id().bytes().data(), SpanId::kSize);
  if (!s.context.trace_state().empty()) w.BytesField(3, s.context.trace_state().ToHeader());
  if (s.parent_span_id.IsValid()) {
    w.BytesField(4, s.parent_span_id.bytes().data(), SpanId::kSize);
  }
  w.BytesField(5, s.name);
  w.VarintField(6, static_cast<std::uint64_t>(s.kind));
  w.Fixed64Field(7, s.start_unix_nano);
  w.Fixed64Field(8, s.end_unix_nano);
  WriteAttributes(w, 9, s.attributes);
  if (s.dropped_attributes_count > 0) w.VarintField(10, s.dropped_attributes_count);
  for (const Event& e : s.events) {
    std::size_t em = w.Begin(11);
    w.Fixed64Field(1, e.time_unix_nano);
    w.BytesField(2, e.name);
    WriteAttributes(w, 3, e.attributes);
    if (e.dropped_attributes_count > 0) w.VarintField(4, e.dropped_attributes_count);
    w.End(em);
  }
  if (s.dropped_events_count > 0) w.VarintField(12, s.dropped_events_count);
  for (const Link& l : s.links) {
    std::size_t lm = w.Begin(13);
    w.BytesField(1, l.context.trace_id().bytes().data(), TraceId::kSize);
    w.BytesField(2, l.context.span_id().bytes().data(), SpanId::kSize);
    if (!l.context.trace_state().empty()) w.BytesField(3, l.context.trace_state().ToHeader());
    WriteAttributes(w, 4, l.attributes);
    if (l.dropped_attributes_count > 0) w.VarintField(5, l.dropped_attributes_count);
    w.Fixed32Field(6, l.context.flags() | kHasIsRemote | (l.context.IsRemote() ? kIsRemote : 0));
    w.End(lm);
  }
  if (s.dropped_links_count > 0) w.VarintField(14, s.dropped_links_count);
  if (s.status_code != StatusCode::kUnset || !s.status_message.empty()) {
    std::size_t st = w.Begin(15);
    if (!s.status_message.empty()) w.BytesField(2, s.status_message);
    if (s.status_code != StatusCode::kUnset) {
      w.VarintField(3, static_cast<std::uint64_t>(s.status_code));
    }
    w.End(st);
  }
  w.Fixed32Field(16, s.context.flags() | kHasIsRemote | (s.parent_is_remote ? kIsRemote : 0));
  w.End(m);
}

}  // namespace

std::string EncodeExportTraceServiceRequest(std::span<const std::unique_ptr<SpanData>> spans) {
  // Group: resource -> scope -> spans, in order of first appearance.
  struct ScopeGroup {
    const InstrumentationScope* scope;
    std::vector<const SpanData*> spans;
  };
  struct ResourceGroup {
    const Resource* resource;
    std::vector<ScopeGroup> scopes;
  };
  std::vector<ResourceGroup> groups;
  for (const auto& sp : spans) {
    if (sp == nullptr) continue;
    const InstrumentationScope* scope = sp->scope.get();
    ResourceGroup* rg = nullptr;
    for (auto& g : groups) {
      if (g.resource == sp->resource) rg = &g;
    }
    if (rg == nullptr) rg = &groups.emplace_back(ResourceGroup{sp->resource, {}});
    ScopeGroup* sg = nullptr;
    for (auto& g : rg->scopes) {
      if (g.scope == scope) sg = &g;
    }
    if (sg == nullptr) sg = &rg->scopes.emplace_back(ScopeGroup{scope, {}});
    sg->spans.push_back(sp.get());
  }

  std::string out;
  out.reserve(256 + spans.size() * 256);
  Writer w(&out);
  for (const ResourceGroup& rg : groups) {
    std::size_t rs = w.Begin(1);   // ExportTraceServiceRequest.resource_spans
    std::size_t res = w.Begin(1);  // ResourceSpans.resource
    if (rg.resource != nullptr) WriteAttributes(w, 1, rg.resource->attributes());
    w.End(res);
    for (const ScopeGroup& sg : rg.scopes) {
      std::size_t ss = w.Begin(2);  // ResourceSpans.scope_spans
      if (sg.scope != nullptr) {
        std::size_t sc = w.Begin(1);
        if (!sg.scope->name.empty()) w.BytesField(1, sg.scope->name);
        if (!sg.scope->version.empty()) w.BytesField(2, sg.scope->version);
        WriteAttributes(w, 3, sg.scope->attributes);
        w.End(sc);
      }
      for (const SpanData* s : sg.spans) WriteSpan(w, *s);
      if (sg.scope != nullptr && !sg.scope->schema_url.empty()) {
        w.BytesField(3, sg.scope->schema_url);
      }
      w.End(ss);
    }
    if (rg.resource != nullptr && !rg.resource->schema_url().empty()) {
      w.BytesField(3, rg.resource->schema_url());
    }
    w.End(rs);
  }
  return out;
}

bool GzipCompress(std::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return false;
  }
  out->resize(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return false;
  out->resize(zs.total_out);
  return true;
}

namespace {

// A minimal protobuf reader for the response.
struct Reader {
  std::string_view in;
  bool ok = true;

  bool Varint(std::uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) return ok = false;
      auto b = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
      *v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return ok = false;
  }
  // Reads one field; `value` is set for length-delimited fields, `number` for varints.
  bool Field(int* field, int* wire, std::string_view* value, std::uint64_t* number) {
    std::uint64_t tag;
    if (!Varint(&tag)) return false;
    *field = static_cast<int>(tag >> 3);
    *wire = static_cast<int>(tag & 7);
    switch (*wire) {
      case kVarint:
        return Varint(number);
      case kFixed64:
        if (in.size() < 8) return ok = false;
        in.remove_prefix(8);
        return true;
      case kFixed32:
        if (in.size() < 4) return ok = false;
        in.remove_prefix(4);
        return true;
      case kLen: {
        std::uint64_t len;
        if (!Varint(&len) || len > in.size()) return ok = false;
        *value = in.substr(0, len);
        in.remove_prefix(len);
        return true;
      }
      default:
        return ok = false;
    }
  }
};

}  // namespace

std::optional<PartialSuccess> DecodePartialSuccess(std::string_view body) {
  Reader r{body};
  int field, wire;
  std::string_view value;
  std::uint64_t number;
  std::optional<PartialSuccess> result;
  while (!r.in.empty()) {
    if (!r.Field(&field, &wire, &value, &number)) return std::nullopt;
    if (field != 1 || wire != kLen) continue;
    PartialSuccess ps;
    Reader inner{value};
    while (!inner.in.empty()) {
      if (!inner.Field(&field, &wire, &value, &number)) return std::nullopt;
      if (field == 1 && wire == kVarint) ps.rejected_spans = static_cast<std::int64_t>(number);
      if (field == 2 && wire == kLen) ps.error_message.assign(value);
    }
    result = std::move(ps);
  }
  return result;
}

}  // namespace hoptrace::internal
