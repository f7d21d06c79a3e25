// Internal helpers shared by the detectors.
#pragma once

#include <cstdint>
#include <string>

#include "model/span.h"

namespace hoptrace::analysis {

// The tool call's arguments as sent (gen_ai.tool.call.arguments and the other dialects'
// keys); "" when absent.
std::string ToolArguments(const Span& s);
// Tokens / cost of a span that count (usage_counted); total_tokens, else input + output.
int64_t CountedTokens(const Span& s);
double CountedCost(const Span& s);

}  // namespace hoptrace::analysis
