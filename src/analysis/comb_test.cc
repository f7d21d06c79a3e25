#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/test_traces.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

const AnyValue* Ev(const Finding& f, std::string_view key) {
  return FindAttribute(f.evidence, key);
}

TEST(NormalizeArguments, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(NormalizeArguments(R"({ "b": [1, {"y":2, "x":1}], "a" : "s p" })"),
            R"({"a":"s p","b":[1,{"x":1,"y":2}]})");
  EXPECT_EQ(NormalizeArguments("  plain text \n"), "plain text");
  EXPECT_EQ(NormalizeArguments("{not json"), "{not json");
  EXPECT_EQ(NormalizeArguments(""), "");
}

// An agent with `calls` read_file calls, each followed by its own chat.
struct Loop {
  TraceBuilder b;
  int agent;
  std::vector<int> tools;
};
Loop MakeLoop(const std::vector<std::string>& args, const std::vector<bool>& errors) {
  Loop l;
  int root = l.b.Agent(-1, "coder", 0, 1000);
  l.agent = root;
  double t = 1;
  l.b.Llm(root, "coder", "m", t, t + 10, 100, 10);
  t += 11;
  for (size_t k = 0; k < args.size(); ++k) {
    l.tools.push_back(l.b.Tool(root, "coder", "read_file", args[k], t, t + 2, errors[k]));
    t += 3;
    l.b.Llm(root, "coder", "m", t, t + 10, 1000, 10);
    t += 11;
  }
  return l;
}

TEST(FindCombs, SameArgumentsInterleavedWithOwnLlmCalls) {
  Loop l = MakeLoop({R"({"path":"a.py","n":1})", R"({"n":1, "path":"a.py"})",
                     R"( {"path":"a.py","n":1} )", R"({"path":"a.py","n":1})"},
                    {true, true, true, true});
  std::vector<Finding> f = FindCombs(l.b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kComb);
  EXPECT_EQ(f[0].agent, "coder");
  ASSERT_EQ(f[0].span_ids.size(), 4u);
  EXPECT_EQ(f[0].span_ids.front(), l.b.spans[l.tools.front()].span_id);
  EXPECT_EQ(f[0].span_ids.back(), l.b.spans[l.tools.back()].span_id);
  EXPECT_EQ(Ev(f[0], "count")->int_value, 4);
  EXPECT_EQ(Ev(f[0], "tool")->string_value, "read_file");
  EXPECT_EQ(Ev(f[0], "arguments")->string_value, R"({"n":1,"path":"a.py"})");
  EXPECT_EQ(f[0].wasted_tokens, 3 * 1010);  // the 3 chats between the first and last call
  EXPECT_GT(f[0].wasted_cost_usd, 0);
  EXPECT_EQ(Ev(f[0], "time_spent_ns")->int_value, 3 * 14'000'000 + 2'000'000);
  EXPECT_NE(f[0].summary.find("coder called read_file 4 times"), std::string::npos) << f[0].summary;
}

TEST(FindCombs, ChangingArgumentsIsNoCombButARetryStorm) {
  Loop l = MakeLoop({R"({"path":"a.py"})", R"({"path":"b.py"})", R"({"path":"c.py"})"},
                    {true, true, true});
  std::vector<Finding> f = FindCombs(l.b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kRetryStorm);
  EXPECT_EQ(f[0].severity, Severity::kInfo);
  EXPECT_EQ(Ev(f[0], "failed")->int_value, 3);
  EXPECT_FALSE(Ev(f[0], "recovered")->bool_value);
}

TEST(FindCombs, ChangingArgumentsThatSucceedIsNothing) {
  Loop l = MakeLoop({R"({"path":"a.py"})", R"({"path":"b.py"})", R"({"path":"c.py"})"},
                    {false, false, false});
  EXPECT_TRUE(FindCombs(l.b.spans).empty());
}

TEST(FindCombs, LoopEndingInSuccessIsNoComb) {
  Loop l = MakeLoop({"{\"p\":1}", "{\"p\":1}", "{\"p\":1}"}, {true, true, false});
  for (const Finding& f : FindCombs(l.b.spans)) EXPECT_NE(f.kind, FindingKind::kComb);
}

TEST(FindCombs, TwoRepeatsAreNotEnough) {
  Loop l = MakeLoop({"{\"p\":1}", "{\"p\":1}"}, {true, true});
  EXPECT_TRUE(FindCombs(l.b.spans).empty());
  CombOptions o;
  o.min_repeats = 2;
  EXPECT_EQ(FindCombs(l.b.spans, o).size(), 1u);
}

TEST(FindCombs, AnotherToolInBetweenBreaksTheRun) {
  TraceBuilder b;
  int root = b.Agent(-1, "coder", 0, 100);
  b.Tool(root, "coder", "read_file", "{\"p\":1}", 1, 2, true);
  b.Tool(root, "coder", "read_file", "{\"p\":1}", 3, 4, true);
  b.Tool(root, "coder", "list_dir", "{}", 5, 6);
  b.Tool(root, "coder", "read_file", "{\"p\":1}", 7, 8, true);
  for (const Finding& f : FindCombs(b.spans)) EXPECT_NE(f.kind, FindingKind::kComb);
}

TEST(FindCombs, SeparateInvocationsAreNotOneRun) {
  TraceBuilder b;
  int root = b.Agent(-1, "boss", 0, 100);
  for (int k = 0; k < 3; ++k) {
    int a = b.Agent(root, "coder", 1 + 10 * k, 9 + 10 * k);
    b.Tool(a, "coder", "read_file", "{\"p\":1}", 2 + 10 * k, 3 + 10 * k, true);
  }
  EXPECT_TRUE(FindCombs(b.spans).empty());
}

TEST(FindCombs, NestedSpansOfAToolAreNotSteps) {
  Loop l = MakeLoop({"{\"p\":1}", "{\"p\":1}", "{\"p\":1}"}, {true, true, true});
  for (int tool : l.tools) {
    const double s = static_cast<double>(l.b.spans[tool].start_unix_nano - testing::kBase) / 1e6;
    l.b.File(tool, "coder", "read", "x", s + 0.1, s + 0.2, true);
  }
  std::vector<Finding> f = FindCombs(l.b.spans);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].span_ids.size(), 3u);
}

}  // namespace
}  // namespace hoptrace::analysis
