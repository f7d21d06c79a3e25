#include "cli/terminal_text.h"

#include <gtest/gtest.h>

namespace hoptrace::cli {
namespace {

TEST(TerminalTextTest, DisplayWidth) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("├─…"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);  // e + combining acute
  EXPECT_EQ(DisplayWidth("\xff\xfe"), 2u);   // invalid bytes: one cell each
}

TEST(TerminalTextTest, SanitizeLeavesNoControlCharacters) {
  EXPECT_EQ(Sanitize("plain name", true), "plain name");
  EXPECT_EQ(Sanitize("a\nb\tc\rd", true), "a b c d");
  EXPECT_EQ(Sanitize("\x1b[31mred\x07", true), "?[31mred?");
  EXPECT_EQ(Sanitize("\xc2\x9b"
                     "31m",
                     true),
            "?31m")
      << "C1 CSI";
  EXPECT_EQ(Sanitize("a\xe2\x80\xae"
                     "b",
                     true),
            "a?b")
      << "bidi override";
  EXPECT_EQ(Sanitize("\xff\xc3", true), "??") << "invalid UTF-8";
  EXPECT_EQ(Sanitize("naïve 日本", true), "naïve 日本");
  EXPECT_EQ(Sanitize("naïve 日本", false), "na?ve ??");
}

TEST(TerminalTextTest, FitPadsOrCutsToExactlyTheWidth) {
  EXPECT_EQ(Fit("abc", 5, true), "abc  ");
  EXPECT_EQ(Fit("abcdef", 5, true), "abcd…");
  EXPECT_EQ(Fit("abcdef", 5, false), "ab...");
  EXPECT_EQ(Fit("abcdef", 3, false), "abc") << "too narrow for the ellipsis";
  EXPECT_EQ(Fit("abcdef", 0, true), "");
  EXPECT_EQ(Fit("日本語", 4, true), "日… ") << "a wide character never straddles the edge";
  EXPECT_EQ(DisplayWidth(Fit("日本語日本語", 7, true)), 7u);
  EXPECT_EQ(FitRight("12", 5, true), "   12");
  EXPECT_EQ(FitRight("123456", 5, true), "1234…");
}

}  // namespace
}  // namespace hoptrace::cli
