#include <gtest/gtest.h>

#include <cstdlib>

#include "hoptrace/hoptrace.h"

namespace hoptrace {
namespace {

std::string Key(int i) {
  std::string k = "k";
  k.append(std::to_string(i));
  return k;
}

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpan = "00f067aa0ba902b7";

std::string Tp(std::string_view version, std::string_view trace, std::string_view span,
               std::string_view flags) {
  return std::string(version) + "-" + std::string(trace) + "-" + std::string(span) + "-" +
         std::string(flags);
}

TEST(TraceparentTest, ValidHeaders) {
  auto sc = ParseTraceparent(Tp("00", kTrace, kSpan, "01"));
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->trace_id().ToHex(), kTrace);
  EXPECT_EQ(sc->span_id().ToHex(), kSpan);
  EXPECT_TRUE(sc->IsSampled());
  EXPECT_TRUE(sc->IsRemote());
  EXPECT_FALSE(ParseTraceparent(Tp("00", kTrace, kSpan, "00"))->IsSampled());
  // Surrounding whitespace (OWS) is allowed.
  EXPECT_TRUE(
      ParseTraceparent(std::string(" ").append(Tp("00", kTrace, kSpan, "01")).append("\t")));
  // Reserved flag bits are ignored, the sampled bit is tested with a mask.
  auto odd = ParseTraceparent(Tp("00", kTrace, kSpan, "09"));
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->IsSampled());
  EXPECT_EQ(odd->flags(), 0x01);
  EXPECT_EQ(ParseTraceparent(Tp("00", kTrace, kSpan, "03"))->flags(), 0x03);  // random flag kept
}

TEST(TraceparentTest, FutureVersionsAreParsedLeniently) {
  EXPECT_TRUE(ParseTraceparent(Tp("cc", kTrace, kSpan, "01")));
  EXPECT_TRUE(ParseTraceparent(Tp("01", kTrace, kSpan, "01") + "-what-the-future-will-be-like"));
  auto sc = ParseTraceparent(Tp("fe", kTrace, kSpan, "01") + "-x");
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->trace_id().ToHex(), kTrace);
  // ... but the 00 fields must still be followed by end or '-'.
  EXPECT_FALSE(ParseTraceparent(Tp("cc", kTrace, kSpan, "01") + "x"));
  EXPECT_FALSE(ParseTraceparent(Tp("cc", kTrace, kSpan, "0")));
}

TEST(TraceparentTest, InvalidHeadersAreRejected) {
  const std::vector<std::string> bad = {
      "",
      Tp("ff", kTrace, kSpan, "01"),             // version ff
      Tp("00", kTrace, kSpan, "01") + "-extra",  // 00 has exactly 4 fields
      Tp("00", kTrace, kSpan, "01") + " x",
      Tp("0", kTrace, kSpan, "01"),                                    // short version
      Tp("0g", kTrace, kSpan, "01"),                                   // bad hex version
      Tp("0A", kTrace, kSpan, "01"),                                   // uppercase version
      Tp("00", "00000000000000000000000000000000", kSpan, "01"),       // zero trace id
      Tp("00", kTrace, "0000000000000000", "01"),                      // zero parent id
      Tp("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kSpan, "01"),       // uppercase trace id
      Tp("00", kTrace, "00F067AA0BA902B7", "01"),                      // uppercase span id
      Tp("00", "4bf92f3577b34da6a3ce929d0e0e473", kSpan, "01"),        // 31 digits
      Tp("00", "4bf92f3577b34da6a3ce929d0e0e47366", kSpan, "01"),      // 33 digits
      Tp("00", kTrace, "00f067aa0ba902b", "01"),                       // 15 digits
      Tp("00", "4bf92f3577b34da6a3ce929d0e0e473g", kSpan, "01"),       // non-hex
      Tp("00", kTrace, kSpan, "0g"),                                   // bad flags
      Tp("00", kTrace, kSpan, "1"),                                    // short flags
      Tp("00", kTrace, kSpan, "0A"),                                   // uppercase flags
      "00_" + std::string(kTrace) + "-" + std::string(kSpan) + "-01",  // wrong separator
      "00-" + std::string(kTrace) + std::string(kSpan) + "--01",
      "garbage",
  };
  for (const std::string& h : bad) EXPECT_FALSE(ParseTraceparent(h)) << "accepted: " << h;
}

TEST(TraceparentTest, FormatRoundTrips) {
  auto sc = ParseTraceparent(Tp("00", kTrace, kSpan, "01"));
  EXPECT_EQ(FormatTraceparent(*sc), Tp("00", kTrace, kSpan, "01"));
  EXPECT_EQ(FormatTraceparent(SpanContext()), "");
  // A future version is re-emitted as 00.
  EXPECT_EQ(FormatTraceparent(*ParseTraceparent(Tp("cc", kTrace, kSpan, "00") + "-x")),
            Tp("00", kTrace, kSpan, "00"));
}

TEST(TraceStateTest, ParseAndLimits) {
  auto ts = TraceState::Parse("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE,,\t");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->members().size(), 2u);
  EXPECT_EQ(*ts->Get("congo"), "t61rcWkgMzE");
  EXPECT_EQ(ts->ToHeader(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_TRUE(TraceState::Parse("tenant@system=v, a/b*c_d-e=1, 0digit=x"));
  EXPECT_TRUE(TraceState::Parse(""));
  // 32 members are fine, 33 are not.
  std::string header;
  for (int i = 0; i < 32; ++i) header += std::string(i ? "," : "").append(Key(i)).append("=v");
  EXPECT_TRUE(TraceState::Parse(header));
  EXPECT_FALSE(TraceState::Parse(header + ",k32=v"));
  // Grammar violations.
  for (std::string_view bad :
       {"Upper=1", "k=", "=v", "k", "k=v=w", "k=a,b", "k=1,k=2", "_k=1", "k=\x7f"}) {
    EXPECT_FALSE(TraceState::Parse(bad)) << bad;
  }
  EXPECT_FALSE(TraceState::IsValidValue("trailing "));  // (in a header, OWS is trimmed first)
  EXPECT_FALSE(TraceState::Parse(std::string(257, 'k') + "=1"));
  EXPECT_TRUE(TraceState::Parse(std::string(256, 'k') + "=1"));
  EXPECT_FALSE(TraceState::Parse("k=" + std::string(257, 'v')));
}

TEST(TraceStateTest, SetMovesToFrontAndDropsFromTheRight) {
  TraceState ts = *TraceState::Parse("a=1,b=2");
  ts = ts.Set("b", "3");
  EXPECT_EQ(ts.ToHeader(), "b=3,a=1");
  EXPECT_EQ(ts.Set("Bad", "x").ToHeader(), "b=3,a=1");
  EXPECT_EQ(ts.Delete("b").ToHeader(), "a=1");
  TraceState full;
  for (int i = 0; i < 32; ++i) full = full.Set(Key(i), "v");
  EXPECT_EQ(full.members().size(), 32u);
  full = full.Set("new", "v");
  EXPECT_EQ(full.members().size(), 32u);
  EXPECT_EQ(full.members().front().first, "new");
  EXPECT_FALSE(full.Get("k0"));  // the oldest (rightmost) went
}

TEST(BaggageTest, ParseDecodesAndKeepsProperties) {
  Baggage b = Baggage::Parse("userId=alice, serverNode = DF%2028 ;prop1;p2=x,isProduction=false");
  ASSERT_EQ(b.entries().size(), 3u);
  EXPECT_EQ(*b.Get("userId"), "alice");
  EXPECT_EQ(*b.Get("serverNode"), "DF 28");
  EXPECT_EQ(b.entries()[1].properties, "prop1;p2=x");
  EXPECT_EQ(*b.Get("isProduction"), "false");
  EXPECT_FALSE(b.Get("missing"));
}

TEST(BaggageTest, InvalidMembersAreSkipped) {
  Baggage b =
      Baggage::Parse("good=1,no-equals,bad key=2,q=\"quoted\",=v,back=sl\\ash,ok=%E2%9C%93");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(*b.Get("good"), "1");
  EXPECT_EQ(*b.Get("ok"), "\xE2\x9C\x93");
}

TEST(BaggageTest, HeaderPercentEncodes) {
  Baggage b = Baggage().Set("k", "a b,c;d%e\xE2\x9C\x93").Set("p", "v", "prop");
  EXPECT_EQ(b.ToHeader(), "k=a%20b%2Cc%3Bd%25e%E2%9C%93,p=v;prop");
  Baggage round = Baggage::Parse(b.ToHeader());
  EXPECT_EQ(round, b);
  EXPECT_EQ(Baggage().Set("bad key", "x").entries().size(), 0u);
  EXPECT_EQ(b.Remove("k").ToHeader(), "p=v;prop");
}

TEST(BaggageTest, LimitsDropWholeMembers) {
  std::string header;
  for (int i = 0; i < 200; ++i) header += std::string(i ? "," : "").append(Key(i)).append("=v");
  Baggage many = Baggage::Parse(header);
  EXPECT_EQ(many.entries().size(), Baggage::kMaxEntries);
  EXPECT_EQ(*many.Get("k179"), "v");
  EXPECT_FALSE(many.Get("k180"));

  std::string big_value(3000, 'x');
  Baggage big = Baggage::Parse("a=" + big_value + ",b=" + big_value + ",c=" + big_value + ",d=1");
  EXPECT_EQ(big.entries().size(), 3u);  // c would pass 8192 bytes; d still fits
  EXPECT_FALSE(big.Get("c"));
  EXPECT_TRUE(big.Get("d"));
  EXPECT_LE(big.ToHeader().size(), Baggage::kMaxBytes);
}

TEST(PropagationTest, InjectExtractOverHeaderMaps) {
  auto sc = *ParseTraceparent(Tp("00", kTrace, kSpan, "01"), "vendor=abc");
  Context ctx(sc, Baggage().Set("tenant", "acme"));
  std::map<std::string, std::string> headers;
  MapCarrier carrier(headers);
  Inject(ctx, carrier);
  EXPECT_EQ(headers["traceparent"], Tp("00", kTrace, kSpan, "01"));
  EXPECT_EQ(headers["tracestate"], "vendor=abc");
  EXPECT_EQ(headers["baggage"], "tenant=acme");

  // Header names are case-insensitive on the way in.
  std::unordered_map<std::string, std::string> incoming = {{"TraceParent", headers["traceparent"]},
                                                           {"TRACESTATE", headers["tracestate"]},
                                                           {"Baggage", headers["baggage"]}};
  Context out = Extract(ConstUnorderedMapCarrier(incoming));
  EXPECT_EQ(out.span_context().trace_id().ToHex(), kTrace);
  EXPECT_TRUE(out.span_context().IsRemote());
  EXPECT_EQ(out.span_context().trace_state().ToHeader(), "vendor=abc");
  EXPECT_EQ(*out.baggage().Get("tenant"), "acme");

  // Set replaces a differently-cased key.
  std::map<std::string, std::string> mixed = {{"TraceParent", "old"}};
  MapCarrier mc(mixed);
  mc.Set("traceparent", "new");
  EXPECT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mc.Get("TRACEPARENT"), "new");
}

TEST(PropagationTest, InvalidTraceparentDropsTracestateAndKeepsBase) {
  std::map<std::string, std::string> headers = {
      {"traceparent", Tp("ff", kTrace, kSpan, "01")}, {"tracestate", "a=1"}, {"baggage", "k=v"}};
  Context out = Extract(ConstMapCarrier(headers));
  EXPECT_FALSE(out.span_context().IsValid());
  EXPECT_TRUE(out.span_context().trace_state().empty());
  EXPECT_EQ(*out.baggage().Get("k"), "v");  // baggage is independent
  // An invalid tracestate alone is dropped; the traceparent survives.
  headers = {{"traceparent", Tp("00", kTrace, kSpan, "01")}, {"tracestate", "BAD=1"}};
  out = Extract(ConstMapCarrier(headers));
  EXPECT_TRUE(out.span_context().IsValid());
  EXPECT_TRUE(out.span_context().trace_state().empty());
  // Nothing to inject from an invalid context.
  std::map<std::string, std::string> none;
  MapCarrier nc(none);
  Inject(Context(), nc);
  EXPECT_TRUE(none.empty());
}

TEST(PropagationTest, EnvironmentCarrierForChildProcesses) {
  EXPECT_EQ(EnvironmentCarrier::VariableName("traceparent"), "TRACEPARENT");
  EXPECT_EQ(EnvironmentCarrier::VariableName("x-b3.id"), "X_B3_ID");
  auto sc = *ParseTraceparent(Tp("00", kTrace, kSpan, "01"));
  std::map<std::string, std::string> child_env;
  EnvironmentCarrier to_child(child_env);
  Inject(Context(sc, Baggage().Set("k", "v")), to_child);
  EXPECT_EQ(child_env["TRACEPARENT"], Tp("00", kTrace, kSpan, "01"));
  EXPECT_EQ(child_env["BAGGAGE"], "k=v");
  EXPECT_EQ(child_env.count("TRACESTATE"), 0u);

  // The child's side: its own environment.
  ::setenv("TRACEPARENT", Tp("00", kTrace, kSpan, "01").c_str(), 1);
  ::setenv("BAGGAGE", "k=v", 1);
  Context in = Extract(EnvironmentCarrier());
  EXPECT_EQ(in.span_context().span_id().ToHex(), kSpan);
  EXPECT_EQ(*in.baggage().Get("k"), "v");
  ::unsetenv("TRACEPARENT");
  ::unsetenv("BAGGAGE");
  EXPECT_FALSE(Extract(EnvironmentCarrier()).span_context().IsValid());
}

}  // namespace
}  // namespace hoptrace
