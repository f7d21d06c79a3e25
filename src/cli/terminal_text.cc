#include "cli/terminal_text.h"

#include <cstdint>

namespace hoptrace::cli {
namespace {

// Decodes the code point at s[*pos] and advances *pos; an invalid or truncated sequence yields
// -1 and advances one byte.
int32_t NextCodePoint(std::string_view s, size_t* pos) {
  const auto b0 = static_cast<unsigned char>(s[*pos]);
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  }
  int len = 0;
  int32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++*pos;
    return -1;
  }
  if (*pos + len > s.size()) {
    ++*pos;
    return -1;
  }
  for (int i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[*pos + i]);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return -1;
  }
  *pos += len;
  return cp;
}

// Terminal cells of one printable code point (a simplified wcwidth).
int CellWidth(int32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF))
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

}  // namespace

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (size_t pos = 0; pos < s.size();) {
    const int32_t cp = NextCodePoint(s, &pos);
    w += cp < 0 ? 1 : CellWidth(cp);
  }
  return w;
}

std::string Sanitize(std::string_view s, bool utf8) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    const size_t begin = pos;
    const int32_t cp = NextCodePoint(s, &pos);
    if (cp == '\n' || cp == '\r' || cp == '\t') {
      out.push_back(' ');
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
               (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
               (!utf8 && cp >= 0x80)) {
      out.push_back('?');  // also cp == -1 (invalid)
    } else {
      out.append(s.substr(begin, pos - begin));
    }
  }
  return out;
}

std::string Fit(std::string_view text, int width, bool utf8) {
  if (width <= 0) return "";
  const int have = static_cast<int>(DisplayWidth(text));
  std::string out;
  if (have <= width) {
    out.assign(text);
    out.append(width - have, ' ');
    return out;
  }
  const std::string_view ellipsis = utf8 ? "…" : "...";
  const int ellipsis_width = utf8 ? 1 : 3;
  const int keep = width >= ellipsis_width + 1 ? width - ellipsis_width : width;
  int used = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t begin = pos;
    const int32_t cp = NextCodePoint(text, &pos);
    const int w = cp < 0 ? 1 : CellWidth(cp);
    if (used + w > keep) break;
    out.append(text.substr(begin, pos - begin));
    used += w;
  }
  if (keep < width) {
    out.append(ellipsis);
    used += ellipsis_width;
  }
  out.append(width - used, ' ');
  return out;
}

std::string FitRight(std::string_view text, int width, bool utf8) {
  const int have = static_cast<int>(DisplayWidth(text));
  if (have >= width) return Fit(text, width, utf8);
  return std::string(width - have, ' ') + std::string(text);
}

}  // namespace hoptrace::cli
