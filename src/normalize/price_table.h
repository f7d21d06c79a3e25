// Per-model token prices and the cost of a span's usage.
//
// The built-in table (builtin_prices.cc: common current OpenAI, Anthropic, Google and Meta
// Llama models, with the date the prices were taken) can be overridden by a JSON file
// (`hoptrace serve --prices FILE`):
//
//   {
//     "as_of": "2026-11-01",            optional: the date the file's prices were taken
//     "replace_builtin": false,         optional: true = the file's models only
//     "models": [                       required
//       {"model": "gpt-4o",             required: the name (case-insensitive)
//        "aliases": ["my-gpt4o"],       optional: more names for the same prices
//        "input_per_mtok": 2.5,         required: USD per million input tokens
//        "output_per_mtok": 10,         required: USD per million output tokens
//        "cached_input_per_mtok": 1.25} optional: USD per million cached input tokens
//     ]                                 (absent = cached input costs the input price)
//   }
//
// Keys starting with "_" are comments and ignored anywhere; any other unknown key is an error.
// Errors name the file, line, column and field: "prices.json:7:26: models[1].output_per_mtok:
// expected a number >= 0". A file entry takes over every name it lists.
//
// Lookup is tolerant of how emitters spell a model, but never guesses: it tries the name as
// sent, then without a provider prefix ("openai/gpt-4o", "models/gemini-2.5-pro",
// "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "openai:gpt-4o"), then without date and
// version stamps ("gpt-4o-2024-08-06" -> "gpt-4o", "claude-3-5-sonnet@20240620",
// "gpt-4-0613", "gemini-1.5-pro-002", "-latest"), and Llama host spellings
// ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "llama3.1:8b") -> exact names only. A name that
// matches nothing is unknown: cost 0, reported as unpriced.
//
// Thread-safety: a PriceTable is immutable after construction/loading; const methods are safe
// from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace hoptrace {

struct ModelPrice {
  std::string model;  // canonical name, lower case
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  std::optional<double> cached_input_per_mtok;  // nullopt: cached input at the input price
  bool operator==(const ModelPrice&) const = default;
};

// How a span's cost was (or was not) determined.
enum class PriceStatus : uint8_t {
  kNoUsage = 0,       // no tokens and no explicit cost: nothing to price
  kExplicit = 1,      // llm.cost.total on the span (wins over the table)
  kPriced = 2,        // tokens x the table
  kUnknownModel = 3,  // tokens, but no model or one the table does not know: cost 0, unpriced
  kTotalOnly = 4,     // only a total token count (no input/output split): cost 0, unpriced
};
inline bool IsUnpriced(PriceStatus s) {
  return s == PriceStatus::kUnknownModel || s == PriceStatus::kTotalOnly;
}
std::string_view PriceStatusName(PriceStatus s);  // "no_usage", "explicit", "priced", ...

class PriceTable {
 public:
  // An empty table: every model is unknown.
  PriceTable() = default;

  // The built-in table.
  static PriceTable Builtin();
  // The built-in table with the override file at `path` applied (see the format above).
  // Errors: NotFound/PermissionDenied-like errors when the file cannot be read,
  // InvalidArgument naming line, column and field when it is not valid.
  static StatusOr<PriceTable> LoadFile(const std::string& path);

  // Applies an override document (`source` names it in errors). All or nothing: on error the
  // table is unchanged.
  Status MergeJson(std::string_view json, std::string_view source);

  // Adds or replaces the prices of `price.model` and of each alias (names are lower-cased).
  void Set(ModelPrice price, const std::vector<std::string>& aliases = {});

  // The prices for `model` (see the lookup rules above), or nullptr when unknown.
  const ModelPrice* Lookup(std::string_view model) const;

  // The date the prices were taken (the built-in table's, or the last merged file's "as_of").
  const std::string& as_of() const { return as_of_; }
  size_t size() const { return prices_.size(); }
  const std::vector<ModelPrice>& prices() const { return prices_; }

 private:
  std::vector<ModelPrice> prices_;
  std::unordered_map<std::string, size_t> index_;  // every name and alias -> prices_ index
  std::string as_of_;
};

// The names Lookup tries for `model`, in order (exposed for tests and diagnostics).
std::vector<std::string> ModelLookupNames(std::string_view model);

// USD for `input` tokens, of which `cached_input` were read from a cache (clamped to `input`),
// and `output` tokens.
double TokenCost(const ModelPrice& price, int64_t input, int64_t output, int64_t cached_input);

}  // namespace hoptrace
