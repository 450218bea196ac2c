// The versioned schema of the SQLite system database and the runner that brings a file up to date.
//
// Migrations are an ordered list in code (sqlite_migrations.cpp), numbered from 1 without gaps. Each one is
// applied in its own BEGIN IMMEDIATE transaction together with its row in schema_migrations(version, name,
// applied_at_us), so a crash mid-way leaves the database at the previous version, and two processes opening
// the same new file at once apply each migration exactly once (the second one sees the row and moves on).
// A released migration is never edited; a schema change is a new entry at the end of the list.
//
// Thread-safety: ApplySqliteMigrations uses the connection it is given and must not run concurrently with
// other uses of that connection.
#pragma once

#include <span>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace datasync::metadata::sqlite {

using db::sqlite::SqliteConnection;
using db::sqlite::SqliteTransaction;

struct SqliteMigration {
  int version = 0;
  std::string_view name;  // snake_case, recorded in schema_migrations
  std::string_view sql;   // one or more statements
};

// Every migration this binary knows, in order.
std::span<const SqliteMigration> SqliteMigrations();

// Applies every pending migration and returns the resulting schema version. Refuses (kConfig) a file that
// is a SQLite database of something else (tables but no schema_migrations) and a database whose schema is
// newer than this binary knows, naming the unknown versions and what to do.
core::Result<int> ApplySqliteMigrations(SqliteConnection& connection, const core::Clock& clock);

}  // namespace datasync::metadata::sqlite
