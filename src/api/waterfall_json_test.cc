#include "api/waterfall_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "api/api_test_util.h"

namespace hoptrace {
namespace {

Span MakeSpan(uint8_t trace, uint8_t id, uint8_t parent, uint64_t start, uint64_t end) {
  return TestSpan(trace, id, parent, start, end);
}

struct Doc {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Doc(const std::string& json) {
    EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  }
  int64_t Int(const char* column, size_t row) { return int64_t(root["spans"][column].at(row)); }
  std::string_view Str(const char* column, size_t row) {
    return std::string_view(root["strings"].at(uint64_t(Int(column, row))));
  }
};

TEST(WaterfallJsonTest, ColumnsByStartWithParentRowsAndInternedStrings) {
  // Given out of order; a child whose parent never arrived; a child before its parent's row.
  std::vector<Span> spans = {MakeSpan(1, 2, 1, 1'500, 1'900), MakeSpan(1, 1, 0, 1'000, 3'000),
                             MakeSpan(1, 3, 9, 2'000, 2'500), MakeSpan(1, 4, 1, 1'200, 1'400)};
  spans[0].derived.agent = "coder";
  spans[0].derived.input_tokens = 10;
  spans[0].derived.cost_usd = 0.25;
  spans[3].derived.agent = "coder";
  spans[3].status_code = StatusCodeValue::kError;
  spans[3].kind = SpanKind::kClient;
  spans[1].derived.usage_counted = false;
  Doc d(WaterfallJson(spans[1].trace_id, nullptr, spans));
  EXPECT_EQ(std::string_view(d.root["start_unix_nano"]), "1000");
  EXPECT_EQ(std::string_view(d.root["end_unix_nano"]), "3000");
  EXPECT_FALSE(bool(d.root["stitched"]));
  EXPECT_EQ(d.root["trace_ids"].get_array().size(), 1u);
  EXPECT_EQ(std::string_view(d.root["strings"].at(0)), "");
  // Rows: span 1 (1000), 4 (1200), 2 (1500), 3 (2000).
  const char* ids[] = {"0000000000000001", "0000000000000004", "0000000000000002",
                       "0000000000000003"};
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(std::string_view(d.root["spans"]["span_id"].at(i)), ids[i]);
  EXPECT_EQ(d.Int("parent", 0), -1);
  EXPECT_EQ(d.Int("parent", 1), 0);
  EXPECT_EQ(d.Int("parent", 2), 0);
  EXPECT_EQ(d.Int("parent", 3), -1);  // missing parent: a root of the view ...
  EXPECT_EQ(std::string_view(d.root["spans"]["parent_span_id"].at(3)), "0000000000000009");
  EXPECT_EQ(std::string_view(d.root["spans"]["parent_span_id"].at(1)), "");  // ... others ""
  EXPECT_EQ(d.Int("start", 2), 500);
  EXPECT_EQ(d.Int("duration", 2), 400);
  EXPECT_EQ(d.Str("agent", 1), "coder");
  EXPECT_EQ(d.Str("agent", 0), "");
  EXPECT_EQ(d.Str("name", 3), "span 3");
  EXPECT_EQ(d.Int("status", 1), 2);
  EXPECT_EQ(d.Int("kind", 1), static_cast<int>(SpanKind::kClient));
  EXPECT_EQ(d.Int("input_tokens", 2), 10);
  EXPECT_DOUBLE_EQ(double(d.root["spans"]["cost_usd"].at(2)), 0.25);
  EXPECT_EQ(d.Int("usage_counted", 0), 0);
  EXPECT_EQ(d.Int("usage_counted", 1), 1);
  // Interned: "coder" appears once in the table.
  int coder = 0;
  for (auto s : d.root["strings"].get_array()) coder += std::string_view(s) == "coder";
  EXPECT_EQ(coder, 1);
}

TEST(WaterfallJsonTest, StitchedGroupGivesTheChildRootAnInferredParent) {
  std::vector<Span> spans = {MakeSpan(1, 1, 0, 1'000, 9'000), MakeSpan(1, 2, 1, 2'000, 8'000),
                             MakeSpan(2, 3, 0, 3'000, 7'000), MakeSpan(2, 4, 3, 4'000, 5'000)};
  analysis::StitchGroup g;
  g.trace_ids = {spans[0].trace_id, spans[2].trace_id};
  g.confidence = 0.9;
  g.links.push_back({spans[2].trace_id, spans[2].span_id, spans[0].trace_id, spans[1].span_id,
                     0.9, "handoff names reviewer"});
  Doc d(WaterfallJson(spans[2].trace_id, &g, spans));
  EXPECT_TRUE(bool(d.root["stitched"]));
  EXPECT_EQ(d.root["trace_ids"].get_array().size(), 2u);
  EXPECT_EQ(d.Int("trace", 2), 1);
  EXPECT_EQ(d.Int("trace", 0), 0);
  EXPECT_EQ(d.Int("parent", 2), 1);  // the caller's handoff span
  EXPECT_EQ(d.Int("inferred", 2), 1);
  EXPECT_EQ(d.Int("inferred", 3), 0);
  EXPECT_EQ(d.Int("parent", 3), 2);
  EXPECT_EQ(std::string_view(d.root["spans"]["parent_span_id"].at(2)), "");
  simdjson::dom::object link = d.root["links"].at(0);
  EXPECT_EQ(int64_t(link["child"]), 2);
  EXPECT_EQ(int64_t(link["parent"]), 1);
  EXPECT_DOUBLE_EQ(double(link["confidence"]), 0.9);
  EXPECT_EQ(std::string_view(link["reason"]), "handoff names reviewer");
}

TEST(WaterfallJsonTest, EmptyTraceIsAValidDocument) {
  TraceId id{};
  id[0] = 7;
  Doc d(WaterfallJson(id, nullptr, {}));
  EXPECT_EQ(d.root["spans"]["span_id"].get_array().size(), 0u);
  EXPECT_EQ(std::string_view(d.root["trace_ids"].at(0)), ToHex(id));
}

}  // namespace
}  // namespace hoptrace
