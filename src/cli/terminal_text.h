// Text in terminal cells: display widths of UTF-8, server strings made safe to print, and
// fitting text to a column. Used by the waterfall (waterfall.h).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hoptrace::cli {

// Terminal cells of UTF-8 text: East Asian wide characters and emoji take 2, combining marks 0,
// an invalid byte 1 (a simplified wcwidth, independent of the locale).
size_t DisplayWidth(std::string_view s);
inline int Width(std::string_view s) { return static_cast<int>(DisplayWidth(s)); }

// Text from a server made safe to print: line breaks and tabs become spaces; other control
// characters (C0, DEL, C1 — so no escape sequence gets through), bidi overrides and invalid
// UTF-8 become '?'; when !utf8 every non-ASCII character becomes '?' too. The result is valid
// UTF-8 (ASCII when !utf8).
std::string Sanitize(std::string_view s, bool utf8);

// `text` (sanitised) cut or padded to exactly `width` cells, left-aligned. A cut ends in '…'
// ("..." when !utf8) unless the column is too narrow for it; a wide character that would
// straddle the edge is replaced by padding.
std::string Fit(std::string_view text, int width, bool utf8);

// Right-aligned in `width` cells; cut like Fit when longer.
std::string FitRight(std::string_view text, int width, bool utf8);

}  // namespace hoptrace::cli
