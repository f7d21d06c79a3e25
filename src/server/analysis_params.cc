#include "server/analysis_params.h"

#include <charconv>
#include <set>

namespace hoptrace {
namespace {

Status Repeated(const QueryParams& params) {
  std::set<std::string> seen;
  for (const auto& [name, value] : params) {
    if (!seen.insert(name).second) return ParamError(name, "given more than once", value);
  }
  return Status::Ok();
}

// A limit checked by ParseTraceSearch (1..10000, its message).
StatusOr<size_t> Limit(const std::string& value, uint64_t now) {
  HT_ASSIGN_OR_RETURN(TraceSearchParams p, ParseTraceSearch({{"limit", value}}, now));
  return p.limit;
}

// The graph's trace limit: 1..kMaxGraphTraceLimit.
StatusOr<size_t> GraphLimit(std::string_view name, std::string_view value) {
  uint64_t v = 0;
  const bool digits = !value.empty() && value[0] >= '0' && value[0] <= '9';
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (!digits || ec != std::errc() || end != value.data() + value.size() || v < 1 ||
      v > kMaxGraphTraceLimit) {
    return ParamError(
        name, "must be an integer between 1 and " + std::to_string(kMaxGraphTraceLimit), value);
  }
  return static_cast<size_t>(v);
}

}  // namespace

StatusOr<bool> ParseBoolParam(std::string_view name, std::string_view value) {
  if (value.empty() || value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return ParamError(name, "must be true or false", value);
}

StatusOr<bool> ParseSingleBool(const QueryParams& params, std::string_view name) {
  HT_RETURN_IF_ERROR(Repeated(params));
  bool out = false;
  for (const auto& [key, value] : params) {
    if (key != name) return ParamError(key, "unknown parameter", value);
    HT_ASSIGN_OR_RETURN(out, ParseBoolParam(key, value));
  }
  return out;
}

StatusOr<GraphParams> ParseGraphParams(const QueryParams& params, uint64_t now_unix_nano) {
  HT_RETURN_IF_ERROR(Repeated(params));
  GraphParams out;
  QueryParams filters;
  for (const auto& [name, value] : params) {
    if (name == "tools") {
      HT_ASSIGN_OR_RETURN(out.include_tools, ParseBoolParam(name, value));
    } else if (name == "limit") {
      if (!value.empty()) {
        HT_ASSIGN_OR_RETURN(out.limit, GraphLimit(name, value));
      }
    } else {
      filters.emplace_back(name, value);
    }
  }
  HT_ASSIGN_OR_RETURN(TraceSearchParams search, ParseTraceSearch(filters, now_unix_nano));
  out.filter = std::move(search.filter);
  return out;
}

StatusOr<FindingsParams> ParseFindingsParams(const QueryParams& params, uint64_t now_unix_nano) {
  HT_RETURN_IF_ERROR(Repeated(params));
  FindingsParams out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;  // not given
    if (name == "since") {
      HT_ASSIGN_OR_RETURN(TraceSearchParams p, ParseTraceSearch({{"since", value}}, now_unix_nano));
      out.since_unix_nano = p.filter.start_min_unix_nano;
    } else if (name == "kind") {
      analysis::FindingKind kind;
      if (!analysis::ParseFindingKind(value, &kind)) {
        return ParamError(name,
                          "must be one of comb, retry_storm, straggler, broken_propagation, "
                          "root_cause, runaway_cost",
                          value);
      }
      out.kind = kind;
    } else if (name == "agent") {
      out.agent = value;
    } else if (name == "trace_id") {
      auto id = ParseTraceId(value);
      if (!id) return ParamError(name, "must be 32 hex digits", value);
      out.trace_id = ToHex(*id);
    } else if (name == "limit") {
      HT_ASSIGN_OR_RETURN(out.limit, Limit(value, now_unix_nano));
    } else {
      return ParamError(name, "unknown parameter", value);
    }
  }
  return out;
}

}  // namespace hoptrace
