// The ClickHouse peer of W1 (BENCHMARKS.md), over ClickHouse's HTTP interface on loopback: a
// MergeTree span table in the Jaeger/SigNoz style ordered by (service, start), plus a trace-id
// index table; TSV inserts of 100,000 rows.
#pragma once

#include <memory>
#include <string>

#include "w1_system.h"

namespace hoptrace::bench {

// Connects to the server at `url` (http://127.0.0.1:PORT; loopback only), checks it answers,
// and creates fresh tables in the database `database` (dropped first if they exist).
StatusOr<std::unique_ptr<W1System>> OpenClickHousePeer(const std::string& url,
                                                       const std::string& database);

// The server's version ("18.16.1"), or an error.
StatusOr<std::string> ClickHouseVersion(const std::string& url);

}  // namespace hoptrace::bench
