// `hoptrace show TRACE_ID`: one trace from a server drawn as a terminal waterfall
// (waterfall.h), or the API's JSON with --json.
//
// Exit codes: 0 drawn; 2 bad flags or a trace id that is not 32 hex digits (one line);
// 1 the server is unreachable, the trace is not found, or the answer is not the expected JSON
// (one line on `err`).
//
// Terminal: width from the terminal (TIOCGWINSZ) when `out` is one, else $COLUMNS, else 120
// (--width N wins); colour when `out` is a terminal, NO_COLOR is unset or empty and TERM is not
// "dumb" (--color=always|never|auto); UTF-8 glyphs when LC_ALL, else LC_CTYPE, else LANG names
// UTF-8 (--ascii forces ASCII).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/waterfall.h"

namespace hoptrace::cli {

int ShowCommand(const std::vector<std::string>& args, std::FILE* out = stdout,
                std::FILE* err = stderr);

// The trace id lowercased, or nullopt when it is not 32 hex digits or is all zeros (invalid in
// W3C trace context and OTLP).
std::optional<std::string> NormalizeTraceId(const std::string& id);

// The one positional TRACE_ID of `hoptrace CMD TRACE_ID ...`, normalised. nullopt after
// printing the usage error on `err` (the command then exits 2).
std::optional<std::string> TraceIdArgument(const char* cmd, const ParsedFlags& flags,
                                           std::FILE* err);

// Whether LC_ALL, else LC_CTYPE, else LANG names UTF-8.
bool LocaleIsUtf8();

// The body of GET /api/v1/traces/{id} as the waterfall's input; nullopt when it is not
// {"trace_id", "spans":[...]}. Missing or null span fields read as empty / 0.
std::optional<WaterfallTrace> ParseTraceJson(const std::string& body);

}  // namespace hoptrace::cli
