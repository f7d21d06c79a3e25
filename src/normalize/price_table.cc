#include "normalize/price_table.h"

#include <algorithm>
#include <cctype>

#include "normalize/builtin_prices.h"

namespace hoptrace {

std::string_view PriceStatusName(PriceStatus s) {
  switch (s) {
    case PriceStatus::kNoUsage:
      return "no_usage";
    case PriceStatus::kExplicit:
      return "explicit";
    case PriceStatus::kPriced:
      return "priced";
    case PriceStatus::kUnknownModel:
      return "unknown_model";
    case PriceStatus::kTotalOnly:
      return "total_only";
  }
  return "unknown";
}

namespace {

std::string LowerTrim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Matches a suffix `pattern` where 'd' is a digit and anything else is literal.
bool EndsWithPattern(std::string_view s, std::string_view pattern) {
  if (s.size() <= pattern.size()) return false;  // keep a non-empty name before the stamp
  size_t base = s.size() - pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = s[base + i];
    if (pattern[i] == 'd' ? !IsDigit(c) : c != pattern[i]) return false;
  }
  return true;
}

// "openai:gpt-4o" style prefixes (pydantic-ai, LiteLLM-like configs). "ft:" is not one: a
// fine-tune has its own price.
bool IsProviderWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "openai", "anthropic", "google", "google-gla", "google-vertex", "gemini",  "vertex_ai",
      "groq",   "bedrock",   "azure",  "mistral",    "ollama",        "together"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

// Bedrock model ids: [region.]vendor.model, e.g. "us.anthropic.claude-3-5-sonnet-20241022-v2:0".
bool StripBedrockPrefix(std::string* s) {
  static constexpr std::string_view kRegions[] = {"us.", "eu.", "apac.", "global.", "us-gov."};
  static constexpr std::string_view kVendors[] = {"anthropic.", "meta.",   "amazon.",
                                                  "mistral.",   "cohere.", "ai21."};
  std::string_view v = *s;
  for (std::string_view r : kRegions) {
    if (StartsWith(v, r)) {
      v.remove_prefix(r.size());
      break;
    }
  }
  for (std::string_view vendor : kVendors) {
    if (StartsWith(v, vendor)) {
      *s = std::string(v.substr(vendor.size()));
      return true;
    }
  }
  return false;
}

// "-v2" / "-v1:0" at the end (Bedrock and Vertex Claude versions).
bool StripVersionSuffix(std::string* s) {
  size_t dash = s->rfind("-v");
  if (dash == std::string::npos || dash == 0) return false;
  std::string_view tail = std::string_view(*s).substr(dash + 2);
  size_t i = 0;
  while (i < tail.size() && IsDigit(tail[i])) ++i;
  if (i == 0) return false;
  if (i < tail.size()) {
    if (tail[i] != ':') return false;
    size_t j = i + 1;
    while (j < tail.size() && IsDigit(tail[j])) ++j;
    if (j == i + 1 || j != tail.size()) return false;
  }
  s->resize(dash);
  return true;
}

// Removes one trailing date or snapshot stamp. Returns false when there is none.
bool StripStamp(std::string* s) {
  static constexpr std::string_view kPatterns[] = {
      "-dddd-dd-dd",  // gpt-4o-2024-08-06
      "-dddddddd",    // claude-3-5-sonnet-20241022
      "-dddd",        // gpt-4-0613, gpt-3.5-turbo-0125
      "-ddd",         // gemini-1.5-pro-002
  };
  if (EndsWith(*s, "-latest") && s->size() > 7) {
    s->resize(s->size() - 7);
    return true;
  }
  for (std::string_view p : kPatterns) {
    if (EndsWithPattern(*s, p)) {
      s->resize(s->size() - p.size());
      return true;
    }
  }
  return false;
}

// Host spellings of Meta Llama -> "llama-<version>-<size>[...]". Returns false when `s` is not
// a Llama name or is already canonical.
bool CanonicalLlama(std::string* s) {
  std::string t = *s;
  if (StartsWith(t, "meta-")) t.erase(0, 5);
  if (!StartsWith(t, "llama")) return false;
  std::replace(t.begin(), t.end(), ':', '-');                     // ollama "llama3.1:8b"
  if (t.size() > 5 && IsDigit(t[5])) t = "llama-" + t.substr(5);  // "llama3.1" -> "llama-3.1"
  // "llama-3-1-70b" (Bedrock) -> "llama-3.1-70b"
  if (t.size() > 9 && IsDigit(t[6]) && t[7] == '-' && IsDigit(t[8]) && t[9] == '-') t[7] = '.';
  static constexpr std::string_view kHostSuffixes[] = {
      "-instruct", "-turbo", "-versatile", "-instant", "-fp8", "-chat", "-hf", "-specdec"};
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string_view suffix : kHostSuffixes) {
      if (EndsWith(t, suffix)) {
        t.resize(t.size() - suffix.size());
        stripped = true;
      }
    }
  }
  if (t == *s) return false;
  *s = std::move(t);
  return true;
}

}  // namespace

std::vector<std::string> ModelLookupNames(std::string_view model) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  };
  std::string s = LowerTrim(model);
  add(s);
  if (size_t slash = s.rfind('/'); slash != std::string::npos) {
    s.erase(0, slash + 1);
    add(s);
  }
  if (size_t colon = s.find(':');
      colon != std::string::npos && IsProviderWord(s.substr(0, colon))) {
    s.erase(0, colon + 1);
    add(s);
  }
  bool bedrock = StripBedrockPrefix(&s);
  if (bedrock) add(s);
  if (size_t at = s.find('@'); at != std::string::npos && at > 0) {  // Vertex "model@20240620"
    s.resize(at);
    add(s);
  }
  if ((bedrock || StartsWith(s, "claude")) && StripVersionSuffix(&s)) add(s);
  while (StripStamp(&s)) add(s);
  if (CanonicalLlama(&s)) add(s);
  return out;
}

double TokenCost(const ModelPrice& price, int64_t input, int64_t output, int64_t cached_input) {
  input = std::max<int64_t>(input, 0);
  output = std::max<int64_t>(output, 0);
  cached_input = std::clamp<int64_t>(cached_input, 0, input);
  double cached_price = price.cached_input_per_mtok.value_or(price.input_per_mtok);
  double usd = static_cast<double>(input - cached_input) * price.input_per_mtok +
               static_cast<double>(cached_input) * cached_price +
               static_cast<double>(output) * price.output_per_mtok;
  return usd / 1e6;
}

PriceTable PriceTable::Builtin() {
  PriceTable t;
  for (const builtin_prices::Row& row : builtin_prices::Rows()) {
    ModelPrice p;
    p.model = std::string(row.model);
    p.input_per_mtok = row.input_per_mtok;
    p.output_per_mtok = row.output_per_mtok;
    if (row.cached_input_per_mtok >= 0) p.cached_input_per_mtok = row.cached_input_per_mtok;
    std::vector<std::string> aliases;
    std::string_view rest = row.aliases;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      aliases.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    t.Set(std::move(p), aliases);
  }
  t.as_of_ = std::string(builtin_prices::AsOf());
  return t;
}

void PriceTable::Set(ModelPrice price, const std::vector<std::string>& aliases) {
  price.model = LowerTrim(price.model);
  std::vector<std::string> names = {price.model};
  for (const std::string& a : aliases) names.push_back(LowerTrim(a));
  size_t slot;
  auto existing = index_.find(price.model);
  if (existing != index_.end() && prices_[existing->second].model == price.model) {
    slot = existing->second;  // replacing the row that is canonically this model
    prices_[slot] = std::move(price);
  } else {
    slot = prices_.size();
    prices_.push_back(std::move(price));
  }
  for (const std::string& n : names) {
    if (!n.empty()) index_[n] = slot;
  }
}

const ModelPrice* PriceTable::Lookup(std::string_view model) const {
  if (index_.empty()) return nullptr;
  for (const std::string& name : ModelLookupNames(model)) {
    auto it = index_.find(name);
    if (it != index_.end()) return &prices_[it->second];
  }
  return nullptr;
}

}  // namespace hoptrace
