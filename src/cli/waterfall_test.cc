#include "cli/waterfall.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "cli/terminal_text.h"

namespace hoptrace::cli {
namespace {

constexpr uint64_t kT0 = 1'714'564'800'000'000'000ull;  // 2024-05-01T12:00:00Z

WaterfallSpan MakeSpan(std::string id, std::string parent, std::string name, uint64_t start_ns,
                       uint64_t end_ns) {
  WaterfallSpan s;
  s.span_id = std::move(id);
  s.parent_span_id = std::move(parent);
  s.name = std::move(name);
  s.start_unix_nano = kT0 + start_ns;
  s.end_unix_nano = kT0 + end_ns;
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The span rows: the lines after the column titles ("  SPAN ...") up to the first empty line.
std::vector<std::string> Rows(const std::string& text) {
  std::vector<std::string> out;
  bool in_rows = false;
  for (const auto& line : Lines(text)) {
    if (!in_rows) {
      in_rows = line.rfind("  SPAN", 0) == 0;
      continue;
    }
    if (line.empty() || line.rfind("…", 0) == 0 || line.rfind("...", 0) == 0) break;
    out.push_back(line);
  }
  return out;
}

// The part of `line` from display cell `cell` on.
std::string FromCell(const std::string& line, size_t cell) {
  size_t pos = 0;
  for (size_t c = 0; c < cell && pos < line.size(); ++c) {
    ++pos;
    while (pos < line.size() && (static_cast<unsigned char>(line[pos]) & 0xC0) == 0x80) ++pos;
  }
  return line.substr(pos);
}

WaterfallOptions Plain(int width = 120) {
  WaterfallOptions o;
  o.width = width;
  o.color = false;
  o.utf8 = true;
  return o;
}

WaterfallOptions Ascii(int width = 120) {
  WaterfallOptions o = Plain(width);
  o.utf8 = false;
  return o;
}

// root ── a ── a1
//      │    └─ a2
//      └─ b
// given out of order.
WaterfallTrace SmallTree() {
  WaterfallTrace t;
  t.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  t.spans.push_back(MakeSpan("b", "r", "b", 60, 90));
  t.spans.push_back(MakeSpan("a2", "a", "a2", 30, 50));
  t.spans.push_back(MakeSpan("r", "", "root", 0, 100));
  t.spans.push_back(MakeSpan("a1", "a", "a1", 20, 25));
  t.spans.push_back(MakeSpan("a", "r", "a", 10, 55));
  return t;
}

TEST(WaterfallTest, DepthFirstOrderChildrenByStartWithTreeGlyphs) {
  auto rows = Rows(RenderWaterfall(SmallTree(), Plain()));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].rfind("  root ", 0), 0u) << rows[0];
  EXPECT_EQ(rows[1].rfind("  ├─ a ", 0), 0u) << rows[1];
  EXPECT_EQ(rows[2].rfind("  │  ├─ a1 ", 0), 0u) << rows[2];
  EXPECT_EQ(rows[3].rfind("  │  └─ a2 ", 0), 0u) << rows[3];
  EXPECT_EQ(rows[4].rfind("  └─ b ", 0), 0u) << rows[4];
}

TEST(WaterfallTest, AsciiFallbackUsesOnlyAscii) {
  WaterfallTrace t = SmallTree();
  t.spans[0].name = "b — naïve 日本";  // non-ASCII in a name becomes '?'
  t.spans[0].error = true;
  t.spans[0].status_message = "boom…";
  const std::string out = RenderWaterfall(t, Ascii());
  for (unsigned char c : out) ASSERT_LT(c, 0x80) << out;
  auto rows = Rows(out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1].rfind("  |- a ", 0), 0u) << rows[1];
  EXPECT_EQ(rows[2].rfind("  |  |- a1 ", 0), 0u) << rows[2];
  EXPECT_EQ(rows[3].rfind("  |  `- a2 ", 0), 0u) << rows[3];
  EXPECT_EQ(rows[4].rfind("! `- b ? na?ve ?? ", 0), 0u) << rows[4];
}

TEST(WaterfallTest, OrphansAndCyclesBecomeMarkedRootsAndEverySpanIsDrawnOnce) {
  WaterfallTrace t = SmallTree();
  t.spans.push_back(MakeSpan("o", "0123456789abcdef", "orphan", 40, 45));
  t.spans.push_back(MakeSpan("oc", "o", "orphan-child", 41, 42));
  t.spans.push_back(MakeSpan("c1", "c2", "cycle-1", 70, 71));
  t.spans.push_back(MakeSpan("c2", "c1", "cycle-2", 72, 73));
  t.spans.push_back(MakeSpan("self", "self", "self-parent", 80, 81));
  auto rows = Rows(RenderWaterfall(t, Plain()));
  ASSERT_EQ(rows.size(), t.spans.size());
  // Roots in start order: root (0), orphan (40), cycle-1 (70), self-parent (80).
  EXPECT_EQ(rows[5].rfind("  orphan (parent missing)", 0), 0u) << rows[5];
  EXPECT_EQ(rows[6].rfind("  └─ orphan-child ", 0), 0u) << rows[6];
  EXPECT_EQ(rows[7].rfind("  cycle-1 (parent cycle)", 0), 0u) << rows[7];
  EXPECT_EQ(rows[8].rfind("  └─ cycle-2 ", 0), 0u) << rows[8];
  EXPECT_EQ(rows[9].rfind("  self-parent (parent cycle)", 0), 0u) << rows[9];
}

TEST(WaterfallTest, AllZeroParentIdIsARoot) {
  WaterfallTrace t;
  t.spans.push_back(MakeSpan("r", "0000000000000000", "root", 0, 10));
  const std::string out = RenderWaterfall(t, Plain());
  EXPECT_EQ(out.find("parent missing"), std::string::npos) << out;
  EXPECT_NE(out.find("  root"), std::string::npos) << out;
}

// With no agent/model/tokens/cost columns a row is: marker (2) + name (16) + 2 + duration (5:
// "100ns", "1.0µs") + 2, so at width 67 the bar has 40 cells from cell 27.
constexpr size_t kBarCell = 27;
constexpr int kBarWidth = 67;

TEST(WaterfallTest, BarsScaleToTheTraceAndOverlapForParallelChildren) {
  WaterfallTrace t;
  t.spans.push_back(MakeSpan("r", "", "root", 0, 100));
  t.spans.push_back(MakeSpan("x", "r", "first-half", 0, 50));
  t.spans.push_back(MakeSpan("y", "r", "middle", 25, 75));
  t.spans.push_back(MakeSpan("z", "r", "second-half", 50, 100));
  t.spans.push_back(MakeSpan("i", "r", "instant", 100, 100));
  auto rows = Rows(RenderWaterfall(t, Ascii(kBarWidth)));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(FromCell(rows[0], kBarCell), std::string(40, '=')) << rows[0];
  EXPECT_EQ(FromCell(rows[1], kBarCell), std::string(20, '=')) << rows[1];
  EXPECT_EQ(FromCell(rows[2], kBarCell), std::string(10, ' ') + std::string(20, '='))
      << "overlaps both halves: " << rows[2];
  EXPECT_EQ(FromCell(rows[3], kBarCell), std::string(20, ' ') + std::string(20, '=')) << rows[3];
  EXPECT_EQ(FromCell(rows[4], kBarCell), std::string(39, ' ') + "=")
      << "a zero-length span still gets one cell: " << rows[4];
}

TEST(WaterfallTest, Utf8BarsHaveEighthCellPrecision) {
  WaterfallTrace t;
  t.spans.push_back(MakeSpan("r", "", "root", 0, 1000));
  t.spans.push_back(MakeSpan("a", "r", "ends-mid", 0, 510));       // 20.4 cells: 20 + ▌
  t.spans.push_back(MakeSpan("b", "r", "starts-mid", 490, 1000));  // from 19.6: ▐ then 20
  t.spans.push_back(MakeSpan("c", "r", "instant", 250, 250));      // one eighth: ▏
  auto rows = Rows(RenderWaterfall(t, Plain(kBarWidth)));
  ASSERT_EQ(rows.size(), 4u);
  std::string full20;
  for (int i = 0; i < 20; ++i) full20 += "█";
  EXPECT_EQ(FromCell(rows[1], kBarCell), full20 + "▌") << rows[1];
  EXPECT_EQ(FromCell(rows[2], kBarCell), std::string(10, ' ') + "▏") << rows[2];
  EXPECT_EQ(FromCell(rows[3], kBarCell), std::string(19, ' ') + "▐" + full20) << rows[3];
}

TEST(WaterfallTest, ColourOnlyWhenAskedAndErrorsRed) {
  WaterfallTrace t = SmallTree();
  t.spans[1].error = true;  // a2
  t.spans[1].status_message = "tool failed";
  t.spans[4].agent = "researcher";
  const std::string plain = RenderWaterfall(t, Plain());
  EXPECT_EQ(plain.find('\x1b'), std::string::npos) << "no ANSI escape when colour is off";
  WaterfallOptions o = Plain();
  o.color = true;
  const std::string colored = RenderWaterfall(t, o);
  EXPECT_NE(colored.find("\x1b[31m! "), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[0m"), std::string::npos);
  // Colour does not change the text: stripped of escapes it is the plain rendering.
  std::string stripped;
  for (size_t i = 0; i < colored.size(); ++i) {
    if (colored[i] == '\x1b') {
      i = colored.find('m', i);
      continue;
    }
    stripped.push_back(colored[i]);
  }
  EXPECT_EQ(stripped, plain);
}

TEST(WaterfallTest, ErrorsAreMarkedAndListedWhenPlain) {
  WaterfallTrace t = SmallTree();
  t.spans[1].error = true;  // a2
  t.spans[1].status_message = "exit status 1\nsecond line";
  t.spans[1].agent = "coder";
  const std::string out = RenderWaterfall(t, Plain());
  auto rows = Rows(out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[3].rfind("! │  └─ a2 ", 0), 0u) << rows[3];
  for (size_t i : {0u, 1u, 2u, 4u}) EXPECT_EQ(rows[i][0], ' ') << rows[i];
  EXPECT_NE(out.find("1 error:\n! a2 [coder] span a2: ERROR: exit status 1 second line\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" · 1 error"), std::string::npos) << out;
}

TEST(WaterfallTest, ControlCharactersInNamesCannotDriveTheTerminal) {
  WaterfallTrace t = SmallTree();
  t.spans[2].name = "root\x1b[2J\x1b]0;pwned\x07\xff";
  t.spans[2].agent =
      "\x9b"
      "31m";
  t.spans[2].error = true;
  t.spans[2].status_message = "\x1b[31mred";
  const std::string out = RenderWaterfall(t, Plain());
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_NE(out.find("root?[2J?]0;pwned??"), std::string::npos) << out;
}

TEST(WaterfallTest, RowsFitTheWidthAndLongTextIsCutWithAnEllipsis) {
  WaterfallTrace t = SmallTree();
  t.spans[4].name = std::string(200, 'n');
  t.spans[4].agent = "an-agent-with-a-very-long-name";
  t.spans[4].model = "claude-3-5-sonnet-20241022-with-a-suffix";
  t.spans[4].input_tokens = 123456;
  t.spans[4].output_tokens = 7890;
  t.spans[4].cost_usd = 0.01234;
  t.spans[3].name = "名前が長いスパン名前が長いスパン名前が長いスパン名前が長いスパン";
  for (int width : {60, 80, 120, 200}) {
    for (bool utf8 : {true, false}) {
      WaterfallOptions o = utf8 ? Plain(width) : Ascii(width);
      const std::string out = RenderWaterfall(t, o);
      auto rows = Rows(out);
      ASSERT_EQ(rows.size(), 5u);
      for (const auto& row : rows) EXPECT_LE(DisplayWidth(row), static_cast<size_t>(width)) << row;
      EXPECT_NE(rows[1].find(utf8 ? "n…" : "n..."), std::string::npos) << rows[1];
      EXPECT_NE(rows[1].find("123k/7.9k"), std::string::npos) << rows[1];
      EXPECT_NE(rows[1].find("$0.0123"), std::string::npos) << rows[1];
    }
  }
}

TEST(WaterfallTest, DeepTreesElideOuterLevels) {
  WaterfallTrace t;
  t.spans.push_back(MakeSpan("s0", "", "s0", 0, 1000));
  auto id = [](int i) {
    std::string out = "s";
    out += std::to_string(i);
    return out;
  };
  for (int i = 1; i < 40; ++i) t.spans.push_back(MakeSpan(id(i), id(i - 1), id(i), i, 1000 - i));
  auto rows = Rows(RenderWaterfall(t, Plain(120)));
  ASSERT_EQ(rows.size(), 40u);
  EXPECT_EQ(rows[39].rfind("  …  ", 0), 0u) << rows[39];
  EXPECT_NE(rows[39].find("└─ s39"), std::string::npos) << rows[39];
  for (const auto& row : rows) EXPECT_LE(DisplayWidth(row), 120u) << row;
}

TEST(WaterfallTest, LimitCapsRowsAndSaysHowManyMore) {
  WaterfallTrace t = SmallTree();
  WaterfallOptions o = Plain();
  o.limit = 2;
  const std::string out = RenderWaterfall(t, o);
  EXPECT_EQ(Rows(out).size(), 2u);
  EXPECT_NE(out.find("\n… 3 more spans"), std::string::npos) << out;
  EXPECT_NE(out.find(" · 5 spans"), std::string::npos) << "the header counts every span";
}

TEST(WaterfallTest, Header) {
  WaterfallTrace t = SmallTree();
  t.spans[2].service = "orchestrator";
  const auto lines = Lines(RenderWaterfall(t, Plain()));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "Trace 4bf92f3577b34da6a3ce929d0e0e4736 · root · service orchestrator");
  EXPECT_EQ(lines[1], "2024-05-01T12:00:00.000Z · 100ns · 5 spans · 0 errors");
  WaterfallTrace no_root;
  no_root.spans.push_back(MakeSpan("o", "ffffffffffffffff", "lost", 0, 10));
  EXPECT_NE(RenderWaterfall(no_root, Plain()).find(" · lost (no root span)\n"), std::string::npos);
  WaterfallTrace empty;
  empty.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  EXPECT_NE(RenderWaterfall(empty, Plain()).find("0 spans"), std::string::npos);
}

// wrapper (agent span summing its children) ── llm-1 (usage)
//                                            └─ tool (no usage) ── llm-2 (usage)
WaterfallTrace UsageTree() {
  WaterfallTrace t;
  auto usage = [](WaterfallSpan s, int64_t in, int64_t out, double cost) {
    s.input_tokens = in;
    s.output_tokens = out;
    s.total_tokens = in + out;
    s.cost_usd = cost;
    return s;
  };
  t.spans.push_back(usage(MakeSpan("w", "", "invoke_agent", 0, 100), 1100, 330, 0.011));
  t.spans.push_back(usage(MakeSpan("l1", "w", "chat", 0, 40), 1000, 300, 0.01));
  t.spans.push_back(MakeSpan("tool", "w", "execute_tool", 50, 90));
  t.spans.push_back(usage(MakeSpan("l2", "tool", "chat", 55, 85), 100, 30, 0.001));
  return t;
}

TEST(WaterfallTest, TotalsCountTheInnermostUsageWhenTheServerDoesNotSay) {
  const TraceTotals totals = ComputeTotals(UsageTree());
  EXPECT_EQ(totals.input_tokens, 1100);
  EXPECT_EQ(totals.output_tokens, 330);
  EXPECT_EQ(totals.total_tokens, 1430);
  EXPECT_NEAR(totals.cost_usd, 0.011, 1e-12);
  EXPECT_EQ(totals.spans, 4u);
  EXPECT_EQ(totals.start_unix_nano, kT0);
  EXPECT_EQ(totals.end_unix_nano, kT0 + 100);

  // An LLM span wrapping another LLM span (LangChain around the OpenAI client): the inner one.
  WaterfallTrace nested;
  nested.spans.push_back(MakeSpan("outer", "", "ChatOpenAI", 0, 10));
  nested.spans.back().model = "gpt-4o";
  nested.spans.back().input_tokens = 50;
  nested.spans.push_back(MakeSpan("inner", "outer", "chat gpt-4o", 1, 9));
  nested.spans.back().model = "gpt-4o";
  nested.spans.back().input_tokens = 50;
  EXPECT_EQ(ComputeTotals(nested).input_tokens, 50);

  // Only a total known: it still counts.
  WaterfallTrace total_only;
  total_only.spans.push_back(MakeSpan("a", "", "chat", 0, 10));
  total_only.spans.back().total_tokens = 77;
  EXPECT_EQ(ComputeTotals(total_only).total_tokens, 77);
}

TEST(WaterfallTest, TotalsFollowTheServersUsageCountedFlag) {
  WaterfallTrace t = UsageTree();
  for (auto& s : t.spans) s.usage_counted = true;
  t.spans[0].usage_counted = false;  // the server knows the wrapper...
  t.spans[3].usage_counted = false;  // ...and, say, a Vercel wrapper it recognised by name
  const TraceTotals totals = ComputeTotals(t);
  EXPECT_EQ(totals.input_tokens, 1000);
  EXPECT_EQ(totals.output_tokens, 300);
  EXPECT_NEAR(totals.cost_usd, 0.01, 1e-12);
}

TEST(WaterfallTest, WrapperUsageIsShownInParenthesesAndNotAdded) {
  const std::string out = RenderWaterfall(UsageTree(), Plain());
  auto rows = Rows(out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NE(rows[0].find("(1.1k/330)"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("($0.0110)"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find(" 1.0k/300"), std::string::npos) << rows[1];
  EXPECT_NE(out.find(" · 1.4k tokens (1.1k in, 330 out) · $0.0110\n"), std::string::npos) << out;
  EXPECT_NE(out.find("not added to the totals"), std::string::npos) << out;
}

TEST(WaterfallTest, Formatting) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(-5), "0");
  EXPECT_EQ(FormatCount(340), "340");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1.0k");
  EXPECT_EQ(FormatCount(1234), "1.2k");
  EXPECT_EQ(FormatCount(9960), "10k");
  EXPECT_EQ(FormatCount(123456), "123k");
  EXPECT_EQ(FormatCount(999'600), "1.0M");
  EXPECT_EQ(FormatCount(1'234'567), "1.2M");
  EXPECT_EQ(FormatCount(5'000'000'000), "5.0G");

  EXPECT_EQ(FormatTokens(1234, 340, 1574), "1.2k/340");
  EXPECT_EQ(FormatTokens(0, 12, 12), "0/12");
  EXPECT_EQ(FormatTokens(0, 0, 1500), "1.5k");
  EXPECT_EQ(FormatTokens(0, 0, 0), "");

  EXPECT_EQ(FormatCost(0), "");
  EXPECT_EQ(FormatCost(-1), "");
  EXPECT_EQ(FormatCost(0.0123), "$0.0123");
  EXPECT_EQ(FormatCost(0.00001), "<$0.0001");
  EXPECT_EQ(FormatCost(0.99999), "$1.00");
  EXPECT_EQ(FormatCost(12.345), "$12.35");
  EXPECT_EQ(FormatCost(1234.5), "$1234");

  EXPECT_EQ(FormatDuration(0), "0ns");
  EXPECT_EQ(FormatDuration(850), "850ns");
  EXPECT_EQ(FormatDuration(1'500), "1.5µs");
  EXPECT_EQ(FormatDuration(12'000, false), "12us");
  EXPECT_EQ(FormatDuration(999'400), "999µs");
  EXPECT_EQ(FormatDuration(999'600), "1.0ms");
  EXPECT_EQ(FormatDuration(8'500'000), "8.5ms");
  EXPECT_EQ(FormatDuration(850'000'000), "850ms");
  EXPECT_EQ(FormatDuration(2'300'000'000), "2.3s");
  EXPECT_EQ(FormatDuration(64'000'000'000), "1m04s");
  EXPECT_EQ(FormatDuration(7'500'000'000'000), "2h05m");

  EXPECT_EQ(FormatTime(kT0 + 123'456'789), "2024-05-01T12:00:00.123Z");

  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("├─…"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);  // e + combining acute
}

TEST(WaterfallTest, HundredThousandSpansInOnePass) {
  // A wide fan-out and a deep chain: both drawn, neither quadratic nor recursive.
  for (bool chain : {false, true}) {
    WaterfallTrace t;
    const int n = 100'000;
    t.spans.reserve(n);
    t.spans.push_back(MakeSpan("0", "", "root", 0, 1'000'000));
    for (int i = 1; i < n; ++i) {
      t.spans.push_back(MakeSpan(std::to_string(i), chain ? std::to_string(i - 1) : "0",
                                 "span-" + std::to_string(i), (n - i) * 7 % 1'000'000,
                                 (n - i) * 7 % 1'000'000 + 10));
      t.spans.back().input_tokens = 10;
    }
    const auto begin = std::chrono::steady_clock::now();
    const std::string out = RenderWaterfall(t, Plain(120));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    EXPECT_EQ(Rows(out).size(), static_cast<size_t>(n));
    EXPECT_LT(seconds, 10.0);
    EXPECT_EQ(ComputeTotals(t).input_tokens, chain ? 10 : 10 * (n - 1))
        << "in a chain only the innermost usage counts";
    WaterfallOptions o = Plain(120);
    o.limit = 100;
    const std::string capped = RenderWaterfall(t, o);
    EXPECT_EQ(Rows(capped).size(), 100u);
    EXPECT_NE(capped.find("… 99900 more spans"), std::string::npos);
  }
}

}  // namespace
}  // namespace hoptrace::cli
