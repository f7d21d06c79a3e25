#include "api/analysis_api_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "api/api_test_util.h"

namespace hoptrace {
namespace {

Span MakeSpan(uint8_t trace, uint8_t id, uint8_t parent) {
  Span s = TestSpan(trace, id, parent, 1'000, 2'000);
  s.name = "span \"" + std::to_string(id) + "\"";
  return s;
}

TEST(AnalysisApiJsonTest, StitchedViewMarksTheVirtualParent) {
  std::vector<Span> spans = {MakeSpan(1, 1, 0), MakeSpan(1, 2, 1), MakeSpan(2, 3, 0)};
  analysis::StitchGroup g;
  g.trace_ids = {spans[0].trace_id, spans[2].trace_id};
  g.confidence = 0.9;
  g.links.push_back({spans[2].trace_id, spans[2].span_id, spans[0].trace_id, spans[1].span_id,
                     0.9, "handoff to reviewer contains the root"});
  const std::string json = StitchedTraceJson(spans[2].trace_id, g, spans);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["trace_id"]), ToHex(spans[2].trace_id));
  EXPECT_TRUE(bool(doc["stitched"]));
  EXPECT_EQ(doc["trace_ids"].get_array().size(), 2u);
  EXPECT_DOUBLE_EQ(double(doc["confidence"]), 0.9);
  EXPECT_EQ(std::string_view(doc["links"].at(0)["reason"]), "handoff to reviewer contains the root");
  simdjson::dom::array out = doc["spans"];
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out.at(0)["stitched_parent"].error());
  EXPECT_TRUE(out.at(1)["stitched_parent"].error());
  simdjson::dom::element parent = out.at(2)["stitched_parent"];
  EXPECT_EQ(std::string_view(parent["trace_id"]), ToHex(spans[0].trace_id));
  EXPECT_EQ(std::string_view(parent["span_id"]), ToHex(spans[1].span_id));
  EXPECT_TRUE(out.at(2)["parent_span_id"].is_null());

  const std::string alone = StitchedTraceJson(spans[0].trace_id, {}, {spans[0], spans[1]});
  ASSERT_EQ(parser.parse(alone).get(doc), simdjson::SUCCESS) << alone;
  EXPECT_FALSE(bool(doc["stitched"]));
  EXPECT_TRUE(doc["confidence"].is_null());
  EXPECT_EQ(doc["trace_ids"].get_array().size(), 1u);
  EXPECT_EQ(doc["links"].get_array().size(), 0u);
}

}  // namespace
}  // namespace hoptrace
