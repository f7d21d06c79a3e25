#include "cli/diagnose_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "analysis/test_traces.h"
#include "cli/capture_test_util.h"
#include "cli/show_command.h"
#include "server/test_server.h"

namespace hoptrace::cli {
namespace {

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

constexpr char kDiagnosis[] = R"({"findings":[
 {"kind":"comb","severity":"critical","summary":"coder called read_file 2 times.","trace_id":"t",
  "trace_ids":[],"span_ids":["00000000000000a1","00000000000000a2"],"agent":"coder","key":"k",
  "evidence":{},"wasted_tokens":1500,"wasted_cost_usd":0.25},
 {"kind":"straggler","severity":"warning","summary":"slow one.","trace_id":"t","trace_ids":[],
  "span_ids":["00000000000000b1","0000000000000001"],"agent":"","key":"s","evidence":{},
  "wasted_tokens":0,"wasted_cost_usd":0}],
 "critical_path":[{"span_id":"0000000000000001","contribution_ns":"1000"},
                  {"span_id":"00000000000000b1","contribution_ns":"9000"}]})";

TEST(DiagnoseCommandTest, ParsesRendersAndMarks) {
  auto d = ParseDiagnosisJson(kDiagnosis);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->findings.size(), 2u);
  EXPECT_EQ(d->findings[0].kind, "comb");
  EXPECT_EQ(d->findings[0].span_ids.size(), 2u);
  EXPECT_EQ(d->findings[0].wasted_tokens, 1500);
  EXPECT_DOUBLE_EQ(d->findings[0].wasted_cost_usd, 0.25);
  ASSERT_EQ(d->critical_path.size(), 2u);
  EXPECT_EQ(d->critical_path[1].second, 9000);
  EXPECT_FALSE(ParseDiagnosisJson("{\"findings\":[]}"));
  EXPECT_FALSE(ParseDiagnosisJson("not json"));

  WaterfallTrace trace;
  trace.trace_id = "t";
  auto add = [&](std::string id, std::string parent, std::string name, uint64_t start,
                 uint64_t end) {
    WaterfallSpan s;
    s.span_id = std::move(id);
    s.parent_span_id = std::move(parent);
    s.name = std::move(name);
    s.agent = "coder";
    s.start_unix_nano = start;
    s.end_unix_nano = end;
    trace.spans.push_back(std::move(s));
  };
  add("0000000000000001", "", "root", 0, 10000);
  add("00000000000000a1", "0000000000000001", "read_file", 10, 20);
  add("00000000000000a2", "0000000000000001", "read_file", 30, 40);
  add("00000000000000b1", "0000000000000001", "slow", 50, 10000);

  const std::string text = RenderDiagnosis("t", *d, &trace, false);
  EXPECT_NE(text.find("Trace t: 2 findings"), std::string::npos) << text;
  EXPECT_NE(text.find("CRITICAL  comb (coder)\n  coder called read_file 2 times.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("spans: read_file [coder] 00000000, read_file [coder] 00000000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasted: 1.5k tokens, $0.2500"), std::string::npos) << text;
  EXPECT_NE(text.find("WARNING  straggler\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Critical path: 2 spans, 10us"), std::string::npos) << text;
  EXPECT_EQ(RenderDiagnosis("t", DiagnosisView{}, nullptr, false), "Trace t: nothing found\n");

  MarkFindings(*d, &trace);
  WaterfallOptions options;
  options.utf8 = false;
  const std::string drawn = RenderWaterfall(trace, options);
  EXPECT_NE(drawn.find("read_file [comb 1/2]"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("read_file [comb 2/2]"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find(" *`- slow [straggler]"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find(" *root"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("* on the critical path"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("critical comb: coder called read_file 2 times."), std::string::npos)
      << drawn;
}

TEST(DiagnoseCommandTest, UsageErrorsAndUnreachableServer) {
  Capture out, err;
  EXPECT_EQ(DiagnoseCommand({}, out.get(), err.get()), 2);
  EXPECT_EQ(Count(err.Take(), "\n"), 1u);
  EXPECT_EQ(DiagnoseCommand({"xyz"}, out.get(), err.get()), 2);
  EXPECT_EQ(err.Take(), "hoptrace diagnose: trace id: want 32 hex digits (not all zero), got 'xyz'\n");
  EXPECT_EQ(DiagnoseCommand({std::string(32, 'a'), "--bogus"}, out.get(), err.get()), 2);
  EXPECT_EQ(Count(err.Take(), "\n"), 1u);
  EXPECT_EQ(DiagnoseCommand({std::string(32, 'a'), "--server", "http://127.0.0.1:1"}, out.get(),
                            err.get()),
            1);
  const std::string e = err.Take();
  EXPECT_EQ(Count(e, "\n"), 1u) << e;
  EXPECT_EQ(e.rfind("hoptrace diagnose: cannot reach", 0), 0u) << e;
  EXPECT_EQ(DiagnoseCommand({"--help"}, out.get(), err.get()), 0);
  EXPECT_NE(out.Take().find("usage: hoptrace diagnose"), std::string::npos);
}

TEST(DiagnoseCommandTest, DiagnosesAndMarksTheDemoTraceFromARealServer) {
  TestStore store;
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  analysis::testing::DemoTrace d = analysis::testing::MakeDemoTrace();
  const std::string id = ToHex(d.spans[0].trace_id);
  ASSERT_TRUE(store->Append(d.spans).ok());
  TestHttpServer server(store.get());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string url = server.url();
  Capture out, err;
  ASSERT_EQ(DiagnoseCommand({id, "--server", url, "--ascii"}, out.get(), err.get()), 0)
      << err.Take();
  std::string text = out.Take();
  EXPECT_EQ(Count(text, "  comb (coder)\n"), 1u) << text;
  EXPECT_EQ(Count(text, "  straggler"), 1u) << text;
  EXPECT_EQ(Count(text, "  root_cause"), 1u) << text;
  EXPECT_NE(text.find("execute_tool read_file [coder]"), std::string::npos) << text;
  EXPECT_NE(text.find("wasted: "), std::string::npos) << text;
  EXPECT_NE(text.find("Critical path: "), std::string::npos) << text;
  EXPECT_EQ(err.Take(), "");

  ASSERT_EQ(DiagnoseCommand({id, "--server", url, "--json"}, out.get(), err.get()), 0);
  EXPECT_EQ(out.Take().rfind("{\"findings\":[", 0), 0u);
  EXPECT_EQ(DiagnoseCommand({std::string(32, 'b'), "--server", url}, out.get(), err.get()), 1);
  EXPECT_EQ(err.Take(), "hoptrace diagnose: trace " + std::string(32, 'b') + " not found\n");

  // show marks the findings; --json stays the trace's JSON.
  ASSERT_EQ(ShowCommand({id, "--server", url, "--ascii", "--width", "200"}, out.get(), err.get()), 0)
      << err.Take();
  text = out.Take();
  for (int k = 1; k <= 6; ++k)
    EXPECT_EQ(Count(text, "[comb " + std::to_string(k) + "/6]"), 1u) << text;
  EXPECT_EQ(Count(text, "[straggler"), 1u) << text;
  EXPECT_NE(text.find("* on the critical path"), std::string::npos) << text;
  ASSERT_EQ(ShowCommand({id, "--server", url, "--json"}, out.get(), err.get()), 0);
  EXPECT_EQ(out.Take().rfind("{\"trace_id\":\"" + id + "\",\"spans\":[{", 0), 0u);
}

}  // namespace
}  // namespace hoptrace::cli
