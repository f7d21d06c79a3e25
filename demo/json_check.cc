#include "json_check.h"

#include <cctype>
#include <string>

namespace hoptrace::demo {
namespace {

constexpr int kMaxDepth = 64;

class Checker {
 public:
  explicit Checker(std::string_view s) : s_(s) {}

  std::optional<std::string> Run() {
    SkipSpace();
    if (!Value(0)) return error_;
    SkipSpace();
    if (pos_ != s_.size()) {
      Fail("unexpected text after the value");
      return error_;
    }
    return std::nullopt;
  }

 private:
  bool Value(int depth) {
    if (depth > kMaxDepth) return Fail("nesting too deep");
    if (pos_ >= s_.size()) return Fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{':
        return Object(depth);
      case '[':
        return Array(depth);
      case '"':
        return String();
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Number();
    }
  }

  bool Object(int depth) {
    ++pos_;  // '{'
    SkipSpace();
    if (Peek('}')) return ++pos_, true;
    for (;;) {
      SkipSpace();
      if (!Peek('"')) return Fail("expected a string key");
      if (!String()) return false;
      SkipSpace();
      if (!Peek(':')) return Fail("expected ':' after the key");
      ++pos_;
      SkipSpace();
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (Peek(',')) {
        ++pos_;
        continue;
      }
      if (Peek('}')) return ++pos_, true;
      return Fail("expected ',' or '}' after an object member");
    }
  }

  bool Array(int depth) {
    ++pos_;  // '['
    SkipSpace();
    if (Peek(']')) return ++pos_, true;
    for (;;) {
      SkipSpace();
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (Peek(',')) {
        ++pos_;
        continue;
      }
      if (Peek(']')) return ++pos_, true;
      return Fail("expected ',' or ']' after an array element");
    }
  }

  bool String() {
    ++pos_;  // '"'
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        const char e = s_[pos_++];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i, ++pos_) {
            if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])))
              return Fail("bad \\u escape");
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return Fail("bad escape in a string");
        }
      }
    }
    return Fail("unterminated string");
  }

  bool Number() {
    const std::size_t start = pos_;
    if (Peek('-')) ++pos_;
    if (Peek('0')) {
      ++pos_;
    } else if (!Digits()) {
      pos_ = start;
      return Fail("expected a value");
    }
    if (Peek('.')) {
      ++pos_;
      if (!Digits()) return Fail("expected digits after '.'");
    }
    if (Peek('e') || Peek('E')) {
      ++pos_;
      if (Peek('+') || Peek('-')) ++pos_;
      if (!Digits()) return Fail("expected digits in the exponent");
    }
    return true;
  }

  bool Digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Word(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("expected a value");
    pos_ += word.size();
    return true;
  }

  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  bool Fail(std::string_view what) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error_ = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
             std::string(what);
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<std::string> CheckJson(std::string_view text) { return Checker(text).Run(); }

}  // namespace hoptrace::demo
