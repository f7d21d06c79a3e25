#include "storage/testing/span_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace hoptrace {
namespace {

constexpr size_t kShortText = 48;

std::string Shorten(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, kShortText)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (s.size() > kShortText) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

std::string ValueDiff(const AnyValue& got, const AnyValue& want, const std::string& path);

std::string AttrsDiff(const Attributes& got, const Attributes& want, const std::string& path) {
  if (got.size() != want.size()) {
    return path + ": " + std::to_string(got.size()) + " entries, want " +
           std::to_string(want.size());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    std::string p = path + "[" + std::to_string(i) + "]";
    if (got[i].key != want[i].key)
      return p + ".key: '" + got[i].key + "', want '" + want[i].key + "'";
    std::string d = ValueDiff(got[i].value, want[i].value, p + "(" + want[i].key + ")");
    if (!d.empty()) return d;
  }
  return "";
}

std::string ValueDiff(const AnyValue& got, const AnyValue& want, const std::string& path) {
  auto mismatch = [&] { return path + ": " + DebugString(got) + ", want " + DebugString(want); };
  if (got.type != want.type) return mismatch();
  switch (want.type) {
    case AnyValue::Type::kEmpty:
      return "";
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes:
      if (got.string_value == want.string_value) return "";
      return path + ": value of " + std::to_string(got.string_value.size()) + " bytes '" +
             Shorten(got.string_value) + "', want " + std::to_string(want.string_value.size()) +
             " bytes '" + Shorten(want.string_value) + "'";
    case AnyValue::Type::kBool:
      return got.bool_value == want.bool_value ? "" : mismatch();
    case AnyValue::Type::kInt:
      return got.int_value == want.int_value ? "" : mismatch();
    case AnyValue::Type::kDouble:
      return Bits(got.double_value) == Bits(want.double_value) ? "" : mismatch();
    case AnyValue::Type::kArray: {
      if (got.array_value.size() != want.array_value.size()) return mismatch();
      for (size_t i = 0; i < got.array_value.size(); ++i) {
        std::string d = ValueDiff(got.array_value[i], want.array_value[i],
                                  path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case AnyValue::Type::kKvList:
      return AttrsDiff(got.kvlist_value, want.kvlist_value, path);
  }
  return "";
}

template <typename T>
std::string FieldDiff(const char* name, const T& got, const T& want) {
  if (got == want) return "";
  std::ostringstream os;
  os << name << ": " << ::testing::PrintToString(got) << ", want "
     << ::testing::PrintToString(want);
  return os.str();
}

std::string DoubleFieldDiff(const char* name, double got, double want) {
  if (Bits(got) == Bits(want)) return "";
  std::ostringstream os;
  os.precision(17);
  os << name << ": " << got << ", want " << want;
  return os.str();
}

std::string IdList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out + "]";
}

template <typename T>
std::string Listing(const std::vector<T>& v) {
  std::string out;
  const size_t kMax = 30;
  for (size_t i = 0; i < v.size() && i < kMax; ++i) {
    out += "\n    [" + std::to_string(i) + "] " + DebugString(v[i]);
  }
  if (v.size() > kMax) out += "\n    ... " + std::to_string(v.size() - kMax) + " more";
  return out;
}

template <typename T, typename Diff>
::testing::AssertionResult ListsEqual(const char* what, const std::vector<T>& got,
                                      const std::vector<T>& want, Diff diff) {
  std::string d;
  size_t i = 0;
  for (; i < got.size() && i < want.size(); ++i) {
    d = diff(got[i], want[i]);
    if (!d.empty()) break;
  }
  if (d.empty() && got.size() == want.size()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  if (!d.empty()) {
    failure << what << " #" << i << " differs: " << d;
  } else {
    failure << got.size() << " " << what << "s, want " << want.size();
  }
  return failure << "\n  got:" << Listing(got) << "\n  want:" << Listing(want);
}

}  // namespace

TraceId TestTraceId(uint64_t n) {
  TraceId id{};
  id[0] = 0x7e;
  for (int i = 0; i < 8; ++i) id[8 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return id;
}

SpanId TestSpanId(uint64_t n) {
  SpanId id{};
  id[0] = 0x5a;
  for (int i = 1; i < 8; ++i) id[i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return id;
}

Span MakeSpan(uint64_t trace_n, uint64_t span_n, uint64_t parent_n, std::string name,
              uint64_t start_unix_nano, uint64_t duration_ns) {
  Span s;
  s.trace_id = TestTraceId(trace_n);
  s.span_id = TestSpanId(span_n);
  if (parent_n != 0) s.parent_span_id = TestSpanId(parent_n);
  s.name = std::move(name);
  s.kind = SpanKind::kInternal;
  s.start_unix_nano = start_unix_nano;
  s.end_unix_nano = start_unix_nano + duration_ns;
  s.derived.service = "svc";
  s.resource.attributes = {{"service.name", AnyValue::String("svc")}};
  s.scope.name = "test";
  return s;
}

Span EveryFieldSpan(uint64_t trace_n, uint64_t span_n, int variant) {
  using V = AnyValue;
  const std::string v = std::to_string(variant);
  Span s;
  s.trace_id = TestTraceId(trace_n);
  s.span_id = TestSpanId(span_n);
  s.parent_span_id = TestSpanId(span_n + 100000);
  s.trace_state = "vendor=a" + v + ",other=b";
  s.flags = 0x301;
  s.name = "chat gpt-4o " + v;
  s.kind = SpanKind::kClient;
  s.start_unix_nano = 1'700'000'000'000'000'000ULL + span_n * 1000 + variant;
  s.end_unix_nano = s.start_unix_nano + 1'234'567'891;
  s.attributes = {
      {"str", V::String("hello " + v)},
      {"utf8", V::String("h\xc3\xa9llo \xe2\x9c\x93 \xe4\xb8\x96")},
      {"empty_str", V::String("")},
      {"str_with_nul", V::String(std::string("a\0b", 3))},
      {"bool_t", V::Bool(true)},
      {"bool_f", V::Bool(false)},
      {"int0", V::Int(0)},
      {"int_min", V::Int(std::numeric_limits<int64_t>::min())},
      {"int_max", V::Int(std::numeric_limits<int64_t>::max())},
      {"int_neg", V::Int(-42 - variant)},
      {"dbl", V::Double(3.141592653589793)},
      {"dbl_neg_zero", V::Double(-0.0)},
      {"dbl_nan", V::Double(std::numeric_limits<double>::quiet_NaN())},
      {"dbl_inf", V::Double(-std::numeric_limits<double>::infinity())},
      {"dbl_denorm", V::Double(std::numeric_limits<double>::denorm_min())},
      {"bytes", V::Bytes(std::string("\0\x01\xff\0z", 5) + v)},
      {"empty", V{}},
      {"arr", V::Array({V::Int(1), V::String("two"), V::Array({V::Bool(true), V::Array({})}),
                        V::KvList({{"k", V::Double(2.5)}})})},
      {"kv",
       V::KvList({{"a", V::String("x" + v)},
                  {"nested", V::KvList({{"deep", V::Array({V::Bytes(std::string(1, '\0'))})}})},
                  {"empty_kv", V::KvList({})}})},
      {"large_in_array", V::Array({V::String(std::string(5000, 'L') + v), V::Int(7)})},
      {"dup", V::String("first")},
      {"dup", V::String("second")},
  };
  s.dropped_attributes_count = 3;
  SpanEvent e1;
  e1.time_unix_nano = s.start_unix_nano + 10;
  e1.name = "gen_ai.content.prompt";
  e1.attributes = {{"gen_ai.prompt", V::Bytes(std::string(6000, '\0') + "prompt" + v)},
                   {"n", V::Int(-1)}};
  e1.dropped_attributes_count = 1;
  SpanEvent e2;
  e2.time_unix_nano = s.start_unix_nano + 20;
  e2.name = "empty";
  s.events = {e1, e2};
  s.dropped_events_count = 4;
  SpanLink l1;
  l1.trace_id = TestTraceId(trace_n + 1);
  l1.span_id = TestSpanId(7);
  l1.trace_state = "k=v";
  l1.attributes = {{"link.kind", V::String("follows")}};
  l1.dropped_attributes_count = 2;
  l1.flags = 1;
  SpanLink l2;
  l2.trace_id = TestTraceId(trace_n + 2);
  l2.span_id = TestSpanId(8);
  s.links = {l1, l2};
  s.dropped_links_count = 5;
  s.status_code = StatusCodeValue::kError;
  s.status_message = "boom " + v;
  s.resource.attributes = {{"service.name", V::String("svc-" + v)},
                           {"host.cores", V::Int(64)},
                           {"deployment", V::KvList({{"env", V::String("prod")}})}};
  s.resource.dropped_attributes_count = 1;
  s.resource.schema_url = "https://opentelemetry.io/schemas/1.26.0";
  s.scope.name = "openai.instrumentation";
  s.scope.version = "1.2." + v;
  s.scope.attributes = {{"scope.attr", V::Bool(true)}};
  s.scope.dropped_attributes_count = 2;
  s.scope.schema_url = "https://example.com/scope";
  s.derived.service = "svc-" + v;
  s.derived.agent = "planner";
  s.derived.operation = "llm";
  s.derived.model = "gpt-4o";
  s.derived.provider = "openai";
  s.derived.tool = "search";
  s.derived.conversation = "conv-" + v;
  s.derived.input_tokens = 1234;
  s.derived.output_tokens = 567;
  s.derived.total_tokens = 1801;
  s.derived.cost_usd = 0.012345678901234;
  s.derived.usage_counted = false;
  return s;
}

std::string DebugString(const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      return "empty";
    case AnyValue::Type::kString:
      return "string '" + Shorten(v.string_value) + "'";
    case AnyValue::Type::kBytes:
      return "bytes '" + Shorten(v.string_value) + "'";
    case AnyValue::Type::kDouble: {
      std::ostringstream os;
      os.precision(17);
      os << "double " << v.double_value;
      return os.str();
    }
    default:
      return Shorten(v.ToText());
  }
}

std::string DebugString(const Span& s) {
  std::ostringstream os;
  os << "{trace " << ToHex(s.trace_id) << " span " << ToHex(s.span_id) << " parent "
     << ToHex(s.parent_span_id) << " '" << s.name << "' start " << s.start_unix_nano << " dur "
     << s.duration_ns() << " " << StatusCodeText(s.status_code) << " svc '" << s.derived.service
     << "' agent '" << s.derived.agent << "' model '" << s.derived.model << "' tool '"
     << s.derived.tool << "' op '" << s.derived.operation << "' attrs {";
  for (size_t i = 0; i < s.attributes.size(); ++i) {
    os << (i ? ", " : "") << s.attributes[i].key << "=" << Shorten(s.attributes[i].value.ToText());
  }
  os << "}}";
  return os.str();
}

std::string DebugString(const TraceSummary& t) {
  std::ostringstream os;
  os.precision(17);
  os << "{trace " << ToHex(t.trace_id) << " root '" << t.root_name << "' svc '" << t.root_service
     << "' start " << t.start_unix_nano << " end " << t.end_unix_nano << " spans " << t.span_count
     << " errors " << t.error_count << " agents " << IdList(t.agents) << " tokens "
     << t.input_tokens << "/" << t.output_tokens << "/" << t.total_tokens << " cost " << t.cost_usd
     << "}";
  return os.str();
}

std::string DebugString(const AggregateRow& r) {
  std::ostringstream os;
  os.precision(17);
  os << "{key " << IdList(r.key) << " spans " << r.spans << " errors " << r.errors << " tokens "
     << r.input_tokens << "/" << r.output_tokens << "/" << r.total_tokens << " cost " << r.cost_usd
     << " p50/95/99 " << r.p50_ms << "/" << r.p95_ms << "/" << r.p99_ms << "}";
  return os.str();
}

void PrintTo(const Span& s, std::ostream* os) { *os << DebugString(s); }
void PrintTo(const TraceSummary& t, std::ostream* os) { *os << DebugString(t); }
void PrintTo(const AggregateRow& r, std::ostream* os) { *os << DebugString(r); }

std::string SpanDiff(const Span& got, const Span& want) {
  std::string d;
  auto check = [&](std::string x) {
    if (d.empty()) d = std::move(x);
  };
  check(FieldDiff("trace_id", ToHex(got.trace_id), ToHex(want.trace_id)));
  check(FieldDiff("span_id", ToHex(got.span_id), ToHex(want.span_id)));
  check(FieldDiff("parent_span_id", ToHex(got.parent_span_id), ToHex(want.parent_span_id)));
  check(FieldDiff("trace_state", got.trace_state, want.trace_state));
  check(FieldDiff("flags", got.flags, want.flags));
  check(FieldDiff("name", got.name, want.name));
  check(FieldDiff("kind", static_cast<int>(got.kind), static_cast<int>(want.kind)));
  check(FieldDiff("start_unix_nano", got.start_unix_nano, want.start_unix_nano));
  check(FieldDiff("end_unix_nano", got.end_unix_nano, want.end_unix_nano));
  check(AttrsDiff(got.attributes, want.attributes, "attributes"));
  check(FieldDiff("dropped_attributes_count", got.dropped_attributes_count,
                  want.dropped_attributes_count));
  check(FieldDiff("events.size", got.events.size(), want.events.size()));
  for (size_t i = 0; d.empty() && i < got.events.size(); ++i) {
    const SpanEvent &a = got.events[i], &b = want.events[i];
    std::string p = "events[" + std::to_string(i) + "].";
    check(FieldDiff((p + "time").c_str(), a.time_unix_nano, b.time_unix_nano));
    check(FieldDiff((p + "name").c_str(), a.name, b.name));
    check(AttrsDiff(a.attributes, b.attributes, p + "attributes"));
    check(
        FieldDiff((p + "dropped").c_str(), a.dropped_attributes_count, b.dropped_attributes_count));
  }
  check(FieldDiff("dropped_events_count", got.dropped_events_count, want.dropped_events_count));
  check(FieldDiff("links.size", got.links.size(), want.links.size()));
  for (size_t i = 0; d.empty() && i < got.links.size(); ++i) {
    const SpanLink &a = got.links[i], &b = want.links[i];
    std::string p = "links[" + std::to_string(i) + "].";
    check(FieldDiff((p + "trace_id").c_str(), ToHex(a.trace_id), ToHex(b.trace_id)));
    check(FieldDiff((p + "span_id").c_str(), ToHex(a.span_id), ToHex(b.span_id)));
    check(FieldDiff((p + "trace_state").c_str(), a.trace_state, b.trace_state));
    check(AttrsDiff(a.attributes, b.attributes, p + "attributes"));
    check(
        FieldDiff((p + "dropped").c_str(), a.dropped_attributes_count, b.dropped_attributes_count));
    check(FieldDiff((p + "flags").c_str(), a.flags, b.flags));
  }
  check(FieldDiff("dropped_links_count", got.dropped_links_count, want.dropped_links_count));
  check(FieldDiff("status_code", static_cast<int>(got.status_code),
                  static_cast<int>(want.status_code)));
  check(FieldDiff("status_message", got.status_message, want.status_message));
  check(AttrsDiff(got.resource.attributes, want.resource.attributes, "resource.attributes"));
  check(FieldDiff("resource.dropped", got.resource.dropped_attributes_count,
                  want.resource.dropped_attributes_count));
  check(FieldDiff("resource.schema_url", got.resource.schema_url, want.resource.schema_url));
  check(FieldDiff("scope.name", got.scope.name, want.scope.name));
  check(FieldDiff("scope.version", got.scope.version, want.scope.version));
  check(AttrsDiff(got.scope.attributes, want.scope.attributes, "scope.attributes"));
  check(FieldDiff("scope.dropped", got.scope.dropped_attributes_count,
                  want.scope.dropped_attributes_count));
  check(FieldDiff("scope.schema_url", got.scope.schema_url, want.scope.schema_url));
  const AgentFields &a = got.derived, &b = want.derived;
  check(FieldDiff("derived.service", a.service, b.service));
  check(FieldDiff("derived.agent", a.agent, b.agent));
  check(FieldDiff("derived.operation", a.operation, b.operation));
  check(FieldDiff("derived.model", a.model, b.model));
  check(FieldDiff("derived.provider", a.provider, b.provider));
  check(FieldDiff("derived.tool", a.tool, b.tool));
  check(FieldDiff("derived.conversation", a.conversation, b.conversation));
  check(FieldDiff("derived.input_tokens", a.input_tokens, b.input_tokens));
  check(FieldDiff("derived.output_tokens", a.output_tokens, b.output_tokens));
  check(FieldDiff("derived.total_tokens", a.total_tokens, b.total_tokens));
  check(DoubleFieldDiff("derived.cost_usd", a.cost_usd, b.cost_usd));
  check(FieldDiff("derived.usage_counted", a.usage_counted, b.usage_counted));
  if (d.empty() && !(got == want)) d = "Span::operator== differs (SpanDiff missed a field)";
  return d;
}

bool DoubleNear(double a, double b, double rel) {
  if (a == b) return true;
  double scale = std::max({1.0, std::fabs(a), std::fabs(b)});
  return std::fabs(a - b) <= rel * scale;
}

::testing::AssertionResult SpansEqual(const std::vector<Span>& got, const std::vector<Span>& want) {
  return ListsEqual("span", got, want, [](const Span& a, const Span& b) { return SpanDiff(a, b); });
}

::testing::AssertionResult SummariesEqual(const std::vector<TraceSummary>& got,
                                          const std::vector<TraceSummary>& want) {
  return ListsEqual("trace", got, want, [](const TraceSummary& a, const TraceSummary& b) {
    TraceSummary a2 = a;
    a2.cost_usd = b.cost_usd;
    if (a2 == b && DoubleNear(a.cost_usd, b.cost_usd)) return std::string();
    return DebugString(a) + ", want " + DebugString(b);
  });
}

::testing::AssertionResult RowsEqual(const std::vector<AggregateRow>& got,
                                     const std::vector<AggregateRow>& want, bool percentiles) {
  return ListsEqual("row", got, want, [percentiles](const AggregateRow& a, const AggregateRow& b) {
    bool same = a.key == b.key && a.spans == b.spans && a.errors == b.errors &&
                a.input_tokens == b.input_tokens && a.output_tokens == b.output_tokens &&
                a.total_tokens == b.total_tokens && DoubleNear(a.cost_usd, b.cost_usd);
    if (percentiles) {
      same = same && DoubleNear(a.p50_ms, b.p50_ms) && DoubleNear(a.p95_ms, b.p95_ms) &&
             DoubleNear(a.p99_ms, b.p99_ms);
    }
    return same ? std::string() : DebugString(a) + ", want " + DebugString(b);
  });
}

std::string DebugString(const SpanFilter& f) {
  std::ostringstream os;
  os << "{";
  if (f.start_min_unix_nano != 0) os << " start>=" << f.start_min_unix_nano;
  if (f.start_max_unix_nano != std::numeric_limits<uint64_t>::max()) {
    os << " start<=" << f.start_max_unix_nano;
  }
  if (!f.service.empty()) os << " service=" << f.service;
  if (!f.agent.empty()) os << " agent=" << f.agent;
  if (!f.model.empty()) os << " model=" << f.model;
  if (!f.tool.empty()) os << " tool=" << f.tool;
  if (!f.name.empty()) os << " name=" << f.name;
  if (!f.operation.empty()) os << " operation=" << f.operation;
  if (f.status) os << " status=" << StatusCodeText(*f.status);
  if (f.min_duration_ns) os << " dur>=" << *f.min_duration_ns;
  if (f.max_duration_ns) os << " dur<=" << *f.max_duration_ns;
  for (const auto& [k, v] : f.attributes) os << " attr." << k << "=" << v;
  os << " }";
  return os.str();
}

std::string DebugString(const AggregateRequest& r) {
  static const char* kNames[] = {"agent",     "model", "provider", "tool", "service",
                                 "operation", "name",  "status",   "attr."};
  std::string out = "{filter " + DebugString(r.filter) + " group_by [";
  for (size_t i = 0; i < r.group_by.size(); ++i) {
    out += (i ? "," : "");
    out += kNames[static_cast<int>(r.group_by[i].field)];
    if (r.group_by[i].field == GroupField::kAttribute) out += r.group_by[i].attribute;
  }
  return out + "]" + (r.with_percentiles ? " percentiles}" : "}");
}

}  // namespace hoptrace
