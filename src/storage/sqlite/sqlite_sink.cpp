#include "storage/sqlite/sqlite_sink.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "core/crash_point.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "db/sqlite/wal_checkpointer.hpp"
#include "storage/sql/key_order.hpp"
#include "storage/sqlite/sqlite_reader.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;
using core::TypeId;
using db::sqlite::QuoteIdent;
using SqliteConnection = db::sqlite::SqliteConnection;
using SqliteStatement = db::sqlite::SqliteStatement;
using sql::kRunsTable;
using sql::kUnitColumn;

namespace {

constexpr std::string_view kColumnsTable = "_datasync_columns";

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

bool SameNames(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::set<std::string> fa, fb;
  for (const auto& n : a) fa.insert(FoldName(n));
  for (const auto& n : b) fb.insert(FoldName(n));
  return fa == fb;
}

// What a failed statement says: the start of its SQL, so a message stays readable for a long CREATE TABLE.
std::string SqlFailed(std::string_view sql) {
  std::string shown = sql.size() > 200 ? std::string(sql.substr(0, 200)) + "..." : std::string(sql);
  return "SQL failed (" + shown + ")";
}

// A statement the sink keeps and steps through the C API.
core::Result<SqliteStatement> PrepareSql(SqliteConnection& db, std::string_view sql) {
  return db.PrepareOwned(sql, "cannot prepare (" + std::string(sql.substr(0, 200)) + ")");
}

// The column list, in index order, of the UNIQUE indexes on table (ON CONFLICT can target them too).
core::Result<std::vector<std::vector<std::string>>> UniqueIndexes(SqliteConnection& db, const std::string& table) {
  std::vector<std::string> names;
  {
    auto list = db.Prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND partial = 0",
                           "cannot list indexes of " + QuoteIdent(table));
    if (!list) return Fail(list.error());
    list->Bind(1, table);
    core::Result<bool> row;
    while ((row = list->Step()) && *row) names.push_back(list->Text(0));
    if (!row) return Fail(row.error());
  }
  std::vector<std::vector<std::string>> out;
  for (const auto& index : names) {
    auto info =
        db.Prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", "cannot read index " + QuoteIdent(index));
    if (!info) return Fail(info.error());
    info->Bind(1, index);
    std::vector<std::string> cols;
    core::Result<bool> row;
    while ((row = info->Step()) && *row) cols.push_back(info->IsNull(0) ? "" : info->Text(0));
    if (!row) return Fail(row.error());
    out.push_back(std::move(cols));
  }
  return out;
}

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
      // datasync marks a task done once every storage committed it, in the system database, another file:
      // only a commit that is on disk when Commit returns keeps "never loses a row" across a power cut.
      {sqlite::kSynchronous.name,
       OptionType::kEnum,
       "full",
       false,
       "",
       "fsync policy: full fsyncs every commit before datasync marks its tasks done, so a power cut loses no "
       "row it counted as stored (with journal_mode delete, use extra for that); normal (with wal) may lose the "
       "last commits on a power cut while their tasks stay done, so they are not fetched again by themselves; "
       "off never fsyncs",
       {"off", "normal", "full", "extra"}},
      {.name = sqlite::kBusyTimeoutMs.name,
       .type = OptionType::kInt,
       .default_value = "10000",
       .unit = "milliseconds",
       .description = "how long to wait for another process's lock before reporting a transient error",
       .range = core::OptionRange{0, 24LL * 3600 * 1000}},
      // A backfill by date inserts one row per code into each code's last index page: with every code's page
      // in memory, each commit writes each page once (bench/sinks/sqlite_layout_bench: SQLite's default
      // 2 MiB costs about twice the CPU per row for a 5,000-code market, and more as the table grows).
      {.name = sqlite::kCacheMib.name,
       .type = OptionType::kInt,
       .default_value = "64",
       .unit = "MiB",
       .description = "page cache of the writing connection (memory it may use); a backfill of a whole market "
                      "by date wants every code's index page in it",
       .range = core::OptionRange{1, 1024 * 1024}},
      {sqlite::kTablePrefix.name, OptionType::kString, "", false, "",
       "text put before every dataset name to form the table name"},
  };
  return table;
}

SqliteSink::SqliteSink()
    : DatabaseSink(Dialect{.name = "sqlite",
                           .max_identifier_bytes = std::numeric_limits<size_t>::max(),
                           .case_insensitive_columns = true,
                           .concurrent_writers = false,
                           .migrate_in_transaction = true}) {}

SqliteSink::~SqliteSink() {
  // Statements must be finalized before the connection closes; closing rolls back what was not committed.
  Disconnect();
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

Status SqliteSink::Configure(const core::Options& options) {
  db_path_ = std::filesystem::path(ProjectPath(sqlite::kPath)).lexically_normal();
  // Checked by CheckOptions: the enum values are interpolated into PRAGMAs.
  journal_mode_ = options.Get(sqlite::kJournalMode);
  synchronous_ = options.Get(sqlite::kSynchronous);
  busy_timeout_ = std::chrono::milliseconds(options.Get(sqlite::kBusyTimeoutMs));
  cache_kib_ = options.Get(sqlite::kCacheMib) * 1024;
  Disconnect();
  return core::Ok();
}

core::Result<std::string> SqliteSink::TableName(const BindContext& ctx) const {
  // ctx.options, not the bound ones: TargetTable also runs at load, on a sink that is never bound.
  std::string table = ctx.options.Get(sqlite::kTablePrefix) + ctx.dataset;
  if (FoldName(table).starts_with("sqlite_")) {
    return Fail(
        ErrorKind::kConfig,
        "table name '" + table + "' starts with sqlite_, which is reserved for SQLite's own tables; set table_prefix");
  }
  // <table>__staging_<run id> is a replace run's staging table, which SweepStaging drops once the run is over.
  if (auto at = table.rfind("__staging_"); at != std::string::npos) {
    std::string_view run = std::string_view(table).substr(at + 10);
    if (!run.empty() && run.find_first_not_of("0123456789") == std::string_view::npos) {
      return Fail(ErrorKind::kConfig, "table name '" + table +
                                          "' ends like a replace run's staging table (__staging_<run id>), which "
                                          "datasync removes once that run is over; rename the dataset or set "
                                          "table_prefix");
    }
  }
  return table;
}

std::string SqliteSink::Quote(std::string_view identifier) const {
  return QuoteIdent(identifier);
}

std::string SqliteSink::QuoteText(std::string_view text) const {
  return db::sqlite::QuoteText(text);
}

std::string SqliteSink::NativeType(const core::Field& field, bool) const {
  return SqlType(field.type);
}

std::string SqliteSink::StagingPrefix() const {
  return table_name() + "__staging_";
}

core::Result<std::vector<std::string>> SqliteSink::TablesStartingWith(const std::string& prefix) {
  auto stmt = db_->Prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND substr(CAST(name AS BLOB), 1, ?2) = CAST(?1 AS BLOB)",
      "cannot list the tables");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, prefix).Bind(2, static_cast<int64_t>(prefix.size()));
  std::vector<std::string> names;
  core::Result<bool> row;
  while ((row = stmt->Step()) && *row) names.push_back(stmt->Text(0));
  if (!row) return Fail(row.error());
  return names;
}

Status SqliteSink::Connect() {
  if (db_) return core::Ok();
  std::error_code ec;
  if (db_path_.has_parent_path()) std::filesystem::create_directories(db_path_.parent_path(), ec);
  if (ec) {
    return Fail(ErrorKind::kConfig,
                "cannot create the folder of database file '" + db_path_.string() + "': " + ec.message());
  }
  auto opened =
      SqliteConnection::Open(db_path_.string(), {.busy_timeout = busy_timeout_, .role = db::sqlite::Role::kDataStore});
  if (!opened) return Fail(opened.error());
  db_ = std::move(*opened);
  // Several plans may bind one new file at once: SetJournalMode switches it once, under a lock, and retries
  // the exclusive lock the switch needs (which SQLite refuses without waiting).
  auto journal = db_->SetJournalMode(journal_mode_, busy_timeout_);
  if (!journal) return Fail(journal.error());
  if (*journal != journal_mode_) {
    return Fail(ErrorKind::kPermanent, "database file '" + db_path_.string() + "' stays in journal mode " + *journal +
                                           " instead of " + journal_mode_ +
                                           " (WAL needs a local file system with shared memory; set journal_mode)");
  }
  if (auto st = Execute("PRAGMA synchronous=" + synchronous_ + ";PRAGMA cache_size=-" + std::to_string(cache_kib_));
      !st) {
    return st;
  }
  if (journal_mode_ == "wal") {
    // Checkpoints copy every page a commit wrote into the database file and fsync it: off the writer.
    checkpointer_ = std::make_unique<db::sqlite::WalCheckpointer>();
    if (auto st = checkpointer_->Start(*db_, db_path_.string(), synchronous_, busy_timeout_); !st) {
      checkpointer_.reset();
      return st;
    }
  }
  return core::Ok();
}

void SqliteSink::Disconnect() {
  insert_.reset();
  delete_unit_.reset();
  checkpointer_.reset();  // unhooks the connection, so it goes first
  db_.reset();
  held_.clear();
}

Status SqliteSink::Execute(std::string_view sql) {
  if (!db_) return Fail(ErrorKind::kInternal, "the database is not open");
  return db_->Exec(sql, SqlFailed(sql));
}

Status SqliteSink::Rollback() {
  if (insert_) insert_->Reset();
  if (delete_unit_) delete_unit_->Reset();
  // SQLite rolls back by itself after some errors (disk full, I/O); then there is nothing left to undo.
  if (!db_ || !db_->InTransaction()) return core::Ok();
  return Execute("ROLLBACK");
}

Status SqliteSink::EnsureNamespace() {
  // Readers need the logical type behind each TEXT column (date? decimal?), and a repeated Finish after a
  // crash must know that this run's staging table was already published.
  return Execute("CREATE TABLE IF NOT EXISTS " + QuoteIdent(kColumnsTable) +
                 " (table_name TEXT NOT NULL, column_name TEXT NOT NULL, logical_type TEXT NOT NULL, "
                 "PRIMARY KEY (table_name, column_name));"
                 "CREATE TABLE IF NOT EXISTS " +
                 QuoteIdent(kRunsTable) +
                 " (table_name TEXT NOT NULL, run_id INTEGER NOT NULL, published_at TEXT NOT NULL, "
                 "PRIMARY KEY (table_name, run_id));");
}

core::Result<std::optional<TableShape>> SqliteSink::Introspect(const std::string& table) {
  auto stmt = db_->Prepare("SELECT name, type, pk FROM pragma_table_info(?1)",
                           "cannot read the columns of " + QuoteIdent(table));
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, table);
  TableShape shape;
  std::vector<std::pair<int64_t, std::string>> key;
  core::Result<bool> row;
  while ((row = stmt->Step()) && *row) {
    StoredColumn c;
    c.name = stmt->Text(0);
    c.native_type = stmt->IsNull(1) ? "" : stmt->Text(1);
    if (int64_t pk = stmt->Int64(2); pk > 0) key.emplace_back(pk, c.name);
    shape.columns.push_back(std::move(c));
  }
  if (!row) return Fail(row.error());
  if (shape.columns.empty()) return std::optional<TableShape>();
  std::sort(key.begin(), key.end());
  for (auto& [position, name] : key) shape.primary_key.push_back(std::move(name));
  return std::optional<TableShape>(std::move(shape));
}

core::Result<bool> SqliteSink::RunRecorded(int64_t run_id) {
  auto stmt = db_->Prepare("SELECT 1 FROM " + QuoteIdent(kRunsTable) + " WHERE table_name = ?1 AND run_id = ?2",
                           "cannot read " + QuoteIdent(kRunsTable));
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, table_name()).Bind(2, run_id);
  return stmt->Step();  // the statement resets when it goes, ending its read before a write transaction
}

core::Result<std::vector<std::string>> SqliteSink::CreateTableStatements(const std::string& table, bool with_unit) {
  // A history run's input table is emptied at every commit and never read by another connection: TEMP keeps
  // its writes out of the database file and its journal.
  bool temp = history() && table == InputTable();
  std::string sql = std::string(temp ? "CREATE TEMP TABLE IF NOT EXISTS " : "CREATE TABLE IF NOT EXISTS ") +
                    QuoteIdent(table) + " (" + ColumnDefinitions();
  if (with_unit) sql += ", " + QuoteIdent(kUnitColumn) + " TEXT";
  if (!DeclaredKey(table).empty()) sql += ", PRIMARY KEY (" + QuotedKey() + ")";
  return std::vector<std::string>{sql + ")"};
}

// SQLite's policy: additive changes only, absorbed by dynamic typing. Missing columns are added; a changed
// declared or logical type, and a column the dataset no longer has, are only noted; a changed primary key
// needs a table rebuild, which datasync does not do.
Status SqliteSink::EvolveTable(const std::string& table, bool want_unit, bool main) {
  const core::Schema& schema = *bind_context().schema;
  auto shape = Introspect(table);
  if (!shape) return Fail(shape.error());
  if (!shape->has_value()) {
    auto create = CreateTableStatements(table, want_unit);
    if (!create) return Fail(create.error());
    if (auto st = ExecuteAll(*create); !st) return st;
    if (main) notes_.push_back("created table " + QuoteIdent(table));
  } else {
    const TableShape& stored = **shape;
    if (!DeclaredKey(table).empty() && !stored.primary_key.empty() && !SameNames(stored.primary_key, primary_key())) {
      return Fail(ErrorKind::kConfig, "table " + QuoteIdent(table) + " has primary key (" +
                                          core::Join(stored.primary_key, ", ") + ") but the dataset's is (" +
                                          core::Join(primary_key(), ", ") +
                                          "); changing a primary key rebuilds the table, which datasync does not do "
                                          "automatically (run once with mode replace, or use another table_prefix)");
    }
    std::map<std::string, const StoredColumn*> existing;
    for (const auto& c : stored.columns) existing[FoldName(c.name)] = &c;
    for (const auto& f : schema.fields()) {
      auto it = existing.find(FoldName(f.name));
      if (it == existing.end()) {
        std::string sql =
            "ALTER TABLE " + QuoteIdent(table) + " ADD COLUMN " + QuoteIdent(f.name) + " " + SqlType(f.type);
        if (auto st = Execute(sql); !st) return st;
        if (main) notes_.push_back("added column " + QuoteIdent(f.name) + " " + SqlType(f.type));
      } else if (main && FoldName(it->second->native_type) != FoldName(SqlType(f.type))) {
        notes_.push_back("column " + QuoteIdent(f.name) + " is declared " + it->second->native_type +
                         ", the dataset now says " + f.type.ToString() + " (" + SqlType(f.type) +
                         "); SQLite's dynamic typing stores the new values as they come, existing rows are unchanged");
      }
    }
    if (main) {
      std::set<std::string> wanted;
      for (const auto& f : schema.fields()) wanted.insert(FoldName(f.name));
      for (const auto& c : stored.columns) {
        if (FoldName(c.name) != kUnitColumn && !wanted.count(FoldName(c.name)))
          notes_.push_back("column " + QuoteIdent(c.name) + " is no longer in the dataset; kept, NULL in new rows");
      }
    }
  }
  if (auto st = EnsureBookkeeping(table, want_unit); !st) return st;
  return main ? RecordLogicalTypes(table) : core::Ok();
}

std::vector<std::string> SqliteSink::AddUnitColumnStatements(const std::string& table) const {
  return {"ALTER TABLE " + QuoteIdent(table) + " ADD COLUMN " + QuoteIdent(kUnitColumn) + " TEXT"};
}

std::vector<std::string> SqliteSink::UnitIndexStatements(const std::string& table) const {
  return {"CREATE INDEX IF NOT EXISTS " + QuoteIdent(table + "__ds_unit") + " ON " + QuoteIdent(table) + " (" +
          QuoteIdent(kUnitColumn) + ")"};
}

Status SqliteSink::EnsureKeyedUpsert(const std::string& table, const TableShape& shape) {
  if (!shape.primary_key.empty()) return core::Ok();
  // A table created without a primary key (an earlier append plan) can still serve upserts through a
  // unique index on the key; creating it fails, as it should, when the table already holds duplicates.
  auto uniques = UniqueIndexes(*db_, table);
  if (!uniques) return Fail(uniques.error());
  for (const auto& cols : *uniques) {
    if (SameNames(cols, primary_key())) return core::Ok();
  }
  std::string sql =
      "CREATE UNIQUE INDEX " + QuoteIdent(table + "__pk") + " ON " + QuoteIdent(table) + " (" + QuotedKey() + ")";
  if (auto st = Execute(sql); !st) {
    return Fail(ErrorKind::kConfig,
                "table " + QuoteIdent(table) + " has no primary key and rows that repeat the key (" +
                    core::Join(primary_key(), ", ") + "), so it cannot be upserted: " + st.error().message());
  }
  notes_.push_back("added unique index on (" + core::Join(primary_key(), ", ") + ")");
  return core::Ok();
}

// The logical type behind each column, for readers, and a note for each one that changed since.
Status SqliteSink::RecordLogicalTypes(const std::string& table) {
  auto previous = db_->Prepare(
      "SELECT logical_type FROM " + QuoteIdent(kColumnsTable) + " WHERE table_name = ?1 AND column_name = ?2",
      "cannot read " + QuoteIdent(kColumnsTable));
  if (!previous) return Fail(previous.error());
  auto record =
      db_->Prepare("INSERT INTO " + QuoteIdent(kColumnsTable) +
                       " (table_name, column_name, logical_type) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (table_name, column_name) DO UPDATE SET logical_type = excluded.logical_type",
                   "cannot record column types");
  if (!record) return Fail(record.error());
  for (const auto& f : bind_context().schema->fields()) {
    std::string type = f.type.ToString();
    previous->Bind(1, table).Bind(2, f.name);
    auto row = previous->Step();
    if (!row) return Fail(row.error());
    if (*row) {
      std::string old = previous->Text(0);
      if (old != type) {
        notes_.push_back("column " + QuoteIdent(f.name) + " changes from " + old + " to " + type +
                         "; rows written before keep their " + old + " values");
      }
    }
    previous->Reset();
    if (auto st = record->Bind(1, table).Bind(2, f.name).Bind(3, type).Run(); !st) return st;
    record->Reset();
  }
  return core::Ok();
}

Status SqliteSink::MigrateImpl() {
  notes_.clear();
  Status st = DatabaseSink::MigrateImpl();
  if (!st) notes_.clear();
  return st;
}

Status SqliteSink::PrepareWrites() {
  const core::Schema& schema = *bind_context().schema;
  std::vector<std::string> columns = schema.Names();
  if (unit_column()) columns.emplace_back(kUnitColumn);
  std::string sql = "INSERT INTO " + QuoteIdent(write_table()) + " (" + JoinQuoted(columns) + ") VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
  sql += ")";
  // Append keeps plain INSERTs: a key that another unit already wrote is a data error worth reporting.
  if (!primary_key().empty() && mode() != WriteMode::kAppend) {
    std::set<std::string> keys;
    for (const auto& k : primary_key()) keys.insert(FoldName(k));
    std::string updates;
    for (const auto& c : columns) {
      if (keys.count(FoldName(c))) continue;
      if (!updates.empty()) updates += ", ";
      updates += QuoteIdent(c) + " = excluded." + QuoteIdent(c);
    }
    sql += " ON CONFLICT (" + QuotedKey() + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  }
  auto insert = PrepareSql(*db_, sql);
  if (!insert) return Fail(insert.error());
  insert_ = std::make_unique<SqliteStatement>(std::move(*insert));
  delete_unit_.reset();
  // Upsert stays a pure upsert (it only tags rows when the table has _ds_unit from an earlier append).
  if (unit_column() && mode() != WriteMode::kUpsert) {
    auto del =
        PrepareSql(*db_, "DELETE FROM " + QuoteIdent(write_table()) + " WHERE " + QuoteIdent(kUnitColumn) + " = ?1");
    if (!del) return Fail(del.error());
    delete_unit_ = std::make_unique<SqliteStatement>(std::move(*del));
  }
  scratch_.assign(schema.size(), std::string());
  // An upsert's rows go in at Commit, sorted by key: a backfill by date then fills each key's index page in
  // one visit per commit instead of one per task (bench/sinks/sqlite_layout_bench, "sorted"). Append keeps
  // writing at once: its rows fail one by one on a repeated key, and that error belongs to its unit's Write.
  hold_ = !primary_key().empty() && mode() != WriteMode::kAppend;
  key_columns_.clear();
  for (const auto& k : primary_key()) key_columns_.push_back(*schema.IndexOf(k));
  held_.clear();
  return core::Ok();
}

Status SqliteSink::DeleteUnitRows(const std::string& unit) {
  if (!delete_unit_) return Fail(ErrorKind::kInternal, "no unit column to delete by in " + QuoteIdent(write_table()));
  sqlite3_stmt* del = delete_unit_->get();
  sqlite3_bind_text(del, 1, unit.data(), static_cast<int>(unit.size()), SQLITE_STATIC);
  int rc = sqlite3_step(del);
  delete_unit_->Reset();
  if (rc != SQLITE_DONE) return Fail(db_->MakeError(rc, "cannot remove earlier rows of unit '" + unit + "'"));
  return core::Ok();
}

std::string SqliteSink::SampleKey(const core::ColumnBatch& batch, size_t row) const {
  std::string out;
  auto add = [&](size_t c) {
    if (!out.empty()) out += ", ";
    core::Value v = batch.column(c).GetValue(row);
    out += batch.schema().field(c).name + "=" + (v.is_null() ? "NULL" : v.ToString());
  };
  if (!primary_key().empty()) {
    for (const auto& k : primary_key()) add(*batch.schema().IndexOf(k));
  } else {
    for (size_t c = 0; c < batch.num_columns() && c < 3; ++c) add(c);
  }
  return out;
}

core::Result<int64_t> SqliteSink::BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (hold_) {
    if (shared_batch() && shared_batch().get() == &batch) {
      held_.push_back({shared_batch(), std::string(unit_id)});
    } else {
      held_.push_back({std::make_shared<const core::ColumnBatch>(batch), std::string(unit_id)});
    }
    return 0;  // its bytes are counted when BeforeCommit binds them
  }
  int64_t bytes = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    auto b = InsertRow(batch, r, unit_id);
    if (!b) return Fail(b.error());
    bytes += *b;
  }
  return bytes;
}

Status SqliteSink::BeforeCommit() {
  if (held_.empty()) return core::Ok();
  int64_t bytes = 0;
  std::vector<const core::ColumnBatch*> batches;
  batches.reserve(held_.size());
  for (const auto& h : held_) batches.push_back(h.batch.get());
  for (const sql::RowRef& ref : sql::OrderByKey(batches, key_columns_)) {
    auto b = InsertRow(*held_[ref.batch].batch, ref.row, held_[ref.batch].unit);
    if (!b) return Fail(b.error());
    bytes += *b;
  }
  AddPendingBytes(bytes);
  held_.clear();
  return core::Ok();
}

void SqliteSink::OnRollback() {
  held_.clear();
}

core::Result<int64_t> SqliteSink::InsertRow(const core::ColumnBatch& batch, size_t r, std::string_view unit_id) {
  sqlite3_stmt* stmt = insert_->get();
  const size_t ncols = batch.num_columns();
  const int unit_param = static_cast<int>(ncols) + 1;
  int64_t bytes = 0;
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
                                                     : col.DecimalText(r);
        sqlite3_bind_text(stmt, p, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
        bytes += static_cast<int64_t>(text.size());
        break;
      }
    }
  }
  if (unit_column()) {
    sqlite3_bind_text(stmt, unit_param, unit_id.data(), static_cast<int>(unit_id.size()), SQLITE_STATIC);
  }
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) {
    core::Error e = db_->MakeError(rc, "cannot write into table " + QuoteIdent(write_table()));
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      e = core::Error(ErrorKind::kInvalidInput, "table " + QuoteIdent(write_table()) + ": row with " +
                                                    SampleKey(batch, r) + " violates a constraint (" +
                                                    sqlite3_errmsg(db_->handle()) + ")")
              .WithCode(e.code());
    }
    return Fail(std::move(e));
  }
  sqlite3_reset(stmt);
  return bytes;
}

Status SqliteSink::Publish(const std::string& staging) {
  // Statements on the staging table would keep it locked against DROP/RENAME.
  insert_.reset();
  delete_unit_.reset();
  const std::string& table = table_name();
  // Legacy rename: views and triggers that name the table keep naming it, instead of SQLite rejecting the
  // rename because a view refers to the table being dropped (https://sqlite.org/lang_altertable.html).
  if (auto st = Execute("PRAGMA legacy_alter_table=ON"); !st) return st;
  std::string swap = "BEGIN IMMEDIATE;DROP TABLE IF EXISTS " + QuoteIdent(table) + ";ALTER TABLE " +
                     QuoteIdent(staging) + " RENAME TO " + QuoteIdent(table) + ";DROP INDEX IF EXISTS " +
                     QuoteIdent(staging + "__ds_unit") + ";" + UnitIndexStatements(table).front() + ";INSERT INTO " +
                     QuoteIdent(kRunsTable) + " (table_name, run_id, published_at) VALUES (" +
                     db::sqlite::QuoteText(table) + ", " + std::to_string(run_id()) + ", datetime('now'));";
  Status st = Execute(swap);
  if (st) {
    // A crash here leaves the transaction uncommitted: SQLite rolls it back from the journal on next open.
    core::CrashPoint("replace", bind_context().storage_name);
    st = Execute("COMMIT");
  }
  if (!st) (void)Rollback();
  (void)Execute("PRAGMA legacy_alter_table=OFF");
  return st;
}

Status SqliteSink::HealthCheckImpl() {
  // Reads the schema, so a damaged or vanished file shows here rather than at the next write.
  if (auto st = Connect(); !st) return st;
  return Execute("SELECT count(*) FROM sqlite_schema");
}

void RegisterSqliteSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "sqlite",
      .description = "a table per dataset in a SQLite database file (upsert by primary key, WAL)",
      .options = SqliteSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckSqliteSinkOptions(options); },
      .validate_binding = sql::CheckDatabaseBinding<SqliteSink>,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<SqliteSink>()); },
      .open_reader = [](const ReaderContext& ctx) { return SqliteDatasetReader::Open(ctx); },
  });
}

}  // namespace datasync::storage
