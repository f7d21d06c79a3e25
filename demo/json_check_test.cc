#include "json_check.h"

#include <gtest/gtest.h>

namespace hoptrace::demo {
namespace {

TEST(JsonCheckTest, AcceptsValidJson) {
  for (const char* ok :
       {R"({})", R"([])", R"( {"a": [1, -2.5e3, true, false, null, "x\"\u00e9"]} )", "0",
        R"("s")"}) {
    EXPECT_EQ(CheckJson(ok), std::nullopt) << ok;
  }
}

TEST(JsonCheckTest, ReportsWhereItBreaks) {
  EXPECT_EQ(CheckJson("{\n  \"a\": 1,\n}"), "line 3, column 1: expected a string key");
  EXPECT_EQ(CheckJson("[1 2]"), "line 1, column 4: expected ',' or ']' after an array element");
  EXPECT_EQ(CheckJson("{\"a\" 1}"), "line 1, column 6: expected ':' after the key");
  EXPECT_EQ(CheckJson("\"open"), "line 1, column 6: unterminated string");
  EXPECT_EQ(CheckJson("{} x"), "line 1, column 4: unexpected text after the value");
  EXPECT_EQ(CheckJson(""), "line 1, column 1: unexpected end of input");
  EXPECT_EQ(CheckJson("tru"), "line 1, column 1: expected a value");
}

}  // namespace
}  // namespace hoptrace::demo
