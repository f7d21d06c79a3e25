// The built-in price table: USD per million tokens, standard (non-batch) API prices, text
// tokens, the base tier where a provider charges more for long prompts.
//
// Prices taken on 2025-11-13 (the AsOf() date), from the providers' public price pages:
//   OpenAI     https://platform.openai.com/docs/pricing
//   Anthropic  https://www.anthropic.com/pricing#api    (cached = cache read; cache writes are
//                                                        priced as input)
//   Google     https://ai.google.dev/gemini-api/docs/pricing   (paid tier, prompts <= 200k
//                                                               tokens; <= 128k for 1.5)
//   Meta Llama is served by many hosts at different prices; the rows below are Groq's
//              on-demand prices (https://groq.com/pricing), 405B Together AI's. Override them
//              with --prices when another host serves your Llama.
// A price change is an edit of this file (and of AsOf()); a user's own prices go in a --prices
// file instead (price_table.h describes its format).

#include "normalize/builtin_prices.h"

namespace hoptrace::builtin_prices {

namespace {

constexpr double kNone = -1;  // no separate cached-input price

// model, input, output, cached input, aliases
constexpr Row kRows[] = {
    // --- OpenAI -------------------------------------------------------------------------
    {"gpt-5.1", 1.25, 10.00, 0.125, "gpt-5.1-chat-latest,gpt-5.1-codex"},
    {"gpt-5", 1.25, 10.00, 0.125, "gpt-5-chat-latest,gpt-5-codex"},
    {"gpt-5-mini", 0.25, 2.00, 0.025, ""},
    {"gpt-5-nano", 0.05, 0.40, 0.005, ""},
    {"gpt-5-pro", 15.00, 120.00, kNone, ""},
    {"gpt-4.1", 2.00, 8.00, 0.50, ""},
    {"gpt-4.1-mini", 0.40, 1.60, 0.10, ""},
    {"gpt-4.1-nano", 0.10, 0.40, 0.025, ""},
    {"gpt-4o", 2.50, 10.00, 1.25, ""},
    {"gpt-4o-2024-05-13", 5.00, 15.00, kNone, ""},  // the first gpt-4o snapshot kept its price
    {"chatgpt-4o-latest", 5.00, 15.00, kNone, ""},
    {"gpt-4o-mini", 0.15, 0.60, 0.075, ""},
    {"gpt-4-turbo", 10.00, 30.00, kNone,
     "gpt-4-turbo-preview,gpt-4-0125-preview,gpt-4-1106-preview"},
    {"gpt-4", 30.00, 60.00, kNone, ""},
    {"gpt-3.5-turbo", 0.50, 1.50, kNone, "gpt-35-turbo"},
    {"gpt-3.5-turbo-0613", 1.50, 2.00, kNone, ""},  // older snapshots kept their prices
    {"gpt-3.5-turbo-1106", 1.00, 2.00, kNone, ""},
    {"o1", 15.00, 60.00, 7.50, "o1-preview"},
    {"o1-mini", 1.10, 4.40, 0.55, ""},
    {"o1-pro", 150.00, 600.00, kNone, ""},
    {"o3", 2.00, 8.00, 0.50, ""},
    {"o3-mini", 1.10, 4.40, 0.55, ""},
    {"o3-pro", 20.00, 80.00, kNone, ""},
    {"o4-mini", 1.10, 4.40, 0.275, ""},
    {"text-embedding-3-small", 0.02, 0, kNone, ""},
    {"text-embedding-3-large", 0.13, 0, kNone, ""},
    {"text-embedding-ada-002", 0.10, 0, kNone, ""},

    // --- Anthropic ----------------------------------------------------------------------
    {"claude-opus-4-5", 5.00, 25.00, 0.50, "claude-opus-4.5"},
    {"claude-opus-4-1", 15.00, 75.00, 1.50, "claude-opus-4.1"},
    {"claude-opus-4", 15.00, 75.00, 1.50, "claude-opus-4-0,claude-4-opus"},
    {"claude-sonnet-4-5", 3.00, 15.00, 0.30, "claude-sonnet-4.5"},
    {"claude-sonnet-4", 3.00, 15.00, 0.30, "claude-sonnet-4-0,claude-4-sonnet"},
    {"claude-3-7-sonnet", 3.00, 15.00, 0.30, "claude-3.7-sonnet"},
    {"claude-3-5-sonnet", 3.00, 15.00, 0.30, "claude-3.5-sonnet"},
    {"claude-haiku-4-5", 1.00, 5.00, 0.10, "claude-haiku-4.5"},
    {"claude-3-5-haiku", 0.80, 4.00, 0.08, "claude-3.5-haiku"},
    {"claude-3-opus", 15.00, 75.00, 1.50, ""},
    {"claude-3-haiku", 0.25, 1.25, 0.03, ""},

    // --- Google -------------------------------------------------------------------------
    {"gemini-3-pro-preview", 2.00, 12.00, 0.20, ""},
    {"gemini-2.5-pro", 1.25, 10.00, 0.31, ""},
    {"gemini-2.5-flash", 0.30, 2.50, 0.075, ""},
    {"gemini-2.5-flash-lite", 0.10, 0.40, 0.025, ""},
    {"gemini-2.0-flash", 0.10, 0.40, 0.025, ""},
    {"gemini-2.0-flash-lite", 0.075, 0.30, kNone, ""},
    {"gemini-1.5-pro", 1.25, 5.00, kNone, ""},
    {"gemini-1.5-flash", 0.075, 0.30, kNone, ""},

    // --- Meta Llama (host-dependent, see above) -----------------------------------------
    {"llama-4-maverick", 0.20, 0.60, kNone, "llama-4-maverick-17b-128e"},
    {"llama-4-scout", 0.11, 0.34, kNone, "llama-4-scout-17b-16e"},
    {"llama-3.3-70b", 0.59, 0.79, kNone, ""},
    {"llama-3.1-405b", 3.50, 3.50, kNone, ""},
    {"llama-3.1-70b", 0.59, 0.79, kNone, ""},
    {"llama-3.1-8b", 0.05, 0.08, kNone, ""},
};

}  // namespace

std::string_view AsOf() { return "2025-11-13"; }

std::span<const Row> Rows() { return kRows; }

}  // namespace hoptrace::builtin_prices
