// The SQLite peer of W1 (BENCHMARKS.md): the schema Arize Phoenix uses for its default embedded
// store, in Debian's libsqlite3, WAL mode, synchronous=NORMAL, prepared statements, one
// transaction per batch of 1,000 spans; agent and model read with json_extract, as Phoenix does.
#pragma once

#include <memory>
#include <string>

#include "w1_system.h"

namespace hoptrace::bench {

// Creates the database `dir`/phoenix.db (dir must exist).
StatusOr<std::unique_ptr<W1System>> OpenSqlitePeer(const std::string& dir);

// "3.40.1", the library's version.
std::string SqliteVersion();

}  // namespace hoptrace::bench
