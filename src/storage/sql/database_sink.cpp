#include "storage/sql/database_sink.hpp"

#include <algorithm>
#include <chrono>

#include "core/crash_point.hpp"
#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "storage/history.hpp"
#include "storage/sql/migration_render.hpp"
#include "storage/sql/sql_template.hpp"

namespace datasync::storage::sql {

using core::ErrorKind;
using core::Fail;
using core::Status;

std::vector<core::OptionSpec> CommonDatabaseOptions(const CommonOptionDefaults& d) {
  using core::OptionType;
  return {
      {kUrl.name, OptionType::kString, "", true, "", d.url_description},
      {kPassword.name, OptionType::kSecret, "", false, "", "password, as a ${ENV} reference; overrides one in the URL"},
      {kConnectTimeoutSecs.name, OptionType::kInt, "10", false, "seconds",
       "how long a connection attempt may take before it counts as a transient failure"},
      {kTableName.name, OptionType::kString, "{dataset}", false, "",
       "template of the table name; {dataset} is the dataset's name"},
      {kCreateTableTemplate.name, OptionType::kString, d.create_table, false, "", d.create_table_vars},
      {kAddColumnTemplate.name, OptionType::kString, d.add_column, false, "",
       "statement(s) that add a column: {table} {column} {type}"},
      {kWidenColumnTemplate.name, OptionType::kString, d.widen_column, false, "",
       "statement(s) that widen a column's type (applied automatically): {table} {column} {type} {old_type}"},
      {kChangeColumnTemplate.name, OptionType::kString, d.change_column, false, "",
       "statement(s) that narrow or change a column's type (held for datasync migrate): {table} {column} {type} "
       "{old_type}"},
      {kDropColumnTemplate.name, OptionType::kString, d.drop_column, false, "",
       "statement(s) that drop a column the dataset no longer has (held): {table} {column}"},
      {kRenameColumnTemplate.name, OptionType::kString, d.rename_column, false, "",
       "statement(s) that rename a column (held): {table} {column} {new_column} {type}"},
  };
}

std::span<const core::OptionSpec> CommonDatabaseOptionTable() {
  static const std::vector<core::OptionSpec> table = CommonDatabaseOptions({.url_description = "connection URL"});
  return table;
}

std::optional<DbUrl> CheckCommonDatabaseOptions(const core::Options& options, std::span<const core::OptionSpec> table,
                                                std::span<const std::string_view> schemes,
                                                const core::OptionCheckContext& ctx, core::OptionProblems& problems) {
  auto from_table = core::CheckOptionValues(options, table);
  problems.insert(problems.end(), from_table.begin(), from_table.end());
  auto url = CheckDbUrl(options.Get(kUrl), schemes, "url", ctx.resolve_secrets, problems);
  if (std::string ref = options.Get(kPassword); ctx.resolve_secrets && !ref.empty()) {
    if (auto v = core::ResolveSecret(ref, ""); !v) problems.push_back({"password", v.error().message(), ref});
  }
  CheckTemplateOption(options, kTableName, {"dataset"}, problems);
  for (const auto* key : {&kAddColumnTemplate, &kWidenColumnTemplate, &kChangeColumnTemplate, &kDropColumnTemplate,
                          &kRenameColumnTemplate}) {
    CheckTemplateOption(options, *key, ColumnTemplateVariables(), problems);
  }
  return url;
}

void CheckTemplateOption(const core::Options& options, const core::OptionKey<std::string>& key,
                         const std::vector<std::string>& names, core::OptionProblems& problems) {
  if (auto st = CheckTemplate(options.Get(key), names, ""); !st) {
    problems.push_back({std::string(key.name), st.error().message()});
  }
}

DatabaseSink::DatabaseSink(Dialect dialect) : dialect_(std::move(dialect)) {}

SinkCapabilities DatabaseSink::capabilities() const {
  SinkCapabilities caps;
  caps.append = true;
  caps.upsert = true;
  caps.idempotent_units = true;
  caps.replace = true;
  caps.schema_evolution = true;
  caps.concurrent_writers = dialect_.concurrent_writers;
  caps.history = dialect_.history;
  return caps;
}

core::Result<std::string> DatabaseSink::Password(const std::string& url_password) const {
  std::string ref = options_.Get(kPassword);
  if (ref.empty()) return url_password;
  return core::ResolveSecret(ref, "storage '" + bind_context().storage_name + "' option password");
}

std::string DatabaseSink::ProjectPath(const core::OptionKey<std::string>& option) const {
  std::string path = options_.Get(option);
  if (path.empty()) return path;
  std::filesystem::path p(path);
  return (p.is_relative() ? bind_context().project_dir / p : p).string();
}

std::string DatabaseSink::ColumnDefinitions() const {
  std::string columns;
  for (const auto& f : bind_context().schema->fields()) {
    if (!columns.empty()) columns += ", ";
    columns += Quote(f.name) + " " + NativeType(f, IsKey(f.name));
  }
  return columns;
}

std::vector<std::string> DatabaseSink::DeclaredKey(const std::string& table) const {
  if (history() && table == table_) return {};
  return primary_key_;
}

std::string DatabaseSink::QuotedKey() const {
  std::string key;
  for (const auto& k : primary_key_) key += (key.empty() ? "" : ", ") + Quote(k);
  return key;
}

core::Result<std::vector<std::string>> DatabaseSink::StandardCreateTable(const std::string& table, bool with_unit,
                                                                         std::string_view unit_type) {
  std::string columns = ColumnDefinitions();
  if (with_unit) columns += ", " + Quote(kUnitColumn) + " " + std::string(unit_type);
  std::string key;
  for (const auto& k : DeclaredKey(table)) key += (key.empty() ? "" : ", ") + Quote(k);
  TemplateVars vars = {{"table", Qualified(table)},
                       {"columns", columns},
                       {"key_clause", key.empty() ? "" : ", PRIMARY KEY (" + key + ")"},
                       {"primary_key", key},
                       {"date_key", bind_context().date_key.empty() ? "" : Quote(bind_context().date_key)}};
  return RenderStatements(options_.Get(kCreateTableTemplate), vars,
                          "storage '" + bind_context().storage_name + "' option create_table_template");
}

Status DatabaseSink::SwapInByRename(const std::string& staging) {
  auto target = Introspect(table_);
  if (!target) return Fail(target.error());
  if (!target->has_value()) return Execute("RENAME TABLE " + Qualified(staging) + " TO " + Qualified(table_));
  std::string old = OldTablePrefix() + std::to_string(run_id_);
  if (auto st = Execute("DROP TABLE IF EXISTS " + Qualified(old)); !st) return st;
  if (auto st = Execute("RENAME TABLE " + Qualified(table_) + " TO " + Qualified(old) + ", " + Qualified(staging) +
                        " TO " + Qualified(table_));
      !st) {
    return st;
  }
  core::CrashPoint("replace-swapped", bind_context().storage_name);
  return Execute("DROP TABLE " + Qualified(old));
}

Status DatabaseSink::EnsureOwnColumns(const std::string&, const TableShape&) {
  return core::Ok();
}

std::vector<std::string> DatabaseSink::UnitIndexStatements(const std::string&) const {
  return {};
}

Status DatabaseSink::EnsureBookkeeping(const std::string& table, bool want_unit) {
  auto shape = Introspect(table);
  if (!shape) return Fail(shape.error());
  if (!shape->has_value()) return Fail(ErrorKind::kInternal, "table " + Qualified(table) + " does not exist");
  if (auto st = EnsureOwnColumns(table, **shape); !st) return st;
  bool has_unit = false;
  for (const auto& c : (*shape)->columns) has_unit = has_unit || core::ToLower(c.name) == kUnitColumn;
  if (want_unit && !has_unit) {
    if (auto st = ExecuteAll(AddUnitColumnStatements(table)); !st) return st;
    has_unit = true;
  }
  if (has_unit) {
    if (auto st = ExecuteAll(UnitIndexStatements(table)); !st) return st;
  }
  if (DeclaredKey(table).empty() || mode_ == WriteMode::kAppend) return core::Ok();
  return EnsureKeyedUpsert(table, **shape);
}

Status DatabaseSink::EnsureUniqueIndex(const std::string& table,
                                       const std::vector<std::set<std::string>>& unique_indexes,
                                       const std::string& index_name) {
  std::set<std::string> want;
  for (const auto& k : primary_key_) want.insert(dialect_.case_insensitive_columns ? core::ToLower(k) : k);
  for (const auto& cols : unique_indexes) {
    if (cols == want) return core::Ok();
  }
  // A table created without a primary key (an earlier append plan, or by hand) can still serve upserts
  // through a unique index on the key; creating it fails, as it should, when the table holds duplicates.
  if (auto st =
          Execute("CREATE UNIQUE INDEX " + Quote(index_name) + " ON " + Qualified(table) + " (" + QuotedKey() + ")");
      !st) {
    return Fail(ErrorKind::kConfig,
                "table " + Qualified(table) + " has no primary key and cannot get a unique index on (" +
                    core::Join(primary_key_, ", ") + "), so it cannot be upserted: " + st.error().message());
  }
  return core::Ok();
}

Status DatabaseSink::CloseImpl() {
  (void)RollbackIfOpen();
  // The input table is empty between commits; one that stays (a lost connection) is swept later.
  if (history() && write_table_ == InputTable()) (void)Execute("DROP TABLE IF EXISTS " + Qualified(write_table_));
  Disconnect();
  return core::Ok();
}

core::Result<std::string> DatabaseSink::TableName(const BindContext& ctx) const {
  return RenderTemplate(ctx.options.Get(kTableName), {{"dataset", ctx.dataset}},
                        "storage '" + ctx.storage_name + "' option table_name");
}

Status DatabaseSink::CheckName(std::string_view, std::string_view) const {
  return core::Ok();
}

int64_t DatabaseSink::StringLength(bool) const {
  return 0;
}

bool DatabaseSink::IsKey(std::string_view field) const {
  return std::find(primary_key_.begin(), primary_key_.end(), field) != primary_key_.end();
}

std::string DatabaseSink::StagingPrefix() const {
  return "_ds_stage_" + core::Hex64(core::Fnv1a64(table_)).substr(0, 12) + "_";
}

std::string DatabaseSink::StagingTable() const {
  return StagingPrefix() + std::to_string(run_id_);
}

std::string DatabaseSink::OldTablePrefix() const {
  return "_ds_old_" + core::Hex64(core::Fnv1a64(table_)).substr(0, 12) + "_";
}

std::string DatabaseSink::InputTablePrefix() const {
  return "_ds_in_" + core::Hex64(core::Fnv1a64(table_)).substr(0, 12) + "_";
}

namespace {

// The run id `name` ends with after `prefix`: digits only, else nullopt (not one of ours).
std::optional<int64_t> RunIdAfter(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace

core::Result<std::vector<std::string>> DatabaseSink::SweepStagingImpl(const RunConcluded& concluded) {
  if (auto st = Connect(); !st) return Fail(st.error());
  std::vector<std::string> swept;
  for (const std::string& prefix : {StagingPrefix(), OldTablePrefix(), InputTablePrefix()}) {
    auto tables = TablesStartingWith(prefix);
    if (!tables) return Fail(tables.error());
    for (const auto& name : *tables) {
      auto run = RunIdAfter(name, prefix);
      if (!run || !concluded(*run)) continue;
      if (auto st = Execute("DROP TABLE IF EXISTS " + Qualified(name)); !st) return Fail(st.error());
      swept.push_back(name);
    }
  }
  return swept;
}

std::string DatabaseSink::UnitIndexName(const std::string& table) const {
  return "_ds_unit_" + core::Hex64(core::Fnv1a64(table)).substr(0, 12);
}

core::Result<std::string> DatabaseSink::TargetTable(const BindContext& ctx) const {
  if (!ctx.schema) return Fail(ErrorKind::kInternal, "TargetTable without a schema");
  auto check = [&](const std::string& name, const std::string& what) -> Status {
    if (name.empty()) return Fail(ErrorKind::kConfig, what + " is empty");
    if (name.find('\0') != std::string::npos) return Fail(ErrorKind::kConfig, what + " contains a NUL byte");
    if (name.size() > dialect_.max_identifier_bytes) {
      return Fail(ErrorKind::kConfig, what + " '" + name + "' is " + std::to_string(name.size()) + " bytes; " +
                                          dialect_.name + " allows " + std::to_string(dialect_.max_identifier_bytes) +
                                          " (set table_name, or rename the field in the dataset)");
    }
    return CheckName(name, what);
  };

  if (ctx.dataset.empty()) return Fail(ErrorKind::kConfig, "the dataset name is empty");
  auto table = TableName(ctx);
  if (!table) return Fail(table.error());
  if (auto st = check(*table, "table name"); !st) return Fail(st.error());
  if (table->starts_with("_ds_stage_") || table->starts_with("_ds_old_") || table->starts_with("_ds_in_") ||
      *table == kRunsTable) {
    return Fail(ErrorKind::kConfig, "table name '" + *table + "' is reserved by datasync; set table_name");
  }

  const core::Schema& schema = *ctx.schema;
  if (schema.size() == 0) return Fail(ErrorKind::kConfig, "the dataset has no fields");
  if (ctx.mode == WriteMode::kHistory) {
    std::string view = *table + std::string(kLatestViewSuffix);
    if (auto st = check(view, "the latest view's name"); !st) return Fail(st.error());
  }
  std::vector<std::string> reserved = dialect_.reserved_columns;
  reserved.emplace_back(kUnitColumn);
  reserved.emplace_back(kValidFrom);
  reserved.emplace_back(kValidTo);
  std::set<std::string> seen;
  for (const auto& f : schema.fields()) {
    if (auto st = check(f.name, "field name"); !st) return Fail(st.error());
    std::string key = dialect_.case_insensitive_columns ? core::ToLower(f.name) : f.name;
    for (const auto& r : reserved) {
      if (core::ToLower(r) == core::ToLower(f.name)) {
        return Fail(ErrorKind::kConfig, "field name '" + f.name + "' is reserved by the " + dialect_.name + " sink");
      }
    }
    if (!seen.insert(key).second) {
      return Fail(ErrorKind::kConfig, "fields named '" + f.name + "' repeat" +
                                          (dialect_.case_insensitive_columns ? " (" + dialect_.name +
                                                                                   " compares column names without "
                                                                                   "letter case)"
                                                                             : std::string()));
    }
  }
  for (const auto& k : ctx.primary_key) {
    if (!schema.IndexOf(k))
      return Fail(ErrorKind::kConfig, "primary key field '" + k + "' is not a field of the dataset");
  }

  return *table;
}

Status DatabaseSink::BindImpl(const BindContext& ctx) {
  std::string where = "storage '" + ctx.storage_name + "'";
  options_ = ctx.options;
  if (auto st = options_.ApplyDefaults(OptionTable(), where); !st) return st;
  if (auto st = core::ProblemsToStatus(CheckOptions(options_, {.resolve_secrets = true}), "option "); !st) return st;
  mode_ = ctx.mode;
  primary_key_ = ctx.primary_key;

  auto table = TargetTable(ctx);
  if (!table) return Fail(table.error());
  table_ = *table;

  if (auto st = Configure(options_); !st) return st;
  return Connect();
}

Status DatabaseSink::Migrating(const std::function<Status()>& work) {
  if (!dialect_.migrate_in_transaction) return work();
  if (auto st = Execute(BeginStatement()); !st) return st;
  Status st = work();
  if (st) st = Execute("COMMIT");
  if (!st) (void)Rollback();
  return st;
}

Status DatabaseSink::MigrateImpl() {
  if (auto st = Connect(); !st) return st;
  return Migrating([&]() -> Status {
    if (auto st = EnsureNamespace(); !st) return st;
    auto shape = Introspect(table_);
    if (!shape) return Fail(shape.error());
    if (auto st = CheckHistoryKind(*shape); !st) return st;
    // Mode upsert uses _ds_unit when an earlier append run added it, but does not need it.
    if (auto st = EvolveTable(table_, mode_ != WriteMode::kUpsert, /*main=*/true); !st) return st;
    return history() ? EnsureHistory() : core::Ok();
  });
}

Status DatabaseSink::OpenImpl(const RunContext& run) {
  run_id_ = run.run_id;
  write_table_ = table_;
  publish_pending_ = false;
  in_transaction_ = false;
  units_in_transaction_.clear();
  if (auto st = Connect(); !st) return st;
  if (mode_ == WriteMode::kReplace) {
    std::string staging = StagingTable();
    auto recorded = RunRecorded(run_id_);
    if (!recorded) return Fail(recorded.error());
    auto staged = Introspect(staging);
    if (!staged) return Fail(staged.error());
    if (!*recorded && !staged->has_value() && run.has_done_units) {
      return Fail(ErrorKind::kConflict,
                  "the staging table " + Qualified(staging) + " of run " + std::to_string(run_id_) +
                      " is gone (removed after the run had failed or was cancelled, or dropped by hand), and it held "
                      "the rows of the tasks this run already did; start a new run of the plan instead of "
                      "retrying or resuming this one");
    }
    if (!*recorded || staged->has_value()) {
      // Not yet published: (re)open this run's staging table, evolving it if a crashed attempt of the same
      // run created it with an older schema.
      write_table_ = staging;
      publish_pending_ = true;
      if (auto st = Migrating([&] { return EvolveTable(staging, /*want_unit=*/true, /*main=*/false); }); !st) return st;
    }
  }
  if (history()) {
    // A fresh input table per open: one that a crashed attempt of this run left holds nothing committed.
    write_table_ = InputTable();
    if (auto st = Migrating([&]() -> Status {
          if (auto st = Execute("DROP TABLE IF EXISTS " + Qualified(write_table_)); !st) return st;
          return EvolveTable(write_table_, /*want_unit=*/true, /*main=*/false);
        });
        !st) {
      return st;
    }
  }
  auto shape = Introspect(write_table_);
  if (!shape) return Fail(shape.error());
  if (!shape->has_value())
    return Fail(ErrorKind::kInternal, "table " + Qualified(write_table_) + " vanished after Migrate");
  unit_column_ = false;
  for (const auto& c : (*shape)->columns) {
    unit_column_ = unit_column_ || core::ToLower(c.name) == kUnitColumn;
  }
  return PrepareWrites();
}

Status DatabaseSink::DeleteUnitRows(const std::string& unit) {
  return Execute("DELETE FROM " + Qualified(write_table_) + " WHERE " + Quote(kUnitColumn) + " = " + QuoteText(unit));
}

core::Result<int64_t> DatabaseSink::BulkLoad(const core::ColumnBatch&, std::string_view) {
  return Fail(ErrorKind::kInternal, dialect_.name + " sink has no bulk load");
}

Status DatabaseSink::ExecuteAll(const std::vector<std::string>& statements) {
  for (const auto& s : statements) {
    if (auto st = Execute(s); !st) return st;
  }
  return core::Ok();
}

core::Result<int64_t> DatabaseSink::WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (unit_id.empty()) return Fail(ErrorKind::kInternal, "Write without a unit id");
  if (auto st = batch.Validate(); !st) return Fail(st.error());
  // A failed Write discards every uncommitted write, as Abort would (the Sink contract).
  auto fail = [&](core::Error e) -> core::Result<int64_t> {
    (void)RollbackIfOpen();
    return Fail(std::move(e));
  };
  if (!in_transaction_) {
    if (auto st = Connect(); !st) return Fail(st.error());
    if (auto st = Execute(BeginStatement()); !st) return fail(st.error());
    in_transaction_ = true;
    units_in_transaction_.clear();
  }
  std::string unit(unit_id);
  bool first_of_unit = units_in_transaction_.insert(unit).second;
  // Upsert stays a pure upsert (it only tags rows when the table has _ds_unit from an earlier append); the
  // input table of history is emptied at every commit.
  if (unit_column_ && mode_ != WriteMode::kUpsert && !history() && first_of_unit) {
    if (auto st = DeleteUnitRows(unit); !st) return fail(st.error());
  }
  auto bytes = BulkLoad(batch, unit_id);
  if (!bytes) return fail(bytes.error());
  return bytes;
}

Status DatabaseSink::CommitImpl() {
  if (!in_transaction_) return core::Ok();
  // A failed Commit discards the transaction, like a failed Write: the units are written again.
  if (auto st = BeforeCommit(); !st) {
    (void)RollbackIfOpen();
    return st;
  }
  if (history()) {
    if (auto st = MergeHistory(); !st) {
      (void)RollbackIfOpen();
      return st;
    }
  }
  if (auto st = Execute("COMMIT"); !st) {
    (void)RollbackIfOpen();
    return st;
  }
  in_transaction_ = false;
  units_in_transaction_.clear();
  return core::Ok();
}

Status DatabaseSink::RollbackIfOpen() {
  bool was = in_transaction_;
  in_transaction_ = false;
  units_in_transaction_.clear();
  if (!was) return core::Ok();
  OnRollback();
  return Rollback();
}

Status DatabaseSink::AbortImpl() {
  return RollbackIfOpen();
}

Status DatabaseSink::FinishImpl() {
  if (in_transaction_) return Fail(ErrorKind::kInternal, "Finish with uncommitted writes; Commit or Abort them first");
  if (mode_ != WriteMode::kReplace || !publish_pending_) return core::Ok();
  if (auto st = Connect(); !st) return st;
  if (auto st = Publish(write_table_); !st) return st;
  publish_pending_ = false;
  write_table_ = table_;
  return core::Ok();
}

Status DatabaseSink::HealthCheckImpl() {
  if (auto st = Connect(); !st) return st;
  return Execute("SELECT 1");
}

}  // namespace datasync::storage::sql

namespace datasync::storage::sql {

std::string DatabaseSink::NullSafeEqual(const std::string& a, const std::string& b) const {
  return a + " IS NOT DISTINCT FROM " + b;
}

std::string DatabaseSink::TimestampLiteral(int64_t micros) const {
  return QuoteText(core::FormatTimestamp(micros));
}

std::vector<std::string> DatabaseSink::LatestViewStatements(const std::string& view, const std::string& select) const {
  return {"CREATE OR REPLACE VIEW " + view + " AS " + select};
}

std::string DatabaseSink::CloseChangedStatement(const std::string& table, const std::string& input,
                                                const std::string& matched, const std::string& differs,
                                                const std::string& stamp) const {
  return "UPDATE " + table + " SET " + Quote(kValidTo) + " = " + stamp + " FROM " + input + " AS i WHERE " + matched +
         " AND " + table + "." + Quote(kValidTo) + " IS NULL AND (" + differs + ")";
}

Status DatabaseSink::CheckHistoryKind(const std::optional<TableShape>& shape) const {
  if (!shape) return core::Ok();
  bool versioned = false;
  for (const auto& c : shape->columns) versioned = versioned || core::ToLower(c.name) == kValidTo;
  if (versioned && !history()) {
    return Fail(ErrorKind::kConfig, "table " + Qualified(table_) +
                                        " keeps history (it has _valid_from and _valid_to): set history: true on "
                                        "the plan, or write this plan to another table (option table_name)");
  }
  if (!versioned && history()) {
    return Fail(ErrorKind::kConfig,
                "table " + Qualified(table_) +
                    " holds the dataset without history: a plan with history: true needs a table of its own (set "
                    "table_name on the storage, or rename or drop the table first)");
  }
  return core::Ok();
}

Status DatabaseSink::EnsureHistory() {
  auto shape = Introspect(table_);
  if (!shape) return Fail(shape.error());
  if (!shape->has_value()) return Fail(ErrorKind::kInternal, "table " + Qualified(table_) + " does not exist");
  bool has_from = false, has_to = false;
  for (const auto& c : (*shape)->columns) {
    has_from = has_from || core::ToLower(c.name) == kValidFrom;
    has_to = has_to || core::ToLower(c.name) == kValidTo;
  }
  core::Field stamp{std::string(kValidFrom), core::LogicalType{core::TypeId::kTimestamp}, true};
  std::string type = NativeType(stamp, false);
  if (!has_from) {
    std::string key;
    for (const auto& k : primary_key_) key += Quote(k) + ", ";
    std::string index = "_ds_ver_" + core::Hex64(core::Fnv1a64(table_)).substr(0, 12);
    if (auto st = ExecuteAll({"ALTER TABLE " + Qualified(table_) + " ADD COLUMN " + Quote(kValidFrom) + " " + type,
                              "CREATE UNIQUE INDEX " + Quote(index) + " ON " + Qualified(table_) + " (" + key +
                                  Quote(kValidFrom) + ")"});
        !st) {
      return st;
    }
  }
  if (!has_to) {
    if (auto st = Execute("ALTER TABLE " + Qualified(table_) + " ADD COLUMN " + Quote(kValidTo) + " " + type); !st) {
      return st;
    }
  }
  return ExecuteAll(
      LatestViewStatements(Qualified(table_ + std::string(kLatestViewSuffix)),
                           "SELECT * FROM " + Qualified(table_) + " WHERE " + Quote(kValidTo) + " IS NULL"));
}

Status DatabaseSink::MergeHistory() {
  if (units_in_transaction_.empty()) return core::Ok();
  int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  int64_t stamp_us = std::max(now, last_stamp_ + 1);
  std::string stamp = TimestampLiteral(stamp_us);
  const std::string table = Qualified(table_);
  const std::string input = Qualified(write_table_);
  auto main_col = [&](std::string_view c) { return table + "." + Quote(c); };
  auto in_col = [&](std::string_view c) { return "i." + Quote(c); };

  std::string matched;  // i's key is the main row's
  for (const auto& k : primary_key_) matched += (matched.empty() ? "" : " AND ") + in_col(k) + " = " + main_col(k);
  std::string same;     // and every value is equal
  std::string differs;  // some value is not
  std::string columns, in_columns;
  for (const auto& f : bind_context().schema->fields()) {
    columns += Quote(f.name) + ", ";
    in_columns += in_col(f.name) + ", ";
    if (IsKey(f.name)) continue;
    std::string eq = NullSafeEqual(in_col(f.name), main_col(f.name));
    same += " AND " + eq;
    differs += (differs.empty() ? "NOT " : " OR NOT ") + eq;
  }
  std::string units;
  for (const auto& u : units_in_transaction_) units += (units.empty() ? "" : ", ") + QuoteText(u);

  std::vector<std::string> statements;
  // The current versions of the written units that the input no longer has, or has with other values...
  statements.push_back("UPDATE " + table + " SET " + Quote(kValidTo) + " = " + stamp + " WHERE " + main_col(kValidTo) +
                       " IS NULL AND " + main_col(kUnitColumn) + " IN (" + units + ") AND NOT EXISTS (SELECT 1 FROM " +
                       input + " AS i WHERE " + matched + same + ")");
  // ...and those of the input's keys that another unit wrote, when a value differs.
  if (!differs.empty()) statements.push_back(CloseChangedStatement(table, input, matched, differs, stamp));
  // The input rows without an equal current version become the current versions.
  std::string m_matched;
  for (const auto& k : primary_key_) m_matched += " AND m." + Quote(k) + " = " + in_col(k);
  statements.push_back("INSERT INTO " + table + " (" + columns + Quote(kUnitColumn) + ", " + Quote(kValidFrom) +
                       ") SELECT " + in_columns + in_col(kUnitColumn) + ", " + stamp + " FROM " + input +
                       " AS i WHERE NOT EXISTS (SELECT 1 FROM " + table + " AS m WHERE m." + Quote(kValidTo) +
                       " IS NULL" + m_matched + ")");
  statements.push_back("DELETE FROM " + input);
  if (auto st = ExecuteAll(statements); !st) return st;
  last_stamp_ = stamp_us;
  return core::Ok();
}

}  // namespace datasync::storage::sql
