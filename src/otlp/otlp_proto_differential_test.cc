// Differential test of DecodeOtlpProtobuf (the hand-written wire decoder) against the
// libprotobuf-based decoder it replaced (testing/reference_proto_decoder.h): every input below
// must give identical results (DiffDecodeResults: same status and message, or the same batch
// field by field). Inputs, all deterministic (fixed seeds):
// - every file of fuzz/otlp/corpus (all targets' corpora: non-protobuf bodies must fail alike);
// - every request *.pb under testdata/fixtures;
// - EncodeOtlpProtobuf of randomized spans;
// - schema-aware random requests that also use what an encoder never writes: fields repeated,
//   out of order, or with another wire type; unknown fields and groups (well-formed or not);
//   overlong and over-wide varints and tags; nesting around the 100-level limit;
// - thousands of mutations (truncations, byte flips, insertions, deletions, splices) of all of
//   the above.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/testing/batch_diff.h"
#include "otlp/testing/reference_proto_decoder.h"
#include "otlp/testing_util.h"

namespace hoptrace {
namespace {

namespace fs = std::filesystem;
using otlp_testing::DiffDecodeResults;
using otlp_testing::ReferenceDecodeOtlpProtobuf;

// Runs both decoders on `body`; counts how the inputs fared so that the tests can check that
// they exercised both outcomes.
struct Tally {
  size_t ok = 0;
  size_t failed = 0;
  size_t spans = 0;
  size_t rejected = 0;
};

::testing::AssertionResult SameResult(std::string_view body, Tally* tally) {
  const StatusOr<DecodedBatch> got = DecodeOtlpProtobuf(body);
  const StatusOr<DecodedBatch> want = ReferenceDecodeOtlpProtobuf(body);
  const std::string diff = DiffDecodeResults(got, want);
  if (got.ok()) {
    ++tally->ok;
    tally->spans += got->spans.size();
    tally->rejected += got->rejected;
  } else {
    ++tally->failed;
  }
  if (diff.empty()) return ::testing::AssertionSuccess();
  std::string hex;
  for (size_t i = 0; i < std::min<size_t>(body.size(), 256); ++i) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[static_cast<uint8_t>(body[i]) >> 4];
    hex += kDigits[static_cast<uint8_t>(body[i]) & 15];
  }
  return ::testing::AssertionFailure() << "new vs reference differ: " << diff << "\n  body ("
                                       << body.size() << " bytes) starts " << hex;
}

std::vector<std::string> FilesUnder(const fs::path& dir, std::string_view extension) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && (extension.empty() || entry.path().extension() == extension)) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<std::string> ReadAll(const std::vector<std::string>& paths) {
  std::vector<std::string> bodies;
  for (const std::string& path : paths) {
    auto body = otlp_testing::ReadFile(path);
    if (body) bodies.push_back(std::move(*body));
  }
  return bodies;
}

// Every fuzz corpus (all targets), or one target's.
std::vector<std::string> CorpusBodies(std::string_view target = "") {
  return ReadAll(FilesUnder(fs::path(HOPTRACE_OTLP_CORPUS_DIR) / target, ""));
}
std::vector<std::string> FixtureBodies() {
  return ReadAll(FilesUnder(otlp_testing::FixturesDir(), ".pb"));
}

// --- Randomized model spans, for EncodeOtlpProtobuf -------------------------------------------

class SpanMaker {
 public:
  explicit SpanMaker(uint32_t seed) : rng_(seed) {}

  std::vector<Span> Batch() {
    std::vector<Span> spans(Below(12));
    // A few resources and scopes shared by several spans, as an SDK batch has them.
    std::vector<Resource> resources(1 + Below(3));
    for (Resource& r : resources) {
      r.attributes = Attrs(2);
      r.dropped_attributes_count = Chance(5) ? Word32() : 0;
      r.schema_url = Chance(3) ? Text() : "";
    }
    std::vector<Scope> scopes(1 + Below(3));
    for (Scope& s : scopes) {
      s.name = Text();
      s.version = Chance(2) ? Text() : "";
      s.attributes = Chance(3) ? Attrs(1) : Attributes{};
      s.dropped_attributes_count = Chance(5) ? Word32() : 0;
      s.schema_url = Chance(4) ? Text() : "";
    }
    for (Span& span : spans) {
      Ids(&span.trace_id);
      Ids(&span.span_id);
      if (Chance(2)) Ids(&span.parent_span_id);
      span.trace_state = Chance(4) ? Text() : "";
      span.flags = Chance(2) ? Word32() : 0;
      span.name = Text();
      span.kind = static_cast<SpanKind>(Below(6));
      span.start_unix_nano = Chance(8) ? 0 : rng_();
      span.end_unix_nano = Chance(8) ? span.start_unix_nano : span.start_unix_nano + Below(1000);
      if (Chance(10)) span.end_unix_nano = span.start_unix_nano - 1;  // rejected
      span.attributes = Attrs(3);
      span.dropped_attributes_count = Chance(5) ? Word32() : 0;
      for (size_t i = Below(3); i > 0; --i) {
        SpanEvent& e = span.events.emplace_back();
        e.time_unix_nano = rng_();
        e.name = Text();
        e.attributes = Attrs(1);
        e.dropped_attributes_count = Chance(5) ? Word32() : 0;
      }
      span.dropped_events_count = Chance(5) ? Word32() : 0;
      for (size_t i = Below(3); i > 0; --i) {
        SpanLink& l = span.links.emplace_back();
        Ids(&l.trace_id);  // sometimes all zero: the decoders drop such links
        Ids(&l.span_id);
        l.trace_state = Chance(3) ? Text() : "";
        l.attributes = Attrs(1);
        l.dropped_attributes_count = Chance(5) ? Word32() : 0;
        l.flags = Chance(2) ? Word32() : 0;
      }
      span.dropped_links_count = Chance(5) ? Word32() : 0;
      span.status_code = static_cast<StatusCodeValue>(Below(3));
      span.status_message = Chance(3) ? Text() : "";
      span.resource = resources[Below(resources.size())];
      span.scope = scopes[Below(scopes.size())];
    }
    return spans;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  bool Chance(size_t one_in) { return Below(one_in) == 0; }
  uint32_t Word32() { return static_cast<uint32_t>(rng_()); }

  template <size_t N>
  void Ids(std::array<uint8_t, N>* id) {
    id->fill(0);
    if (Chance(12)) return;  // all zero
    for (uint8_t& b : *id) b = static_cast<uint8_t>(rng_());
  }

  // Short text: ASCII, multi-byte UTF-8, and now and then invalid UTF-8 (which the decoders
  // repair) or NULs.
  std::string Text() {
    static const std::string kPieces[] = {"a",
                                          "gen_ai.usage",
                                          " ",
                                          "é",
                                          "日本",
                                          "🙂",
                                          "\xff",
                                          "\xc3",
                                          "\xed\xa0\x80",
                                          std::string(1, '\0')};
    std::string s;
    for (size_t i = Below(6); i > 0; --i) s += kPieces[Below(std::size(kPieces))];
    if (Chance(20)) s.append(200 + Below(200), 'x');  // past the SIMD validation threshold
    return s;
  }

  AnyValue Value(int depth) {
    switch (Below(depth > 0 ? 8 : 6)) {
      case 0:
        return AnyValue{};
      case 1:
        return AnyValue::String(Text());
      case 2:
        return AnyValue::Bool(Chance(2));
      case 3:
        return AnyValue::Int(static_cast<int64_t>(rng_()) >> Below(64));
      case 4: {
        double d;
        const uint64_t bits = Chance(4) ? rng_() : 0x3FF8000000000000ULL;  // NaNs, -0, 1.5...
        std::memcpy(&d, &bits, 8);
        return AnyValue::Double(d);
      }
      case 5:
        return AnyValue::Bytes(Text());
      case 6: {
        std::vector<AnyValue> items(Below(4));
        for (AnyValue& item : items) item = Value(depth - 1);
        return AnyValue::Array(std::move(items));
      }
      default:
        return AnyValue::KvList(Attrs(depth - 1));
    }
  }

  Attributes Attrs(int depth) {
    Attributes attrs(Below(5));
    for (KeyValue& kv : attrs) {
      kv.key = Text();
      kv.value = Value(depth);
    }
    return attrs;
  }

  std::mt19937_64 rng_;
};

// --- Schema-aware random requests, written field by field ------------------------------------

// Message types of the schema, and what each field holds.
enum class Msg {
  kRequest,
  kResourceSpans,
  kResource,
  kEntityRef,
  kScopeSpans,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList
};
enum class Kind { kVarint, kFixed64, kFixed32, kText, kTraceId, kSpanId, kMessage };
struct FieldSpec {
  uint32_t number;
  Kind kind;
  Msg message = Msg::kRequest;  // for kMessage
};

const std::vector<FieldSpec>& FieldsOf(Msg m) {
  using K = Kind;
  static const std::vector<FieldSpec> kRequest = {{1, K::kMessage, Msg::kResourceSpans}};
  static const std::vector<FieldSpec> kResourceSpans = {
      {1, K::kMessage, Msg::kResource}, {2, K::kMessage, Msg::kScopeSpans}, {3, K::kText}};
  static const std::vector<FieldSpec> kResource = {
      {1, K::kMessage, Msg::kKeyValue}, {2, K::kVarint}, {3, K::kMessage, Msg::kEntityRef}};
  static const std::vector<FieldSpec> kEntityRef = {
      {1, K::kText}, {2, K::kText}, {3, K::kText}, {4, K::kText}};
  static const std::vector<FieldSpec> kScopeSpans = {
      {1, K::kMessage, Msg::kScope}, {2, K::kMessage, Msg::kSpan}, {3, K::kText}};
  static const std::vector<FieldSpec> kScope = {
      {1, K::kText}, {2, K::kText}, {3, K::kMessage, Msg::kKeyValue}, {4, K::kVarint}};
  static const std::vector<FieldSpec> kSpan = {{1, K::kTraceId},
                                               {2, K::kSpanId},
                                               {3, K::kText},
                                               {4, K::kSpanId},
                                               {5, K::kText},
                                               {6, K::kVarint},
                                               {7, K::kFixed64},
                                               {8, K::kFixed64},
                                               {9, K::kMessage, Msg::kKeyValue},
                                               {10, K::kVarint},
                                               {11, K::kMessage, Msg::kEvent},
                                               {12, K::kVarint},
                                               {13, K::kMessage, Msg::kLink},
                                               {14, K::kVarint},
                                               {15, K::kMessage, Msg::kStatus},
                                               {16, K::kFixed32}};
  static const std::vector<FieldSpec> kEvent = {
      {1, K::kFixed64}, {2, K::kText}, {3, K::kMessage, Msg::kKeyValue}, {4, K::kVarint}};
  static const std::vector<FieldSpec> kLink = {{1, K::kTraceId}, {2, K::kSpanId},
                                               {3, K::kText},    {4, K::kMessage, Msg::kKeyValue},
                                               {5, K::kVarint},  {6, K::kFixed32}};
  static const std::vector<FieldSpec> kStatus = {{2, K::kText}, {3, K::kVarint}};
  static const std::vector<FieldSpec> kKeyValue = {
      {1, K::kText}, {2, K::kMessage, Msg::kAnyValue}, {3, K::kVarint}};
  static const std::vector<FieldSpec> kAnyValue = {{1, K::kText},
                                                   {2, K::kVarint},
                                                   {3, K::kVarint},
                                                   {4, K::kFixed64},
                                                   {5, K::kMessage, Msg::kArrayValue},
                                                   {6, K::kMessage, Msg::kKeyValueList},
                                                   {7, K::kText},
                                                   {8, K::kVarint}};
  static const std::vector<FieldSpec> kArrayValue = {{1, K::kMessage, Msg::kAnyValue}};
  static const std::vector<FieldSpec> kKeyValueList = {{1, K::kMessage, Msg::kKeyValue}};
  switch (m) {
    case Msg::kRequest:
      return kRequest;
    case Msg::kResourceSpans:
      return kResourceSpans;
    case Msg::kResource:
      return kResource;
    case Msg::kEntityRef:
      return kEntityRef;
    case Msg::kScopeSpans:
      return kScopeSpans;
    case Msg::kScope:
      return kScope;
    case Msg::kSpan:
      return kSpan;
    case Msg::kEvent:
      return kEvent;
    case Msg::kLink:
      return kLink;
    case Msg::kStatus:
      return kStatus;
    case Msg::kKeyValue:
      return kKeyValue;
    case Msg::kAnyValue:
      return kAnyValue;
    case Msg::kArrayValue:
      return kArrayValue;
    case Msg::kKeyValueList:
      return kKeyValueList;
  }
  return kRequest;
}

class WireMaker {
 public:
  explicit WireMaker(uint32_t seed) : rng_(seed) {}

  // A request; half of them well-formed by construction (only the decoding rules for repeated,
  // unknown and mistyped fields, overlong varints and 5-byte tags apply), the others with now
  // and then a malformed field somewhere.
  std::string Request() {
    strict_ = Chance(2);
    return Message(Msg::kRequest, 0);
  }

  // A request whose first span holds an attribute with `levels` nested array values: with the
  // request's own 5 levels above it (ResourceSpans, ScopeSpans, Span, KeyValue, AnyValue), each
  // level adding ArrayValue + AnyValue.
  std::string DeepRequest(int levels, bool use_group) {
    strict_ = true;
    std::string value;
    if (use_group) {  // an unknown group in the innermost AnyValue takes one more level
      Varint(Tag(20, 3), &value);
      Varint(Tag(21, 0), &value);
      Varint(1, &value);
      Varint(Tag(20, 4), &value);
    }
    Varint(Tag(3, 0), &value);
    Varint(7, &value);
    for (int i = 0; i < levels; ++i) {
      std::string array;
      Len(1, value, &array);
      value.clear();
      Len(5, array, &value);
    }
    std::string kv, span, scope_spans, resource_spans, request;
    Len(1, "k", &kv);
    Len(2, value, &kv);
    Len(1, std::string(16, '\x01'), &span);
    Len(2, std::string(8, '\x02'), &span);
    Len(9, kv, &span);
    Len(2, span, &scope_spans);
    Len(2, scope_spans, &resource_spans);
    Len(1, resource_spans, &request);
    return request;
  }

 private:
  static uint32_t Tag(uint32_t field, uint32_t wire_type) { return field << 3 | wire_type; }

  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  bool Chance(size_t one_in) { return Below(one_in) == 0; }

  // A varint, now and then overlong (padded with 0x80 bytes up to 10 bytes; past 10 is
  // malformed).
  void Varint(uint64_t v, std::string* out) {
    size_t pad = Chance(25) ? Below(Chance(4) ? 12 : 4) : 0;
    if (strict_) pad = 0;
    while (v >= 0x80 || pad > 0) {
      if (v < 0x80) --pad;
      out->push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  }

  // A tag, now and then written in 5 bytes with bits above bit 31 set (libprotobuf drops them),
  // or in 6 (malformed).
  void WriteTag(uint32_t field, uint32_t wire_type, std::string* out) {
    const uint32_t tag = Tag(field, wire_type);
    if (Chance(60)) {
      for (int i = 0; i < 4; ++i)
        out->push_back(static_cast<char>(((tag >> (7 * i)) & 0x7F) | 0x80));
      out->push_back(static_cast<char>((tag >> 28) | (Below(8) << 4)));
      return;
    }
    if (!strict_ && Chance(300)) {
      for (int i = 0; i < 5; ++i)
        out->push_back(static_cast<char>(((tag >> (7 * i)) & 0x7F) | 0x80));
      out->push_back(0);
      return;
    }
    Varint(tag, out);
  }

  void Len(uint32_t field, const std::string& bytes, std::string* out) {
    Varint(Tag(field, 2), out);
    Varint(bytes.size(), out);
    *out += bytes;
  }

  uint64_t Number() {
    switch (Below(5)) {
      case 0:
        return Below(8);
      case 1:
        return rng_();
      case 2:
        return static_cast<uint64_t>(-static_cast<int64_t>(Below(8)));
      case 3:
        return (uint64_t{1} << 32) + Below(8);  // 32-bit fields keep the low bits
      default:
        return Below(1000);
    }
  }

  std::string Bytes(size_t typical) {
    size_t n = Chance(6) ? Below(typical * 2 + 2) : typical;
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      s.push_back(Chance(3) ? static_cast<char>(rng_()) : static_cast<char>('a' + Below(26)));
    }
    if (typical != 0 && Chance(10)) s.assign(typical, '\0');  // all-zero ids
    return s;
  }

  // An unknown field of a random wire type (groups nest a few fields); now and then malformed.
  void Unknown(std::string* out, int depth) {
    const uint32_t field = !strict_ && Chance(10) ? 0 : static_cast<uint32_t>(17 + Below(3000));
    uint32_t wire_type = static_cast<uint32_t>(Below(!strict_ && Chance(20) ? 8 : 6));
    if (strict_ && wire_type == 4) wire_type = 0;
    switch (wire_type) {
      case 0:
        WriteTag(field, 0, out);
        Varint(Number(), out);
        break;
      case 1:
        WriteTag(field, 1, out);
        out->append(8, 'z');
        break;
      case 2:
        WriteTag(field, 2, out);
        Varint(3, out);
        out->append("abc");
        break;
      case 3: {
        WriteTag(field, 3, out);
        if (depth < 4) {
          for (size_t i = Below(3); i > 0; --i) Unknown(out, depth + 1);
        }
        // The matching end-group, usually; sometimes another number, or none.
        if (strict_ || !Chance(15)) WriteTag(!strict_ && Chance(15) ? field + 1 : field, 4, out);
        break;
      }
      case 4:  // a stray end-group
        WriteTag(field, 4, out);
        break;
      case 5:
        WriteTag(field, 5, out);
        out->append(4, 'y');
        break;
      default:  // 6, 7: malformed
        WriteTag(field, wire_type, out);
        break;
    }
  }

  std::string Message(Msg m, int depth) {
    const std::vector<FieldSpec>& fields = FieldsOf(m);
    std::string out;
    size_t count = Below(m == Msg::kAnyValue ? 3 : 6) + (m == Msg::kSpan ? 4 : 0);
    if (depth > 12) count = Below(2);
    for (size_t i = 0; i < count; ++i) {
      if (Chance(25)) {
        Unknown(&out, 0);
        continue;
      }
      const FieldSpec& f = fields[Below(fields.size())];
      // Now and then the field number with another wire type (an unknown field then).
      const bool wrong = Chance(30);
      Field(f, wrong, depth, &out);
      if (Chance(10)) Field(f, false, depth, &out);  // repeated: last wins, or merges
    }
    if (m == Msg::kSpan && Chance(2)) {  // make most spans valid
      Len(1, Bytes(16), &out);
      Len(2, Bytes(8), &out);
    }
    return out;
  }

  void Field(const FieldSpec& f, bool wrong_wire_type, int depth, std::string* out) {
    static constexpr uint32_t kWireOf[] = {0, 1, 5, 2, 2, 2, 2};
    uint32_t wire_type = kWireOf[static_cast<int>(f.kind)];
    if (wrong_wire_type) {
      static constexpr uint32_t kOthers[] = {0, 1, 2, 5};
      const uint32_t other = kOthers[Below(4)];
      if (other != wire_type) {
        wire_type = other;
        WriteTag(f.number, wire_type, out);
        switch (wire_type) {
          case 0:
            Varint(Number(), out);
            break;
          case 1:
            out->append(8, 'w');
            break;
          case 2:
            Varint(2, out);
            out->append("ww");
            break;
          default:
            out->append(4, 'w');
        }
        return;
      }
    }
    WriteTag(f.number, wire_type, out);
    switch (f.kind) {
      case Kind::kVarint:
        Varint(Number(), out);
        break;
      case Kind::kFixed64: {
        const uint64_t v = Chance(3) ? Below(100) : rng_();
        out->append(reinterpret_cast<const char*>(&v), 8);
        break;
      }
      case Kind::kFixed32: {
        const uint32_t v = static_cast<uint32_t>(rng_());
        out->append(reinterpret_cast<const char*>(&v), 4);
        break;
      }
      case Kind::kText:
      case Kind::kTraceId:
      case Kind::kSpanId: {
        const std::string s = Bytes(f.kind == Kind::kTraceId  ? 16
                                    : f.kind == Kind::kSpanId ? 8
                                                              : Below(12));
        Varint(s.size(), out);
        *out += s;
        break;
      }
      case Kind::kMessage: {
        const std::string sub = Message(f.message, depth + 1);
        Varint(sub.size(), out);
        *out += sub;
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  bool strict_ = false;
};

// --- Mutations -------------------------------------------------------------------------------

std::string Mutate(const std::string& body, const std::vector<std::string>& others,
                   std::mt19937_64* rng) {
  auto below = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>((*rng)() % n); };
  std::string out = body;
  const size_t edits = 1 + below(3);
  for (size_t e = 0; e < edits; ++e) {
    switch (below(7)) {
      case 0:  // truncate
        out.resize(below(out.size() + 1));
        break;
      case 1:  // flip a byte
        if (!out.empty()) out[below(out.size())] ^= static_cast<char>(1 + below(255));
        break;
      case 2:  // set a byte to an interesting value
        if (!out.empty()) {
          static constexpr uint8_t kBytes[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x0b,
                                               0x0c, 0x12, 0x1a, 0x2a, 0x0f, 0x0e, 0x04};
          out[below(out.size())] = static_cast<char>(kBytes[below(std::size(kBytes))]);
        }
        break;
      case 3:  // insert bytes
        out.insert(below(out.size() + 1), std::string(1 + below(3), static_cast<char>((*rng)())));
        break;
      case 4:  // delete bytes
        if (!out.empty()) {
          const size_t at = below(out.size());
          out.erase(at, 1 + below(std::min<size_t>(4, out.size() - at)));
        }
        break;
      case 5: {  // splice in a piece of another input
        const std::string& other = others[below(others.size())];
        if (other.empty()) break;
        const size_t from = below(other.size());
        const size_t n = 1 + below(other.size() - from);
        out.insert(below(out.size() + 1), other.substr(from, n));
        break;
      }
      default: {  // duplicate a chunk of itself
        if (out.empty()) break;
        const size_t from = below(out.size());
        const size_t n = 1 + below(out.size() - from);
        out.insert(below(out.size() + 1), out.substr(from, n));
        break;
      }
    }
  }
  return out;
}

// --- Tests -----------------------------------------------------------------------------------

TEST(OtlpProtoDifferentialTest, CorpusAndFixtures) {
  const std::vector<std::string> corpus = CorpusBodies();
  ASSERT_GE(corpus.size(), 20u);
  Tally tally;
  for (const std::string& body : corpus) EXPECT_TRUE(SameResult(body, &tally));
  // The protobuf ones, and every prefix of them: a cut anywhere inside any field.
  std::vector<std::string> protobuf = CorpusBodies("otlp_protobuf");
  const std::vector<std::string> fixtures = FixtureBodies();
  ASSERT_GE(protobuf.size(), 5u);
  ASSERT_GE(fixtures.size(), 10u);
  protobuf.insert(protobuf.end(), fixtures.begin(), fixtures.end());
  for (const std::string& body : protobuf) {
    for (size_t n = 0; n <= body.size(); ++n) {
      ASSERT_TRUE(SameResult(std::string_view(body).substr(0, n), &tally)) << "prefix " << n;
    }
  }
  EXPECT_GT(tally.ok, 10u);
  EXPECT_GT(tally.failed, 10u);
  EXPECT_GT(tally.spans, 50u);
}

TEST(OtlpProtoDifferentialTest, EncodedRandomSpans) {
  Tally tally;
  for (uint32_t seed = 1; seed <= 1500; ++seed) {
    SpanMaker maker(seed);
    const std::vector<Span> spans = maker.Batch();
    const std::string body = EncodeOtlpProtobuf(spans);
    ASSERT_TRUE(SameResult(body, &tally)) << "seed " << seed;
  }
  EXPECT_EQ(tally.failed, 0u);
  EXPECT_GT(tally.spans, 5000u);
  EXPECT_GT(tally.rejected, 100u);
}

TEST(OtlpProtoDifferentialTest, SchemaAwareRandomRequests) {
  Tally tally;
  // HOPTRACE_DIFFERENTIAL_SEEDS_DIR=<dir> also writes the first requests there, as seeds for the
  // differential fuzzer (fuzz/otlp/CMakeLists.txt), which rarely builds such inputs itself.
  const char* seeds_dir = std::getenv("HOPTRACE_DIFFERENTIAL_SEEDS_DIR");
  for (uint32_t seed = 1; seed <= 50000; ++seed) {
    WireMaker maker(seed);
    const std::string request = maker.Request();
    ASSERT_TRUE(SameResult(request, &tally)) << "seed " << seed;
    if (seeds_dir != nullptr && seed <= 500) {
      std::ofstream(fs::path(seeds_dir) / ("schema-aware-" + std::to_string(seed) + ".pb"),
                    std::ios::binary)
          << request;
    }
  }
  std::printf("schema-aware requests: %zu decoded (%zu spans kept, %zu rejected), %zu malformed\n",
              tally.ok, tally.spans, tally.rejected, tally.failed);
  EXPECT_GT(tally.ok, 10000u);
  EXPECT_GT(tally.failed, 5000u);
  EXPECT_GT(tally.spans, 10000u);
  EXPECT_GT(tally.rejected, 1000u);
}

TEST(OtlpProtoDifferentialTest, NestingAroundTheLimit) {
  WireMaker maker(7);
  Tally tally;
  for (int levels = 40; levels <= 52; ++levels) {
    for (bool group : {false, true}) {
      ASSERT_TRUE(SameResult(maker.DeepRequest(levels, group), &tally))
          << levels << " levels, group " << group;
    }
  }
  // 5 + 2 * 47 + 1 = 100 levels decode; 5 + 2 * 48 = 101 do not.
  EXPECT_TRUE(DecodeOtlpProtobuf(maker.DeepRequest(47, true)).ok());
  EXPECT_FALSE(DecodeOtlpProtobuf(maker.DeepRequest(48, false)).ok());
  EXPECT_GT(tally.ok, 0u);
  EXPECT_GT(tally.failed, 0u);
}

TEST(OtlpProtoDifferentialTest, MutationsOfEverything) {
  std::vector<std::string> inputs = CorpusBodies();
  for (std::string& body : FixtureBodies()) inputs.push_back(std::move(body));
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    inputs.push_back(EncodeOtlpProtobuf(SpanMaker(seed).Batch()));
    inputs.push_back(WireMaker(seed).Request());
  }
  std::mt19937_64 rng(20261125);
  Tally tally;
  for (int round = 0; round < 100000; ++round) {
    const std::string& base = inputs[rng() % inputs.size()];
    const std::string mutated = Mutate(base, inputs, &rng);
    ASSERT_TRUE(SameResult(mutated, &tally)) << "round " << round;
  }
  std::printf("mutations: %zu decoded (%zu spans kept, %zu rejected), %zu malformed\n", tally.ok,
              tally.spans, tally.rejected, tally.failed);
  EXPECT_GT(tally.ok, 1000u);
  EXPECT_GT(tally.failed, 1000u);
}

TEST(OtlpProtoDifferentialTest, BodyOverTheLimitIsResourceExhaustedInBoth) {
  // Never read: the size check comes before any read.
  static const char kByte = 0;
  const std::string_view huge(&kByte, size_t{1} << 31);
  const auto got = DecodeOtlpProtobuf(huge);
  const auto want = ReferenceDecodeOtlpProtobuf(huge);
  EXPECT_EQ(DiffDecodeResults(got, want), "");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace hoptrace
