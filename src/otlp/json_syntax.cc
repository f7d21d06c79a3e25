#include "otlp/json_syntax.h"

#include <cstdio>
#include <vector>

#include "otlp/utf8.h"

namespace hoptrace::otlp_internal {

namespace {

constexpr size_t kMaxDepth = 1024;

class SyntaxChecker {
 public:
  explicit SyntaxChecker(std::string_view text) : s_(text) {}

  JsonSyntaxError Run() {
    SkipSpace();
    if (pos_ == s_.size()) return Fail(pos_, "the document is empty");
    if (!Value()) return error_;
    while (true) {
      SkipSpace();
      if (open_.empty()) {
        if (pos_ != s_.size())
          return Fail(pos_, "unexpected " + Describe(pos_) + " after the end of the JSON value");
        return error_;  // no error found
      }
      const bool in_object = s_[open_.back()] == '{';
      if (pos_ == s_.size()) return Unclosed();
      const char c = s_[pos_];
      if (c == (in_object ? '}' : ']')) {
        ++pos_;
        open_.pop_back();
        continue;
      }
      if (c != ',') {
        return Fail(pos_, std::string("expected ',' or '") + (in_object ? '}' : ']') + "' after " +
                              (in_object ? "an object member" : "an array element") + ", found " +
                              Describe(pos_));
      }
      ++pos_;
      SkipSpace();
      if (in_object && !Key()) return error_;
      if (!Value()) return error_;
    }
  }

 private:
  JsonSyntaxError Fail(size_t offset, std::string problem) {
    error_.found = true;
    error_.offset = offset;
    error_.problem = std::move(problem);
    return error_;
  }
  bool FailB(size_t offset, std::string problem) {
    Fail(offset, std::move(problem));
    return false;
  }
  JsonSyntaxError Unclosed() {
    return Fail(pos_, std::string("the document ends inside the ") +
                          (s_[open_.back()] == '{' ? "object" : "array") + " opened at byte " +
                          std::to_string(open_.back()) + " (truncated body?)");
  }

  std::string Describe(size_t at) const {
    if (at >= s_.size()) return "the end of the document";
    const unsigned char c = static_cast<unsigned char>(s_[at]);
    char buf[16];
    if (c >= 0x21 && c < 0x7f) {
      std::snprintf(buf, sizeof buf, "'%c'", c);
    } else {
      std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    }
    return buf;
  }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // An object key and its ':'; at pos_ (spaces skipped).
  bool Key() {
    if (pos_ == s_.size()) {
      Unclosed();
      return false;
    }
    if (s_[pos_] != '"') {
      return FailB(pos_, "expected a quoted object key, found " + Describe(pos_));
    }
    if (!String()) return false;
    SkipSpace();
    if (pos_ == s_.size()) {
      Unclosed();
      return false;
    }
    if (s_[pos_] != ':') {
      return FailB(pos_, "expected ':' after an object key, found " + Describe(pos_));
    }
    ++pos_;
    SkipSpace();
    return true;
  }

  // One value at pos_ (spaces skipped). An object or array is opened (pushed) and its first
  // member read; Run() reads the rest.
  bool Value() {
    if (pos_ == s_.size()) {
      if (open_.empty()) return FailB(pos_, "the document ends where a value was expected");
      Unclosed();
      return false;
    }
    const char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (open_.size() >= kMaxDepth) {
        return FailB(pos_, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
      }
      open_.push_back(pos_);
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == (c == '{' ? '}' : ']')) {
        ++pos_;
        open_.pop_back();
        return true;
      }
      if (c == '{' && !Key()) return false;
      return Value();  // depth of this recursion: one level per '[' / '{' opened in a row
    }
    if (c == '"') return String();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    return FailB(pos_, "expected a value, found " + Describe(pos_));
  }

  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) {
      return FailB(pos_, "invalid literal (expected " + std::string(word) + ")");
    }
    pos_ += word.size();
    return true;
  }

  bool Number() {
    const size_t start = pos_;
    auto digits = [&] {
      size_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return FailB(start, "invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return FailB(start, "invalid number (no digit after '.')");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return FailB(start, "invalid number (no digit in the exponent)");
    }
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A string at pos_ (on its opening quote): escapes and UTF-8 checked.
  bool String() {
    const size_t start = pos_++;
    while (pos_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) break;
        const char e = s_[pos_ + 1];
        if (e == 'u') {
          for (size_t i = 2; i < 6; ++i) {
            if (pos_ + i >= s_.size() || Hex(s_[pos_ + i]) < 0) {
              return FailB(pos_, "invalid \\u escape in a string (want 4 hex digits)");
            }
          }
          pos_ += 6;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
          pos_ += 2;
        } else {
          return FailB(pos_, "invalid escape '\\" + std::string(1, e) + "' in a string");
        }
        continue;
      }
      if (c < 0x20) {
        return FailB(pos_, "unescaped control character (byte " + std::to_string(c) +
                               ") in a string; escape it, e.g. \\n");
      }
      if (c < 0x80) {
        ++pos_;
        continue;
      }
      size_t n = Utf8SequenceLength(s_, pos_);
      if (n == 0) return FailB(pos_, "invalid UTF-8 in a string (JSON text must be UTF-8)");
      pos_ += n;
    }
    return FailB(start, "unterminated string (no closing quote; truncated body?)");
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<size_t> open_;  // offsets of the '{' / '[' not yet closed
  JsonSyntaxError error_;
};

}  // namespace

JsonSyntaxError FindJsonSyntaxError(std::string_view text) { return SyntaxChecker(text).Run(); }

}  // namespace hoptrace::otlp_internal
