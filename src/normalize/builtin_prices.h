// The built-in price table's rows (builtin_prices.cc). Internal to src/normalize/; use
// PriceTable::Builtin().
#pragma once

#include <span>
#include <string_view>

namespace hoptrace::builtin_prices {

struct Row {
  std::string_view model;
  double input_per_mtok;
  double output_per_mtok;
  double cached_input_per_mtok;  // < 0: no separate cached-input price
  std::string_view aliases;      // comma-separated, may be empty
};

// The date the prices were taken (ISO 8601).
std::string_view AsOf();
std::span<const Row> Rows();

}  // namespace hoptrace::builtin_prices
