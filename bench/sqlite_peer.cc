#include "sqlite_peer.h"

#include <sqlite3.h>

#include <unordered_map>

#include "bench_util.h"

namespace hoptrace::bench {

namespace {

// Phoenix's tables (src/phoenix/db/models.py), times as unix nanoseconds, attributes and events
// as JSON text with the attribute names as flat keys.
constexpr const char* kSchema = R"sql(
CREATE TABLE traces (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL UNIQUE,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL
);
CREATE TABLE spans (
  id INTEGER PRIMARY KEY,
  trace_rowid INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  span_id TEXT NOT NULL UNIQUE,
  parent_id TEXT,
  name TEXT NOT NULL,
  span_kind TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  attributes JSON NOT NULL,
  events JSON NOT NULL,
  status_code TEXT NOT NULL DEFAULT 'UNSET',
  status_message TEXT NOT NULL,
  cumulative_error_count INTEGER NOT NULL,
  cumulative_llm_token_count_prompt INTEGER NOT NULL,
  cumulative_llm_token_count_completion INTEGER NOT NULL,
  llm_token_count_prompt INTEGER,
  llm_token_count_completion INTEGER
);
CREATE INDEX ix_spans_trace_rowid ON spans (trace_rowid);
CREATE INDEX ix_spans_start_time ON spans (start_time);
CREATE INDEX ix_spans_parent_id ON spans (parent_id);
)sql";

constexpr const char* kSpanColumns =
    "s.span_id, s.parent_id, s.name, s.span_kind, s.start_time, s.end_time, s.attributes, "
    "s.events, s.status_code, s.status_message, s.cumulative_error_count, "
    "s.cumulative_llm_token_count_prompt, s.cumulative_llm_token_count_completion, "
    "s.llm_token_count_prompt, s.llm_token_count_completion";
constexpr int kSpanColumnCount = 15;

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement() = default;
  ~Statement() { Finalize(); }
  void Finalize() {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Status Prepare(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK) {
      return InternalError("sqlite prepare: " + std::string(sqlite3_errmsg(db)) + ": " + sql);
    }
    return Status::Ok();
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Copies one row of the span columns out of SQLite, as a client gets it.
struct SpanRow {
  std::string text[kSpanColumnCount];
};
void ReadSpanRow(sqlite3_stmt* stmt, int first_column, SpanRow* row) {
  for (int c = 0; c < kSpanColumnCount; ++c) {
    const unsigned char* p = sqlite3_column_text(stmt, first_column + c);
    int n = sqlite3_column_bytes(stmt, first_column + c);
    row->text[c].assign(p ? reinterpret_cast<const char*>(p) : "", static_cast<size_t>(n));
  }
}

struct Cumulative {
  int64_t errors = 0, prompt = 0, completion = 0;
  void Add(const Cumulative& o) {
    errors += o.errors;
    prompt += o.prompt;
    completion += o.completion;
  }
};

class SqlitePeer : public W1System {
 public:
  explicit SqlitePeer(std::string dir) : dir_(std::move(dir)) {}
  ~SqlitePeer() override {
    for (Statement* st : {&upsert_trace_, &insert_span_, &update_cumulative_, &get_trace_,
                          &tokens_by_agent_, &slowest_}) {
      st->Finalize();
    }
    sqlite3_close(db_);
  }

  Status Open() {
    std::string path = dir_ + "/phoenix.db";
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      return InternalError("sqlite open " + path + ": " + sqlite3_errmsg(db_));
    }
    HT_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    HT_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    HT_RETURN_IF_ERROR(Exec(kSchema));
    HT_RETURN_IF_ERROR(upsert_trace_.Prepare(
        db_,
        "INSERT INTO traces (trace_id, start_time, end_time) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (trace_id) DO UPDATE SET start_time = min(start_time, excluded.start_time), "
        "end_time = max(end_time, excluded.end_time) RETURNING id"));
    HT_RETURN_IF_ERROR(insert_span_.Prepare(
        db_,
        "INSERT INTO spans (trace_rowid, span_id, parent_id, name, span_kind, start_time, "
        "end_time, attributes, events, status_code, status_message, cumulative_error_count, "
        "cumulative_llm_token_count_prompt, cumulative_llm_token_count_completion, "
        "llm_token_count_prompt, llm_token_count_completion) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
    HT_RETURN_IF_ERROR(update_cumulative_.Prepare(
        db_,
        "UPDATE spans SET cumulative_error_count = cumulative_error_count + ?2, "
        "cumulative_llm_token_count_prompt = cumulative_llm_token_count_prompt + ?3, "
        "cumulative_llm_token_count_completion = cumulative_llm_token_count_completion + ?4 "
        "WHERE span_id = ?1"));
    HT_RETURN_IF_ERROR(get_trace_.Prepare(
        db_, std::string("SELECT ") + kSpanColumns +
                 " FROM traces t JOIN spans s ON s.trace_rowid = t.id WHERE t.trace_id = ?1 "
                 "ORDER BY s.start_time"));
    HT_RETURN_IF_ERROR(tokens_by_agent_.Prepare(
        db_,
        "SELECT json_extract(attributes, '$.\"gen_ai.agent.name\"') AS agent, "
        "sum(llm_token_count_prompt), sum(llm_token_count_completion) FROM spans "
        "GROUP BY agent ORDER BY agent"));
    HT_RETURN_IF_ERROR(slowest_.Prepare(
        db_, std::string("SELECT s.end_time - s.start_time, ") + kSpanColumns +
                 " FROM spans s WHERE json_extract(s.attributes, '$.\"gen_ai.request.model\"') "
                 "= ?1 AND s.start_time BETWEEN ?2 AND ?3 "
                 "ORDER BY (s.end_time - s.start_time) DESC LIMIT ?4"));
    return Status::Ok();
  }

  size_t batch_spans() const override { return 1000; }
  StatusOr<uint64_t> BytesOnDisk() override { return DirectoryBytes(dir_); }

  Status Ingest(std::vector<Span> batch) override {
    // Phoenix keeps cumulative error and token counts per span over its subtree. Spans arrive
    // parents first; the counts of a batch's spans are summed before they are inserted, and
    // ancestors stored by an earlier batch (a trace split across batches) are updated.
    std::vector<Cumulative> cumulative(batch.size());
    std::unordered_map<std::string, Cumulative> stored_deltas;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Span& s = batch[i];
      if (s.trace_id != current_trace_) {
        current_trace_ = s.trace_id;
        nodes_.clear();
      }
      Cumulative own;
      own.errors = s.status_code == StatusCodeValue::kError;
      if (s.derived.operation == "llm") {
        own.prompt = s.derived.input_tokens;
        own.completion = s.derived.output_tokens;
      }
      cumulative[i] = own;
      nodes_[s.span_id] = Node{s.parent_span_id, static_cast<int64_t>(i)};
      for (auto it = nodes_.find(s.parent_span_id); it != nodes_.end();
           it = nodes_.find(it->second.parent)) {
        if (it->second.batch_index >= 0) {
          cumulative[static_cast<size_t>(it->second.batch_index)].Add(own);
        } else {
          stored_deltas[ToHex(it->first)].Add(own);
        }
      }
    }

    HT_RETURN_IF_ERROR(Exec("BEGIN"));
    int64_t trace_rowid = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Span& s = batch[i];
      if (i == 0 || s.trace_id != batch[i - 1].trace_id) {
        // One upsert per run of a trace's spans in the batch.
        uint64_t start = s.start_unix_nano, end = s.end_unix_nano;
        for (size_t j = i + 1; j < batch.size() && batch[j].trace_id == s.trace_id; ++j) {
          start = std::min(start, batch[j].start_unix_nano);
          end = std::max(end, batch[j].end_unix_nano);
        }
        sqlite3_stmt* st = upsert_trace_.get();
        std::string trace_hex = ToHex(s.trace_id);
        sqlite3_bind_text(st, 1, trace_hex.data(), static_cast<int>(trace_hex.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, static_cast<int64_t>(start));
        sqlite3_bind_int64(st, 3, static_cast<int64_t>(end));
        if (sqlite3_step(st) != SQLITE_ROW) return StepError("upsert trace", st);
        trace_rowid = sqlite3_column_int64(st, 0);
        while (sqlite3_step(st) == SQLITE_ROW) {
        }
        sqlite3_reset(st);
      }
      HT_RETURN_IF_ERROR(InsertSpan(s, trace_rowid, cumulative[i]));
    }
    for (const auto& [span_hex, delta] : stored_deltas) {
      sqlite3_stmt* st = update_cumulative_.get();
      sqlite3_bind_text(st, 1, span_hex.data(), static_cast<int>(span_hex.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 2, delta.errors);
      sqlite3_bind_int64(st, 3, delta.prompt);
      sqlite3_bind_int64(st, 4, delta.completion);
      if (sqlite3_step(st) != SQLITE_DONE) return StepError("update cumulative", st);
      sqlite3_reset(st);
    }
    HT_RETURN_IF_ERROR(Exec("COMMIT"));
    for (auto& [id, node] : nodes_) node.batch_index = -1;  // now stored
    return Status::Ok();
  }

  Status FinishIngest() override {
    // Fold the WAL into the database file, as a closed Phoenix database would be.
    return Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  StatusOr<size_t> GetTrace(const TraceId& trace_id) override {
    sqlite3_stmt* st = get_trace_.get();
    std::string hex = ToHex(trace_id);
    sqlite3_bind_text(st, 1, hex.data(), static_cast<int>(hex.size()), SQLITE_TRANSIENT);
    std::vector<SpanRow> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) ReadSpanRow(st, 0, &rows.emplace_back());
    if (rc != SQLITE_DONE) return StepError("q1", st);
    sqlite3_reset(st);
    return rows.size();
  }

  StatusOr<TokensByAgent> TokensByAgentQuery() override {
    sqlite3_stmt* st = tokens_by_agent_.get();
    TokensByAgent out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const unsigned char* agent = sqlite3_column_text(st, 0);
      out[agent ? reinterpret_cast<const char*>(agent) : ""] = {sqlite3_column_int64(st, 1),
                                                                sqlite3_column_int64(st, 2)};
    }
    if (rc != SQLITE_DONE) return StepError("q2", st);
    sqlite3_reset(st);
    return out;
  }

  StatusOr<std::vector<int64_t>> Slowest(const SlowestQuery& q) override {
    sqlite3_stmt* st = slowest_.get();
    sqlite3_bind_text(st, 1, q.model.data(), static_cast<int>(q.model.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(q.start_min_unix_nano));
    sqlite3_bind_int64(st, 3, static_cast<int64_t>(q.start_max_unix_nano));
    sqlite3_bind_int64(st, 4, static_cast<int64_t>(q.limit));
    std::vector<int64_t> durations;
    std::vector<SpanRow> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      durations.push_back(sqlite3_column_int64(st, 0));
      ReadSpanRow(st, 1, &rows.emplace_back());
    }
    if (rc != SQLITE_DONE) return StepError("q3", st);
    sqlite3_reset(st);
    return durations;
  }

 private:
  struct Node {
    SpanId parent{};
    int64_t batch_index = -1;  // index in the batch being ingested; -1 once stored
  };
  struct SpanIdHash {
    size_t operator()(const SpanId& id) const {
      size_t h = 0;
      for (uint8_t b : id) h = h * 131 + b;
      return h;
    }
  };

  Status InsertSpan(const Span& s, int64_t trace_rowid, const Cumulative& cumulative) {
    sqlite3_stmt* st = insert_span_.get();
    std::string span_hex = ToHex(s.span_id);
    std::string parent_hex = s.is_root() ? "" : ToHex(s.parent_span_id);
    std::string kind = s.derived.operation;
    for (char& c : kind) c = static_cast<char>(c - 'a' + 'A');  // LLM, TOOL, AGENT
    std::string attributes = AttributesJson(s.attributes);
    std::string events = EventsJson(s.events);
    const char* status = s.status_code == StatusCodeValue::kError ? "ERROR"
                         : s.status_code == StatusCodeValue::kOk  ? "OK"
                                                                  : "UNSET";
    auto text = [st](int i, const std::string& v) {
      sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    sqlite3_bind_int64(st, 1, trace_rowid);
    text(2, span_hex);
    if (s.is_root()) {
      sqlite3_bind_null(st, 3);
    } else {
      text(3, parent_hex);
    }
    text(4, s.name);
    text(5, kind);
    sqlite3_bind_int64(st, 6, static_cast<int64_t>(s.start_unix_nano));
    sqlite3_bind_int64(st, 7, static_cast<int64_t>(s.end_unix_nano));
    text(8, attributes);
    text(9, events);
    sqlite3_bind_text(st, 10, status, -1, SQLITE_STATIC);
    text(11, s.status_message);
    sqlite3_bind_int64(st, 12, cumulative.errors);
    sqlite3_bind_int64(st, 13, cumulative.prompt);
    sqlite3_bind_int64(st, 14, cumulative.completion);
    if (s.derived.operation == "llm") {
      sqlite3_bind_int64(st, 15, s.derived.input_tokens);
      sqlite3_bind_int64(st, 16, s.derived.output_tokens);
    } else {
      sqlite3_bind_null(st, 15);
      sqlite3_bind_null(st, 16);
    }
    int rc = sqlite3_step(st);
    Status status_out = rc == SQLITE_DONE ? Status::Ok() : StepError("insert span", st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status_out;
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      return InternalError(std::string("sqlite: ") + message + " in: " + sql);
    }
    return Status::Ok();
  }

  Status StepError(const char* what, sqlite3_stmt* st) {
    Status s = InternalError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_));
    sqlite3_reset(st);
    return s;
  }

  std::string dir_;
  sqlite3* db_ = nullptr;
  Statement upsert_trace_, insert_span_, update_cumulative_, get_trace_, tokens_by_agent_, slowest_;
  // Spans of the trace being ingested (the last one, possibly continued by the next batch).
  TraceId current_trace_{};
  std::unordered_map<SpanId, Node, SpanIdHash> nodes_;
};

}  // namespace

StatusOr<std::unique_ptr<W1System>> OpenSqlitePeer(const std::string& dir) {
  auto peer = std::make_unique<SqlitePeer>(dir);
  HT_RETURN_IF_ERROR(peer->Open());
  return std::unique_ptr<W1System>(std::move(peer));
}

std::string SqliteVersion() { return sqlite3_libversion(); }

}  // namespace hoptrace::bench
