#include "normalize/values.h"

#include <gtest/gtest.h>

namespace hoptrace {
namespace {

TEST(ParseCountTest, AcceptsEveryEncodingEmittersUse) {
  EXPECT_EQ(ParseCount(AnyValue::Int(1200)), 1200);
  EXPECT_EQ(ParseCount(AnyValue::Double(85.0)), 85);
  EXPECT_EQ(ParseCount(AnyValue::String("1200")), 1200);  // Zipkin tags, OTLP int64 strings
  EXPECT_EQ(ParseCount(AnyValue::String(" 85 ")), 85);
  EXPECT_EQ(ParseCount(AnyValue::String("12.0")), 12);
  EXPECT_EQ(ParseCount(AnyValue::String("0")), 0);
}

TEST(ParseCountTest, RejectsWhatIsNotACount) {
  EXPECT_FALSE(ParseCount(AnyValue::Int(-1)));
  EXPECT_FALSE(ParseCount(AnyValue::Double(1.5)));
  EXPECT_FALSE(ParseCount(AnyValue::Double(1e30)));
  EXPECT_FALSE(ParseCount(AnyValue::String("")));
  EXPECT_FALSE(ParseCount(AnyValue::String("abc")));
  EXPECT_FALSE(ParseCount(AnyValue::String("12abc")));
  EXPECT_FALSE(ParseCount(AnyValue::String("-5")));
  EXPECT_FALSE(ParseCount(AnyValue::String("99999999999999999999999")));
  EXPECT_FALSE(ParseCount(AnyValue::String("nan")));
  EXPECT_FALSE(ParseCount(AnyValue::Bool(true)));
  EXPECT_FALSE(ParseCount(AnyValue()));
}

TEST(ParseAmountTest, NumbersAndDecimalStrings) {
  EXPECT_DOUBLE_EQ(*ParseAmount(AnyValue::Double(0.0042)), 0.0042);
  EXPECT_DOUBLE_EQ(*ParseAmount(AnyValue::Int(2)), 2.0);
  EXPECT_DOUBLE_EQ(*ParseAmount(AnyValue::String("0.5")), 0.5);
  EXPECT_FALSE(ParseAmount(AnyValue::Double(-1)));
  EXPECT_FALSE(ParseAmount(AnyValue::String("free")));
  EXPECT_FALSE(ParseAmount(AnyValue::String("inf")));
}

TEST(ScalarTextTest, ScalarsOnly) {
  EXPECT_EQ(ScalarText(AnyValue::String("openai")), "openai");
  EXPECT_EQ(ScalarText(AnyValue::Int(42)), "42");
  EXPECT_EQ(ScalarText(AnyValue::Bool(true)), "true");
  EXPECT_EQ(ScalarText(AnyValue::Array({AnyValue::String("x")})), "");
  EXPECT_EQ(ScalarText(AnyValue()), "");
}

TEST(JsonToAnyValueTest, ConvertsEveryJsonType) {
  auto v =
      JsonToAnyValue(R"({"s":"x","i":-3,"d":1.5,"b":false,"n":null,"a":[1,"two"],"o":{"k":1}})");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->type, AnyValue::Type::kKvList);
  ASSERT_EQ(v->kvlist_value.size(), 7u);
  EXPECT_EQ(v->kvlist_value[0].value, AnyValue::String("x"));
  EXPECT_EQ(v->kvlist_value[1].value, AnyValue::Int(-3));
  EXPECT_EQ(v->kvlist_value[2].value, AnyValue::Double(1.5));
  EXPECT_EQ(v->kvlist_value[3].value, AnyValue::Bool(false));
  EXPECT_EQ(v->kvlist_value[4].value.type, AnyValue::Type::kEmpty);
  EXPECT_EQ(v->kvlist_value[5].value.array_value.size(), 2u);
  EXPECT_EQ(v->kvlist_value[6].value.kvlist_value[0].key, "k");
}

TEST(JsonToAnyValueTest, InvalidJsonIsNullopt) {
  EXPECT_FALSE(JsonToAnyValue("{"));
  EXPECT_FALSE(JsonToAnyValue("not json"));
  EXPECT_FALSE(JsonToAnyValue(""));
  EXPECT_FALSE(JsonToAnyValue(std::string(5000, '[')));
}

constexpr std::string_view kPrefix = "openai_agents.span_data";

TEST(LookupPathTest, Flattened) {
  Attributes attrs = {{"openai_agents.span_data.type", AnyValue::String("generation")},
                      {"openai_agents.span_data.output.0.usage.prompt_tokens", AnyValue::Int(57)}};
  EXPECT_EQ(LookupPath(attrs, kPrefix, "type"), AnyValue::String("generation"));
  EXPECT_EQ(LookupPath(attrs, kPrefix, "output.0.usage.prompt_tokens"), AnyValue::Int(57));
  EXPECT_FALSE(LookupPath(attrs, kPrefix, "output.1.usage.prompt_tokens"));
  EXPECT_FALSE(LookupPath(attrs, kPrefix, "model"));
}

TEST(LookupPathTest, NestedKvlistAndArrays) {
  AnyValue usage = AnyValue::KvList({{"prompt_tokens", AnyValue::Int(57)}});
  AnyValue output = AnyValue::Array({AnyValue::KvList({{"usage", usage}})});
  Attributes attrs = {
      {std::string(kPrefix),
       AnyValue::KvList({{"type", AnyValue::String("generation")}, {"output", output}})}};
  EXPECT_EQ(LookupPath(attrs, kPrefix, "type"), AnyValue::String("generation"));
  EXPECT_EQ(LookupPath(attrs, kPrefix, "output.0.usage.prompt_tokens"), AnyValue::Int(57));
  EXPECT_FALSE(LookupPath(attrs, kPrefix, "output.x.usage"));
  EXPECT_EQ(LookupPath(attrs, kPrefix, "")->type, AnyValue::Type::kKvList);
}

TEST(LookupPathTest, JsonStringsAtAnyLevel) {
  Attributes whole = {
      {std::string(kPrefix),
       AnyValue::String(R"({"type":"generation","output":[{"usage":{"prompt_tokens":57}}]})")}};
  EXPECT_EQ(LookupPath(whole, kPrefix, "output.0.usage.prompt_tokens"), AnyValue::Int(57));
  Attributes mixed = {
      {"openai_agents.span_data.type", AnyValue::String("generation")},
      {"openai_agents.span_data.output", AnyValue::String(R"([{"usage":{"prompt_tokens":57}}])")}};
  EXPECT_EQ(LookupPath(mixed, kPrefix, "output.0.usage.prompt_tokens"), AnyValue::Int(57));
  // A string value at the end of the path is returned as it is, not parsed.
  Attributes text = {{"openai_agents.span_data.output", AnyValue::String("[not json")}};
  EXPECT_EQ(LookupPath(text, kPrefix, "output"), AnyValue::String("[not json"));
  EXPECT_FALSE(LookupPath(text, kPrefix, "output.0"));
}

TEST(LookupPathTest, LongestKeyWins) {
  Attributes attrs = {
      {std::string(kPrefix), AnyValue::KvList({{"type", AnyValue::String("nested")}})},
      {"openai_agents.span_data.type", AnyValue::String("flat")}};
  EXPECT_EQ(LookupPath(attrs, kPrefix, "type"), AnyValue::String("flat"));
}

}  // namespace
}  // namespace hoptrace
