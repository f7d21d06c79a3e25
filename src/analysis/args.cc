// NormalizeArguments: canonical JSON (sorted keys, no insignificant whitespace) or trimmed text.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.h"

namespace hoptrace::analysis {
namespace {

// A small recursive-descent JSON reader that re-emits its input canonically. Strings and
// numbers are copied as written (numbers are not re-formatted: 1.0 and 1 stay distinct).
class Canonicalizer {
 public:
  explicit Canonicalizer(std::string_view in) : in_(in) {}

  std::optional<std::string> Run() {
    std::string out;
    SkipSpace();
    if (!Value(&out, 0)) return std::nullopt;
    SkipSpace();
    if (pos_ != in_.size()) return std::nullopt;
    return out;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }

  bool Value(std::string* out, int depth) {
    if (depth > kMaxDepth || pos_ >= in_.size()) return false;
    char c = in_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') return String(out);
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    for (std::string_view lit : {"true", "false", "null"}) {
      if (in_.substr(pos_, lit.size()) == lit) {
        out->append(lit);
        pos_ += lit.size();
        return true;
      }
    }
    return false;
  }

  bool String(std::string* out) {
    size_t start = pos_++;
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      ++pos_;
      if (c == '"') {
        out->append(in_.substr(start, pos_ - start));
        return true;
      }
    }
    return false;
  }

  bool Number(std::string* out) {
    size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    bool digits = false;
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if ((c >= '0' && c <= '9')) {
        digits = true;
      } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
        break;
      }
      ++pos_;
    }
    if (!digits) return false;
    out->append(in_.substr(start, pos_ - start));
    return true;
  }

  bool Array(std::string* out, int depth) {
    ++pos_;
    out->push_back('[');
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      out->push_back(']');
      return true;
    }
    while (true) {
      SkipSpace();
      if (!Value(out, depth + 1)) return false;
      SkipSpace();
      if (pos_ >= in_.size()) return false;
      if (in_[pos_] == ',') {
        ++pos_;
        out->push_back(',');
        continue;
      }
      if (in_[pos_] == ']') {
        ++pos_;
        out->push_back(']');
        return true;
      }
      return false;
    }
  }

  bool Object(std::string* out, int depth) {
    ++pos_;
    std::vector<std::pair<std::string, std::string>> members;
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      out->append("{}");
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= in_.size() || in_[pos_] != '"') return false;
      std::string key, value;
      if (!String(&key)) return false;
      SkipSpace();
      if (pos_ >= in_.size() || in_[pos_] != ':') return false;
      ++pos_;
      SkipSpace();
      if (!Value(&value, depth + 1)) return false;
      members.emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (pos_ >= in_.size()) return false;
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == '}') {
        ++pos_;
        break;
      }
      return false;
    }
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    out->push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out->push_back(',');
      out->append(members[i].first);
      out->push_back(':');
      out->append(members[i].second);
    }
    out->push_back('}');
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NormalizeArguments(std::string_view arguments) {
  std::string_view t = Trim(arguments);
  if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
    if (std::optional<std::string> c = Canonicalizer(t).Run()) return *std::move(c);
  }
  return std::string(t);
}

}  // namespace hoptrace::analysis
