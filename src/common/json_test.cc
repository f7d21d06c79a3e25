#include "common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hoptrace {
namespace {

TEST(JsonTest, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(JsonString("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonString("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong form and a surrogate.
  EXPECT_EQ(JsonString("a\x80"
                       "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(JsonString("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonString("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonTest, Base64) {
  std::string out;
  AppendBase64(&out, "");
  EXPECT_EQ(out, "");
  for (const auto& [in, want] :
       std::vector<std::pair<std::string, std::string>>{{"f", "Zg=="},
                                                        {"fo", "Zm8="},
                                                        {"foo", "Zm9v"},
                                                        {"foob", "Zm9vYg=="},
                                                        {std::string("\x01\x02", 2), "AQI="}}) {
    out.clear();
    AppendBase64(&out, in);
    EXPECT_EQ(out, want) << in;
  }
}

TEST(JsonTest, NumbersRoundTripAndNonFinite) {
  EXPECT_EQ(JsonNumber(0.1), "0.1");
  EXPECT_EQ(JsonNumber(2.5), "2.5");
  EXPECT_EQ(JsonNumber(1e300), "1e+300");
  EXPECT_EQ(JsonNumber(std::nan("")), "\"NaN\"");
  EXPECT_EQ(JsonNumber(-std::numeric_limits<double>::infinity(), true), "null");
}

}  // namespace
}  // namespace hoptrace
