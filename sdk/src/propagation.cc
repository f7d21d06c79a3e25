// W3C Trace Context (traceparent, tracestate), W3C Baggage, and the text-map carriers.
#include "hoptrace/propagation.h"

#include <cstdlib>
#include <cstring>

#include "internal.h"

extern char** environ;

namespace hoptrace {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

// RFC 7230 tchar.
bool IsTokenChar(char c) {
  if (IsDigit(c) || IsLcAlpha(c) || (c >= 'A' && c <= 'Z')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// W3C baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
bool IsBaggageOctet(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

std::string PercentEncodeBaggageValue(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (IsBaggageOctet(ch) && ch != '%') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// Splits on ',' and calls fn(member) for each (untrimmed).
template <class Fn>
void ForEachListMember(std::string_view s, Fn&& fn) {
  while (true) {
    std::size_t comma = s.find(',');
    fn(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
}

}  // namespace

namespace internal {
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// TraceState

bool TraceState::IsValidKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > 256) return false;
  if (!IsLcAlpha(key[0]) && !IsDigit(key[0])) return false;
  for (char c : key.substr(1)) {
    if (!IsLcAlpha(c) && !IsDigit(c) && c != '_' && c != '-' && c != '*' && c != '/' && c != '@') {
      return false;
    }
  }
  return true;
}

bool TraceState::IsValidValue(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7E || c == ',' || c == '=') return false;
  }
  return value.back() != ' ';
}

std::optional<TraceState> TraceState::Parse(std::string_view header) {
  TraceState ts;
  bool ok = true;
  ForEachListMember(header, [&](std::string_view member) {
    if (!ok) return;
    member = TrimOws(member);
    if (member.empty()) return;
    std::size_t eq = member.find('=');
    if (eq == std::string_view::npos) {
      ok = false;
      return;
    }
    std::string_view key = member.substr(0, eq);
    std::string_view value = member.substr(eq + 1);
    if (!IsValidKey(key) || !IsValidValue(value) || ts.members_.size() >= kMaxMembers ||
        ts.Get(key).has_value()) {
      ok = false;
      return;
    }
    ts.members_.emplace_back(std::string(key), std::string(value));
  });
  if (!ok) return std::nullopt;
  return ts;
}

std::optional<std::string_view> TraceState::Get(std::string_view key) const noexcept {
  for (const auto& [k, v] : members_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

TraceState TraceState::Set(std::string_view key, std::string_view value) const {
  if (!IsValidKey(key) || !IsValidValue(value)) return *this;
  TraceState out;
  out.members_.reserve(std::min(members_.size() + 1, kMaxMembers));
  out.members_.emplace_back(std::string(key), std::string(value));
  for (const auto& m : members_) {
    if (m.first == key) continue;
    if (out.members_.size() >= kMaxMembers) break;  // drop from the right
    out.members_.push_back(m);
  }
  return out;
}

TraceState TraceState::Delete(std::string_view key) const {
  TraceState out;
  for (const auto& m : members_) {
    if (m.first != key) out.members_.push_back(m);
  }
  return out;
}

std::string TraceState::ToHeader() const {
  std::string out;
  for (const auto& [k, v] : members_) {
    if (!out.empty()) out.push_back(',');
    out.append(k).push_back('=');
    out.append(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Baggage

const std::vector<Baggage::Entry>& Baggage::entries() const noexcept {
  static const std::vector<Entry> kEmpty;
  return entries_ != nullptr ? *entries_ : kEmpty;
}

std::optional<std::string_view> Baggage::Get(std::string_view key) const noexcept {
  for (const Entry& e : entries()) {
    if (e.key == key) return std::string_view(e.value);
  }
  return std::nullopt;
}

Baggage Baggage::Set(std::string_view key, std::string_view value,
                     std::string_view properties) const {
  if (!IsToken(key)) return *this;
  auto next = std::make_shared<std::vector<Entry>>(entries());
  for (Entry& e : *next) {
    if (e.key == key) {
      e.value.assign(value);
      e.properties.assign(properties);
      return Baggage(std::move(next));
    }
  }
  next->push_back({std::string(key), std::string(value), std::string(properties)});
  return Baggage(std::move(next));
}

Baggage Baggage::Remove(std::string_view key) const {
  auto next = std::make_shared<std::vector<Entry>>();
  for (const Entry& e : entries()) {
    if (e.key != key) next->push_back(e);
  }
  return Baggage(std::move(next));
}

Baggage Baggage::Parse(std::string_view header) {
  auto entries = std::make_shared<std::vector<Entry>>();
  std::size_t bytes = 0;
  ForEachListMember(header, [&](std::string_view member) {
    member = TrimOws(member);
    if (member.empty()) return;
    std::string_view kv = member;
    std::string_view properties;
    if (std::size_t semi = member.find(';'); semi != std::string_view::npos) {
      kv = member.substr(0, semi);
      properties = TrimOws(member.substr(semi + 1));
    }
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return;  // invalid: skipped
    std::string_view key = TrimOws(kv.substr(0, eq));
    std::string_view raw_value = TrimOws(kv.substr(eq + 1));
    if (!IsToken(key)) return;
    for (char c : raw_value) {
      if (!IsBaggageOctet(c)) return;
    }
    for (char c : properties) {
      if (static_cast<unsigned char>(c) < 0x20 || c == ',' || c == 0x7F) return;
    }
    std::string value = internal::PercentDecode(raw_value);
    // Whole members only: stop at the limits.
    std::size_t member_bytes = member.size() + (entries->empty() ? 0 : 1);
    for (Entry& e : *entries) {
      if (e.key == key) {  // a later duplicate replaces the earlier value
        e.value = std::move(value);
        e.properties.assign(properties);
        return;
      }
    }
    if (entries->size() >= kMaxEntries || bytes + member_bytes > kMaxBytes) return;
    bytes += member_bytes;
    entries->push_back({std::string(key), std::move(value), std::string(properties)});
  });
  if (entries->empty()) return Baggage();
  return Baggage(std::move(entries));
}

std::string Baggage::ToHeader() const {
  std::string out;
  std::size_t count = 0;
  for (const Entry& e : entries()) {
    std::string member = e.key + "=" + PercentEncodeBaggageValue(e.value);
    if (!e.properties.empty()) member.append(";").append(e.properties);
    std::size_t extra = member.size() + (out.empty() ? 0 : 1);
    if (count >= kMaxEntries || out.size() + extra > kMaxBytes) continue;  // drop whole entries
    if (!out.empty()) out.push_back(',');
    out.append(member);
    ++count;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// traceparent

std::string FormatTraceparent(const SpanContext& context) {
  if (!context.IsValid()) return {};
  std::string out;
  out.reserve(55);
  out.append("00-");
  internal::AppendHex(context.trace_id().bytes().data(), TraceId::kSize, &out);
  out.push_back('-');
  internal::AppendHex(context.span_id().bytes().data(), SpanId::kSize, &out);
  out.push_back('-');
  std::uint8_t flags = context.flags();
  internal::AppendHex(&flags, 1, &out);
  return out;
}

std::optional<SpanContext> ParseTraceparent(std::string_view traceparent,
                                            std::string_view tracestate) {
  std::string_view tp = TrimOws(traceparent);
  if (tp.size() < 55) return std::nullopt;
  std::uint8_t version;
  if (!IsLowerHex(tp[0]) || !IsLowerHex(tp[1]) ||
      !internal::DecodeHex(tp.substr(0, 2), &version, 1, true) || version == 0xff) {
    return std::nullopt;
  }
  if (version == 0 && tp.size() != 55) return std::nullopt;
  // Future versions: the 00 fields, then end of string or '-' (more fields we do not know).
  if (version > 0 && tp.size() > 55 && tp[55] != '-') return std::nullopt;
  if (tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return std::nullopt;
  std::array<std::uint8_t, TraceId::kSize> trace_bytes;
  std::array<std::uint8_t, SpanId::kSize> span_bytes;
  std::uint8_t flags;
  if (!internal::DecodeHex(tp.substr(3, 32), trace_bytes.data(), TraceId::kSize, true) ||
      !internal::DecodeHex(tp.substr(36, 16), span_bytes.data(), SpanId::kSize, true) ||
      !internal::DecodeHex(tp.substr(53, 2), &flags, 1, true)) {
    return std::nullopt;
  }
  TraceId trace_id(trace_bytes);
  SpanId span_id(span_bytes);
  if (!trace_id.IsValid() || !span_id.IsValid()) return std::nullopt;
  // Only the flags this version defines are kept (sampled, random); the rest are reserved.
  flags &= (TraceFlags::kSampled | TraceFlags::kRandom);
  TraceState ts;
  if (!tracestate.empty()) {
    if (auto parsed = TraceState::Parse(tracestate)) ts = std::move(*parsed);
  }
  return SpanContext(trace_id, span_id, flags, /*is_remote=*/true, std::move(ts));
}

void InjectTraceContext(const SpanContext& context, TextMapCarrier& carrier) {
  if (!context.IsValid()) return;
  carrier.Set("traceparent", FormatTraceparent(context));
  if (!context.trace_state().empty()) carrier.Set("tracestate", context.trace_state().ToHeader());
}

void InjectBaggage(const Baggage& baggage, TextMapCarrier& carrier) {
  if (baggage.empty()) return;
  std::string header = baggage.ToHeader();
  if (!header.empty()) carrier.Set("baggage", header);
}

void Inject(const Context& context, TextMapCarrier& carrier) {
  try {
    InjectTraceContext(context.span_context(), carrier);
    InjectBaggage(context.baggage(), carrier);
  } catch (...) {
    internal::Log(LogLevel::kWarning, "context injection failed");
  }
}

Context Extract(const TextMapCarrier& carrier, const Context& base) {
  try {
    Context out = base;
    std::string_view tp = carrier.Get("traceparent");
    if (!tp.empty()) {
      if (auto sc = ParseTraceparent(tp, carrier.Get("tracestate"))) {
        out = out.WithSpan(std::move(*sc));
      }
    }
    std::string_view bg = carrier.Get("baggage");
    if (!bg.empty()) {
      Baggage baggage = Baggage::Parse(bg);
      if (!baggage.empty()) out = out.WithBaggage(std::move(baggage));
    }
    return out;
  } catch (...) {
    internal::Log(LogLevel::kWarning, "context extraction failed");
    return base;
  }
}

// ---------------------------------------------------------------------------------------------
// EnvironmentCarrier

std::string EnvironmentCarrier::VariableName(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (c == '-' || c == '.') {
      c = '_';
    }
  }
  return out;
}

std::string_view EnvironmentCarrier::Get(std::string_view key) const {
  std::string name = VariableName(key);
  if (child_env_ != nullptr) {
    // A carrier built for a child reads back what was set for it.
    if (auto it = child_env_->find(name); it != child_env_->end()) return it->second;
  }
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? std::string_view() : std::string_view(v);
}

void EnvironmentCarrier::Set(std::string_view key, std::string_view value) {
  std::string name = VariableName(key);
  if (child_env_ != nullptr) {
    (*child_env_)[name] = std::string(value);
  } else {
    ::setenv(name.c_str(), std::string(value).c_str(), 1);
  }
}

std::vector<std::string> EnvironmentCarrier::Keys() const {
  std::vector<std::string> keys;
  if (child_env_ != nullptr) {
    for (const auto& kv : *child_env_) keys.push_back(kv.first);
    return keys;
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    keys.emplace_back(entry.substr(0, entry.find('=')));
  }
  return keys;
}

}  // namespace hoptrace
