#include "clickhouse_peer.h"

#include <algorithm>
#include <cstdlib>

#include "bench_util.h"
#include "http_client.h"

namespace hoptrace::bench {

namespace {

// A span table in the Jaeger/SigNoz style: the fields queries filter and group on as columns,
// the rest (attributes, events, resource) as JSON text; partitioned by day, ordered by
// (service, start). The SQL suits ClickHouse 18.16 (Debian) and current releases.
constexpr const char* kSpansTable = R"sql(
CREATE TABLE {db}.spans (
  service String,
  start_ns UInt64,
  timestamp DateTime DEFAULT toDateTime(intDiv(start_ns, 1000000000)),
  trace_id String,
  span_id String,
  parent_id String,
  name String,
  kind String,
  duration_ns UInt64,
  status_code String,
  status_message String,
  agent String,
  operation String,
  model String,
  provider String,
  tool String,
  input_tokens Int64,
  output_tokens Int64,
  cost_usd Float64,
  attributes String,
  events String,
  resource String
) ENGINE = MergeTree() PARTITION BY toDate(timestamp) ORDER BY (service, start_ns)
)sql";

constexpr const char* kSpanInsertColumns =
    "service, start_ns, trace_id, span_id, parent_id, name, kind, duration_ns, status_code, "
    "status_message, agent, operation, model, provider, tool, input_tokens, output_tokens, "
    "cost_usd, attributes, events, resource";

// Where each trace's spans are: the trace-id index table (Jaeger's jaeger_index, SigNoz's
// trace-id index). One row per trace per insert.
constexpr const char* kIndexTable = R"sql(
CREATE TABLE {db}.trace_index (
  trace_id String,
  service String,
  start_min UInt64,
  start_max UInt64
) ENGINE = MergeTree() ORDER BY trace_id
)sql";

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// TabSeparated escaping of one field.
void AppendTsv(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\0':
        *out += "\\0";
        break;
      default:
        out->push_back(c);
    }
  }
}

// Splits a TabSeparated response into rows of unescaped fields.
std::vector<std::vector<std::string>> ParseTsv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      rows.push_back(std::move(row));
      row.assign(1, "");
    } else if (c == '\t') {
      row.emplace_back();
    } else if (c == '\\' && i + 1 < text.size()) {
      char e = text[++i];
      row.back().push_back(e == 'n'   ? '\n'
                           : e == 't' ? '\t'
                           : e == 'r' ? '\r'
                           : e == '0' ? '\0'
                                      : e);
    } else {
      row.back().push_back(c);
    }
  }
  return rows;
}

// `s` as a single-quoted SQL string literal.
std::string SqlQuoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string ResourceJson(const Resource& r) { return AttributesJson(r.attributes); }

class ClickHousePeer : public W1System {
 public:
  ClickHousePeer(LoopbackUrl url, std::string database)
      : http_(std::move(url)), db_(std::move(database)) {}
  ~ClickHousePeer() override {
    // Leave the server as found (errors ignored: the figures are taken already).
    Query("DROP TABLE IF EXISTS " + db_ + ".spans").status().IgnoreError();
    Query("DROP TABLE IF EXISTS " + db_ + ".trace_index").status().IgnoreError();
  }

  Status Create() {
    HT_RETURN_IF_ERROR(Query("CREATE DATABASE IF NOT EXISTS " + db_).status());
    HT_RETURN_IF_ERROR(Query("DROP TABLE IF EXISTS " + db_ + ".spans").status());
    HT_RETURN_IF_ERROR(Query("DROP TABLE IF EXISTS " + db_ + ".trace_index").status());
    HT_RETURN_IF_ERROR(Query(Replace(kSpansTable, "{db}", db_)).status());
    HT_RETURN_IF_ERROR(Query(Replace(kIndexTable, "{db}", db_)).status());
    return Status::Ok();
  }

  size_t batch_spans() const override { return 100'000; }
  bool in_process() const override { return false; }

  Status Ingest(std::vector<Span> batch) override {
    std::string spans, index;
    spans.reserve(batch.size() * 1500);
    for (size_t i = 0; i < batch.size(); ++i) {
      const Span& s = batch[i];
      const AgentFields& d = s.derived;
      auto field = [&spans](std::string_view v, char sep = '\t') {
        AppendTsv(v, &spans);
        spans.push_back(sep);
      };
      field(d.service);
      field(std::to_string(s.start_unix_nano));
      field(ToHex(s.trace_id));
      field(ToHex(s.span_id));
      field(s.is_root() ? "" : ToHex(s.parent_span_id));
      field(s.name);
      field(SpanKindName(s.kind));
      field(std::to_string(s.duration_ns()));
      field(StatusCodeText(s.status_code));
      field(s.status_message);
      field(d.agent);
      field(d.operation);
      field(d.model);
      field(d.provider);
      field(d.tool);
      field(std::to_string(d.usage_counted ? d.input_tokens : 0));
      field(std::to_string(d.usage_counted ? d.output_tokens : 0));
      field(JsonNumber(d.cost_usd));
      field(AttributesJson(s.attributes));
      field(EventsJson(s.events));
      field(ResourceJson(s.resource), '\n');
      if (i == 0 || s.trace_id != batch[i - 1].trace_id) {
        uint64_t lo = s.start_unix_nano, hi = s.start_unix_nano;
        for (size_t j = i + 1; j < batch.size() && batch[j].trace_id == s.trace_id; ++j) {
          lo = std::min(lo, batch[j].start_unix_nano);
          hi = std::max(hi, batch[j].start_unix_nano);
        }
        index += ToHex(s.trace_id);
        index += '\t';
        AppendTsv(d.service, &index);
        index += '\t';
        index += std::to_string(lo);
        index += '\t';
        index += std::to_string(hi);
        index += '\n';
      }
    }
    HT_RETURN_IF_ERROR(Insert("spans (" + std::string(kSpanInsertColumns) + ")", spans));
    return Insert("trace_index", index);
  }

  Status FinishIngest() override { return Status::Ok(); }  // inserts are synchronous

  StatusOr<uint64_t> BytesOnDisk() override {
    std::string where = " FROM system.parts WHERE active AND database = '" + db_ + "'";
    auto r = Query("SELECT sum(bytes_on_disk)" + where);
    if (!r.ok()) r = Query("SELECT sum(bytes)" + where);  // older servers
    if (!r.ok()) return r.status();
    return std::strtoull(r->c_str(), nullptr, 10);
  }

  StatusOr<size_t> GetTrace(const TraceId& trace_id) override {
    std::string hex = ToHex(trace_id);
    HT_ASSIGN_OR_RETURN(
        std::string where_text,
        Query("SELECT service, min(start_min), max(start_max) FROM " + db_ +
              ".trace_index WHERE trace_id = '" + hex + "' GROUP BY service FORMAT TabSeparated"));
    size_t spans = 0;
    for (const auto& w : ParseTsv(where_text)) {
      if (w.size() != 3) return DataLossError("bad trace_index row");
      std::string service = SqlQuoted(w[0]);
      HT_ASSIGN_OR_RETURN(std::string text,
                          Query("SELECT * FROM " + db_ + ".spans PREWHERE trace_id = '" + hex +
                                "' WHERE service = " + service + " AND start_ns BETWEEN " + w[1] +
                                " AND " + w[2] + " ORDER BY start_ns FORMAT TabSeparated"));
      spans += ParseTsv(text).size();
    }
    return spans;
  }

  StatusOr<TokensByAgent> TokensByAgentQuery() override {
    HT_ASSIGN_OR_RETURN(std::string text,
                        Query("SELECT agent, sum(input_tokens), sum(output_tokens) FROM " + db_ +
                              ".spans GROUP BY agent ORDER BY agent FORMAT TabSeparated"));
    TokensByAgent out;
    for (const auto& row : ParseTsv(text)) {
      if (row.size() != 3) return DataLossError("bad q2 row");
      out[row[0]] = {std::atoll(row[1].c_str()), std::atoll(row[2].c_str())};
    }
    return out;
  }

  StatusOr<std::vector<int64_t>> Slowest(const SlowestQuery& q) override {
    // Two steps in one statement, as a careful ClickHouse user writes it: find the slowest rows
    // over the narrow columns, then read full rows only for those, through the primary key.
    std::string window =
        "model = " + SqlQuoted(q.model) + " AND timestamp BETWEEN toDateTime(" +
        std::to_string(q.start_min_unix_nano / 1'000'000'000) + ") AND toDateTime(" +
        std::to_string(q.start_max_unix_nano / 1'000'000'000) + ") AND start_ns BETWEEN " +
        std::to_string(q.start_min_unix_nano) + " AND " + std::to_string(q.start_max_unix_nano);
    std::string top = "SELECT service, start_ns, span_id FROM " + db_ + ".spans WHERE " + window +
                      " ORDER BY duration_ns DESC LIMIT " + std::to_string(q.limit);
    HT_ASSIGN_OR_RETURN(std::string text, Query("SELECT * FROM " + db_ +
                                                ".spans PREWHERE (service, start_ns, "
                                                "span_id) IN (" +
                                                top + ") WHERE " + window +
                                                " ORDER BY duration_ns DESC FORMAT TabSeparated"));
    std::vector<int64_t> durations;
    for (const auto& row : ParseTsv(text)) {
      if (row.size() < 9) return DataLossError("bad q3 row");
      durations.push_back(std::atoll(row[8].c_str()));  // duration_ns, the 9th column
    }
    return durations;
  }

 private:
  StatusOr<std::string> Query(const std::string& sql) { return http_.Post("/", sql); }

  Status Insert(const std::string& table_and_columns, const std::string& tsv) {
    std::string target = "/?query=" + UrlEncode("INSERT INTO " + db_ + "." + table_and_columns +
                                                " FORMAT TabSeparated");
    return http_.Post(target, tsv).status().WithContext("insert into " + table_and_columns);
  }

  HttpClient http_;
  std::string db_;
};

}  // namespace

StatusOr<std::unique_ptr<W1System>> OpenClickHousePeer(const std::string& url,
                                                       const std::string& database) {
  HT_ASSIGN_OR_RETURN(LoopbackUrl parsed, ParseLoopbackUrl(url));
  auto peer = std::make_unique<ClickHousePeer>(std::move(parsed), database);
  HT_RETURN_IF_ERROR(peer->Create());
  return std::unique_ptr<W1System>(std::move(peer));
}

StatusOr<std::string> ClickHouseVersion(const std::string& url) {
  HT_ASSIGN_OR_RETURN(LoopbackUrl parsed, ParseLoopbackUrl(url));
  HttpClient http(std::move(parsed));
  HT_ASSIGN_OR_RETURN(std::string version, http.Post("/", "SELECT version()"));
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
    version.pop_back();
  }
  return version;
}

}  // namespace hoptrace::bench
