// DatabaseSink: what the database sinks (sqlite/, postgres/, mysql/, clickhouse/) share on top of the Sink
// lifecycle (storage/sink.hpp): table naming, name checks, the migration flow, unit-idempotent appends,
// staged replace, and a transactional write flow. Each sink supplies its dialect through the protected hooks
// below; how a table evolves is the dialect's migration policy (EvolveTable): by script for the server
// databases (ScriptedDatabaseSink, storage/sql/scripted_database_sink.hpp), by SQLite's dynamic typing for
// SQLite. ClickHouse, which has no transactions, overrides the write flow itself.
//
// - Bind renders the table name (TableName: the table_name template, default "{dataset}"), checks every
//   identifier (empty, NUL, the dialect's length and character rules, clashes with the sink's own
//   columns), checks the options, then lets the sink read its own options (Configure) and connect.
// - Migrate makes sure the namespace (schema / database) and the _datasync_runs table exist, evolves the
//   table to the dataset (EvolveTable), then its bookkeeping (EnsureBookkeeping: the hidden unit column and
//   its index, what an upsert by key needs). A dialect with Dialect::migrate_in_transaction does all of it
//   in one write transaction, so writers sharing the store migrate one after another.
// - Write (transactional flow): the first Write after a Commit opens a transaction; in modes append and
//   replace a unit's earlier rows (the hidden, indexed _ds_unit column) are deleted before its first
//   batch (DeleteUnitRows); BulkLoad moves the rows. A failed Write or Commit rolls back everything since
//   the last Commit (the Sink contract). A lost connection is kTransient, and the next Open/Write reconnects.
// - Replace writes into a staging table per run (StagingTable(), default _ds_stage_<hash>_<run>), which
//   survives a crash and is refilled by a restarted run with the same id; Finish publishes it (Publish hook)
//   and records the run in _datasync_runs. A run counts as published when it is recorded and its staging
//   table is gone, so a store without transactional DDL may record first and swap second. A run whose
//   staging table is gone while tasks of it are done (swept after it failed, or dropped by hand) is refused
//   in Open rather than published without those tasks' rows.
// - History (mode kHistory, storage/history.hpp): the table is created without a primary key and gets the
//   version columns and a unique index on (key, _valid_from) (EnsureHistory), plus the view <table>_latest of
//   its current rows. A run writes into its input table (_ds_in_<hash>_<run>: the dataset's columns, the
//   unit and the key as primary key, upserted like any keyed table); Commit then merges it into the table in
//   the same transaction (MergeHistory): the current versions of the group's units and keys that the input
//   does not repeat exactly are closed, and the input rows without an equal current version are inserted
//   as new versions. A table written without history refuses a history plan, and the other way round.
// - SweepStaging drops the staging tables (StagingPrefix() + run id) and the old tables of an interrupted
//   rename swap (_ds_old_<hash>_<run>) of this sink's table, for the runs the caller says are over; a name
//   that does not end in a run id after one of those prefixes is never touched.
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "storage/schema_diff.hpp"
#include "storage/sink.hpp"
#include "storage/sql/db_url.hpp"

namespace datasync::storage::sql {

inline constexpr std::string_view kUnitColumn = "_ds_unit";
inline constexpr std::string_view kRunsTable = "_datasync_runs";

// The options every server database sink has (url, password, connect_timeout_secs, table_name and the
// migration templates), with its dialect's defaults (string literals: the option table keeps views of them).
struct CommonOptionDefaults {
  std::string_view url_description;
  std::string_view create_table;
  std::string_view create_table_vars;  // the placeholders create_table may use, for the description
  std::string_view add_column;
  std::string_view widen_column;
  std::string_view change_column;
  std::string_view drop_column;
  std::string_view rename_column;
};
std::vector<core::OptionSpec> CommonDatabaseOptions(const CommonOptionDefaults& defaults);
// CommonDatabaseOptions without a dialect's templates: the table that declares the keys below. A database
// sink reads them from options it completed with its own table (Bind applies its defaults first), so the
// dialect's templates are what a template key reads there.
std::span<const core::OptionSpec> CommonDatabaseOptionTable();

inline constexpr core::OptionKey<std::string> kUrl{"url", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kPassword{"password", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<int64_t> kConnectTimeoutSecs{"connect_timeout_secs", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kTableName{"table_name", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kCreateTableTemplate{"create_table_template", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kAddColumnTemplate{"add_column_template", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kWidenColumnTemplate{"widen_column_template", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kChangeColumnTemplate{"change_column_template",
                                                                    CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kDropColumnTemplate{"drop_column_template", CommonDatabaseOptionTable};
inline constexpr core::OptionKey<std::string> kRenameColumnTemplate{"rename_column_template",
                                                                    CommonDatabaseOptionTable};

// The rules of those options, appended to `problems`: those of the sink's whole `table`
// (core::CheckOptionValues: its ranges and allowed values), then the ones beyond it: the url parses (with
// one of `schemes`), the password and the URL's ${ENV} references resolve (when ctx.resolve_secrets), table_name
// and the column templates use only their placeholders. Each database sink's check starts here. Returns
// the parsed URL when there is one to look into further (see CheckDbUrl).
std::optional<DbUrl> CheckCommonDatabaseOptions(const core::Options& options, std::span<const core::OptionSpec> table,
                                                std::span<const std::string_view> schemes,
                                                const core::OptionCheckContext& ctx, core::OptionProblems& problems);
// A template option that may use only `names`: a problem of option `key` otherwise.
void CheckTemplateOption(const core::Options& options, const core::OptionKey<std::string>& key,
                         const std::vector<std::string>& names, core::OptionProblems& problems);

// SinkInfo::validate_binding of database sink S: its TargetTable rules.
template <typename S>
core::Status CheckDatabaseBinding(const BindContext& ctx) {
  auto table = S().TargetTable(ctx);
  if (!table) return core::Fail(table.error());
  return core::Ok();
}

class DatabaseSink : public Sink {
 public:
  struct Dialect {
    std::string name;                  // "postgres"
    size_t max_identifier_bytes = 63;  // longer names are refused, never silently truncated
    bool case_insensitive_columns = false;
    std::vector<std::string> reserved_columns;  // the sink's own columns besides _ds_unit
    bool concurrent_writers = true;             // several processes may write one table at once
    // Migrate (and the staging table's evolution in Open) runs in one write transaction (BeginStatement()),
    // DDL included: for a store with transactional DDL and one writer at a time (SQLite).
    bool migrate_in_transaction = false;
    bool history = true;  // can keep versions (mode kHistory) through the shared SQL of MergeHistory
  };

  explicit DatabaseSink(Dialect dialect);

  // Every database sink appends, upserts, replaces and evolves its table; the dialect says whether several
  // writers may share it.
  SinkCapabilities capabilities() const override;

  // The table this sink owns (unquoted), valid after Bind.
  const std::string& table_name() const { return table_; }

  // The rules of a target that need no connection: the table name table_name renders for ctx.dataset, and
  // the dataset's field and key names, against the dialect; the table name when they hold. Bind runs it,
  // and SinkInfo::validate_binding (CheckDatabaseBinding) on a sink that is never bound.
  core::Result<std::string> TargetTable(const BindContext& ctx) const;

 protected:
  // --- the dialect ------------------------------------------------------------------------------------
  virtual std::span<const core::OptionSpec> OptionTable() const = 0;
  // The sink's option rules beyond its table's types (CheckCommonDatabaseOptions plus its own): the function
  // its SinkInfo::validate runs too. Bind runs it resolving secrets and fails with kConfig on any problem.
  virtual core::OptionProblems CheckOptions(const core::Options& options,
                                            const core::OptionCheckContext& ctx) const = 0;
  // Reads the sink's own options (URL, TLS, ...) once CheckOptions passed; no I/O.
  virtual core::Status Configure(const core::Options& options) = 0;
  // The table's name (unquoted), after CheckOptions: the table_name template with {dataset}. A dialect that
  // names its tables otherwise, or reserves some names, overrides it.
  virtual core::Result<std::string> TableName(const BindContext& ctx) const;
  // Dialect rules for a table or column name beyond emptiness, NUL and length.
  virtual core::Status CheckName(std::string_view name, std::string_view what) const;
  virtual std::string Quote(std::string_view identifier) const = 0;
  virtual std::string QuoteText(std::string_view text) const = 0;   // a string literal
  virtual std::string Qualified(std::string_view table) const = 0;  // namespace-qualified and quoted
  // The native column type of a dataset field (key: part of the primary key).
  virtual std::string NativeType(const core::Field& field, bool key) const = 0;
  // The VARCHAR length a string column gets (0 = unlimited), which the diff compares.
  virtual int64_t StringLength(bool key) const;
  // CREATE TABLE for `table`, with the hidden unit column when asked.
  virtual core::Result<std::vector<std::string>> CreateTableStatements(const std::string& table, bool with_unit) = 0;

  // --- the migration policy -------------------------------------------------------------------------------
  // Brings `table` to the dataset's schema, creating it when missing (with the unit column when want_unit),
  // and ends with EnsureBookkeeping(table, want_unit). main: the storage's table (Migrate), not this run's
  // staging table (Open in mode replace).
  virtual core::Status EvolveTable(const std::string& table, bool want_unit, bool main) = 0;

  // --- the connection -----------------------------------------------------------------------------------
  virtual core::Status Connect() = 0;  // does nothing while the connection is healthy
  virtual core::Status Execute(std::string_view sql) = 0;
  virtual core::Result<std::optional<TableShape>> Introspect(const std::string& table) = 0;
  // Creates the namespace if missing and the _datasync_runs table (table_name, run_id, published_at).
  virtual core::Status EnsureNamespace() = 0;
  virtual core::Result<bool> RunRecorded(int64_t run_id) = 0;
  // The tables of the sink's namespace whose names start with `prefix`, compared exactly (letter case
  // included; no pattern characters), for SweepStaging.
  virtual core::Result<std::vector<std::string>> TablesStartingWith(const std::string& prefix) = 0;
  // The bookkeeping that follows the diff's steps (EnsureBookkeeping): the sink's own columns besides
  // _ds_unit, the statements that add the unit column and index it, and what a table needs to serve an
  // upsert by the dataset's key (called when there is a key and the mode is not append).
  virtual core::Status EnsureOwnColumns(const std::string& table, const TableShape& shape);
  virtual std::vector<std::string> AddUnitColumnStatements(const std::string& table) const = 0;
  virtual std::vector<std::string> UnitIndexStatements(const std::string& table) const;
  virtual core::Status EnsureKeyedUpsert(const std::string& table, const TableShape& shape) = 0;
  // Swaps the staging table in for table_name() and records the run (see the header comment).
  virtual core::Status Publish(const std::string& staging) = 0;

  // --- history (mode kHistory) ---------------------------------------------------------------------------
  // `a` and `b` are equal, NULL equal to NULL (PostgreSQL's IS NOT DISTINCT FROM by default).
  virtual std::string NullSafeEqual(const std::string& a, const std::string& b) const;
  // A timestamp literal for a version column (core::FormatTimestamp's text, quoted, by default).
  virtual std::string TimestampLiteral(int64_t micros) const;
  // Creates or refreshes the view of the current rows, `select` being its query (CREATE OR REPLACE VIEW by
  // default).
  virtual std::vector<std::string> LatestViewStatements(const std::string& view, const std::string& select) const;
  // Closes the current versions of `table` that a row of `input` (aliased i) with the same key differs from:
  // `matched` is the join condition on the key, `differs` the condition that some value differs (UPDATE ...
  // FROM by default; MySQL joins).
  virtual std::string CloseChangedStatement(const std::string& table, const std::string& input,
                                            const std::string& matched, const std::string& differs,
                                            const std::string& stamp) const;

  // --- the transactional write flow (ClickHouse overrides WriteImpl/CommitImpl/AbortImpl instead) --------
  virtual std::string BeginStatement() const { return "BEGIN"; }
  // Deletes the rows an earlier attempt wrote for `unit` from write_table(), inside the open transaction.
  virtual core::Status DeleteUnitRows(const std::string& unit);
  // Loads the batch into write_table() inside the open transaction; returns bytes sent.
  virtual core::Result<int64_t> BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id);
  // Called by Open after write_table() is known (prepared statements, temporary tables).
  virtual core::Status PrepareWrites() { return core::Ok(); }
  // Called by Commit inside the open transaction, before it commits: a dialect that holds back a group's
  // rows to load them at once (SQLite, in key order) loads them here. A failure rolls the transaction back.
  virtual core::Status BeforeCommit() { return core::Ok(); }
  // Called when the open transaction is rolled back (what it created is gone).
  virtual void OnRollback() {}
  // Rolls back the open transaction; a store that may already have rolled back by itself (SQLite after
  // disk-full and I/O errors) checks first.
  virtual core::Status Rollback() { return Execute("ROLLBACK"); }

  // --- for subclasses -----------------------------------------------------------------------------------
  // The URL's password, or the `password` option's (a ${ENV} reference) when set.
  core::Result<std::string> Password(const std::string& url_password) const;
  // A path option resolved against the project folder; "" when unset.
  std::string ProjectPath(const core::OptionKey<std::string>& option) const;
  // The dataset's columns as "name type" definitions, and its primary key, quoted and comma-separated.
  std::string ColumnDefinitions() const;
  std::string QuotedKey() const;
  // The key `table` declares: none for a versioned table (mode kHistory), whose versions repeat the key;
  // the dataset's primary key otherwise (staging and input tables included).
  std::vector<std::string> DeclaredKey(const std::string& table) const;
  bool history() const { return mode_ == WriteMode::kHistory; }
  // CREATE TABLE from create_table_template with the variables {table} {columns} {key_clause}
  // {primary_key} {date_key} (the templates of postgres and mysql); the unit column gets `unit_type`.
  core::Result<std::vector<std::string>> StandardCreateTable(const std::string& table, bool with_unit,
                                                             std::string_view unit_type);
  // Publish for stores with RENAME TABLE a TO b, c TO d (MySQL, ClickHouse): the table is swapped with the
  // staging table (or the staging table renamed when there is none yet) and the old one dropped.
  core::Status SwapInByRename(const std::string& staging);
  // Closes the connection (CloseImpl rolls back first).
  virtual void Disconnect() {}
  // For EnsureKeyedUpsert on a table without a primary key: makes sure one of its unique indexes (given as
  // column sets) covers exactly the dataset's key, else creates `index_name`; a table whose rows repeat the
  // key cannot get one, which is a configuration error.
  core::Status EnsureUniqueIndex(const std::string& table, const std::vector<std::set<std::string>>& unique_indexes,
                                 const std::string& index_name);

  const Dialect& dialect() const { return dialect_; }
  const core::Options& options() const { return options_; }
  WriteMode mode() const { return mode_; }
  const std::vector<std::string>& primary_key() const { return primary_key_; }
  const std::string& write_table() const { return write_table_; }
  bool unit_column() const { return unit_column_; }  // write_table() has _ds_unit
  int64_t run_id() const { return run_id_; }
  bool in_transaction() const { return in_transaction_; }
  bool IsKey(std::string_view field) const;
  std::string StagingTable() const;  // this run's staging table name: StagingPrefix() + run id
  // What every staging table of this sink's table starts with (default _ds_stage_<hash of the table>_).
  virtual std::string StagingPrefix() const;
  std::string OldTablePrefix() const;    // _ds_old_<hash of the table>_: SwapInByRename's old table
  std::string InputTablePrefix() const;  // _ds_in_<hash of the table>_: a history run's input table
  std::string InputTable() const { return InputTablePrefix() + std::to_string(run_id_); }
  // After the table's own evolution: the sink's own columns, the unit column and its index when wanted,
  // and what an upsert by key needs.
  core::Status EnsureBookkeeping(const std::string& table, bool want_unit);
  // Runs `work` in one write transaction when the dialect migrates in one, else as it is.
  core::Status Migrating(const std::function<core::Status()>& work);
  std::string UnitIndexName(const std::string& table) const;
  core::Status RollbackIfOpen();
  // Runs each statement; the first failure stops.
  core::Status ExecuteAll(const std::vector<std::string>& statements);

  core::Status BindImpl(const BindContext& ctx) override;
  core::Status MigrateImpl() override;
  core::Status OpenImpl(const RunContext& run) override;
  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status CommitImpl() override;
  core::Status AbortImpl() override;
  core::Status FinishImpl() override;
  core::Status CloseImpl() override;
  core::Status HealthCheckImpl() override;
  core::Result<std::vector<std::string>> SweepStagingImpl(const RunConcluded& concluded) override;

  // History: refuses a table whose kind (versioned or not) differs from the mode's; after the table's
  // evolution (at a run's Migrate, or `datasync migrate`'s ApplyMigration) adds the version columns, their index
  // and the latest view.
  core::Status CheckHistoryKind(const std::optional<TableShape>& shape) const;
  core::Status EnsureHistory();

 private:
  core::Status MergeHistory();

  Dialect dialect_;
  core::Options options_;
  std::string table_;
  std::string write_table_;
  WriteMode mode_ = WriteMode::kUpsert;
  std::vector<std::string> primary_key_;
  int64_t run_id_ = 0;
  bool publish_pending_ = false;
  bool unit_column_ = false;
  bool in_transaction_ = false;
  std::set<std::string> units_in_transaction_;
  int64_t last_stamp_ = 0;  // the last _valid_from written: stamps only grow
};

}  // namespace datasync::storage::sql
