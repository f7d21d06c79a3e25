// The routes the web UI reads, over a real embedded store and the real HTTP listener: the
// embedded pages and assets (caching, gzip, CSP), the compact waterfall document (plain and
// stitched), one span in full, and the price lookup.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/test_traces.h"
#include "server/served_store_test.h"
#include "webui/webui.h"

namespace hoptrace {
namespace {

using analysis::testing::DemoTrace;
using analysis::testing::MakeDemoTrace;

class WebUiRoutesTest : public ServedStoreTest {
 protected:
  httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    return client_->Get(path, headers);
  }

  simdjson::dom::element Parse(const std::string& body) {
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element doc;
    EXPECT_EQ(parsers_.back()->parse(body).get(doc), simdjson::SUCCESS) << body;
    return doc;
  }

  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(WebUiRoutesTest, EveryUiPageIsTheEmbeddedIndexWithAStrictContentSecurityPolicy) {
  const WebAsset* index = FindWebAsset("/index.html");
  ASSERT_NE(index, nullptr);
  for (std::string path : {"/", "/traces", "/traces/0123456789abcdef0123456789abcdef",
                           "/traces/0123456789abcdef0123456789abcdef/graph", "/graph",
                           "/dashboard", "/findings?kind=comb"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body, index->body) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("default-src 'self'"),
              std::string::npos);
  }
  for (std::string path : {"/nope", "/traces/a/b", "/assets/nope.js", "/index.htm"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
}

TEST_F(WebUiRoutesTest, AssetsAreCachedForGoodCompressedOnRequestAndRevalidatedByEtag) {
  const WebAsset* script = nullptr;
  for (const WebAsset& a : WebAssets())
    if (a.path.ends_with(".js")) script = &a;
  ASSERT_NE(script, nullptr) << "the UI's script should be embedded";
  const std::string path(script->path);
  auto plain = Get(path);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, script->body);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(plain->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(plain->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto gz = Get(path, {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz->body, script->body);  // inflated by the client
  auto br = Get(path, {{"Accept-Encoding", "br, gzip"}});  // never Brotli (too slow)
  ASSERT_TRUE(br);
  EXPECT_EQ(br->get_header_value("Content-Encoding"), "gzip");
  auto again = Get(path, {{"If-None-Match", std::string(script->etag)}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(WebUiRoutesTest, WaterfallIsTheTraceAsColumnsAndStitchedJoinsTheHalves) {
  DemoTrace d = MakeDemoTrace(/*break_propagation=*/true);
  ASSERT_TRUE(store_->Append(d.spans).ok());
  ASSERT_TRUE(store_->Append(d.reviewer_spans).ok());
  const std::string trace = ToHex(d.spans[0].trace_id);
  auto res = Get("/api/v1/traces/" + trace + "/waterfall");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  simdjson::dom::element doc = Parse(res->body);
  EXPECT_EQ(doc["spans"]["span_id"].get_array().size(), d.spans.size());
  EXPECT_FALSE(bool(doc["stitched"]));
  // Exactly one root, and every other row's parent is an earlier-or-equal-start row.
  size_t roots = 0;
  for (auto p : doc["spans"]["parent"].get_array()) roots += int64_t(p) < 0;
  EXPECT_EQ(roots, 1u);

  res = Get("/api/v1/traces/" + trace + "/waterfall?stitched=true");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  doc = Parse(res->body);
  EXPECT_TRUE(bool(doc["stitched"]));
  EXPECT_EQ(doc["trace_ids"].get_array().size(), 2u);
  EXPECT_EQ(doc["spans"]["span_id"].get_array().size(), d.spans.size() + d.reviewer_spans.size());
  ASSERT_EQ(doc["links"].get_array().size(), 1u);
  const int64_t child = doc["links"].at(0)["child"];
  EXPECT_EQ(int64_t(doc["spans"]["inferred"].at(uint64_t(child))), 1);
  roots = 0;
  for (auto p : doc["spans"]["parent"].get_array()) roots += int64_t(p) < 0;
  EXPECT_EQ(roots, 1u) << "the halves are joined into one tree";

  // Trace documents go uncompressed (megabytes; compressing them costs more than it saves).
  res = Get("/api/v1/traces/" + trace + "/waterfall", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "");
  res = Get("/api/v1/traces/" + trace + "/waterfall?stitched=maybe");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("stitched"), std::string::npos) << res->body;
  res = Get("/api/v1/traces/00000000000000000000000000000abc/waterfall");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(WebUiRoutesTest, OneSpanInFull) {
  DemoTrace d = MakeDemoTrace();
  ASSERT_TRUE(store_->Append(d.spans).ok());
  const std::string trace = ToHex(d.spans[0].trace_id);
  const Span& want = d.spans[d.comb_reads[0]];
  auto res = Get("/api/v1/traces/" + trace + "/spans/" + ToHex(want.span_id));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  simdjson::dom::element doc = Parse(res->body);
  EXPECT_EQ(std::string_view(doc["span_id"]), ToHex(want.span_id));
  EXPECT_EQ(std::string_view(doc["name"]), want.name);
  EXPECT_EQ(doc["attributes"].get_object().size() > 0, !want.attributes.empty());

  res = Get("/api/v1/traces/" + trace + "/spans/00000000000000ff");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_NE(res->body.find("not found"), std::string::npos);
  res = Get("/api/v1/traces/" + trace + "/spans/xyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("16 hex digits"), std::string::npos);
  res = Get("/api/v1/traces/" + trace + "/spans/" + ToHex(want.span_id) + "?x=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(WebUiRoutesTest, PricesSayWhichModelsArePriced) {
  auto res = Get("/api/v1/prices?model=gpt-4o&model=no-such-model-9");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  simdjson::dom::element doc = Parse(res->body);
  simdjson::dom::array models = doc["models"];
  ASSERT_EQ(models.size(), 2u);
  EXPECT_TRUE(bool(models.at(0)["priced"]));
  EXPECT_GT(double(models.at(0)["input_usd_per_mtok"]), 0);
  EXPECT_FALSE(bool(models.at(1)["priced"]));
  EXPECT_FALSE(std::string_view(doc["as_of"]).empty());
  res = Get("/api/v1/prices?modle=gpt-4o");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("modle"), std::string::npos) << res->body;
}

}  // namespace
}  // namespace hoptrace
