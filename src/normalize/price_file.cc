// The --prices override file (format in price_table.h): a small JSON reader that keeps line
// and column of every value, so each error names where it is.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "normalize/price_table.h"

namespace hoptrace {

namespace {

struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonNode> items;
  std::vector<std::pair<std::string, JsonNode>> fields;
  int line = 1;
  int column = 1;
};

std::string_view KindName(JsonNode::Kind k) {
  switch (k) {
    case JsonNode::Kind::kNull:
      return "null";
    case JsonNode::Kind::kBool:
      return "a boolean";
    case JsonNode::Kind::kNumber:
      return "a number";
    case JsonNode::Kind::kString:
      return "a string";
    case JsonNode::Kind::kArray:
      return "an array";
    case JsonNode::Kind::kObject:
      return "an object";
  }
  return "?";
}

// Strict RFC 8259 reader with positions; nesting limited to kMaxDepth.
class JsonReader {
 public:
  JsonReader(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Status Read(JsonNode* root) {
    SkipSpace();
    HT_RETURN_IF_ERROR(Value(root, 0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the JSON value");
    return Status::Ok();
  }

 private:
  static constexpr int kMaxDepth = 64;

  Status Error(std::string_view what) const {
    return InvalidArgumentError(std::string(source_) + ":" + std::to_string(line_) + ":" +
                                std::to_string(column_) + ": " + std::string(what));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void Advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      Advance();
    }
  }
  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    for (size_t i = 0; i < word.size(); ++i) Advance();
    return true;
  }

  Status Value(JsonNode* out, int depth) {
    out->line = line_;
    out->column = column_;
    if (AtEnd()) return Error("unexpected end of file, expected a value");
    char c = Peek();
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth) return Error("nested too deeply");
      return c == '{' ? Object(out, depth) : Array(out, depth);
    }
    if (c == '"') {
      out->kind = JsonNode::Kind::kString;
      return String(&out->text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    if (Literal("true")) {
      out->kind = JsonNode::Kind::kBool;
      out->boolean = true;
      return Status::Ok();
    }
    if (Literal("false")) {
      out->kind = JsonNode::Kind::kBool;
      return Status::Ok();
    }
    if (Literal("null")) return Status::Ok();
    return Error(std::string("unexpected character '") + c + "', expected a value");
  }

  Status Object(JsonNode* out, int depth) {
    out->kind = JsonNode::Kind::kObject;
    Advance();  // '{'
    SkipSpace();
    if (Peek() == '}') {
      Advance();
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      if (Peek() != '"') return Error("expected a quoted field name");
      std::string key;
      HT_RETURN_IF_ERROR(String(&key));
      SkipSpace();
      if (Peek() != ':') return Error("expected ':' after the field name");
      Advance();
      SkipSpace();
      JsonNode value;
      HT_RETURN_IF_ERROR(Value(&value, depth + 1));
      out->fields.emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (Peek() == ',') {
        Advance();
        continue;
      }
      if (Peek() == '}') {
        Advance();
        return Status::Ok();
      }
      return Error("expected ',' or '}'");
    }
  }

  Status Array(JsonNode* out, int depth) {
    out->kind = JsonNode::Kind::kArray;
    Advance();  // '['
    SkipSpace();
    if (Peek() == ']') {
      Advance();
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      JsonNode item;
      HT_RETURN_IF_ERROR(Value(&item, depth + 1));
      out->items.push_back(std::move(item));
      SkipSpace();
      if (Peek() == ',') {
        Advance();
        continue;
      }
      if (Peek() == ']') {
        Advance();
        return Status::Ok();
      }
      return Error("expected ',' or ']'");
    }
  }

  static void AppendUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status Hex4(uint32_t* out) {
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = Peek();
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return Error("expected 4 hex digits after \\u");
      *out = *out << 4 | static_cast<uint32_t>(d);
      Advance();
    }
    return Status::Ok();
  }

  Status String(std::string* out) {
    Advance();  // opening quote
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      char c = Peek();
      if (c == '"') {
        Advance();
        return Status::Ok();
      }
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c != '\\') {
        out->push_back(c);
        Advance();
        continue;
      }
      Advance();
      char e = Peek();
      if (AtEnd()) return Error("unterminated string");
      Advance();
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          HT_RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xD800 && cp < 0xDC00 && Literal("\\u")) {
            uint32_t low;
            HT_RETURN_IF_ERROR(Hex4(&low));
            if (low >= 0xDC00 && low < 0xE000)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Error(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  Status Number(JsonNode* out) {
    size_t start = pos_;
    if (Peek() == '-') Advance();
    if (!(Peek() >= '0' && Peek() <= '9')) return Error("invalid number");
    if (Peek() == '0') {
      Advance();
    } else {
      while (Peek() >= '0' && Peek() <= '9') Advance();
    }
    if (Peek() == '.') {
      Advance();
      if (!(Peek() >= '0' && Peek() <= '9'))
        return Error("invalid number: digits expected after '.'");
      while (Peek() >= '0' && Peek() <= '9') Advance();
    }
    if (Peek() == 'e' || Peek() == 'E') {
      Advance();
      if (Peek() == '+' || Peek() == '-') Advance();
      if (!(Peek() >= '0' && Peek() <= '9')) return Error("invalid number: bad exponent");
      while (Peek() >= '0' && Peek() <= '9') Advance();
    }
    std::string digits(text_.substr(start, pos_ - start));
    out->kind = JsonNode::Kind::kNumber;
    out->number = std::strtod(digits.c_str(), nullptr);
    return Status::Ok();
  }

  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// Errors about a value: "source:line:col: path: message".
Status FieldError(std::string_view source, const JsonNode& at, std::string_view path,
                  std::string_view what) {
  return InvalidArgumentError(std::string(source) + ":" + std::to_string(at.line) + ":" +
                              std::to_string(at.column) + ": " + std::string(path) + ": " +
                              std::string(what));
}

Status NonNegativeNumber(std::string_view source, const JsonNode& v, std::string_view path,
                         double* out) {
  if (v.kind != JsonNode::Kind::kNumber || !std::isfinite(v.number) || v.number < 0) {
    return FieldError(source, v, path,
                      v.kind == JsonNode::Kind::kNumber
                          ? "expected a number >= 0"
                          : "expected a number >= 0, got " + std::string(KindName(v.kind)));
  }
  *out = v.number;
  return Status::Ok();
}

struct Entry {
  ModelPrice price;
  std::vector<std::string> aliases;
};

Status ParseModel(std::string_view source, const JsonNode& node, const std::string& path,
                  Entry* out) {
  if (node.kind != JsonNode::Kind::kObject) {
    return FieldError(source, node, path,
                      "expected an object, got " + std::string(KindName(node.kind)));
  }
  bool has_model = false, has_input = false, has_output = false;
  for (const auto& [key, v] : node.fields) {
    std::string field = path + "." + key;
    if (!key.empty() && key[0] == '_') continue;  // comment
    if (key == "model") {
      if (v.kind != JsonNode::Kind::kString || v.text.empty()) {
        return FieldError(source, v, field, "expected a non-empty string");
      }
      out->price.model = v.text;
      has_model = true;
    } else if (key == "aliases") {
      if (v.kind != JsonNode::Kind::kArray) {
        return FieldError(source, v, field, "expected an array of strings");
      }
      for (size_t i = 0; i < v.items.size(); ++i) {
        const JsonNode& a = v.items[i];
        if (a.kind != JsonNode::Kind::kString || a.text.empty()) {
          return FieldError(source, a, field + "[" + std::to_string(i) + "]",
                            "expected a non-empty string");
        }
        out->aliases.push_back(a.text);
      }
    } else if (key == "input_per_mtok") {
      HT_RETURN_IF_ERROR(NonNegativeNumber(source, v, field, &out->price.input_per_mtok));
      has_input = true;
    } else if (key == "output_per_mtok") {
      HT_RETURN_IF_ERROR(NonNegativeNumber(source, v, field, &out->price.output_per_mtok));
      has_output = true;
    } else if (key == "cached_input_per_mtok") {
      double d;
      HT_RETURN_IF_ERROR(NonNegativeNumber(source, v, field, &d));
      out->price.cached_input_per_mtok = d;
    } else {
      return FieldError(source, v, field,
                        "unknown field (expected model, aliases, input_per_mtok, output_per_mtok, "
                        "cached_input_per_mtok)");
    }
  }
  if (!has_model) return FieldError(source, node, path, "missing required field \"model\"");
  if (!has_input) {
    return FieldError(source, node, path, "missing required field \"input_per_mtok\"");
  }
  if (!has_output) {
    return FieldError(source, node, path, "missing required field \"output_per_mtok\"");
  }
  return Status::Ok();
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

Status PriceTable::MergeJson(std::string_view json, std::string_view source) {
  JsonNode root;
  HT_RETURN_IF_ERROR(JsonReader(json, source).Read(&root));
  if (root.kind != JsonNode::Kind::kObject) {
    return FieldError(
        source, root, "(top level)",
        "expected an object with a \"models\" array, got " + std::string(KindName(root.kind)));
  }
  std::string as_of;
  bool replace = false;
  const JsonNode* models = nullptr;
  for (const auto& [key, v] : root.fields) {
    if (!key.empty() && key[0] == '_') continue;
    if (key == "as_of") {
      if (v.kind != JsonNode::Kind::kString) return FieldError(source, v, key, "expected a string");
      as_of = v.text;
    } else if (key == "replace_builtin") {
      if (v.kind != JsonNode::Kind::kBool)
        return FieldError(source, v, key, "expected true or false");
      replace = v.boolean;
    } else if (key == "models") {
      if (v.kind != JsonNode::Kind::kArray) {
        return FieldError(source, v, key,
                          "expected an array, got " + std::string(KindName(v.kind)));
      }
      models = &v;
    } else {
      return FieldError(source, v, key, "unknown field (expected as_of, replace_builtin, models)");
    }
  }
  if (models == nullptr) return FieldError(source, root, "(top level)", "missing \"models\"");

  std::vector<Entry> entries;
  std::set<std::string> seen;
  for (size_t i = 0; i < models->items.size(); ++i) {
    std::string path = "models[" + std::to_string(i) + "]";
    Entry e;
    HT_RETURN_IF_ERROR(ParseModel(source, models->items[i], path, &e));
    std::vector<std::string> names = {e.price.model};
    names.insert(names.end(), e.aliases.begin(), e.aliases.end());
    for (const std::string& n : names) {
      if (!seen.insert(Lower(n)).second) {
        return FieldError(source, models->items[i], path,
                          "the name \"" + n + "\" appears more than once in this file");
      }
    }
    entries.push_back(std::move(e));
  }

  // Validated: apply.
  if (replace) *this = PriceTable();
  for (Entry& e : entries) Set(std::move(e.price), e.aliases);
  if (!as_of.empty()) as_of_ = as_of;
  return Status::Ok();
}

StatusOr<PriceTable> PriceTable::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoToStatus(errno, "open prices file", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ErrnoToStatus(errno, "read prices file", path);
  PriceTable table = Builtin();
  HT_RETURN_IF_ERROR(table.MergeJson(text.str(), path));
  return table;
}

}  // namespace hoptrace
