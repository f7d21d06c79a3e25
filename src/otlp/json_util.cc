#include "otlp/json_util.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "otlp/json_syntax.h"

namespace hoptrace::otlp_internal {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

thread_local simdjson::dom::parser tls_parser;
thread_local bool tls_parser_in_use = false;

// 2^63 and 2^64 as doubles (exact).
constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

}  // namespace

JsonDocument::~JsonDocument() {
  if (borrowed_) tls_parser_in_use = false;
}

Status JsonDocument::Parse(std::string_view body, std::string_view what) {
  if (parser_ == nullptr) {
    if (body.size() <= kMaxCachedParserBytes && !tls_parser_in_use) {
      tls_parser_in_use = true;
      borrowed_ = true;
      parser_ = &tls_parser;
    } else {
      own_parser_ = std::make_unique<simdjson::dom::parser>();
      parser_ = own_parser_.get();
    }
  }
  simdjson::error_code error = parser_->parse(body.data(), body.size()).get(root_);
  if (error == simdjson::SUCCESS) return Status::Ok();
  if (error == simdjson::MEMALLOC || error == simdjson::CAPACITY) {
    return ResourceExhaustedError("cannot parse a JSON body of " + std::to_string(body.size()) +
                                  " bytes: " + simdjson::error_message(error));
  }
  std::string message = "the body is not a valid " + std::string(what) + ": ";
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgumentError(message + "it is empty (an empty request is {})");
  }
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
      static_cast<unsigned char>(body[1]) == 0x8b) {
    return InvalidArgumentError(message +
                                "it looks gzip-compressed; send Content-Encoding: gzip with it");
  }
  JsonSyntaxError syntax = FindJsonSyntaxError(body);
  if (syntax.found) {
    message += "invalid JSON at byte " + std::to_string(syntax.offset) + ": " + syntax.problem;
  } else {
    message += std::string("invalid JSON: ") + simdjson::error_message(error);
  }
  return InvalidArgumentError(std::move(message));
}

std::string_view JsonTypeName(const element& e) {
  switch (e.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a JSON value";
}

bool ParseUint64Text(std::string_view s, uint64_t* out) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseInt64Text(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  size_t first = s[0] == '-' ? 1 : 0;
  if (first >= s.size() || s[first] < '0' || s[first] > '9') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ReadUint64(const element& e, uint64_t* out) {
  switch (e.type()) {
    case element_type::UINT64:
      *out = e.get_uint64().value_unsafe();
      return true;
    case element_type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      if (v < 0) return false;
      *out = static_cast<uint64_t>(v);
      return true;
    }
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (!(d >= 0 && d < kTwo64) || std::trunc(d) != d) return false;
      *out = static_cast<uint64_t>(d);
      return true;
    }
    case element_type::STRING:
      return ParseUint64Text(e.get_string().value_unsafe(), out);
    default:
      return false;
  }
}

bool ReadInt64(const element& e, int64_t* out) {
  switch (e.type()) {
    case element_type::INT64:
      *out = e.get_int64().value_unsafe();
      return true;
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (!(d >= -kTwo63 && d < kTwo63) || std::trunc(d) != d) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    case element_type::STRING:
      return ParseInt64Text(e.get_string().value_unsafe(), out);
    default:  // UINT64 is above INT64_MAX by construction
      return false;
  }
}

bool ReadUint32(const element& e, uint32_t* out) {
  uint64_t v = 0;
  if (!ReadUint64(e, &v) || v > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool ReadDouble(const element& e, double* out) {
  switch (e.type()) {
    case element_type::DOUBLE:
      *out = e.get_double().value_unsafe();
      return true;
    case element_type::INT64:
      *out = static_cast<double>(e.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      *out = static_cast<double>(e.get_uint64().value_unsafe());
      return true;
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (s == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else {
        // Only the JSON number grammar's characters (from_chars would also take "inf", "nan").
        if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string_view::npos) {
          return false;
        }
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
        return ec == std::errc() && end == s.data() + s.size();
      }
      return true;
    }
    default:
      return false;
  }
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

namespace {

// Reads exactly `n` digits at s[*pos].
bool Digits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

bool ParseIso8601(std::string_view s, uint64_t* unix_nano) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &day)) {
    return false;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return false;
  ++pos;
  if (!Digits(s, &pos, 2, &hour) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &minute) ||
      !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &second)) {
    return false;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDaysInMonth[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  uint64_t nanos = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + static_cast<uint64_t>(s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!Digits(s, &pos, 2, &oh)) return false;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!Digits(s, &pos, 2, &om) || oh > 23 || om > 59) return false;
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return false;  // a time without a zone is ambiguous
  }
  if (pos != s.size()) return false;
  const int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (seconds < 0) return false;
  *unix_nano = static_cast<uint64_t>(seconds) * 1000000000ULL + nanos;
  return true;
}

void AppendJsonText(const element& e, std::string* out) { *out += simdjson::minify(e); }

}  // namespace hoptrace::otlp_internal
