#include "query/jaeger_params.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <utility>

namespace hoptrace {
namespace {

constexpr uint64_t kNanosPerMicro = 1'000;
constexpr uint64_t kNanosPerDay = 86'400'000'000'000ull;


Status UnknownParameter(const std::string& name) {
  return InvalidArgumentError(name + ": unknown parameter");
}

std::optional<uint64_t> ParseDigits(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;  // no sign, no space
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Unix microseconds as nanoseconds; `round_up` covers the whole microsecond (for an inclusive
// upper bound).
StatusOr<uint64_t> ParseMicros(std::string_view name, std::string_view value, bool round_up) {
  const std::optional<uint64_t> us = ParseDigits(value);
  if (!us) return ParamError(name, "must be unix microseconds", value);
  if (*us > (std::numeric_limits<uint64_t>::max() - (kNanosPerMicro - 1)) / kNanosPerMicro) {
    return ParamError(name, "too large", value);
  }
  return *us * kNanosPerMicro + (round_up ? kNanosPerMicro - 1 : 0);
}

// A non-negative Go duration in nanoseconds.
StatusOr<int64_t> ParseDurationParam(std::string_view name, std::string_view value) {
  auto d = ParseGoDuration(value);
  if (!d.ok() || *d < 0) {
    return ParamError(name, "must be a non-negative duration like 100ms, 1.5s or 2m", value);
  }
  return *d;
}

// `lookback`: a Go duration or <integer>d / <integer>w; nullopt for "custom".
StatusOr<std::optional<uint64_t>> ParseLookback(std::string_view value) {
  constexpr std::string_view kName = "lookback";
  constexpr std::string_view kWhat = "must be a duration like 1h, 2d or 1w, or custom";
  if (value == "custom") return std::optional<uint64_t>();
  if (!value.empty() && (value.back() == 'd' || value.back() == 'w')) {
    const std::optional<uint64_t> n = ParseDigits(value.substr(0, value.size() - 1));
    if (!n) return ParamError(kName, kWhat, value);
    const uint64_t unit = value.back() == 'd' ? kNanosPerDay : 7 * kNanosPerDay;
    if (*n > std::numeric_limits<uint64_t>::max() / unit) {
      return ParamError(kName, "too large", value);
    }
    return std::optional<uint64_t>(*n * unit);
  }
  auto d = ParseGoDuration(value);
  if (!d.ok() || *d < 0) return ParamError(kName, kWhat, value);
  return std::optional<uint64_t>(static_cast<uint64_t>(*d));
}

// Parses a `tags` value, a JSON object of strings, handing each member to `put` in order.
Status ParseTagsJson(std::string_view value,
                     const std::function<void(std::string, std::string)>& put) {
  constexpr std::string_view kWhat = R"(must be a JSON object of strings like {"error":"true"})";
  simdjson::dom::parser parser;
  simdjson::padded_string padded(value);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return ParamError("tags", kWhat, value);
  }
  if (root.is_null()) return Status::Ok();  // Go's json.Unmarshal of null into a map: no tags
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return ParamError("tags", kWhat, value);
  }
  for (auto field : object) {
    std::string_view text;  // null reads as "", as Go's json.Unmarshal does
    if (!field.value.is_null() && field.value.get_string().get(text) != simdjson::SUCCESS) {
      return ParamError("tags", kWhat, value);
    }
    put(std::string(field.key), std::string(text));
  }
  return Status::Ok();
}

// Moves the tags that hoptrace's Jaeger spans carry but that are not span attributes into the
// filter fields they stand for; the rest become attribute predicates.
Status ApplyTags(std::vector<std::pair<std::string, std::string>> tags, SpanFilter& filter) {
  auto set_status = [&](StatusCodeValue status, std::string_view value) -> Status {
    if (filter.status && *filter.status != status) {
      return ParamError("tags", "the error and otel.status_code tags disagree", value);
    }
    filter.status = status;
    return Status::Ok();
  };
  for (auto& [key, value] : tags) {
    if (key.empty()) return InvalidArgumentError("tags: empty tag key");
    if (key == "error" && value == "true") {
      HT_RETURN_IF_ERROR(set_status(StatusCodeValue::kError, value));
    } else if (key == "otel.status_code") {
      std::string lower;
      for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::optional<StatusCodeValue> status = ParseStatusCodeText(lower);
      if (!status) {
        return ParamError("tags", "otel.status_code must be one of ERROR, OK, UNSET", value);
      }
      HT_RETURN_IF_ERROR(set_status(*status, value));
    } else if (key == "hoptrace.agent") {
      filter.agent = std::move(value);
    } else if (key == "hoptrace.model") {
      filter.model = std::move(value);
    } else if (key == "hoptrace.tool") {
      filter.tool = std::move(value);
    } else if (key == "hoptrace.operation") {
      filter.operation = std::move(value);
    } else {
      filter.attributes.emplace_back(std::move(key), std::move(value));
    }
  }
  return Status::Ok();
}

// Accepts only `allowed` names (each at most once), plus the always-ignored prettyPrint.
Status CheckOnly(const QueryParams& params, std::initializer_list<std::string_view> allowed) {
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    bool known = name == "prettyPrint";
    for (std::string_view a : allowed) known = known || name == a;
    if (!known) return UnknownParameter(name);
    if (!seen.insert(name).second) return InvalidArgumentError(name + ": given more than once");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<int64_t> ParseGoDuration(std::string_view text) {
  const Status invalid = InvalidArgumentError("invalid duration " + QuoteForError(text));
  constexpr uint64_t kLimit = uint64_t{1} << 63;  // |int64 min|
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ns", 1},
      {"us", 1'000},
      {"\xc2\xb5s", 1'000},  // U+00B5 MICRO SIGN
      {"\xce\xbcs", 1'000},  // U+03BC GREEK SMALL LETTER MU
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  };
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) return invalid;
    // The integer part.
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > (kLimit - static_cast<uint64_t>(s[i] - '0')) / 10) return invalid;  // overflow
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    const bool has_whole = i > 0;
    s.remove_prefix(i);
    // The fraction: digits past what a uint64 holds only lose precision.
    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflowed = false;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflowed) continue;
        if (fraction > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
          overflowed = true;
          continue;
        }
        fraction = fraction * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      has_fraction = j > 0;
      s.remove_prefix(j);
    }
    if (!has_whole && !has_fraction) return invalid;
    // The unit: everything up to the next number.
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    if (u == 0) return InvalidArgumentError("missing unit in duration " + QuoteForError(text));
    const std::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit = 0;
    for (const auto& [name, ns] : kUnits) {
      if (name == unit_text) unit = ns;
    }
    if (unit == 0) {
      return InvalidArgumentError("unknown unit " + QuoteForError(unit_text) + " in duration " +
                                  QuoteForError(text));
    }
    if (whole > kLimit / unit) return invalid;
    uint64_t v = whole * unit;
    if (fraction > 0) {
      v += static_cast<uint64_t>(static_cast<double>(fraction) *
                                 (static_cast<double>(unit) / scale));
      if (v > kLimit) return invalid;
    }
    total += v;
    if (total > kLimit) return invalid;
  }
  if (negative) {
    return total == kLimit ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
  }
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return invalid;
  return static_cast<int64_t>(total);
}

std::optional<TraceId> ParseJaegerTraceId(std::string_view hex) {
  if (hex.empty() || hex.size() > 32) return std::nullopt;
  std::string padded(32 - hex.size(), '0');
  padded += hex;
  return ParseTraceId(padded);
}

StatusOr<JaegerTraceSearch> ParseJaegerTraceSearch(const QueryParams& params,
                                                   uint64_t now_unix_nano) {
  JaegerTraceSearch out;
  std::optional<uint64_t> start, end, lookback;
  // Tags in the order Jaeger merges them: every tag=, then every tags=; a key's last value wins.
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::pair<std::string, std::string>> json_tags;
  auto put = [](std::vector<std::pair<std::string, std::string>>& into, std::string key,
                std::string value) {
    for (auto& [k, v] : into) {
      if (k == key) {
        v = std::move(value);
        return;
      }
    }
    into.emplace_back(std::move(key), std::move(value));
  };
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (name == "tag") {
      if (value.empty()) continue;
      const size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) {
        return ParamError(name, "must be KEY:VALUE", value);
      }
      put(tags, value.substr(0, colon), value.substr(colon + 1));
      continue;
    }
    if (name == "tags") {
      if (value.empty()) continue;
      HT_RETURN_IF_ERROR(ParseTagsJson(value, [&](std::string k, std::string v) {
        put(json_tags, std::move(k), std::move(v));
      }));
      continue;
    }
    if (name == "traceID") {
      if (value.empty()) continue;
      const std::optional<TraceId> id = ParseJaegerTraceId(value);
      if (!id) return ParamError(name, "must be 1 to 32 hex digits", value);
      out.trace_ids.push_back(*id);
      continue;
    }
    static constexpr std::string_view kSingle[] = {
        "service",     "operation",   "start", "end",         "lookback",
        "minDuration", "maxDuration", "limit", "prettyPrint",
    };
    if (std::find(std::begin(kSingle), std::end(kSingle), name) == std::end(kSingle)) {
      return UnknownParameter(name);
    }
    if (!seen.insert(name).second) return InvalidArgumentError(name + ": given more than once");
    if (value.empty() || name == "prettyPrint") continue;  // prettyPrint: the JSON is the same
    if (name == "service") {
      out.filter.service = value;
    } else if (name == "operation") {
      out.filter.name = value;
    } else if (name == "start") {
      HT_ASSIGN_OR_RETURN(start, ParseMicros(name, value, /*round_up=*/false));
    } else if (name == "end") {
      HT_ASSIGN_OR_RETURN(end, ParseMicros(name, value, /*round_up=*/true));
    } else if (name == "lookback") {
      HT_ASSIGN_OR_RETURN(lookback, ParseLookback(value));
    } else if (name == "minDuration") {
      HT_ASSIGN_OR_RETURN(out.filter.min_duration_ns, ParseDurationParam(name, value));
    } else if (name == "maxDuration") {
      HT_ASSIGN_OR_RETURN(out.filter.max_duration_ns, ParseDurationParam(name, value));
    } else {  // limit
      const std::optional<uint64_t> limit = ParseDigits(value);
      if (!limit || *limit < 1 || *limit > kMaxTraceLimit) {
        return ParamError(
            name, "must be an integer between 1 and " + std::to_string(kMaxTraceLimit), value);
      }
      out.limit = *limit;
    }
  }
  if (out.trace_ids.empty() && out.filter.service.empty()) {
    return InvalidArgumentError("service: required (or give traceID)");
  }
  for (auto& [key, value] : json_tags) put(tags, std::move(key), std::move(value));
  HT_RETURN_IF_ERROR(ApplyTags(std::move(tags), out.filter));
  if (out.filter.min_duration_ns && out.filter.max_duration_ns &&
      *out.filter.min_duration_ns > *out.filter.max_duration_ns) {
    return InvalidArgumentError("maxDuration: must not be less than minDuration");
  }
  out.filter.start_max_unix_nano = end.value_or(now_unix_nano);
  if (start) {
    out.filter.start_min_unix_nano = *start;
  } else {
    const uint64_t back = lookback.value_or(kJaegerDefaultLookbackNs);
    const uint64_t until = out.filter.start_max_unix_nano;
    out.filter.start_min_unix_nano = back >= until ? 0 : until - back;
  }
  if (out.filter.start_min_unix_nano > out.filter.start_max_unix_nano) {
    return InvalidArgumentError("start: must not be after end");
  }
  return out;
}

Status CheckJaegerGetTraceParams(const QueryParams& params) {
  HT_RETURN_IF_ERROR(CheckOnly(params, {"start", "end", "raw"}));
  for (const auto& [name, value] : params) {
    if ((name == "start" || name == "end") && !value.empty()) {
      HT_RETURN_IF_ERROR(ParseMicros(name, value, false).status());
    }
  }
  return Status::Ok();
}

Status CheckJaegerListParams(const QueryParams& params) { return CheckOnly(params, {}); }

StatusOr<JaegerOperationsQuery> ParseJaegerOperations(const QueryParams& params) {
  HT_RETURN_IF_ERROR(CheckOnly(params, {"service", "spanKind"}));
  JaegerOperationsQuery out;
  for (const auto& [name, value] : params) {
    if (name == "service") {
      out.service = value;
    } else if (name == "spanKind" && !value.empty()) {
      static constexpr std::pair<std::string_view, SpanKind> kKinds[] = {
          {"server", SpanKind::kServer},     {"client", SpanKind::kClient},
          {"producer", SpanKind::kProducer}, {"consumer", SpanKind::kConsumer},
          {"internal", SpanKind::kInternal},
      };
      for (const auto& [text, kind] : kKinds) {
        if (value == text) out.span_kind = kind;
      }
      if (!out.span_kind) {
        return ParamError(name, "must be one of server, client, producer, consumer, internal",
                          value);
      }
    }
  }
  if (out.service.empty()) return InvalidArgumentError("service: required");
  return out;
}

}  // namespace hoptrace
