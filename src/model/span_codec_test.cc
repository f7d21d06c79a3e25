#include "model/span_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hoptrace {
namespace {

using V = AnyValue;
constexpr size_t kThreshold = 64;

struct HashLess {
  bool operator()(const Hash128& a, const Hash128& b) const {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
};
using BlobMap = std::map<Hash128, std::string, HashLess>;

std::string Big(char c, size_t n, std::string_view tag) {
  std::string s(n, c);
  s.replace(0, tag.size(), tag);
  return s;
}

// A span that sets every field; the large values sit deep inside arrays of kvlists of arrays,
// in events and in links.
Span FullSpan() {
  Span s;
  for (int i = 0; i < 16; ++i) s.trace_id[i] = static_cast<uint8_t>(0xa0 + i);
  for (int i = 0; i < 8; ++i) s.span_id[i] = static_cast<uint8_t>(0x10 + i);
  s.parent_span_id = {0, 0, 0, 0, 0, 0, 0, 1};
  s.trace_state = "rojo=00f067aa0ba902b7";
  s.flags = 0x301;
  s.name = "chat gpt-4o";
  s.kind = SpanKind::kConsumer;
  s.start_unix_nano = std::numeric_limits<uint64_t>::max() - 10;
  s.end_unix_nano = std::numeric_limits<uint64_t>::max();
  s.status_code = StatusCodeValue::kError;
  s.status_message = std::string("bad\0news", 8);
  const std::string nul_bytes("\0\x01\xff\0", 4);
  s.attributes = {
      {"s", V::String("plain")},
      {"", V::String("")},
      {"b", V::Bool(true)},
      {"f", V::Bool(false)},
      {"imin", V::Int(std::numeric_limits<int64_t>::min())},
      {"imax", V::Int(std::numeric_limits<int64_t>::max())},
      {"nan", V::Double(std::numeric_limits<double>::quiet_NaN())},
      {"negzero", V::Double(-0.0)},
      {"inf", V::Double(std::numeric_limits<double>::infinity())},
      {"bytes", V::Bytes(nul_bytes)},
      {"empty", V{}},
      {"nest", V::Array({V::KvList({{"inner",
                                     V::Array({V::Int(-1), V::Bytes(Big('\0', 200, "nested-large")),
                                               V::Array({}), V{}})},
                                    {"kv", V::KvList({})}}),
                         V::String(Big('x', kThreshold, "exactly-threshold")),
                         V::String(Big('y', kThreshold - 1, "just-below"))})},
      {"dup", V::Int(1)},
      {"dup", V::Int(2)},
  };
  s.dropped_attributes_count = 7;
  SpanEvent e;
  e.time_unix_nano = 123;
  e.name = "prompt";
  e.attributes = {{"gen_ai.prompt", V::String(Big('p', 5000, "event-large"))}};
  e.dropped_attributes_count = 2;
  s.events = {e, SpanEvent{}};
  s.dropped_events_count = 3;
  SpanLink l;
  l.trace_id = s.trace_id;
  l.span_id = {9, 9, 9, 9, 9, 9, 9, 9};
  l.trace_state = "k=v";
  l.attributes = {{"link.big", V::Bytes(Big('l', 100, "link-large"))}};
  l.dropped_attributes_count = 4;
  l.flags = 0xffffffffu;
  s.links = {l};
  s.dropped_links_count = 0xffffffffu;
  s.resource.attributes = {{"service.name", V::String("svc")}, {"r", V::Array({V::Double(-0.0)})}};
  s.resource.dropped_attributes_count = 1;
  s.resource.schema_url = "https://opentelemetry.io/schemas/1.26.0";
  s.scope.name = "scope";
  s.scope.version = "1.0";
  s.scope.attributes = {{"x", V::KvList({{"y", V::Bool(false)}})}};
  s.scope.dropped_attributes_count = 2;
  s.scope.schema_url = "https://example.com";
  s.derived = {"svc",    "planner",
               "llm",    "gpt-4o",
               "openai", "search",
               "conv-1", std::numeric_limits<int64_t>::min(),
               -5,       std::numeric_limits<int64_t>::max(),
               -0.0,     false};
  return s;
}

// Bit-exact comparison: the inline encodings of both spans must be identical (doubles compare
// by bits, so NaN and -0.0 are checked), and operator== must agree.
void ExpectSameSpan(const Span& got, const Span& want) {
  std::string a, b;
  EncodeSpan(got, &a, nullptr);
  EncodeSpan(want, &b, nullptr);
  EXPECT_TRUE(a == b) << "re-encodings differ";
  EXPECT_TRUE(got == want);
}

LargeValueSink CollectingSink(BlobMap* blobs, int* calls) {
  LargeValueSink sink;
  sink.threshold = kThreshold;
  sink.store = [blobs, calls](const Hash128& h, std::string_view v) {
    EXPECT_EQ(h, ContentHash(v));
    (*blobs)[h] = std::string(v);
    ++*calls;
  };
  return sink;
}

LargeValueSource MapSource(const BlobMap* blobs) {
  return [blobs](const Hash128& h, uint64_t size, std::string* out) -> Status {
    auto it = blobs->find(h);
    if (it == blobs->end()) return DataLossError("missing blob " + h.ToHex());
    if (it->second.size() != size) return DataLossError("blob size mismatch");
    *out = it->second;
    return Status::Ok();
  };
}

TEST(SpanCodecTest, InlineRoundTripIsLossless) {
  const Span want = FullSpan();
  std::string enc;
  EncodeSpan(want, &enc, nullptr);
  Span got;
  Status s = DecodeSpan(enc, &got, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSameSpan(got, want);
  const AnyValue* nan = FindAttribute(got.attributes, "nan");
  ASSERT_NE(nan, nullptr);
  EXPECT_TRUE(std::isnan(nan->double_value));
  const AnyValue* nz = FindAttribute(got.attributes, "negzero");
  ASSERT_NE(nz, nullptr);
  EXPECT_TRUE(std::signbit(nz->double_value));
  EXPECT_EQ(FindAttribute(got.attributes, "imin")->int_value, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(FindAttribute(got.attributes, "bytes")->string_value, std::string("\0\x01\xff\0", 4));
  EXPECT_EQ(FindAttribute(got.attributes, "bytes")->type, AnyValue::Type::kBytes);
  EXPECT_TRUE(std::signbit(got.derived.cost_usd));
  EXPECT_FALSE(got.derived.usage_counted);
  EXPECT_EQ(got.status_message, std::string("bad\0news", 8));
}

TEST(SpanCodecTest, DefaultSpanRoundTrips) {
  std::string enc;
  EncodeSpan(Span{}, &enc, nullptr);
  Span got;
  got.name = "stale";
  ASSERT_TRUE(DecodeSpan(enc, &got, nullptr).ok());
  ExpectSameSpan(got, Span{});
}

TEST(SpanCodecTest, LargeValuesGoThroughSinkAndComeBackThroughSource) {
  const Span want = FullSpan();
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  std::string enc;
  EncodeSpan(want, &enc, &sink);
  // nested-large, exactly-threshold, event-large, link-large; "just-below" stays inline.
  EXPECT_EQ(calls, 4);
  ASSERT_EQ(blobs.size(), 4u);
  std::string inline_enc;
  EncodeSpan(want, &inline_enc, nullptr);
  EXPECT_LT(enc.size() + 5000, inline_enc.size());
  EXPECT_EQ(enc.find("event-large"), std::string::npos) << "large value was inlined";
  EXPECT_NE(enc.find("just-below"), std::string::npos);

  LargeValueSource source = MapSource(&blobs);
  Span got;
  Status s = DecodeSpan(enc, &got, &source);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSameSpan(got, want);
}

TEST(SpanCodecTest, SameLargeValueTwiceHasOneHash) {
  Span s;
  const std::string big = Big('z', 1000, "shared");
  s.attributes = {{"a", V::String(big)}, {"b", V::String(big)}, {"c", V::Bytes(big)}};
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  std::string enc;
  EncodeSpanBody(s, &enc, &sink);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(blobs.size(), 1u);
  LargeValueSource source = MapSource(&blobs);
  Span got;
  ASSERT_TRUE(DecodeSpanBody(enc, &got, &source).ok());
  EXPECT_EQ(got.attributes[2].value.type, AnyValue::Type::kBytes) << "string/bytes type kept";
  EXPECT_EQ(got.attributes, s.attributes);
}

TEST(SpanCodecTest, ReferenceWithoutSourceIsDataLoss) {
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  std::string enc;
  EncodeSpan(FullSpan(), &enc, &sink);
  Span got;
  Status s = DecodeSpan(enc, &got, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("no blob source"), std::string::npos) << s.message();
  LargeValueSource empty;
  EXPECT_EQ(DecodeSpan(enc, &got, &empty).code(), StatusCode::kDataLoss);
}

TEST(SpanCodecTest, SourceErrorIsPropagated) {
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  std::string enc;
  EncodeSpan(FullSpan(), &enc, &sink);
  LargeValueSource failing = [](const Hash128&, uint64_t, std::string*) {
    return UnavailableError("blob file unreadable");
  };
  Span got;
  Status s = DecodeSpan(enc, &got, &failing);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "blob file unreadable");
}

TEST(SpanCodecTest, ResourceAndScopeRoundTripAlone) {
  const Span want = FullSpan();
  std::string r, sc;
  EncodeResource(want.resource, &r);
  EncodeScope(want.scope, &sc);
  Resource got_r;
  Scope got_s;
  ASSERT_TRUE(DecodeResource(r, &got_r).ok());
  ASSERT_TRUE(DecodeScope(sc, &got_s).ok());
  EXPECT_EQ(got_r, want.resource);
  EXPECT_EQ(got_s, want.scope);
  r.push_back('\0');
  EXPECT_EQ(DecodeResource(r, &got_r).code(), StatusCode::kDataLoss) << "trailing byte accepted";
}

TEST(SpanCodecTest, UnknownVersionIsDataLoss) {
  std::string body;
  EncodeSpanBody(FullSpan(), &body, nullptr);
  body[0] = static_cast<char>(kSpanCodecVersion + 1);
  Span got;
  Status s = DecodeSpanBody(body, &got, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("version"), std::string::npos) << s.message();
}

TEST(SpanCodecTest, DeepNestingIsRejectedNotOverflowed) {
  // A hand-made body whose attribute is 100000 nested one-element arrays.
  Span shell;
  std::string body;
  EncodeSpanBody(shell, &body, nullptr);
  // Attributes start after: version(1) ids(32) flags(1) trace_state(1) name(1) kind(1)
  // start/end(16) status(1) message(1) = 55 bytes; the empty span encodes "0" attributes there.
  const size_t attrs_at = 55;
  ASSERT_EQ(body[attrs_at], '\0');
  std::string deep = "\x01\x01k";                       // 1 attribute, key "k"
  for (int i = 0; i < 100000; ++i) deep += "\x06\x01";  // array of 1
  deep.push_back('\0');
  std::string evil = body.substr(0, attrs_at) + deep + body.substr(attrs_at + 1);
  Span got;
  Status s = DecodeSpanBody(evil, &got, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("deep"), std::string::npos) << s.message();
}

TEST(SpanCodecTest, HugeCountsAreRejectedWithoutAllocating) {
  Span shell;
  std::string body;
  EncodeSpanBody(shell, &body, nullptr);
  std::string evil = body.substr(0, 55);
  ASSERT_EQ(body[55], '\0');
  evil += std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9);  // 2^63-1 attributes
  evil += body.substr(56);
  Span got;
  EXPECT_EQ(DecodeSpanBody(evil, &got, nullptr).code(), StatusCode::kDataLoss);
}

// Every proper prefix of a valid encoding must decode to DataLoss (never crash or succeed).
TEST(SpanCodecTest, EveryTruncationIsDataLoss) {
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  const LargeValueSink* sinks[] = {nullptr, &sink};
  for (const LargeValueSink* sk : sinks) {
    std::string enc;
    EncodeSpan(FullSpan(), &enc, sk);
    LargeValueSource source = MapSource(&blobs);
    for (size_t cut = 0; cut < enc.size(); ++cut) {
      Span got;
      Status s = DecodeSpan(std::string_view(enc).substr(0, cut), &got, &source);
      ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "prefix of " << cut << " of " << enc.size();
    }
    std::string body;
    EncodeSpanBody(FullSpan(), &body, sk);
    for (size_t cut = 0; cut < body.size(); ++cut) {
      Span got;
      Status s = DecodeSpanBody(std::string_view(body).substr(0, cut), &got, &source);
      ASSERT_EQ(s.code(), StatusCode::kDataLoss)
          << "body prefix of " << cut << " of " << body.size();
    }
  }
}

// Random byte flips may decode (a flipped string byte is still a string) but must never crash,
// and must fail with DataLoss when they fail.
TEST(SpanCodecTest, RandomByteFlipsNeverCrash) {
  BlobMap blobs;
  int calls = 0;
  LargeValueSink sink = CollectingSink(&blobs, &calls);
  std::string enc;
  EncodeSpan(FullSpan(), &enc, &sink);
  // The source must not trust the (possibly flipped) size.
  LargeValueSource source = [&](const Hash128& h, uint64_t size, std::string* out) -> Status {
    auto it = blobs.find(h);
    if (it == blobs.end() || it->second.size() != size) return DataLossError("no such blob");
    *out = it->second;
    return Status::Ok();
  };
  std::mt19937 rng(20261124);
  int ok = 0, failed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string bad = enc;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      size_t at = rng() % bad.size();
      bad[at] = static_cast<char>(bad[at] ^ (1u << (rng() % 8)));
    }
    Span got;
    Status s = DecodeSpan(bad, &got, &source);
    if (s.ok()) {
      ++ok;
    } else {
      ++failed;
      ASSERT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(ok, 0);
}

TEST(SpanCodecTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(42);
  LargeValueSource none = [](const Hash128&, uint64_t, std::string*) {
    return DataLossError("none");
  };
  for (int i = 0; i < 3000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = static_cast<char>(kSpanCodecVersion);
    Span got;
    Status s = DecodeSpanBody(junk, &got, &none);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    }
    Resource r;
    Status rs = DecodeResource(junk, &r);
    if (!rs.ok()) {
      ASSERT_EQ(rs.code(), StatusCode::kDataLoss) << rs.ToString();
    }
  }
}

}  // namespace
}  // namespace hoptrace
