#include "webui/webui.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace hoptrace {
namespace {

TEST(WebUiTest, IndexAndEveryAssetItReferencesAreEmbedded) {
  const WebAsset* index = FindWebAsset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  const std::string html(index->body);
  std::regex ref(R"re((?:src|href)="(/assets/[^"]+)")re");
  int refs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator();
       ++it) {
    ++refs;
    const std::string path = (*it)[1].str();
    const WebAsset* a = FindWebAsset(path);
    ASSERT_NE(a, nullptr) << path;
    EXPECT_FALSE(a->body.empty()) << path;
  }
  EXPECT_GE(refs, 2) << "index.html should load the script and the stylesheet";
  // Nothing is fetched from outside: no absolute http(s) URL in the page.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(WebUiTest, AssetsAreSortedAndFound) {
  auto assets = WebAssets();
  ASSERT_FALSE(assets.empty());
  for (size_t i = 0; i < assets.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(assets[i - 1].path, assets[i].path);
    }
    EXPECT_EQ(assets[i].etag.front(), '"');
    EXPECT_EQ(FindWebAsset(assets[i].path), &assets[i]);
  }
  EXPECT_EQ(FindWebAsset("/nope.js"), nullptr);
  EXPECT_EQ(FindWebAsset(""), nullptr);
}

TEST(WebUiTest, PagesOfTheUi) {
  for (const char* p : {"/", "/traces", "/graph", "/dashboard", "/findings",
                        "/traces/0123456789abcdef0123456789abcdef",
                        "/traces/0123456789abcdef0123456789abcdef/graph"})
    EXPECT_TRUE(IsWebUiPage(p)) << p;
  for (const char* p : {"/api/v1/traces", "/traces/", "/traces/x/y", "/traces/../etc",
                        "/metrics", "/v1/traces/", "/graph/x", "/index.html", "/traces//graph"})
    EXPECT_FALSE(IsWebUiPage(p)) << p;
}

}  // namespace
}  // namespace hoptrace
