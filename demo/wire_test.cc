#include "wire.h"

#include <gtest/gtest.h>

namespace hoptrace::demo {
namespace {

TEST(WireTest, FieldsRoundTrip) {
  const Fields fields = {
      {"task", "Add rate limiting: 4 × \"tiers\" & more"}, {"empty", ""}, {"traces", "ab,cd"}};
  EXPECT_EQ(DecodeFields(EncodeFields(fields)), fields);
  EXPECT_EQ(EncodeFields({{"a b", "c&d=e"}}), "a%20b=c%26d%3De");
}

TEST(WireTest, DecodesFormBodies) {
  EXPECT_EQ(DecodeFields("a=1&b=x+y&&c&d=%zz"),
            (Fields{{"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", "%zz"}}));
  EXPECT_EQ(Field({{"a", "1"}}, "b", "none"), "none");
}

TEST(WireTest, ExtractsFromRequestHeaders) {
  httplib::Headers headers = {
      {"TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"baggage", "task.id=task-1"}};
  const Context context = Extract(RequestHeadersCarrier(headers));
  EXPECT_EQ(context.span_context().trace_id().ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(context.span_context().IsRemote());
  EXPECT_EQ(context.baggage().Get("task.id"), "task-1");
}

TEST(WireTest, JsonStringEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("line 1\nline 2\t\r"), "\"line 1\\nline 2\\t\\r\"");
  EXPECT_EQ(JsonString(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // UTF-8 passes through
}

}  // namespace
}  // namespace hoptrace::demo
