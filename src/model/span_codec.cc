#include "model/span_codec.h"

#include <cstring>

#include "common/coding.h"

namespace hoptrace {
namespace {

constexpr uint8_t kBlobRefTag = 100;  // value tag: reference to a large value
constexpr int kMaxDepth = 64;

void EncodeAttributes(const Attributes& attrs, std::string* out, const LargeValueSink* sink);

void EncodeValue(const AnyValue& v, std::string* out, const LargeValueSink* sink) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      out->push_back(0);
      break;
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes:
      if (sink && sink->store && v.string_value.size() >= sink->threshold) {
        Hash128 h = ContentHash(v.string_value);
        sink->store(h, v.string_value);
        out->push_back(static_cast<char>(kBlobRefTag));
        out->push_back(static_cast<char>(v.type));
        PutFixed64(out, h.lo);
        PutFixed64(out, h.hi);
        PutVarint64(out, v.string_value.size());
      } else {
        out->push_back(static_cast<char>(v.type));
        PutLengthPrefixed(out, v.string_value);
      }
      break;
    case AnyValue::Type::kBool:
      out->push_back(static_cast<char>(v.type));
      out->push_back(v.bool_value ? 1 : 0);
      break;
    case AnyValue::Type::kInt:
      out->push_back(static_cast<char>(v.type));
      PutVarsint64(out, v.int_value);
      break;
    case AnyValue::Type::kDouble: {
      out->push_back(static_cast<char>(v.type));
      uint64_t bits;
      std::memcpy(&bits, &v.double_value, 8);
      PutFixed64(out, bits);
      break;
    }
    case AnyValue::Type::kArray:
      out->push_back(static_cast<char>(v.type));
      PutVarint64(out, v.array_value.size());
      for (const auto& e : v.array_value) EncodeValue(e, out, sink);
      break;
    case AnyValue::Type::kKvList:
      out->push_back(static_cast<char>(v.type));
      EncodeAttributes(v.kvlist_value, out, sink);
      break;
  }
}

void EncodeAttributes(const Attributes& attrs, std::string* out, const LargeValueSink* sink) {
  PutVarint64(out, attrs.size());
  for (const auto& kv : attrs) {
    PutLengthPrefixed(out, kv.key);
    EncodeValue(kv.value, out, sink);
  }
}

Status Corrupt(const char* what) {
  return DataLossError(std::string("corrupt span encoding: ") + what);
}

Status DecodeAttributes(Decoder* d, Attributes* attrs, const LargeValueSource* src, int depth);

Status DecodeValue(Decoder* d, AnyValue* v, const LargeValueSource* src, int depth) {
  if (depth > kMaxDepth) return Corrupt("nesting too deep");
  uint8_t tag;
  if (!d->GetByte(&tag)) return Corrupt("value tag");
  if (tag == kBlobRefTag) {
    uint8_t type;
    Hash128 h;
    uint64_t size;
    if (!d->GetByte(&type) || !d->GetFixed64(&h.lo) || !d->GetFixed64(&h.hi) ||
        !d->GetVarint64(&size)) {
      return Corrupt("large value reference");
    }
    if (type != static_cast<uint8_t>(AnyValue::Type::kString) &&
        type != static_cast<uint8_t>(AnyValue::Type::kBytes)) {
      return Corrupt("large value type");
    }
    v->type = static_cast<AnyValue::Type>(type);
    if (!src || !*src)
      return DataLossError("large value " + h.ToHex() + " referenced but no blob source");
    return (*src)(h, size, &v->string_value);
  }
  if (tag > static_cast<uint8_t>(AnyValue::Type::kKvList)) return Corrupt("value type");
  v->type = static_cast<AnyValue::Type>(tag);
  switch (v->type) {
    case AnyValue::Type::kEmpty:
      return Status::Ok();
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes: {
      std::string_view s;
      if (!d->GetLengthPrefixed(&s)) return Corrupt("string");
      v->string_value.assign(s);
      return Status::Ok();
    }
    case AnyValue::Type::kBool: {
      uint8_t b;
      if (!d->GetByte(&b)) return Corrupt("bool");
      v->bool_value = b != 0;
      return Status::Ok();
    }
    case AnyValue::Type::kInt:
      if (!d->GetVarsint64(&v->int_value)) return Corrupt("int");
      return Status::Ok();
    case AnyValue::Type::kDouble: {
      uint64_t bits;
      if (!d->GetFixed64(&bits)) return Corrupt("double");
      std::memcpy(&v->double_value, &bits, 8);
      return Status::Ok();
    }
    case AnyValue::Type::kArray: {
      uint64_t n;
      if (!d->GetVarint64(&n) || n > d->remaining()) return Corrupt("array length");
      v->array_value.resize(n);
      for (auto& e : v->array_value) HT_RETURN_IF_ERROR(DecodeValue(d, &e, src, depth + 1));
      return Status::Ok();
    }
    case AnyValue::Type::kKvList:
      return DecodeAttributes(d, &v->kvlist_value, src, depth + 1);
  }
  return Corrupt("value");
}

Status DecodeAttributes(Decoder* d, Attributes* attrs, const LargeValueSource* src, int depth) {
  uint64_t n;
  if (!d->GetVarint64(&n) || n > d->remaining()) return Corrupt("attribute count");
  attrs->resize(n);
  for (auto& kv : *attrs) {
    std::string_view key;
    if (!d->GetLengthPrefixed(&key)) return Corrupt("attribute key");
    kv.key.assign(key);
    HT_RETURN_IF_ERROR(DecodeValue(d, &kv.value, src, depth));
  }
  return Status::Ok();
}

bool GetString(Decoder* d, std::string* s) {
  std::string_view v;
  if (!d->GetLengthPrefixed(&v)) return false;
  s->assign(v);
  return true;
}

template <size_t N>
bool GetId(Decoder* d, std::array<uint8_t, N>* id) {
  std::string_view v;
  if (!d->GetBytes(N, &v)) return false;
  std::memcpy(id->data(), v.data(), N);
  return true;
}

template <size_t N>
void PutId(std::string* out, const std::array<uint8_t, N>& id) {
  out->append(reinterpret_cast<const char*>(id.data()), N);
}

}  // namespace

void EncodeSpanBody(const Span& s, std::string* out, const LargeValueSink* sink) {
  out->reserve(out->size() + 256);
  out->push_back(static_cast<char>(kSpanCodecVersion));
  PutId(out, s.trace_id);
  PutId(out, s.span_id);
  PutId(out, s.parent_span_id);
  PutVarint64(out, s.flags);
  PutLengthPrefixed(out, s.trace_state);
  PutLengthPrefixed(out, s.name);
  out->push_back(static_cast<char>(s.kind));
  PutFixed64(out, s.start_unix_nano);
  PutFixed64(out, s.end_unix_nano);
  out->push_back(static_cast<char>(s.status_code));
  PutLengthPrefixed(out, s.status_message);
  EncodeAttributes(s.attributes, out, sink);
  PutVarint64(out, s.dropped_attributes_count);
  PutVarint64(out, s.events.size());
  for (const auto& e : s.events) {
    PutFixed64(out, e.time_unix_nano);
    PutLengthPrefixed(out, e.name);
    EncodeAttributes(e.attributes, out, sink);
    PutVarint64(out, e.dropped_attributes_count);
  }
  PutVarint64(out, s.dropped_events_count);
  PutVarint64(out, s.links.size());
  for (const auto& l : s.links) {
    PutId(out, l.trace_id);
    PutId(out, l.span_id);
    PutLengthPrefixed(out, l.trace_state);
    EncodeAttributes(l.attributes, out, sink);
    PutVarint64(out, l.dropped_attributes_count);
    PutVarint64(out, l.flags);
  }
  PutVarint64(out, s.dropped_links_count);
  EncodeDerivedFields(s.derived, out);
}

Status DecodeSpanBody(std::string_view in, Span* s, const LargeValueSource* src) {
  Decoder d(in);
  uint8_t version, kind, status;
  uint32_t flags;
  if (!d.GetByte(&version)) return Corrupt("version");
  if (version != kSpanCodecVersion)
    return DataLossError("unknown span encoding version " + std::to_string(version));
  if (!GetId(&d, &s->trace_id) || !GetId(&d, &s->span_id) || !GetId(&d, &s->parent_span_id) ||
      !d.GetVarint32(&flags) || !GetString(&d, &s->trace_state) || !GetString(&d, &s->name) ||
      !d.GetByte(&kind) || !d.GetFixed64(&s->start_unix_nano) || !d.GetFixed64(&s->end_unix_nano) ||
      !d.GetByte(&status) || !GetString(&d, &s->status_message)) {
    return Corrupt("span header");
  }
  if (kind > 5 || status > 2) return Corrupt("kind or status");
  s->flags = flags;
  s->kind = static_cast<SpanKind>(kind);
  s->status_code = static_cast<StatusCodeValue>(status);
  HT_RETURN_IF_ERROR(DecodeAttributes(&d, &s->attributes, src, 0));
  uint64_t n;
  if (!d.GetVarint32(&s->dropped_attributes_count) || !d.GetVarint64(&n) || n > d.remaining())
    return Corrupt("events");
  s->events.resize(n);
  for (auto& e : s->events) {
    if (!d.GetFixed64(&e.time_unix_nano) || !GetString(&d, &e.name)) return Corrupt("event");
    HT_RETURN_IF_ERROR(DecodeAttributes(&d, &e.attributes, src, 0));
    if (!d.GetVarint32(&e.dropped_attributes_count)) return Corrupt("event");
  }
  if (!d.GetVarint32(&s->dropped_events_count) || !d.GetVarint64(&n) || n > d.remaining())
    return Corrupt("links");
  s->links.resize(n);
  for (auto& l : s->links) {
    if (!GetId(&d, &l.trace_id) || !GetId(&d, &l.span_id) || !GetString(&d, &l.trace_state))
      return Corrupt("link");
    HT_RETURN_IF_ERROR(DecodeAttributes(&d, &l.attributes, src, 0));
    if (!d.GetVarint32(&l.dropped_attributes_count) || !d.GetVarint32(&l.flags))
      return Corrupt("link");
  }
  if (!d.GetVarint32(&s->dropped_links_count)) return Corrupt("links");
  if (!DecodeDerivedFields(&d, &s->derived)) return Corrupt("agent fields");
  if (d.remaining() != 0) return Corrupt("trailing bytes");
  return Status::Ok();
}

void EncodeDerivedFields(const AgentFields& a, std::string* out) {
  for (const std::string* f :
       {&a.service, &a.agent, &a.operation, &a.model, &a.provider, &a.tool, &a.conversation}) {
    PutLengthPrefixed(out, *f);
  }
  PutVarsint64(out, a.input_tokens);
  PutVarsint64(out, a.output_tokens);
  PutVarsint64(out, a.total_tokens);
  uint64_t bits;
  std::memcpy(&bits, &a.cost_usd, 8);
  PutFixed64(out, bits);
  out->push_back(a.usage_counted ? 1 : 0);
}

bool DecodeDerivedFields(Decoder* d, AgentFields* a) {
  for (std::string* f :
       {&a->service, &a->agent, &a->operation, &a->model, &a->provider, &a->tool,
        &a->conversation}) {
    std::string_view v;
    if (!d->GetLengthPrefixed(&v)) return false;
    f->assign(v);
  }
  uint64_t bits;
  uint8_t counted;
  if (!d->GetVarsint64(&a->input_tokens) || !d->GetVarsint64(&a->output_tokens) ||
      !d->GetVarsint64(&a->total_tokens) || !d->GetFixed64(&bits) || !d->GetByte(&counted)) {
    return false;
  }
  std::memcpy(&a->cost_usd, &bits, 8);
  a->usage_counted = counted != 0;
  return true;
}

void EncodeResource(const Resource& r, std::string* out) {
  EncodeAttributes(r.attributes, out, nullptr);
  PutVarint64(out, r.dropped_attributes_count);
  PutLengthPrefixed(out, r.schema_url);
}

Status DecodeResource(std::string_view in, Resource* r) {
  Decoder d(in);
  HT_RETURN_IF_ERROR(DecodeAttributes(&d, &r->attributes, nullptr, 0));
  if (!d.GetVarint32(&r->dropped_attributes_count) || !GetString(&d, &r->schema_url) ||
      d.remaining() != 0) {
    return Corrupt("resource");
  }
  return Status::Ok();
}

void EncodeScope(const Scope& s, std::string* out) {
  PutLengthPrefixed(out, s.name);
  PutLengthPrefixed(out, s.version);
  EncodeAttributes(s.attributes, out, nullptr);
  PutVarint64(out, s.dropped_attributes_count);
  PutLengthPrefixed(out, s.schema_url);
}

Status DecodeScope(std::string_view in, Scope* s) {
  Decoder d(in);
  if (!GetString(&d, &s->name) || !GetString(&d, &s->version)) return Corrupt("scope");
  HT_RETURN_IF_ERROR(DecodeAttributes(&d, &s->attributes, nullptr, 0));
  if (!d.GetVarint32(&s->dropped_attributes_count) || !GetString(&d, &s->schema_url) ||
      d.remaining() != 0) {
    return Corrupt("scope");
  }
  return Status::Ok();
}

void EncodeSpan(const Span& span, std::string* out, const LargeValueSink* sink) {
  std::string part;
  EncodeSpanBody(span, &part, sink);
  PutLengthPrefixed(out, part);
  part.clear();
  EncodeResource(span.resource, &part);
  PutLengthPrefixed(out, part);
  part.clear();
  EncodeScope(span.scope, &part);
  PutLengthPrefixed(out, part);
}

Status DecodeSpan(std::string_view in, Span* span, const LargeValueSource* source) {
  Decoder d(in);
  std::string_view body, resource, scope;
  if (!d.GetLengthPrefixed(&body) || !d.GetLengthPrefixed(&resource) ||
      !d.GetLengthPrefixed(&scope) || d.remaining() != 0) {
    return Corrupt("span framing");
  }
  HT_RETURN_IF_ERROR(DecodeSpanBody(body, span, source));
  HT_RETURN_IF_ERROR(DecodeResource(resource, &span->resource));
  return DecodeScope(scope, &span->scope);
}

}  // namespace hoptrace
