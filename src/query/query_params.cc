#include "query/query_params.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "model/span.h"

namespace hoptrace {
namespace {

constexpr std::string_view kAttrPrefix = "attr.";
constexpr size_t kMaxQuotedValue = 64;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


// Percent-decodes `in` ('+' as space); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] != '%') {
      out += in[i];
    } else {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexDigit(in[i + 1]);
      const int lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

std::optional<uint64_t> ParseDigits(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;  // no sign, no space
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A time bound: unix nanoseconds as digits, or `<integer><unit>` meaning now minus that.
StatusOr<uint64_t> ParseTimeBound(std::string_view name, std::string_view value, uint64_t now) {
  constexpr std::string_view kWhat =
      "must be unix nanoseconds or a relative duration like 15m (units ns, us, ms, s, m, h, "
      "d)";
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits == 0) return ParamError(name, kWhat, value);
  const std::optional<uint64_t> n = ParseDigits(value.substr(0, digits));
  if (!n) return ParamError(name, "number too large", value);
  const std::string_view unit = value.substr(digits);
  if (unit.empty()) return *n;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ns", 1},
      {"us", 1'000},
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
      {"d", 86'400'000'000'000},
  };
  for (const auto& [u, ns] : kUnits) {
    if (unit != u) continue;
    if (*n > std::numeric_limits<uint64_t>::max() / ns) {
      return ParamError(name, "duration too large", value);
    }
    const uint64_t ago = *n * ns;
    return ago >= now ? 0 : now - ago;
  }
  return ParamError(name, kWhat, value);
}

// A non-negative decimal number of milliseconds ("250", "1.5", ".5") as nanoseconds.
StatusOr<int64_t> ParseMillis(std::string_view name, std::string_view value) {
  constexpr std::string_view kWhat = "must be a non-negative number of milliseconds";
  size_t int_digits = 0, frac_digits = 0, dots = 0;
  for (char c : value) {
    if (c == '.') {
      ++dots;
    } else if (c >= '0' && c <= '9') {
      ++(dots == 0 ? int_digits : frac_digits);
    } else {
      return ParamError(name, kWhat, value);
    }
  }
  if (dots > 1 || int_digits + frac_digits == 0) return ParamError(name, kWhat, value);
  double ms = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), ms, std::chars_format::fixed);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return ParamError(name, kWhat, value);
  }
  const double ns = std::round(ms * 1e6);
  // 2^63 is exactly representable; anything at or above it does not fit in int64_t.
  if (!std::isfinite(ns) || ns >= 9223372036854775808.0) {
    return ParamError(name, "too large", value);
  }
  return static_cast<int64_t>(ns);
}

StatusOr<GroupKey> ParseGroupKey(std::string_view key) {
  static constexpr std::pair<std::string_view, GroupField> kFields[] = {
      {"agent", GroupField::kAgent},       {"model", GroupField::kModel},
      {"provider", GroupField::kProvider}, {"tool", GroupField::kTool},
      {"service", GroupField::kService},   {"operation", GroupField::kOperation},
      {"name", GroupField::kName},         {"status", GroupField::kStatus},
  };
  for (const auto& [text, field] : kFields) {
    if (key == text) return GroupKey{field, ""};
  }
  if (key.starts_with(kAttrPrefix) && key.size() > kAttrPrefix.size()) {
    return GroupKey{GroupField::kAttribute, std::string(key.substr(kAttrPrefix.size()))};
  }
  return ParamError("group_by",
                    "keys must be among agent, model, provider, tool, service, operation, "
                    "name, status, attr.KEY",
                    key);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

StatusOr<std::vector<GroupKey>> ParseGroupBy(std::string_view value) {
  std::vector<GroupKey> keys;
  if (value.empty()) return keys;
  size_t start = 0;
  while (true) {
    const size_t comma = value.find(',', start);
    const std::string_view key = TrimSpaces(value.substr(start, comma - start));
    if (key.empty()) return ParamError("group_by", "empty key", value);
    HT_ASSIGN_OR_RETURN(GroupKey parsed, ParseGroupKey(key));
    for (const GroupKey& k : keys) {
      if (k == parsed) return ParamError("group_by", "duplicate key", key);
    }
    keys.push_back(std::move(parsed));
    if (keys.size() > kMaxGroupKeys) {
      return ParamError("group_by", "at most " + std::to_string(kMaxGroupKeys) + " keys", value);
    }
    if (comma == std::string_view::npos) return keys;
    start = comma + 1;
  }
}

// Applies the filter parameters shared by /traces and /stats to `filter`. Parameters it
// does not know are handed to `other(name, value)`, which returns an error for unknown ones.
template <typename Other>
Status ParseFilters(const QueryParams& params, uint64_t now, SpanFilter& filter, Other other) {
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (!seen.insert(name).second) return InvalidArgumentError(name + ": given more than once");
    if (name.starts_with(kAttrPrefix)) {
      if (name.size() == kAttrPrefix.size()) {
        return InvalidArgumentError(name + ": attribute key missing (use attr.KEY=VALUE)");
      }
      filter.attributes.emplace_back(name.substr(kAttrPrefix.size()), value);
      continue;
    }
    std::string* text = name == "service" ? &filter.service
                        : name == "agent" ? &filter.agent
                        : name == "model" ? &filter.model
                        : name == "tool"  ? &filter.tool
                        : name == "name"  ? &filter.name
                                          : nullptr;
    if (text != nullptr) {
      *text = value;
      continue;
    }
    if (name == "status" || name == "min_duration_ms" || name == "max_duration_ms" ||
        name == "since" || name == "until") {
      if (value.empty()) continue;
    } else {
      HT_RETURN_IF_ERROR(other(name, value));
      continue;
    }
    if (name == "status") {
      filter.status = ParseStatusCodeText(value);
      if (!filter.status) return ParamError(name, "must be one of unset, ok, error", value);
    } else if (name == "min_duration_ms") {
      HT_ASSIGN_OR_RETURN(filter.min_duration_ns, ParseMillis(name, value));
    } else if (name == "max_duration_ms") {
      HT_ASSIGN_OR_RETURN(filter.max_duration_ns, ParseMillis(name, value));
    } else if (name == "since") {
      HT_ASSIGN_OR_RETURN(filter.start_min_unix_nano, ParseTimeBound(name, value, now));
    } else {
      HT_ASSIGN_OR_RETURN(filter.start_max_unix_nano, ParseTimeBound(name, value, now));
    }
  }
  if (filter.min_duration_ns && filter.max_duration_ns &&
      *filter.min_duration_ns > *filter.max_duration_ns) {
    return InvalidArgumentError("min_duration_ms: must not exceed max_duration_ms");
  }
  if (filter.start_min_unix_nano > filter.start_max_unix_nano) {
    return InvalidArgumentError("since: must not be after until");
  }
  return Status::Ok();
}

Status UnknownParameter(const std::string& name) {
  return InvalidArgumentError(name + ": unknown parameter");
}

}  // namespace

// `s` between double quotes for an error message: control characters, '"' and '\' escaped,
// cut after kMaxQuotedValue bytes.
std::string QuoteForError(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxQuotedValue; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += s.size() > kMaxQuotedValue ? "\"..." : "\"";
  return out;
}

Status ParamError(std::string_view name, std::string_view what, std::string_view value) {
  return InvalidArgumentError(std::string(name) + ": " + std::string(what) + ", got " +
                              QuoteForError(value));
}

StatusOr<QueryParams> ParseQueryString(std::string_view query) {
  QueryParams params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view piece = query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    const std::string_view raw_name = piece.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::optional<std::string> name = PercentDecode(raw_name);
    if (!name) return ParamError(raw_name, "malformed percent-escape in name", raw_name);
    if (name->empty()) {
      return InvalidArgumentError("parameter with an empty name: " + QuoteForError(piece));
    }
    std::optional<std::string> value = PercentDecode(raw_value);
    if (!value) return ParamError(*name, "malformed percent-escape", raw_value);
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

StatusOr<TraceSearchParams> ParseTraceSearch(const QueryParams& params, uint64_t now_unix_nano) {
  TraceSearchParams out;
  HT_RETURN_IF_ERROR(ParseFilters(
      params, now_unix_nano, out.filter,
      [&out](const std::string& name, const std::string& value) -> Status {
        if (name != "limit") return UnknownParameter(name);
        if (value.empty()) return Status::Ok();
        const std::optional<uint64_t> limit = ParseDigits(value);
        if (!limit || *limit < 1 || *limit > kMaxTraceLimit) {
          return ParamError(
              name, "must be an integer between 1 and " + std::to_string(kMaxTraceLimit), value);
        }
        out.limit = *limit;
        return Status::Ok();
      }));
  return out;
}

StatusOr<StatsParams> ParseStats(const QueryParams& params, uint64_t now_unix_nano) {
  StatsParams out;
  HT_RETURN_IF_ERROR(
      ParseFilters(params, now_unix_nano, out.request.filter,
                   [&out](const std::string& name, const std::string& value) -> Status {
                     if (name == "limit")
                       return InvalidArgumentError("limit: not accepted by stats");
                     if (name != "group_by") return UnknownParameter(name);
                     HT_ASSIGN_OR_RETURN(out.request.group_by, ParseGroupBy(value));
                     return Status::Ok();
                   }));
  return out;
}

}  // namespace hoptrace
