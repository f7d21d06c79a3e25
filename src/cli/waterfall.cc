#include "cli/waterfall.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "cli/terminal_text.h"

namespace hoptrace::cli {
namespace {

// ---------------------------------------------------------------------------------------------
// The span tree.

enum class Mark : uint8_t { kNone, kParentMissing, kParentCycle };

// Spans in drawing order: depth-first from the roots, children by start time.
struct Tree {
  std::vector<uint32_t> order;        // span indices, each once
  std::vector<int32_t> tree_parent;   // per span: its parent in the drawing, -1 for a root
  std::vector<uint32_t> depth;        // per span
  std::vector<uint8_t> last;          // per span: the last of its siblings
  std::vector<Mark> mark;             // per span
  std::vector<uint64_t> open_levels;  // per span: bit j set when the ancestor j+1 levels up
                                      // has later siblings (draws '│'); 64 levels kept
};

bool IsRootParent(std::string_view parent) {
  return parent.empty() || parent.find_first_not_of('0') == std::string_view::npos;
}

Tree BuildTree(const WaterfallTrace& trace) {
  const auto& spans = trace.spans;
  const size_t n = spans.size();
  auto earlier = [&](uint32_t a, uint32_t b) {
    if (spans[a].start_unix_nano != spans[b].start_unix_nano)
      return spans[a].start_unix_nano < spans[b].start_unix_nano;
    return a < b;
  };

  // Parent of each span by id; a repeated span id resolves to its first span.
  std::unordered_map<std::string_view, uint32_t> by_id;
  by_id.reserve(n);
  for (uint32_t i = 0; i < n; ++i) by_id.emplace(spans[i].span_id, i);
  std::vector<int32_t> parent(n, -1);
  Tree t;
  t.mark.assign(n, Mark::kNone);
  std::vector<uint32_t> roots;
  for (uint32_t i = 0; i < n; ++i) {
    if (IsRootParent(spans[i].parent_span_id)) {
      roots.push_back(i);
      continue;
    }
    auto it = by_id.find(spans[i].parent_span_id);
    if (it == by_id.end()) {
      t.mark[i] = Mark::kParentMissing;
      roots.push_back(i);
    } else {
      parent[i] = static_cast<int32_t>(it->second);
    }
  }

  // Children as one sorted array per parent (CSR).
  std::vector<uint32_t> child_begin(n + 1, 0);
  for (uint32_t i = 0; i < n; ++i)
    if (parent[i] >= 0) ++child_begin[parent[i] + 1];
  for (size_t i = 0; i < n; ++i) child_begin[i + 1] += child_begin[i];
  std::vector<uint32_t> children(child_begin[n]);
  {
    std::vector<uint32_t> fill(child_begin.begin(), child_begin.end() - 1);
    for (uint32_t i = 0; i < n; ++i)
      if (parent[i] >= 0) children[fill[parent[i]]++] = i;
  }
  for (size_t p = 0; p < n; ++p)
    std::sort(children.begin() + child_begin[p], children.begin() + child_begin[p + 1], earlier);
  std::sort(roots.begin(), roots.end(), earlier);

  t.order.reserve(n);
  t.tree_parent.assign(n, -1);
  t.depth.assign(n, 0);
  t.last.assign(n, 1);
  t.open_levels.assign(n, 0);
  std::vector<uint8_t> visited(n, 0);
  struct Frame {
    uint32_t span;
    int32_t parent;
    uint32_t depth;
    bool last;
  };
  std::vector<Frame> stack;
  auto walk = [&](uint32_t root, bool last_root) {
    stack.push_back({root, -1, 0, last_root});
    while (!stack.empty()) {
      const Frame f = stack.back();
      stack.pop_back();
      if (visited[f.span]) continue;  // only on a parent cycle
      visited[f.span] = 1;
      t.order.push_back(f.span);
      t.tree_parent[f.span] = f.parent;
      t.depth[f.span] = f.depth;
      t.last[f.span] = f.last;
      if (f.parent >= 0) {
        // The parent's own bit, then the parent's ancestors' bits one level further up.
        t.open_levels[f.span] =
            (t.open_levels[f.parent] << 1) | (f.depth >= 2 && !t.last[f.parent] ? 1 : 0);
      }
      // Push children in reverse so the earliest is drawn first; skip visited ones (cycles).
      const uint32_t b = child_begin[f.span], e = child_begin[f.span + 1];
      int32_t last_unvisited = -1;
      for (uint32_t k = e; k > b; --k) {
        if (!visited[children[k - 1]]) {
          last_unvisited = static_cast<int32_t>(children[k - 1]);
          break;
        }
      }
      for (uint32_t k = e; k > b; --k) {
        const uint32_t c = children[k - 1];
        if (visited[c]) continue;
        stack.push_back({c, static_cast<int32_t>(f.span), f.depth + 1,
                         static_cast<int32_t>(c) == last_unvisited});
      }
    }
  };
  for (size_t r = 0; r < roots.size(); ++r) walk(roots[r], true);
  if (t.order.size() < n) {
    // What is left hangs off parent cycles: each earliest unvisited span becomes a root.
    std::vector<uint32_t> rest;
    for (uint32_t i = 0; i < n; ++i)
      if (!visited[i]) rest.push_back(i);
    std::sort(rest.begin(), rest.end(), earlier);
    for (uint32_t i : rest) {
      if (visited[i]) continue;
      t.mark[i] = Mark::kParentCycle;
      walk(i, true);
    }
  }
  return t;
}

bool HasUsage(const WaterfallSpan& s) {
  return s.input_tokens > 0 || s.output_tokens > 0 || s.total_tokens > 0 || s.cost_usd > 0;
}

// Per span: is its usage added to the totals (TraceTotals in waterfall.h has the rule).
std::vector<uint8_t> CountedUsage(const WaterfallTrace& trace, const Tree& tree) {
  const auto& spans = trace.spans;
  std::vector<uint8_t> usage_below(spans.size(), 0);
  for (size_t k = tree.order.size(); k > 0; --k) {
    const uint32_t i = tree.order[k - 1];
    const int32_t p = tree.tree_parent[i];
    if (p >= 0 && (usage_below[i] || HasUsage(spans[i]))) usage_below[p] = 1;
  }
  std::vector<uint8_t> counted(spans.size(), 0);
  for (size_t i = 0; i < spans.size(); ++i)
    counted[i] = HasUsage(spans[i]) && spans[i].usage_counted.value_or(!usage_below[i]);
  return counted;
}

TraceTotals Totals(const WaterfallTrace& trace, const std::vector<uint8_t>& counted) {
  TraceTotals out;
  out.spans = trace.spans.size();
  bool first = true;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    const WaterfallSpan& s = trace.spans[i];
    const uint64_t end = std::max(s.start_unix_nano, s.end_unix_nano);
    if (first || s.start_unix_nano < out.start_unix_nano) out.start_unix_nano = s.start_unix_nano;
    if (first || end > out.end_unix_nano) out.end_unix_nano = end;
    first = false;
    if (s.error) ++out.errors;
    if (!counted[i]) continue;
    out.input_tokens += s.input_tokens;
    out.output_tokens += s.output_tokens;
    out.total_tokens += s.total_tokens > 0 ? s.total_tokens : s.input_tokens + s.output_tokens;
    if (std::isfinite(s.cost_usd)) out.cost_usd += s.cost_usd;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drawing.

constexpr char kReset[] = "\x1b[0m";
constexpr char kBold[] = "\x1b[1m";
constexpr char kDim[] = "\x1b[2m";
constexpr char kRed[] = "\x1b[31m";
constexpr char kYellow[] = "\x1b[33m";
// Bar colours by agent, in order of first appearance; red is kept for errors.
constexpr const char* kAgentColors[] = {"\x1b[36m", "\x1b[32m", "\x1b[34m", "\x1b[35m", "\x1b[33m",
                                        "\x1b[96m", "\x1b[92m", "\x1b[94m", "\x1b[95m", "\x1b[93m"};
constexpr char kNoAgentColor[] = "\x1b[37m";

constexpr int kMinBar = 10;
constexpr size_t kMaxErrorsListed = 20;
constexpr int kMaxMessageCells = 300;

// Appends text, wrapped in `color` when colour is on and a colour is given.
void Put(std::string* out, std::string_view text, const char* color, bool on) {
  if (on && color && !text.empty()) {
    *out += color;
    *out += text;
    *out += kReset;
  } else {
    *out += text;
  }
}

// Column widths of the span rows; a column no displayed span has a value for is left out.
struct Layout {
  int name = 0, agent = 0, model = 0, tokens = 0, cost = 0, duration = 0, bar = 0;
  bool has_agent = false, has_model = false, has_tokens = false, has_cost = false;
  int levels = 1;  // tree levels drawn in full; deeper ones are elided with '…'
};

// The time bar of [start, end] in `width` cells over [0, total].
std::string Bar(uint64_t start, uint64_t end, uint64_t total, int width, bool utf8) {
  __extension__ typedef unsigned __int128 u128;  // start * width * 8 overflows 64 bits
  std::string out;
  if (width <= 0) return out;
  if (total == 0) total = 1;
  start = std::min(start, total);
  end = std::clamp(end, start, total);
  const int sub = utf8 ? 8 : 1;  // sub-cell steps
  const u128 units = static_cast<u128>(width) * sub;
  uint64_t s = static_cast<uint64_t>(static_cast<u128>(start) * units / total);
  uint64_t e = static_cast<uint64_t>((static_cast<u128>(end) * units + total - 1) / total);
  if (e <= s) e = s + 1;  // a zero-length span still gets a mark
  if (s >= units) {
    s = static_cast<uint64_t>(units) - 1;
    e = static_cast<uint64_t>(units);
  }
  if (e > units) e = static_cast<uint64_t>(units);
  static constexpr const char* kLeft[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
  for (int c = 0; c < width; ++c) {
    const uint64_t lo = static_cast<uint64_t>(c) * sub, hi = lo + sub;
    const uint64_t a = std::max(s, lo), b = std::min(e, hi);
    if (a >= b) {
      out.push_back(' ');
    } else if (!utf8) {
      out.push_back('=');
    } else if (b - a == 8) {
      out += "█";
    } else if (a == lo) {
      out += kLeft[b - a];  // the bar ends inside this cell
    } else if (b == hi) {
      // The bar starts inside this cell; right-aligned glyphs exist only for 1/8 and 1/2.
      out += b - a >= 6 ? "█" : (b - a >= 3 ? "▐" : "▕");
    } else {
      out += kLeft[b - a];  // starts and ends inside one cell
    }
  }
  return out;
}

// The time axis over the bar column: "0", the times at the quarters (halves when narrow) and the
// total at the right end; a label that would touch the one before it is left out.
std::string Axis(uint64_t total, int width, bool utf8) {
  std::vector<std::pair<int, std::string>> labels;  // (first cell, text)
  const std::string end_label = FormatDuration(total, utf8);
  const int quarters = width >= 4 * 10 ? 4 : (width >= 2 * 10 ? 2 : 1);
  for (int q = 0; q < quarters; ++q) {
    const int pos = width * q / quarters;
    const auto at = static_cast<uint64_t>(static_cast<long double>(total) * pos / width);
    labels.emplace_back(pos, q == 0 ? "0" : FormatDuration(at, utf8));
  }
  labels.emplace_back(std::max(0, width - Width(end_label)), end_label);
  // Place left to right, dropping a label that would touch the previous one.
  std::string out;
  int cursor = 0;
  for (const auto& [pos, text] : labels) {
    if (pos < cursor + (cursor ? 1 : 0) || pos + Width(text) > width) continue;
    out.append(pos - cursor, ' ');
    out += text;
    cursor = pos + Width(text);
  }
  out.append(width - cursor, ' ');
  return out;
}

// The tree glyphs before the name of `span`: one 3-cell unit per level, deeper than
// `levels` elided to a leading '…'.
std::string TreePrefix(const Tree& tree, uint32_t span, int levels, bool utf8) {
  const uint32_t depth = tree.depth[span];
  if (depth == 0) return "";
  const uint32_t shown = std::min<uint32_t>(depth, static_cast<uint32_t>(levels));
  std::string out;
  // Units for depths depth-shown+1 .. depth; ancestors' units first.
  for (uint32_t level = depth - shown + 1; level < depth; ++level) {
    const uint32_t up = depth - level;  // levels up from the span: 1 is the parent
    if (level == depth - shown + 1 && depth > shown) {
      out += utf8 ? "…  " : "...";
      continue;
    }
    const bool open = up <= 64 && (tree.open_levels[span] >> (up - 1)) & 1;
    out += open ? (utf8 ? "│  " : "|  ") : "   ";
  }
  if (depth > shown && shown == 1) {
    out += utf8 ? "…" : ".";
    out += tree.last[span] ? (utf8 ? "└ " : "` ") : (utf8 ? "├ " : "| ");
    return out;
  }
  out += tree.last[span] ? (utf8 ? "└─ " : "`- ") : (utf8 ? "├─ " : "|- ");
  return out;
}

// The mark after the name of a span drawn as a root though it is not one; `brief` for narrow
// name columns.
std::string_view MarkText(Mark m, bool brief = false) {
  switch (m) {
    case Mark::kParentMissing:
      return brief ? "(orphan)" : "(parent missing)";
    case Mark::kParentCycle:
      return brief ? "(cycle)" : "(parent cycle)";
    case Mark::kNone:
      break;
  }
  return "";
}

// One displayed span row's texts before fitting.
struct RowText {
  uint32_t span;
  std::string name, agent, model, tokens, cost, duration;
};

Layout ComputeLayout(const std::vector<RowText>& rows, const Tree& tree, int width) {
  Layout l;
  const int name_cap = std::max(16, width * 2 / 5);
  const int levels_cap = std::clamp(name_cap / 2 / 3, 1, 64);
  int name = 4;  // "SPAN"
  for (const RowText& r : rows) {
    const int depth = static_cast<int>(tree.depth[r.span]);
    const int mark = static_cast<int>(MarkText(tree.mark[r.span]).size());
    name = std::max(name, 3 * std::min(depth, levels_cap) + Width(r.name) + (mark ? mark + 1 : 0));
    l.agent = std::max(l.agent, Width(r.agent));
    l.model = std::max(l.model, Width(r.model));
    l.tokens = std::max(l.tokens, Width(r.tokens));
    l.cost = std::max(l.cost, Width(r.cost));
    l.duration = std::max(l.duration, Width(r.duration));
  }
  l.has_agent = l.agent > 0;
  l.has_model = l.model > 0;
  l.has_tokens = l.tokens > 0;
  l.has_cost = l.cost > 0;
  const int natural_name = name;
  l.name = std::clamp(name, 16, name_cap);
  l.agent = l.has_agent ? std::clamp(l.agent, 5, 16) : 0;
  l.model = l.has_model ? std::clamp(l.model, 5, 24) : 0;
  l.tokens = l.has_tokens ? std::max(l.tokens, 6) : 0;
  l.cost = l.has_cost ? std::max(l.cost, 4) : 0;
  l.duration = std::max(l.duration, 3);
  auto used = [&] {
    return 2 + l.name + (l.has_agent ? 2 + l.agent : 0) + (l.has_model ? 2 + l.model : 0) +
           (l.has_tokens ? 2 + l.tokens : 0) + (l.has_cost ? 2 + l.cost : 0) + 2 + l.duration + 2;
  };
  // Narrow terminals: give the bar at least a quarter of the width, taking cells from the model,
  // the name, then the agent (agents are short and what this tool is about), down to floors.
  const int want_bar = std::max(kMinBar, width / 4);
  auto shrink = [&](bool has, int* col, int floor) {
    const int deficit = want_bar - (width - used());
    if (has && deficit > 0 && *col > floor) *col = std::max(floor, *col - deficit);
  };
  shrink(l.has_model, &l.model, 16);
  shrink(true, &l.name, 28);
  shrink(l.has_model, &l.model, 12);
  shrink(true, &l.name, 20);
  shrink(l.has_model, &l.model, 10);
  shrink(true, &l.name, 16);
  shrink(l.has_agent, &l.agent, 10);
  shrink(l.has_agent, &l.agent, 8);
  shrink(true, &l.name, 12);
  // Still no room for a bar: leave columns out, the least needed first.
  for (bool* has : {&l.has_model, &l.has_agent, &l.has_cost, &l.has_tokens}) {
    if (width - used() >= kMinBar) break;
    *has = false;
  }
  l.bar = std::max(kMinBar, width - used());
  // Tree levels drawn in full: all (up to the cap) when every name fits, else as many as leave
  // the names 8 cells.
  l.levels = l.name >= natural_name ? levels_cap : std::clamp((l.name - 8) / 3, 1, levels_cap);
  return l;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public formatting helpers.

std::string FormatCount(int64_t n) {
  if (n < 1000) return std::to_string(std::max<int64_t>(n, 0));
  static constexpr const char* kUnits[] = {"k", "M", "G", "T", "P", "E"};
  double v = static_cast<double>(n);
  char buf[32];
  for (const char* unit : kUnits) {
    v /= 1000;
    if (v < 9.95) {
      std::snprintf(buf, sizeof buf, "%.1f%s", v, unit);
      return buf;
    }
    if (v < 999.5) {
      std::snprintf(buf, sizeof buf, "%.0f%s", v, unit);
      return buf;
    }
  }
  std::snprintf(buf, sizeof buf, "%.0fE", v * 1000);
  return buf;
}

std::string FormatTokens(int64_t input, int64_t output, int64_t total) {
  if (input > 0 || output > 0) return FormatCount(input) + "/" + FormatCount(output);
  if (total > 0) return FormatCount(total);
  return "";
}

std::string FormatCost(double usd) {
  if (!(usd > 0) || !std::isfinite(usd)) return "";
  if (usd < 0.00005) return "<$0.0001";
  char buf[48];
  if (usd < 0.99995) {
    std::snprintf(buf, sizeof buf, "$%.4f", usd);
  } else if (usd < 999.995) {
    std::snprintf(buf, sizeof buf, "$%.2f", usd);
  } else {
    std::snprintf(buf, sizeof buf, "$%.0f", usd);
  }
  return buf;
}

std::string FormatDuration(uint64_t ns, bool utf8) {
  char buf[48];
  const double v = static_cast<double>(ns);
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%lluns", static_cast<unsigned long long>(ns));
  } else if (ns < 999'500) {
    std::snprintf(buf, sizeof buf, v < 9'950 ? "%.1f%s" : "%.0f%s", v / 1e3, utf8 ? "µs" : "us");
  } else if (ns < 999'500'000) {
    std::snprintf(buf, sizeof buf, v < 9'950'000 ? "%.1fms" : "%.0fms", v / 1e6);
  } else if (ns < 59'950'000'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", v / 1e9);
  } else if (ns < 3'600'000'000'000) {
    const unsigned long long s = (ns + 500'000'000) / 1'000'000'000;
    std::snprintf(buf, sizeof buf, "%llum%02llus", s / 60, s % 60);
  } else {
    const unsigned long long m = ns / 60'000'000'000;
    std::snprintf(buf, sizeof buf, "%lluh%02llum", m / 60, m % 60);
  }
  return buf;
}

std::string FormatTime(uint64_t unix_nano) {
  const auto t = static_cast<std::time_t>(unix_nano / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s.%03lluZ", date,
                static_cast<unsigned long long>(unix_nano / 1'000'000 % 1000));
  return buf;
}

TraceTotals ComputeTotals(const WaterfallTrace& trace) {
  const Tree tree = BuildTree(trace);
  return Totals(trace, CountedUsage(trace, tree));
}

std::string RenderWaterfall(const WaterfallTrace& trace, const WaterfallOptions& options) {
  const bool utf8 = options.utf8, color = options.color;
  const int width = std::max(options.width, 20);
  const auto& spans = trace.spans;
  const Tree tree = BuildTree(trace);
  const std::vector<uint8_t> counted = CountedUsage(trace, tree);
  const TraceTotals totals = Totals(trace, counted);
  const std::string sep = utf8 ? " · " : "  ";
  std::string out;

  // Header: what the trace is, then its totals.
  std::string root_line;
  {
    int32_t root = -1;  // the earliest true root, else the first drawn span
    for (uint32_t i : tree.order) {
      if (tree.depth[i] == 0 && tree.mark[i] == Mark::kNone) {
        root = static_cast<int32_t>(i);
        break;
      }
    }
    const bool has_root = root >= 0;
    if (!has_root && !tree.order.empty()) root = static_cast<int32_t>(tree.order[0]);
    Put(&out, "Trace " + Sanitize(trace.trace_id, utf8), kBold, color);
    if (root >= 0) {
      out += sep + Sanitize(spans[root].name, utf8);
      if (!has_root) out += " (no root span)";
      if (!spans[root].service.empty())
        out += sep + "service " + Sanitize(spans[root].service, utf8);
    }
    out += "\n";
  }
  if (spans.empty()) {
    out += "0 spans\n";
    return out;
  }
  {
    std::string line = FormatTime(totals.start_unix_nano) + sep +
                       FormatDuration(totals.end_unix_nano - totals.start_unix_nano, utf8) + sep +
                       std::to_string(totals.spans) + (totals.spans == 1 ? " span" : " spans") +
                       sep;
    out += line;
    Put(&out, std::to_string(totals.errors) + (totals.errors == 1 ? " error" : " errors"),
        totals.errors ? kRed : nullptr, color);
    line.clear();
    if (totals.total_tokens > 0) {
      line += sep + FormatCount(totals.total_tokens) + " tokens";
      if (totals.input_tokens > 0 || totals.output_tokens > 0)
        line += " (" + FormatCount(totals.input_tokens) + " in, " +
                FormatCount(totals.output_tokens) + " out)";
    }
    if (totals.cost_usd > 0) line += sep + FormatCost(totals.cost_usd);
    out += line + "\n\n";
  }

  // The rows to draw and their texts.
  const size_t shown = options.limit ? std::min(options.limit, spans.size()) : spans.size();
  std::vector<RowText> rows;
  rows.reserve(shown);
  bool any_uncounted = false;
  for (size_t k = 0; k < shown; ++k) {
    const uint32_t i = tree.order[k];
    const WaterfallSpan& s = spans[i];
    RowText r;
    r.span = i;
    r.name = Sanitize(s.name, utf8);
    if (!s.marker.empty()) r.name += " [" + Sanitize(s.marker, utf8) + "]";
    r.agent = Sanitize(s.agent, utf8);
    r.model = Sanitize(s.model, utf8);
    r.tokens = FormatTokens(s.input_tokens, s.output_tokens, s.total_tokens);
    r.cost = FormatCost(s.cost_usd);
    if (HasUsage(s) && !counted[i]) {
      // A wrapper repeating its descendants' usage: shown, in parentheses, not added.
      if (!r.tokens.empty()) r.tokens = "(" + r.tokens + ")";
      if (!r.cost.empty()) r.cost = "(" + r.cost + ")";
      any_uncounted = true;
    }
    r.duration = FormatDuration(
        s.end_unix_nano > s.start_unix_nano ? s.end_unix_nano - s.start_unix_nano : 0, utf8);
    rows.push_back(std::move(r));
  }
  const Layout l = ComputeLayout(rows, tree, width);

  // Bar colours: one per agent, by first appearance in the drawing.
  std::unordered_map<std::string_view, const char*> agent_color;
  for (const RowText& r : rows) {
    if (r.agent.empty() || agent_color.count(r.agent)) continue;
    const size_t next = agent_color.size();
    agent_color.emplace(r.agent, kAgentColors[next % std::size(kAgentColors)]);
  }

  // Column titles and the time axis.
  const uint64_t t0 = totals.start_unix_nano, total = totals.end_unix_nano - t0;
  {
    std::string line = "  " + Fit("SPAN", l.name, utf8);
    if (l.has_agent) line += "  " + Fit("AGENT", l.agent, utf8);
    if (l.has_model) line += "  " + Fit("MODEL", l.model, utf8);
    if (l.has_tokens) line += "  " + FitRight("TOKENS", l.tokens, utf8);
    if (l.has_cost) line += "  " + FitRight("COST", l.cost, utf8);
    line += "  " + FitRight("DUR", l.duration, utf8) + "  " + Axis(total, l.bar, utf8);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    Put(&out, line, kDim, color);
    out += "\n";
  }

  for (const RowText& r : rows) {
    const WaterfallSpan& s = spans[r.span];
    const char* row_color = s.error ? kRed : nullptr;
    auto pick = [&](const char* c) { return row_color ? row_color : c; };
    const auto agent_it = agent_color.find(r.agent);
    const char* bar_color = agent_it == agent_color.end() ? kNoAgentColor : agent_it->second;
    std::string line;
    Put(&line, s.error ? "!" : " ", pick(nullptr), color);
    Put(&line, s.critical_path ? "*" : " ", pick(kYellow), color);

    // Tree glyphs, name and mark, fitted to the name column.
    const std::string prefix = TreePrefix(tree, r.span, l.levels, utf8);
    // The mark stays whole while the name keeps 3 cells, in its brief form if need be.
    const int avail = l.name - Width(prefix);
    std::string_view mark = MarkText(tree.mark[r.span]);
    if (avail < static_cast<int>(mark.size()) + 1 + 3) mark = MarkText(tree.mark[r.span], true);
    std::string name_cell, mark_cell;
    if (!mark.empty() && avail >= static_cast<int>(mark.size()) + 1 + 3) {
      const int name_cells = std::min(Width(r.name), avail - static_cast<int>(mark.size()) - 1);
      name_cell = Fit(r.name, name_cells, utf8) + " ";
      mark_cell = Fit(mark, avail - name_cells - 1, utf8);
    } else {
      name_cell = Fit(mark.empty() ? r.name : r.name + " " + std::string(mark), avail, utf8);
    }
    Put(&line, prefix, pick(kDim), color);
    Put(&line, name_cell, pick(nullptr), color);
    Put(&line, mark_cell, pick(kYellow), color);

    if (l.has_agent) {
      line += "  ";
      Put(&line, Fit(r.agent, l.agent, utf8), pick(r.agent.empty() ? nullptr : bar_color), color);
    }
    if (l.has_model) {
      line += "  ";
      Put(&line, Fit(r.model, l.model, utf8), pick(nullptr), color);
    }
    const bool uncounted = HasUsage(s) && !counted[r.span];
    if (l.has_tokens) {
      line += "  ";
      Put(&line, FitRight(r.tokens, l.tokens, utf8), pick(uncounted ? kDim : nullptr), color);
    }
    if (l.has_cost) {
      line += "  ";
      Put(&line, FitRight(r.cost, l.cost, utf8), pick(uncounted ? kDim : nullptr), color);
    }
    line += "  ";
    Put(&line, FitRight(r.duration, l.duration, utf8), pick(nullptr), color);
    line += "  ";
    const uint64_t start = s.start_unix_nano - t0;
    const uint64_t end = std::max(s.end_unix_nano, s.start_unix_nano) - t0;
    std::string bar = Bar(start, end, total, l.bar, utf8);
    while (!bar.empty() && bar.back() == ' ') bar.pop_back();
    const size_t lead = bar.find_first_not_of(' ');
    if (lead != std::string::npos) {
      line.append(lead, ' ');
      Put(&line, std::string_view(bar).substr(lead), pick(bar_color), color);
    }
    out += line;
    out += "\n";
  }

  // Footer: what was left out, what the parentheses mean, the error messages.
  if (shown < spans.size()) {
    out += std::string(utf8 ? "… " : "... ") + std::to_string(spans.size() - shown) +
           " more spans (--limit 0 shows all)\n";
  }
  bool any_critical = false;
  for (const WaterfallSpan& s : spans) any_critical |= s.critical_path;
  if (any_critical || !trace.notes.empty()) {
    out += "\n";
    if (any_critical) out += "* on the critical path\n";
    for (const std::string& note : trace.notes) out += Sanitize(note, utf8) + "\n";
  }
  if (any_uncounted)
    out += "\n(tokens/cost) repeat usage counted on descendant spans; not added to the totals\n";
  if (totals.errors > 0) {
    out += "\n";
    Put(&out, totals.errors == 1 ? "1 error:" : std::to_string(totals.errors) + " errors:", kRed,
        color);
    out += "\n";
    size_t listed = 0;
    for (uint32_t i : tree.order) {
      const WaterfallSpan& s = spans[i];
      if (!s.error) continue;
      if (listed == kMaxErrorsListed) {
        out += "  " + std::string(utf8 ? "…" : "...") + " and " +
               std::to_string(totals.errors - listed) + " more (--json has them all)\n";
        break;
      }
      ++listed;
      std::string line = "! " + Sanitize(s.name, utf8);
      if (!s.agent.empty()) line += " [" + Sanitize(s.agent, utf8) + "]";
      line += " span " + Sanitize(s.span_id, utf8) + ": ERROR";
      const std::string message = Sanitize(s.status_message, utf8);
      if (!message.empty()) {
        std::string fitted =
            Width(message) > kMaxMessageCells ? Fit(message, kMaxMessageCells, utf8) : message;
        line += ": " + fitted;
      }
      Put(&out, line, kRed, color);
      out += "\n";
    }
  }
  return out;
}

}  // namespace hoptrace::cli
