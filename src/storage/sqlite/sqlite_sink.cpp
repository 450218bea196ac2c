#include "storage/sqlite/sqlite_sink.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/crash_point.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "storage/sqlite/sqlite_reader.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;
using core::TypeId;
using db::sqlite::QuoteIdent;
using SqliteConnection = db::sqlite::SqliteConnection;
using SqliteStatement = db::sqlite::SqliteStatement;

namespace {

constexpr std::string_view kUnitColumn = "_ds_unit";
constexpr std::string_view kColumnsTable = "_datasync_columns";
constexpr std::string_view kRunsTable = "_datasync_runs";

const char* SqlType(const core::LogicalType& t) {
  switch (t.id) {
    case TypeId::kBool:
    case TypeId::kInt32:
    case TypeId::kInt64: return "INTEGER";
    case TypeId::kFloat64: return "REAL";
    case TypeId::kString:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kDecimal: return "TEXT";
  }
  return "TEXT";
}

// SQLite compares identifiers case-insensitively for ASCII letters only.
std::string FoldName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += QuoteIdent(n);
  }
  return out;
}

// What a failed statement says: the start of its SQL, so a message stays readable for a long CREATE TABLE.
std::string SqlFailed(std::string_view sql) {
  std::string shown = sql.size() > 200 ? std::string(sql.substr(0, 200)) + "..." : std::string(sql);
  return "SQL failed (" + shown + ")";
}

Status ExecSql(SqliteConnection& db, std::string_view sql) {
  return db.Exec(sql, SqlFailed(sql));
}

// A statement the sink keeps and steps through the C API.
core::Result<SqliteStatement> PrepareSql(SqliteConnection& db, std::string_view sql) {
  return db.PrepareOwned(sql, "cannot prepare (" + std::string(sql.substr(0, 200)) + ")");
}

struct ColumnInfo {
  std::string name;
  std::string declared_type;
  int pk_position = 0;  // 1-based position in the primary key, 0 when not part of it
};

}  // namespace

std::span<const core::OptionSpec> SqliteSinkOptions() {
  using core::OptionType;
  static const std::vector<core::OptionSpec> table = {
      {sqlite::kPath.name, OptionType::kPath, "", true, "",
       "database file; created with its folder when missing (relative paths start at the project folder)"},
      // The enum values are interpolated into PRAGMAs: the table's check (at load and in Bind) keeps
      // anything else out.
      {sqlite::kJournalMode.name,
       OptionType::kEnum,
       "wal",
       false,
       "",
       "SQLite journal mode; wal lets readers work while datasync writes",
       {"wal", "delete", "truncate", "persist", "memory", "off"}},
      {sqlite::kSynchronous.name,
       OptionType::kEnum,
       "normal",
       false,
       "",
       "fsync policy; normal is durable with wal except for the last commit on power loss, full always",
       {"off", "normal", "full", "extra"}},
      {.name = sqlite::kBusyTimeoutMs.name,
       .type = OptionType::kInt,
       .default_value = "10000",
       .unit = "milliseconds",
       .description = "how long to wait for another process's lock before reporting a transient error",
       .range = core::OptionRange{0, 24LL * 3600 * 1000}},
      {sqlite::kTablePrefix.name, OptionType::kString, "", false, "",
       "text put before every dataset name to form the table name"},
  };
  return table;
}

SqliteSink::SqliteSink() = default;

SqliteSink::~SqliteSink() {
  // Statements must be finalized before the connection closes; closing rolls back what was not committed.
  insert_.reset();
  delete_unit_.reset();
  db_.reset();
}

SinkCapabilities SqliteSink::capabilities() const {
  SinkCapabilities caps;
  caps.append = true;
  caps.upsert = true;
  caps.idempotent_units = true;
  caps.replace = true;
  caps.schema_evolution = true;
  caps.concurrent_writers = false;
  return caps;
}

core::OptionProblems CheckSqliteSinkOptions(const core::Options& options) {
  core::OptionProblems problems = core::CheckOptionValues(options, SqliteSinkOptions());
  if (options.Get(sqlite::kPath).empty()) problems.push_back({"path", "is empty; set it to the database file"});
  // Table names starting with sqlite_ are SQLite's own (https://www.sqlite.org/lang_createtable.html).
  if (std::string prefix = options.Get(sqlite::kTablePrefix); FoldName(prefix).starts_with("sqlite_")) {
    problems.push_back({"table_prefix", "'" + prefix +
                                            "' starts with sqlite_, which SQLite reserves for its own "
                                            "tables"});
  }
  return problems;
}

Status SqliteSink::BindImpl(const BindContext& ctx) {
  core::Options options = ctx.options;
  if (auto st = options.ApplyDefaults(SqliteSinkOptions(), "storage '" + ctx.storage_name + "'"); !st) return st;
  if (auto st = core::ProblemsToStatus(CheckSqliteSinkOptions(options), "option "); !st) return st;
  db_path_ = std::filesystem::path(options.Get(sqlite::kPath));
  if (db_path_.is_relative()) db_path_ = ctx.project_dir / db_path_;
  db_path_ = db_path_.lexically_normal();
  // Checked above: the enum values are interpolated into PRAGMAs.
  std::string journal_mode = options.Get(sqlite::kJournalMode);
  std::string synchronous = options.Get(sqlite::kSynchronous);
  int64_t busy_timeout_ms = options.Get(sqlite::kBusyTimeoutMs);

  table_ = options.Get(sqlite::kTablePrefix) + ctx.dataset;
  if (ctx.dataset.empty()) return Fail(ErrorKind::kConfig, "the dataset name is empty");
  if (table_.find('\0') != std::string::npos) return Fail(ErrorKind::kConfig, "the table name contains a NUL byte");
  if (FoldName(table_).starts_with("sqlite_")) {
    return Fail(
        ErrorKind::kConfig,
        "table name '" + table_ + "' starts with sqlite_, which is reserved for SQLite's own tables; set table_prefix");
  }
  const core::Schema& schema = *ctx.schema;
  if (schema.size() == 0) return Fail(ErrorKind::kConfig, "the dataset has no fields");
  std::set<std::string> folded;
  for (const auto& f : schema.fields()) {
    if (f.name.empty() || f.name.find('\0') != std::string::npos) {
      return Fail(ErrorKind::kConfig, "field name '" + f.name + "' is empty or contains a NUL byte");
    }
    std::string key = FoldName(f.name);
    if (key == kUnitColumn) {
      return Fail(ErrorKind::kConfig, "field name '" + f.name + "' is reserved by the sqlite sink for unit ids");
    }
    if (!folded.insert(key).second) {
      return Fail(ErrorKind::kConfig,
                  "fields named '" + f.name + "' differ only in letter case, which SQLite treats as the same column");
    }
  }
  for (const auto& k : ctx.primary_key) {
    if (!schema.IndexOf(k)) {
      return Fail(ErrorKind::kConfig, "primary key field '" + k + "' is not a field of the dataset");
    }
  }
  mode_ = ctx.mode;
  primary_key_ = ctx.primary_key;

  insert_.reset();
  delete_unit_.reset();
  db_.reset();
  std::error_code ec;
  if (db_path_.has_parent_path()) std::filesystem::create_directories(db_path_.parent_path(), ec);
  if (ec) {
    return Fail(ErrorKind::kConfig,
                "cannot create the folder of database file '" + db_path_.string() + "': " + ec.message());
  }
  auto opened = SqliteConnection::Open(db_path_.string(), {.busy_timeout = std::chrono::milliseconds(busy_timeout_ms),
                                                           .role = db::sqlite::Role::kDataStore});
  if (!opened) return Fail(opened.error());
  db_ = std::move(*opened);
  // Switching a new file to WAL needs an exclusive lock that SQLite refuses at once, without the busy
  // handler, while another connection opens the same new file (two plans of one run writing one database).
  std::string journal = "PRAGMA journal_mode=" + journal_mode;
  if (auto st = db_->ExecRetryingBusy(journal, SqlFailed(journal), std::chrono::milliseconds(busy_timeout_ms)); !st) {
    return st;
  }
  if (auto st = ExecSql(*db_, "PRAGMA synchronous=" + synchronous); !st) return st;
  return core::Ok();
}

Status SqliteSink::EnsureMetaTables() {
  // Readers need the logical type behind each TEXT column (date? decimal?), and a repeated Finish after a
  // crash must know that this run's staging table was already published.
  std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdent(kColumnsTable) +
                    " (table_name TEXT NOT NULL, column_name TEXT NOT NULL, logical_type TEXT NOT NULL, "
                    "PRIMARY KEY (table_name, column_name));"
                    "CREATE TABLE IF NOT EXISTS " +
                    QuoteIdent(kRunsTable) +
                    " (table_name TEXT NOT NULL, run_id INTEGER NOT NULL, published_at TEXT NOT NULL, "
                    "PRIMARY KEY (table_name, run_id));";
  return ExecSql(*db_, sql);
}

namespace {

core::Result<std::vector<ColumnInfo>> TableInfo(SqliteConnection& db, const std::string& table) {
  auto stmt = PrepareSql(db, "SELECT name, type, pk FROM pragma_table_info(?1)");
  if (!stmt) return Fail(stmt.error());
  sqlite3_bind_text(stmt->get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
  std::vector<ColumnInfo> out;
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    ColumnInfo c;
    c.name = reinterpret_cast<const char*>(sqlite3_column_text(stmt->get(), 0));
    auto type = sqlite3_column_text(stmt->get(), 1);
    c.declared_type = type ? reinterpret_cast<const char*>(type) : "";
    c.pk_position = sqlite3_column_int(stmt->get(), 2);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return Fail(db.MakeError(rc, "cannot read the columns of " + QuoteIdent(table)));
  return out;
}

// The column list, in primary-key order, of the UNIQUE indexes on table (ON CONFLICT can target them too).
core::Result<std::vector<std::vector<std::string>>> UniqueIndexes(SqliteConnection& db, const std::string& table) {
  auto list = PrepareSql(db, "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND partial = 0");
  if (!list) return Fail(list.error());
  sqlite3_bind_text(list->get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(list->get())) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list->get(), 0)));
  }
  if (rc != SQLITE_DONE) return Fail(db.MakeError(rc, "cannot list indexes of " + QuoteIdent(table)));
  std::vector<std::vector<std::string>> out;
  for (const auto& index : names) {
    auto info = PrepareSql(db, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
    if (!info) return Fail(info.error());
    sqlite3_bind_text(info->get(), 1, index.data(), static_cast<int>(index.size()), SQLITE_STATIC);
    std::vector<std::string> cols;
    while ((rc = sqlite3_step(info->get())) == SQLITE_ROW) {
      auto name = sqlite3_column_text(info->get(), 0);
      cols.emplace_back(name ? reinterpret_cast<const char*>(name) : "");
    }
    if (rc != SQLITE_DONE) return Fail(db.MakeError(rc, "cannot read index " + QuoteIdent(index)));
    out.push_back(std::move(cols));
  }
  return out;
}

bool SameNames(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::set<std::string> fa, fb;
  for (const auto& n : a) fa.insert(FoldName(n));
  for (const auto& n : b) fb.insert(FoldName(n));
  return fa == fb;
}

}  // namespace

Status SqliteSink::MigrateTable(const std::string& table, bool want_unit_column, bool record_types) {
  const core::Schema& schema = *bind_context().schema;
  auto info = TableInfo(*db_, table);
  if (!info) return Fail(info.error());
  bool has_unit_column = false;
  if (info->empty()) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdent(table) + " (";
    for (size_t i = 0; i < schema.size(); ++i) {
      if (i) sql += ", ";
      sql += QuoteIdent(schema.field(i).name) + " " + SqlType(schema.field(i).type);
    }
    if (want_unit_column) sql += ", " + QuoteIdent(kUnitColumn) + " TEXT";
    if (!primary_key_.empty()) sql += ", PRIMARY KEY (" + JoinQuoted(primary_key_) + ")";
    sql += ")";
    if (auto st = ExecSql(*db_, sql); !st) return st;
    has_unit_column = want_unit_column;
    if (record_types) notes_.push_back("created table " + QuoteIdent(table));
  } else {
    std::map<std::string, const ColumnInfo*> existing;
    std::vector<std::pair<int, std::string>> table_pk;
    for (const auto& c : *info) {
      existing[FoldName(c.name)] = &c;
      if (c.pk_position > 0) table_pk.emplace_back(c.pk_position, c.name);
    }
    has_unit_column = existing.count(std::string(kUnitColumn)) > 0;
    std::sort(table_pk.begin(), table_pk.end());
    std::vector<std::string> table_pk_names;
    for (auto& [pos, name] : table_pk) table_pk_names.push_back(name);
    if (!primary_key_.empty() && !table_pk_names.empty() && !SameNames(table_pk_names, primary_key_)) {
      return Fail(ErrorKind::kConfig, "table " + QuoteIdent(table) + " has primary key (" +
                                          core::Join(table_pk_names, ", ") + ") but the dataset's is (" +
                                          core::Join(primary_key_, ", ") +
                                          "); changing a primary key rebuilds the table, which datasync does not do "
                                          "automatically (run once with mode replace, or use another table_prefix)");
    }
    for (const auto& f : schema.fields()) {
      auto it = existing.find(FoldName(f.name));
      if (it == existing.end()) {
        std::string sql =
            "ALTER TABLE " + QuoteIdent(table) + " ADD COLUMN " + QuoteIdent(f.name) + " " + SqlType(f.type);
        if (auto st = ExecSql(*db_, sql); !st) return st;
        if (record_types) notes_.push_back("added column " + QuoteIdent(f.name) + " " + SqlType(f.type));
      } else if (record_types && FoldName(it->second->declared_type) != FoldName(SqlType(f.type))) {
        notes_.push_back("column " + QuoteIdent(f.name) + " is declared " + it->second->declared_type +
                         ", the dataset now says " + f.type.ToString() + " (" + SqlType(f.type) +
                         "); SQLite's dynamic typing stores the new values as they come, existing rows are unchanged");
      }
    }
    if (record_types) {
      for (const auto& c : *info) {
        if (FoldName(c.name) != kUnitColumn && !schema.IndexOf(c.name)) {
          bool found = false;
          for (const auto& f : schema.fields()) found = found || FoldName(f.name) == FoldName(c.name);
          if (!found)
            notes_.push_back("column " + QuoteIdent(c.name) + " is no longer in the dataset; kept, NULL in new rows");
        }
      }
    }
    if (want_unit_column && !has_unit_column) {
      if (auto st =
              ExecSql(*db_, "ALTER TABLE " + QuoteIdent(table) + " ADD COLUMN " + QuoteIdent(kUnitColumn) + " TEXT");
          !st) {
        return st;
      }
      has_unit_column = true;
    }
    // A table created without a primary key (an earlier append plan) can still serve upserts through a
    // unique index on the key; creating it fails, as it should, when the table already holds duplicates.
    if (!primary_key_.empty() && table_pk_names.empty() && mode_ != WriteMode::kAppend) {
      auto uniques = UniqueIndexes(*db_, table);
      if (!uniques) return Fail(uniques.error());
      bool covered = false;
      for (const auto& cols : *uniques) covered = covered || SameNames(cols, primary_key_);
      if (!covered) {
        std::string sql = "CREATE UNIQUE INDEX " + QuoteIdent(table + "__pk") + " ON " + QuoteIdent(table) + " (" +
                          JoinQuoted(primary_key_) + ")";
        if (auto st = ExecSql(*db_, sql); !st) {
          return Fail(ErrorKind::kConfig,
                      "table " + QuoteIdent(table) + " has no primary key and rows that repeat the key (" +
                          core::Join(primary_key_, ", ") + "), so it cannot be upserted: " + st.error().message());
        }
        if (record_types) notes_.push_back("added unique index on (" + core::Join(primary_key_, ", ") + ")");
      }
    }
  }
  if (has_unit_column) {
    std::string sql = "CREATE INDEX IF NOT EXISTS " + QuoteIdent(table + "__ds_unit") + " ON " + QuoteIdent(table) +
                      " (" + QuoteIdent(kUnitColumn) + ")";
    if (auto st = ExecSql(*db_, sql); !st) return st;
  }
  if (!record_types) return core::Ok();

  auto previous = PrepareSql(
      *db_, "SELECT logical_type FROM " + QuoteIdent(kColumnsTable) + " WHERE table_name = ?1 AND column_name = ?2");
  if (!previous) return Fail(previous.error());
  auto record =
      PrepareSql(*db_, "INSERT INTO " + QuoteIdent(kColumnsTable) +
                           " (table_name, column_name, logical_type) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT (table_name, column_name) DO UPDATE SET logical_type = excluded.logical_type");
  if (!record) return Fail(record.error());
  for (const auto& f : schema.fields()) {
    std::string type = f.type.ToString();
    sqlite3_stmt* p = previous->get();
    sqlite3_bind_text(p, 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    sqlite3_bind_text(p, 2, f.name.data(), static_cast<int>(f.name.size()), SQLITE_STATIC);
    int rc = sqlite3_step(p);
    if (rc == SQLITE_ROW) {
      std::string old(reinterpret_cast<const char*>(sqlite3_column_text(p, 0)));
      if (old != type) {
        notes_.push_back("column " + QuoteIdent(f.name) + " changes from " + old + " to " + type +
                         "; rows written before keep their " + old + " values");
      }
    } else if (rc != SQLITE_DONE) {
      return Fail(db_->MakeError(rc, "cannot read " + QuoteIdent(kColumnsTable)));
    }
    previous->Reset();
    sqlite3_stmt* r = record->get();
    sqlite3_bind_text(r, 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    sqlite3_bind_text(r, 2, f.name.data(), static_cast<int>(f.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(r, 3, type.data(), static_cast<int>(type.size()), SQLITE_STATIC);
    rc = sqlite3_step(r);
    if (rc != SQLITE_DONE) return Fail(db_->MakeError(rc, "cannot record column types"));
    record->Reset();
  }
  return core::Ok();
}

Status SqliteSink::MigrateImpl() {
  notes_.clear();
  if (auto st = ExecSql(*db_, "BEGIN IMMEDIATE"); !st) return st;
  Status st = EnsureMetaTables();
  // Mode upsert uses _ds_unit when an earlier append run added it, but does not need it.
  if (st) st = MigrateTable(table_, mode_ != WriteMode::kUpsert, /*record_types=*/true);
  if (st) st = ExecSql(*db_, "COMMIT");
  if (!st) {
    (void)RollbackIfOpen();
    notes_.clear();
    return st;
  }
  return core::Ok();
}

Status SqliteSink::OpenImpl(const RunContext& run) {
  run_id_ = run.run_id;
  write_table_ = table_;
  publish_pending_ = false;
  if (mode_ == WriteMode::kReplace) {
    auto published =
        PrepareSql(*db_, "SELECT 1 FROM " + QuoteIdent(kRunsTable) + " WHERE table_name = ?1 AND run_id = ?2");
    if (!published) return Fail(published.error());
    sqlite3_bind_text(published->get(), 1, table_.data(), static_cast<int>(table_.size()), SQLITE_STATIC);
    sqlite3_bind_int64(published->get(), 2, run_id_);
    int rc = sqlite3_step(published->get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return Fail(db_->MakeError(rc, "cannot read " + QuoteIdent(kRunsTable)));
    }
    published->Reset();  // ends its read before the write transaction below
    if (rc == SQLITE_DONE) {
      // Not yet published: (re)open this run's staging table, evolving it if a crashed attempt of the
      // same run created it with an older schema.
      write_table_ = table_ + "__staging_" + std::to_string(run_id_);
      publish_pending_ = true;
      if (auto st = ExecSql(*db_, "BEGIN IMMEDIATE"); !st) return st;
      Status st = MigrateTable(write_table_, /*want_unit_column=*/true, /*record_types=*/false);
      if (st) st = ExecSql(*db_, "COMMIT");
      if (!st) {
        (void)RollbackIfOpen();
        return st;
      }
    }
  }
  auto info = TableInfo(*db_, write_table_);
  if (!info) return Fail(info.error());
  unit_column_ = false;
  for (const auto& c : *info) unit_column_ = unit_column_ || FoldName(c.name) == kUnitColumn;
  return PrepareWriteStatements();
}

Status SqliteSink::PrepareWriteStatements() {
  const core::Schema& schema = *bind_context().schema;
  std::vector<std::string> columns = schema.Names();
  if (unit_column_) columns.emplace_back(kUnitColumn);
  std::string sql = "INSERT INTO " + QuoteIdent(write_table_) + " (" + JoinQuoted(columns) + ") VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
  sql += ")";
  // Append keeps plain INSERTs: a key that another unit already wrote is a data error worth reporting.
  if (!primary_key_.empty() && mode_ != WriteMode::kAppend) {
    std::set<std::string> keys;
    for (const auto& k : primary_key_) keys.insert(FoldName(k));
    std::string updates;
    for (const auto& c : columns) {
      if (keys.count(FoldName(c))) continue;
      if (!updates.empty()) updates += ", ";
      updates += QuoteIdent(c) + " = excluded." + QuoteIdent(c);
    }
    sql +=
        " ON CONFLICT (" + JoinQuoted(primary_key_) + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  }
  auto insert = PrepareSql(*db_, sql);
  if (!insert) return Fail(insert.error());
  insert_ = std::make_unique<SqliteStatement>(std::move(*insert));
  delete_unit_.reset();
  // Upsert stays a pure upsert (it only tags rows when the table has _ds_unit from an earlier append).
  if (unit_column_ && mode_ != WriteMode::kUpsert) {
    auto del =
        PrepareSql(*db_, "DELETE FROM " + QuoteIdent(write_table_) + " WHERE " + QuoteIdent(kUnitColumn) + " = ?1");
    if (!del) return Fail(del.error());
    delete_unit_ = std::make_unique<SqliteStatement>(std::move(*del));
  }
  scratch_.assign(schema.size(), std::string());
  return core::Ok();
}

Status SqliteSink::Begin() {
  if (in_transaction_) return core::Ok();
  if (auto st = ExecSql(*db_, "BEGIN IMMEDIATE"); !st) return st;
  in_transaction_ = true;
  units_in_transaction_.clear();
  return core::Ok();
}

std::string SqliteSink::SampleKey(const core::ColumnBatch& batch, size_t row) const {
  std::string out;
  auto add = [&](size_t c) {
    if (!out.empty()) out += ", ";
    core::Value v = batch.column(c).GetValue(row);
    out += batch.schema().field(c).name + "=" + (v.is_null() ? "NULL" : v.ToString());
  };
  if (!primary_key_.empty()) {
    for (const auto& k : primary_key_) add(*batch.schema().IndexOf(k));
  } else {
    for (size_t c = 0; c < batch.num_columns() && c < 3; ++c) add(c);
  }
  return out;
}

core::Result<int64_t> SqliteSink::WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (unit_id.empty()) return Fail(ErrorKind::kInternal, "Write without a unit id");
  if (auto st = batch.Validate(); !st) return Fail(st.error());
  if (auto st = Begin(); !st) return Fail(st.error());
  std::string unit(unit_id);
  bool first_of_unit = units_in_transaction_.insert(unit).second;
  // A failed Write discards every uncommitted write, as Abort would (see the header): the caller then
  // knows exactly what to write again, and no half-written unit can be committed by mistake.
  auto fail = [&](core::Error e) -> core::Result<int64_t> {
    (void)RollbackIfOpen();
    return Fail(std::move(e));
  };

  if (delete_unit_ && first_of_unit) {
    sqlite3_stmt* del = delete_unit_->get();
    sqlite3_bind_text(del, 1, unit.data(), static_cast<int>(unit.size()), SQLITE_STATIC);
    int rc = sqlite3_step(del);
    if (rc != SQLITE_DONE) {
      return fail(db_->MakeError(rc, "cannot remove earlier rows of unit '" + unit + "'"));
    }
    delete_unit_->Reset();
  }

  sqlite3_stmt* stmt = insert_->get();
  const size_t ncols = batch.num_columns();
  const int unit_param = static_cast<int>(ncols) + 1;
  int64_t bytes = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      const core::Column& col = batch.column(c);
      int p = static_cast<int>(c) + 1;
      if (!col.IsValid(r)) {
        sqlite3_bind_null(stmt, p);
        continue;
      }
      switch (col.type().id) {
        case TypeId::kBool:
          sqlite3_bind_int(stmt, p, col.GetBool(r) ? 1 : 0);
          bytes += 1;
          break;
        case TypeId::kInt32:
          sqlite3_bind_int(stmt, p, col.GetInt32(r));
          bytes += 4;
          break;
        case TypeId::kInt64:
          sqlite3_bind_int64(stmt, p, col.GetInt64(r));
          bytes += 8;
          break;
        case TypeId::kFloat64:
          sqlite3_bind_double(stmt, p, col.GetFloat64(r));
          bytes += 8;
          break;
        case TypeId::kString: {
          std::string_view s = col.GetString(r);
          sqlite3_bind_text64(stmt, p, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
          bytes += static_cast<int64_t>(s.size());
          break;
        }
        case TypeId::kDate:
        case TypeId::kTimestamp:
        case TypeId::kDecimal: {
          std::string& text = scratch_[c];
          text = col.type().id == TypeId::kDate        ? core::FormatIsoDate(col.GetInt32(r))
                 : col.type().id == TypeId::kTimestamp ? core::FormatTimestamp(col.GetInt64(r))
                                                       : core::FormatDecimal(col.GetInt64(r), col.type().scale);
          sqlite3_bind_text(stmt, p, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
          bytes += static_cast<int64_t>(text.size());
          break;
        }
      }
    }
    if (unit_column_) sqlite3_bind_text(stmt, unit_param, unit.data(), static_cast<int>(unit.size()), SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      core::Error e = db_->MakeError(rc, "cannot write into table " + QuoteIdent(write_table_));
      if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        e = core::Error(ErrorKind::kInvalidInput, "table " + QuoteIdent(write_table_) + ": row with " +
                                                      SampleKey(batch, r) + " violates a constraint (" +
                                                      sqlite3_errmsg(db_->handle()) + ")")
                .WithCode(e.code());
      }
      return fail(std::move(e));
    }
    sqlite3_reset(stmt);
  }
  return bytes;
}

Status SqliteSink::CommitImpl() {
  if (!in_transaction_) return core::Ok();
  // A failed Commit discards the transaction, like a failed Write: the units are written again.
  if (auto st = ExecSql(*db_, "COMMIT"); !st) {
    (void)RollbackIfOpen();
    return st;
  }
  in_transaction_ = false;
  units_in_transaction_.clear();
  return core::Ok();
}

Status SqliteSink::RollbackIfOpen() {
  in_transaction_ = false;
  units_in_transaction_.clear();
  if (insert_) insert_->Reset();
  if (delete_unit_) delete_unit_->Reset();
  // SQLite rolls back by itself after some errors (disk full, I/O); then there is nothing left to undo.
  if (!db_ || !db_->InTransaction()) return core::Ok();
  return ExecSql(*db_, "ROLLBACK");
}

Status SqliteSink::AbortImpl() {
  return RollbackIfOpen();
}

Status SqliteSink::FinishImpl() {
  if (in_transaction_) return Fail(ErrorKind::kInternal, "Finish with uncommitted writes; Commit or Abort them first");
  if (mode_ != WriteMode::kReplace || !publish_pending_) return core::Ok();
  return Publish();
}

Status SqliteSink::Publish() {
  // Statements on the staging table would keep it locked against DROP/RENAME.
  insert_.reset();
  delete_unit_.reset();
  // Legacy rename: views and triggers that name the table keep naming it, instead of SQLite rejecting the
  // rename because a view refers to the table being dropped (https://sqlite.org/lang_altertable.html).
  if (auto st = ExecSql(*db_, "PRAGMA legacy_alter_table=ON"); !st) return st;
  std::string swap =
      "BEGIN IMMEDIATE;"
      "DROP TABLE IF EXISTS " +
      QuoteIdent(table_) +
      ";"
      "ALTER TABLE " +
      QuoteIdent(write_table_) + " RENAME TO " + QuoteIdent(table_) +
      ";"
      "DROP INDEX IF EXISTS " +
      QuoteIdent(write_table_ + "__ds_unit") +
      ";"
      "CREATE INDEX IF NOT EXISTS " +
      QuoteIdent(table_ + "__ds_unit") + " ON " + QuoteIdent(table_) + " (" + QuoteIdent(kUnitColumn) +
      ");"
      "INSERT INTO " +
      QuoteIdent(kRunsTable) + " (table_name, run_id, published_at) VALUES (" + db::sqlite::QuoteText(table_) + ", " +
      std::to_string(run_id_) + ", datetime('now'));";
  Status st = ExecSql(*db_, swap);
  if (st) {
    // A crash here leaves the transaction uncommitted: SQLite rolls it back from the journal on next open.
    core::CrashPoint("replace", bind_context().storage_name);
    st = ExecSql(*db_, "COMMIT");
  }
  if (!st) (void)RollbackIfOpen();
  (void)ExecSql(*db_, "PRAGMA legacy_alter_table=OFF");
  if (!st) return st;
  publish_pending_ = false;
  write_table_ = table_;
  return core::Ok();
}

Status SqliteSink::CloseImpl() {
  insert_.reset();
  delete_unit_.reset();
  Status st = RollbackIfOpen();
  db_.reset();
  return st;
}

Status SqliteSink::HealthCheckImpl() {
  if (!db_) return Fail(ErrorKind::kInternal, "the database is not open");
  return ExecSql(*db_, "SELECT count(*) FROM sqlite_schema");
}

void RegisterSqliteSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "sqlite",
      .description = "a table per dataset in a SQLite database file (upsert by primary key, WAL)",
      .options = SqliteSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckSqliteSinkOptions(options); },
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<SqliteSink>()); },
      .open_reader = [](const ReaderContext& ctx) { return SqliteDatasetReader::Open(ctx); },
  });
}

}  // namespace datasync::storage
