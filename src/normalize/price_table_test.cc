#include "normalize/price_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace hoptrace {
namespace {

const PriceTable& Builtin() {
  static const PriceTable table = PriceTable::Builtin();
  return table;
}

// The canonical model a name is priced as, or "" when unknown.
std::string PricedAs(std::string_view name, const PriceTable& table = Builtin()) {
  const ModelPrice* p = table.Lookup(name);
  return p ? p->model : std::string();
}

TEST(BuiltinPricesTest, DatedAndCoversEveryProviderFamily) {
  EXPECT_EQ(Builtin().as_of(), "2025-11-13");
  for (const char* m :
       {"gpt-4o", "gpt-4.1-mini", "gpt-5", "o3", "o4-mini", "claude-sonnet-4-5", "claude-3-5-haiku",
        "gemini-2.5-pro", "gemini-2.0-flash", "llama-3.3-70b", "llama-4-maverick"}) {
    EXPECT_EQ(PricedAs(m), m);
  }
  const ModelPrice* p = Builtin().Lookup("gpt-4o");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->input_per_mtok, 2.50);
  EXPECT_DOUBLE_EQ(p->output_per_mtok, 10.00);
  EXPECT_EQ(p->cached_input_per_mtok, 1.25);
  for (const ModelPrice& m : Builtin().prices()) {
    EXPECT_GE(m.input_per_mtok, 0) << m.model;
    EXPECT_GE(m.output_per_mtok, 0) << m.model;
    if (m.cached_input_per_mtok) {
      EXPECT_LE(*m.cached_input_per_mtok, m.input_per_mtok) << m.model;
    }
  }
}

TEST(PriceLookupTest, DatedAndSnapshotNames) {
  EXPECT_EQ(PricedAs("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(PricedAs("gpt-4o-mini-2024-07-18"), "gpt-4o-mini");
  EXPECT_EQ(PricedAs("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  EXPECT_EQ(PricedAs("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  EXPECT_EQ(PricedAs("claude-opus-4-20250514"), "claude-opus-4");
  EXPECT_EQ(PricedAs("claude-3-5-sonnet-latest"), "claude-3-5-sonnet");
  EXPECT_EQ(PricedAs("o1-2024-12-17"), "o1");
  EXPECT_EQ(PricedAs("gpt-4-0613"), "gpt-4");
  EXPECT_EQ(PricedAs("gpt-3.5-turbo-0125"), "gpt-3.5-turbo");
  EXPECT_EQ(PricedAs("gemini-1.5-pro-002"), "gemini-1.5-pro");
  EXPECT_EQ(PricedAs("GPT-4o"), "gpt-4o");
}

TEST(PriceLookupTest, AnExactSnapshotRowBeatsStripping) {
  EXPECT_EQ(PricedAs("gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
  EXPECT_DOUBLE_EQ(Builtin().Lookup("gpt-4o-2024-05-13")->input_per_mtok, 5.0);
  EXPECT_EQ(PricedAs("gpt-3.5-turbo-0613"), "gpt-3.5-turbo-0613");
}

TEST(PriceLookupTest, ProviderPrefixes) {
  EXPECT_EQ(PricedAs("openai/gpt-4o"), "gpt-4o");
  EXPECT_EQ(PricedAs("models/gemini-2.5-pro"), "gemini-2.5-pro");
  EXPECT_EQ(PricedAs("anthropic/claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  EXPECT_EQ(PricedAs("openai:gpt-4o-mini"), "gpt-4o-mini");
  EXPECT_EQ(PricedAs("us.anthropic.claude-3-5-sonnet-20241022-v2:0"), "claude-3-5-sonnet");
  EXPECT_EQ(PricedAs("anthropic.claude-3-haiku-20240307-v1:0"), "claude-3-haiku");
  EXPECT_EQ(PricedAs("claude-3-5-sonnet-v2@20241022"), "claude-3-5-sonnet");  // Vertex
  EXPECT_EQ(PricedAs("claude-3-5-sonnet@20240620"), "claude-3-5-sonnet");
}

TEST(PriceLookupTest, LlamaHostSpellings) {
  EXPECT_EQ(PricedAs("meta-llama/Llama-3.3-70B-Instruct-Turbo"), "llama-3.3-70b");
  EXPECT_EQ(PricedAs("llama-3.3-70b-versatile"), "llama-3.3-70b");
  EXPECT_EQ(PricedAs("llama-3.1-8b-instant"), "llama-3.1-8b");
  EXPECT_EQ(PricedAs("llama3.1:8b"), "llama-3.1-8b");
  EXPECT_EQ(PricedAs("meta.llama3-1-70b-instruct-v1:0"), "llama-3.1-70b");
  EXPECT_EQ(PricedAs("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"), "llama-4-maverick");
  EXPECT_EQ(PricedAs("meta-llama/llama-4-scout-17b-16e-instruct"), "llama-4-scout");
}

TEST(PriceLookupTest, UnknownNamesAreNeverGuessed) {
  for (const char* m :
       {"", "gpt", "claude", "mock-model-id", "mock-model-id-2025-01-01", "gpt-4o-extra",
        "gpt-4o-mini-search-preview", "ft:gpt-4o-mini-2024-07-18:acme::abc123", "llama3-70b-8192",
        "deepseek-v3", "gemini-2.5-flash-preview-05-20", "ft:gpt-4o"}) {
    EXPECT_EQ(PricedAs(m), "") << m;
  }
  EXPECT_EQ(PriceTable().Lookup("gpt-4o"), nullptr);
}

TEST(PriceLookupTest, LookupNamesAreTriedInOrder) {
  EXPECT_EQ(ModelLookupNames("OpenAI/GPT-4o-2024-08-06"),
            (std::vector<std::string>{"openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "gpt-4o"}));
}

TEST(TokenCostTest, InputOutputAndCachedInput) {
  ModelPrice p{"m", 2.0, 8.0, 0.5};
  EXPECT_DOUBLE_EQ(TokenCost(p, 1'000'000, 1'000'000, 0), 10.0);
  EXPECT_DOUBLE_EQ(TokenCost(p, 1'000'000, 0, 250'000), (750'000 * 2.0 + 250'000 * 0.5) / 1e6);
  EXPECT_DOUBLE_EQ(TokenCost(p, 100, 0, 500), 100 * 0.5 / 1e6);  // cached clamped to input
  ModelPrice no_cache{"m", 2.0, 8.0, std::nullopt};
  EXPECT_DOUBLE_EQ(TokenCost(no_cache, 1'000'000, 0, 1'000'000), 2.0);
  EXPECT_DOUBLE_EQ(TokenCost(p, -5, -5, -5), 0.0);
}

TEST(PriceFileTest, OverridesAddsAndKeepsTheRest) {
  PriceTable t = PriceTable::Builtin();
  Status s = t.MergeJson(R"({
    "_comment": "our negotiated prices",
    "as_of": "2026-11-01",
    "models": [
      {"model": "gpt-4o", "input_per_mtok": 2.0, "output_per_mtok": 8, "cached_input_per_mtok": 1},
      {"model": "Acme-1", "aliases": ["acme-one"], "input_per_mtok": 0.5, "output_per_mtok": 1.5,
       "_note": "in-house"}
    ]
  })",
                         "prices.json");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(t.as_of(), "2026-11-01");
  EXPECT_DOUBLE_EQ(t.Lookup("gpt-4o-2024-08-06")->input_per_mtok, 2.0);
  EXPECT_EQ(PricedAs("acme-1-2025-01-01", t), "acme-1");
  EXPECT_EQ(PricedAs("ACME-ONE", t), "acme-1");
  EXPECT_FALSE(t.Lookup("acme-1")->cached_input_per_mtok.has_value());
  EXPECT_EQ(PricedAs("claude-3-5-sonnet", t), "claude-3-5-sonnet");
  EXPECT_EQ(t.size(), Builtin().size() + 1);
}

TEST(PriceFileTest, ReplaceBuiltin) {
  PriceTable t = PriceTable::Builtin();
  ASSERT_TRUE(t.MergeJson(R"({"replace_builtin": true, "models": [
      {"model": "only-me", "input_per_mtok": 1, "output_per_mtok": 2}]})",
                          "p.json")
                  .ok());
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Lookup("gpt-4o"), nullptr);
  EXPECT_NE(t.Lookup("only-me"), nullptr);
}

// Each bad document gives InvalidArgument with this exact message, and leaves the table as it
// was.
TEST(PriceFileTest, ErrorsNameLineColumnAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {"{\n  \"models\": [\n    {\"model\": \"a\" \"input_per_mtok\": 1}\n  ]\n}",
       "p.json:3:19: expected ',' or '}'"},
      {"{\"models\": [{\"model\": \"a\", \"input_per_mtok\": 1,\n"
       "  \"output_per_mtok\": \"10\"}]}",
       "p.json:2:22: models[0].output_per_mtok: expected a number >= 0, got a string"},
      {"{\"models\": [{\"model\": \"a\", \"input_per_mtok\": -1, \"output_per_mtok\": 1}]}",
       "p.json:1:46: models[0].input_per_mtok: expected a number >= 0"},
      {"{\"models\": [{\"model\": \"a\", \"input_per_mtok\": 1, \"ouput_per_mtok\": 1}]}",
       "p.json:1:67: models[0].ouput_per_mtok: unknown field (expected model, aliases, "
       "input_per_mtok, output_per_mtok, cached_input_per_mtok)"},
      {"{\"models\": [{\"input_per_mtok\": 1, \"output_per_mtok\": 1}]}",
       "p.json:1:13: models[0]: missing required field \"model\""},
      {"{\"models\": [{\"model\": \"a\", \"output_per_mtok\": 1}]}",
       "p.json:1:13: models[0]: missing required field \"input_per_mtok\""},
      {"{\"models\": [{\"model\": \"a\", \"input_per_mtok\": 1}]}",
       "p.json:1:13: models[0]: missing required field \"output_per_mtok\""},
      {"{\"models\": [{\"model\": \"a\", \"input_per_mtok\": 1, \"output_per_mtok\": 1},\n"
       "  {\"model\": \"b\", \"aliases\": [\"A\"], \"input_per_mtok\": 1, \"output_per_mtok\": "
       "1}]}",
       "p.json:2:3: models[1]: the name \"A\" appears more than once in this file"},
      {"{\"models\": [{\"model\": \"a\", \"aliases\": [1], \"input_per_mtok\": 1}]}",
       "p.json:1:40: models[0].aliases[0]: expected a non-empty string"},
      {"[]", "p.json:1:1: (top level): expected an object with a \"models\" array, got an array"},
      {"{}", "p.json:1:1: (top level): missing \"models\""},
      {"{\"models\": {}}", "p.json:1:12: models: expected an array, got an object"},
      {"{\"model\": []}",
       "p.json:1:11: model: unknown field (expected as_of, replace_builtin, models)"},
      {"{\"models\": []} x", "p.json:1:16: unexpected text after the JSON value"},
      {"{\"models\": [\"abc", "p.json:1:17: unterminated string"},
      {"", "p.json:1:1: unexpected end of file, expected a value"},
      {"{\"models\": [tru]}", "p.json:1:13: unexpected character 't', expected a value"},
      {"{\"models\": [01]}", "p.json:1:14: expected ',' or ']'"},
      {"{\"replace_builtin\": 1, \"models\": []}",
       "p.json:1:21: replace_builtin: expected true or false"},
  };
  for (const auto& [doc, message] : cases) {
    PriceTable t = PriceTable::Builtin();
    Status s = t.MergeJson(doc, "p.json");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << doc;
    EXPECT_EQ(s.message(), message) << doc;
    EXPECT_EQ(t.size(), Builtin().size()) << doc;
    EXPECT_EQ(t.as_of(), Builtin().as_of()) << doc;
  }
}

TEST(PriceFileTest, DeepNestingIsAnErrorNotACrash) {
  std::string doc = "{\"models\": " + std::string(10000, '[');
  PriceTable t;
  Status s = t.MergeJson(doc, "p.json");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested too deeply"), std::string::npos) << s.message();
}

TEST(PriceFileTest, EscapesInStrings) {
  PriceTable t;
  ASSERT_TRUE(t.MergeJson(R"({"models": [{"model": "caf\u00e9\t\"x\"", "input_per_mtok": 1e0,
                                          "output_per_mtok": 0.5E+1}]})",
                          "p.json")
                  .ok());
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.prices()[0].model, "caf\xc3\xa9\t\"x\"");
  EXPECT_DOUBLE_EQ(t.prices()[0].output_per_mtok, 5.0);
}

TEST(PriceFileTest, LoadFile) {
  auto missing = PriceTable::LoadFile("/nonexistent/prices.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/prices.json"), std::string::npos);

  std::string path = (std::filesystem::temp_directory_path() /
                      ("ht_prices_" + std::to_string(::getpid()) + ".json"))
                         .string();
  {
    std::ofstream out(path);
    out << R"({"models": [{"model": "acme-1", "input_per_mtok": 1, "output_per_mtok": 2}]})";
  }
  auto loaded = PriceTable::LoadFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_NE(loaded->Lookup("acme-1"), nullptr);
  EXPECT_NE(loaded->Lookup("gpt-4o"), nullptr);  // built-in kept
  {
    std::ofstream out(path);
    out << "{\"models\": [\n  {\"model\": \"acme-1\"}\n]}";
  }
  auto bad = PriceTable::LoadFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            path + ":2:3: models[0]: missing required field \"input_per_mtok\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hoptrace
