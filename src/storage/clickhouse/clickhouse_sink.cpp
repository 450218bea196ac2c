#include "storage/clickhouse/clickhouse_sink.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/crash_point.hpp"
#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "net/http_client.hpp"
#include "storage/clickhouse/clickhouse_client.hpp"
#include "storage/clickhouse/clickhouse_reader.hpp"
#include "storage/clickhouse/row_binary.hpp"
#include "storage/history.hpp"
#include "storage/sql/db_url.hpp"
#include "storage/sql/sql_template.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;
using core::TypeId;

namespace {

constexpr std::string_view kVersionColumn = "_ds_version";
constexpr std::string_view kAuto = "auto";
constexpr std::string_view kSchemes[] = {"clickhouse", "clickhouses"};

const std::vector<std::string>& CreateVariables() {
  static const std::vector<std::string> names = {"table",    "columns",         "engine",      "partition_clause",
                                                 "order_by", "settings_clause", "primary_key", "date_key",
                                                 "version"};
  return names;
}

const std::vector<std::string>& ClauseVariables() {
  static const std::vector<std::string> names = {"primary_key", "date_key", "version"};
  return names;
}

// system.columns' type spellings -> logical types.
StoredColumn FromNative(std::string name, std::string native) {
  StoredColumn c;
  c.name = std::move(name);
  c.native_type = native;
  std::string_view t = native;
  if (t.starts_with("Nullable(") && t.ends_with(")")) t = t.substr(9, t.size() - 10);
  using core::LogicalType;
  if (t == "UInt8")
    c.type = LogicalType::Bool();
  else if (t == "Int32")
    c.type = LogicalType::Int32();
  else if (t == "Int64")
    c.type = LogicalType::Int64();
  else if (t == "Float64")
    c.type = LogicalType::Float64();
  else if (t == "String")
    c.type = LogicalType::String();
  else if (t == "Date")
    c.type = LogicalType::Date();
  else if (t == "DateTime" || t.starts_with("DateTime("))
    c.type = LogicalType::Timestamp();
  else if (t.starts_with("Decimal(") && t.ends_with(")")) {
    std::string inner(t.substr(8, t.size() - 9));
    inner.erase(std::remove(inner.begin(), inner.end(), ' '), inner.end());
    c.type = LogicalType::Parse("decimal(" + inner + ")");
  }
  return c;
}

// Backslash escapes, which ClickHouse reads in quoted identifiers and string literals alike.
std::string QuoteWith(std::string_view s, char quote) {
  std::string out(1, quote);
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default:
        if (c == quote) out += '\\';
        out += c;
    }
  }
  out += quote;
  return out;
}

}  // namespace

std::span<const core::OptionSpec> ClickHouseSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t = sql::CommonDatabaseOptions({
        .url_description = "connection URL clickhouse://USER:${PASSWORD_ENV}@HOST:8123/DATABASE (HTTP interface; "
                           "clickhouses:// for HTTPS)",
        .create_table = "CREATE TABLE {table} ({columns}) ENGINE = {engine}{partition_clause} ORDER BY "
                        "{order_by}{settings_clause}",
        .create_table_vars = "statement(s) that create a table: {table} {columns} {engine} {partition_clause} "
                             "{order_by} {settings_clause} {primary_key} {date_key} {version}",
        .add_column = "ALTER TABLE {table} ADD COLUMN {column} {type}",
        .widen_column = "ALTER TABLE {table} MODIFY COLUMN {column} {type}",
        .change_column = "ALTER TABLE {table} MODIFY COLUMN {column} {type}",
        .drop_column = "ALTER TABLE {table} DROP COLUMN {column}",
        .rename_column = "ALTER TABLE {table} ADD COLUMN {new_column} {type} DEFAULT {column}",
    });
    using core::OptionType;
    t.push_back({clickhouse::kEngine.name, OptionType::kString, "auto", false, "",
                 "table engine; auto = ReplacingMergeTree({version}) with a primary key, MergeTree without. "
                 "Placeholders {primary_key} {date_key} {version}"});
    t.push_back({clickhouse::kOrderBy.name, OptionType::kString, "auto", false, "",
                 "sorting key; auto = ({primary_key}), or tuple() without a key"});
    t.push_back({clickhouse::kPartitionBy.name, OptionType::kString, "auto", false, "",
                 "partition expression; auto = toYYYYMM({date_key}) when the date key is a date or timestamp; "
                 "empty = no partitions"});
    t.push_back({clickhouse::kTableSettings.name, OptionType::kString, "", false, "",
                 "SETTINGS of new tables, e.g. index_granularity = 8192"});
    t.push_back({clickhouse::kTimeoutSecs.name, OptionType::kInt, "300", false, "seconds",
                 "longest time one request may take"});
    t.push_back(
        {clickhouse::kVerifyTls.name, OptionType::kBool, "true", false, "", "check the server's certificate (HTTPS)"});
    t.push_back({clickhouse::kCaFile.name, OptionType::kPath, "", false, "",
                 "CA certificate file for HTTPS (default: the system's)"});
    t.push_back({clickhouse::kMutationTimeoutSecs.name, OptionType::kInt, "300", false, "seconds",
                 "how long a commit waits for the deletion of rewritten units to finish"});
    return t;
  }();
  return table;
}

ClickHouseSink::ClickHouseSink()
    : ScriptedDatabaseSink(Dialect{
          .name = "clickhouse", .max_identifier_bytes = 80, .reserved_columns = {std::string(kVersionColumn)}}) {}

ClickHouseSink::~ClickHouseSink() = default;

std::span<const core::OptionSpec> ClickHouseSink::OptionTable() const {
  return ClickHouseSinkOptions();
}

core::OptionProblems CheckClickHouseSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx) {
  core::OptionProblems problems;
  auto url = sql::CheckCommonDatabaseOptions(options, ClickHouseSinkOptions(), kSchemes, ctx, problems);
  if (url && (url->database.size() > 80 || url->database.find('\0') != std::string::npos)) {
    problems.push_back({"url", "the database name must be 1 to 80 bytes without NUL"});
  }
  for (const auto* key : {&clickhouse::kEngine, &clickhouse::kOrderBy, &clickhouse::kPartitionBy}) {
    sql::CheckTemplateOption(options, *key, ClauseVariables(), problems);
  }
  sql::CheckTemplateOption(options, sql::kCreateTableTemplate, CreateVariables(), problems);
  return problems;
}

std::string QuoteClickHouseText(std::string_view text) {
  return QuoteWith(text, '\'');
}

std::string QuoteClickHouseIdentifier(std::string_view name) {
  return QuoteWith(name, '`');
}

core::Result<ClickHouseTarget> ClickHouseTargetOf(const core::Options& options, const std::string& storage_name,
                                                  const std::filesystem::path& project_dir) {
  auto url = sql::ParseDbUrl(options.Get(sql::kUrl), kSchemes, "option url");
  if (!url) return Fail(url.error());
  bool https = url->scheme == "clickhouses" || url->Param("secure") == "true" || url->Param("secure") == "1";
  ClickHouseTarget t;
  clickhouse::ClickHouseEndpoint& endpoint = t.endpoint;
  std::string host = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  endpoint.base_url = std::string(https ? "https://" : "http://") + host + ":" +
                      std::to_string(url->port ? url->port : (https ? 8443 : 8123)) + "/";
  endpoint.user = url->user;
  endpoint.password = url->password;
  if (std::string ref = options.Get(sql::kPassword); !ref.empty()) {
    auto resolved = core::ResolveSecret(ref, "storage '" + storage_name + "' option password");
    if (!resolved) return Fail(resolved.error());
    endpoint.password = *resolved;
  }
  endpoint.display = url->Display();
  t.database = url->database.empty() ? "default" : url->database;
  t.http.max_connections = 2;
  t.http.timeout = std::chrono::seconds(std::max<int64_t>(1, options.Get(clickhouse::kTimeoutSecs)));
  t.http.connect_timeout = std::chrono::seconds(std::max<int64_t>(1, options.Get(sql::kConnectTimeoutSecs)));
  t.http.verify_tls = options.Get(clickhouse::kVerifyTls);
  if (std::string ca = options.Get(clickhouse::kCaFile); !ca.empty()) {
    std::filesystem::path p(ca);
    t.http.ca_file = (p.is_relative() ? project_dir / p : p).string();
  }
  return t;
}

core::Result<std::optional<TableShape>> IntrospectClickHouseTable(clickhouse::ClickHouseClient& client,
                                                                  const std::string& database,
                                                                  const std::string& table) {
  auto rows = client.Query("SELECT name, type FROM system.columns WHERE database = " + QuoteClickHouseText(database) +
                           " AND table = " + QuoteClickHouseText(table));
  if (!rows) return Fail(rows.error());
  if (rows->empty()) return std::optional<TableShape>();
  TableShape shape;
  for (const auto& row : *rows) {
    if (row.size() == 2) shape.columns.push_back(FromNative(row[0], row[1]));
  }
  // The sorting key may be the storage's own (order_by); the diff does not compare it with the dataset's.
  return std::optional<TableShape>(std::move(shape));
}

Status ClickHouseSink::Configure(const core::Options& options) {
  auto target = ClickHouseTargetOf(options, bind_context().storage_name, bind_context().project_dir);
  if (!target) return Fail(target.error());
  database_ = target->database;
  partition_field_.clear();
  const BindContext& ctx = bind_context();
  if (options.Get(clickhouse::kPartitionBy) == kAuto && !ctx.date_key.empty()) {
    if (auto i = ctx.schema->IndexOf(ctx.date_key)) {
      TypeId id = ctx.schema->field(*i).type.id;
      if (id == TypeId::kDate || id == TypeId::kTimestamp) partition_field_ = ctx.date_key;
    }
  }
  mutation_timeout_ms_ = std::max<int64_t>(1, options.Get(clickhouse::kMutationTimeoutSecs)) * 1000;
  client_.reset();
  http_ = std::make_unique<net::HttpClient>(target->http);
  client_ = std::make_unique<clickhouse::ClickHouseClient>(*http_, std::move(target->endpoint));
  return core::Ok();
}

std::string ClickHouseSink::Quote(std::string_view name) const {
  return QuoteClickHouseIdentifier(name);
}
std::string ClickHouseSink::QuoteText(std::string_view text) const {
  return QuoteClickHouseText(text);
}
std::string ClickHouseSink::Qualified(std::string_view table) const {
  return Quote(database_) + "." + Quote(table);
}

bool ClickHouseSink::NotNullable(const std::string& field) const {
  // 18.16 refuses Nullable columns in the sorting and partition keys.
  return IsKey(field) || field == partition_field_;
}

std::string ClickHouseSink::NativeType(const core::Field& field, bool) const {
  std::string base;
  switch (field.type.id) {
    case TypeId::kBool: base = "UInt8"; break;
    case TypeId::kInt32: base = "Int32"; break;
    case TypeId::kInt64: base = "Int64"; break;
    case TypeId::kFloat64: base = "Float64"; break;
    case TypeId::kString: base = "String"; break;
    case TypeId::kDate: base = "Date"; break;
    case TypeId::kTimestamp: base = "DateTime('UTC')"; break;
    case TypeId::kDecimal:
      base = "Decimal(" + std::to_string(field.type.precision) + ", " + std::to_string(field.type.scale) + ")";
      break;
  }
  return NotNullable(field.name) ? base : "Nullable(" + base + ")";
}

core::Result<std::vector<std::string>> ClickHouseSink::CreateTableStatements(const std::string& table, bool with_unit) {
  std::string where = "storage '" + bind_context().storage_name + "' option ";
  std::string columns = ColumnDefinitions() + ", " + Quote(kVersionColumn) + " UInt64";
  if (with_unit) columns += ", " + Quote(sql::kUnitColumn) + " String";
  std::string key = QuotedKey();
  // A versioned table sorts (and replaces) by key and version start; its other version columns come along.
  if (history() && table == table_name()) {
    columns += ", " + Quote(kValidFrom) + " DateTime('UTC'), " + Quote(kValidTo) + " Nullable(DateTime('UTC'))";
    key += ", " + Quote(kValidFrom);
  }
  std::string date_key = bind_context().date_key.empty() ? "" : Quote(bind_context().date_key);
  sql::TemplateVars clause_vars = {{"primary_key", key}, {"date_key", date_key}, {"version", Quote(kVersionColumn)}};
  auto clause = [&](const core::OptionKey<std::string>& key, std::string automatic) -> core::Result<std::string> {
    std::string text = options().Get(key);
    if (text == kAuto) return automatic;
    return sql::RenderTemplate(text, clause_vars, where + std::string(key.name));
  };
  auto engine =
      clause(clickhouse::kEngine, key.empty() ? "MergeTree" : "ReplacingMergeTree(" + Quote(kVersionColumn) + ")");
  if (!engine) return Fail(engine.error());
  auto order_by = clause(clickhouse::kOrderBy, key.empty() ? "tuple()" : "(" + key + ")");
  if (!order_by) return Fail(order_by.error());
  auto partition =
      clause(clickhouse::kPartitionBy, partition_field_.empty() ? "" : "toYYYYMM(" + Quote(partition_field_) + ")");
  if (!partition) return Fail(partition.error());
  std::string settings = options().Get(clickhouse::kTableSettings);
  sql::TemplateVars vars = {{"table", Qualified(table)},
                            {"columns", columns},
                            {"engine", *engine},
                            {"partition_clause", partition->empty() ? "" : " PARTITION BY " + *partition},
                            {"order_by", *order_by},
                            {"settings_clause", settings.empty() ? "" : " SETTINGS " + settings},
                            {"primary_key", key},
                            {"date_key", date_key},
                            {"version", Quote(kVersionColumn)}};
  return sql::RenderStatements(options().Get(sql::kCreateTableTemplate), vars, where + "create_table_template");
}

Status ClickHouseSink::Connect() {
  // HTTP is stateless: every request connects as needed (the client keeps connections alive).
  if (!client_) return Fail(ErrorKind::kInternal, "the ClickHouse sink is not configured");
  return core::Ok();
}

Status ClickHouseSink::Execute(std::string_view sql) {
  return client_->Execute(sql);
}

core::Result<std::vector<std::string>> ClickHouseSink::TablesStartingWith(const std::string& prefix) {
  auto rows = client_->Query("SELECT name FROM system.tables WHERE database = " + QuoteText(database_) +
                             " AND substring(name, 1, " + std::to_string(prefix.size()) + ") = " + QuoteText(prefix));
  if (!rows) return Fail(rows.error());
  std::vector<std::string> names;
  for (const auto& row : *rows) {
    if (!row.empty() && row[0].starts_with(prefix)) names.push_back(row[0]);
  }
  return names;
}

core::Result<std::optional<TableShape>> ClickHouseSink::Introspect(const std::string& table) {
  return IntrospectClickHouseTable(*client_, database_, table);
}

Status ClickHouseSink::EnsureNamespace() {
  // Checked first: a user without CREATE rights may still write into a database that exists.
  auto exists = client_->Query("SELECT name FROM system.databases WHERE name = " + QuoteText(database_));
  if (!exists) return Fail(exists.error());
  if (exists->empty()) {
    if (auto st = Execute("CREATE DATABASE IF NOT EXISTS " + Quote(database_)); !st) return st;
  }
  return Execute("CREATE TABLE IF NOT EXISTS " + Qualified(sql::kRunsTable) +
                 " (table_name String, run_id Int64, published_at DateTime DEFAULT now()) ENGINE = MergeTree "
                 "ORDER BY (table_name, run_id)");
}

core::Result<bool> ClickHouseSink::RunRecorded(int64_t run) {
  auto rows = client_->Query("SELECT count() FROM " + Qualified(sql::kRunsTable) +
                             " WHERE table_name = " + QuoteText(table_name()) + " AND run_id = " + std::to_string(run));
  if (!rows) return Fail(rows.error());
  return !rows->empty() && !rows->front().empty() && rows->front().front() != "0";
}

Status ClickHouseSink::EnsureOwnColumns(const std::string& table, const TableShape& shape) {
  for (const auto& c : shape.columns) {
    if (c.name == kVersionColumn) return core::Ok();
  }
  return Execute("ALTER TABLE " + Qualified(table) + " ADD COLUMN " + Quote(kVersionColumn) + " UInt64");
}

std::vector<std::string> ClickHouseSink::AddUnitColumnStatements(const std::string& table) const {
  // Rows from before carry '' and so belong to no unit. ClickHouse scans the column instead of an index.
  return {"ALTER TABLE " + Qualified(table) + " ADD COLUMN " + Quote(sql::kUnitColumn) + " String"};
}

Status ClickHouseSink::EnsureKeyedUpsert(const std::string& table, const TableShape&) {
  if (mode() != WriteMode::kUpsert) return core::Ok();
  auto engine = client_->Query("SELECT engine FROM system.tables WHERE database = " + QuoteText(database_) +
                               " AND name = " + QuoteText(table));
  if (!engine) return Fail(engine.error());
  std::string name = engine->empty() || engine->front().empty() ? "" : engine->front().front();
  if (name.find("Replacing") == std::string::npos && name.find("Collapsing") == std::string::npos) {
    return Fail(ErrorKind::kConfig, "table " + Qualified(table) + " has engine " + name +
                                        ", which never replaces rows by key, so it cannot serve mode upsert; use mode "
                                        "append, or recreate the table with a ReplacingMergeTree engine");
  }
  return core::Ok();
}

Status ClickHouseSink::Publish(const std::string& staging) {
  // RENAME is not transactional with the record: record first (see DatabaseSink's header comment).
  if (auto st = Execute("INSERT INTO " + Qualified(sql::kRunsTable) + " (table_name, run_id) VALUES (" +
                        QuoteText(table_name()) + ", " + std::to_string(run_id()) + ")");
      !st) {
    return st;
  }
  core::CrashPoint("replace", bind_context().storage_name);
  return SwapInByRename(staging);
}

Status ClickHouseSink::PrepareWrites() {
  // RowBinary must match the table's types, which a held migration may leave wider than the dataset's.
  auto shape = Introspect(write_table());
  if (!shape) return Fail(shape.error());
  if (!shape->has_value()) return Fail(ErrorKind::kInternal, "table " + Qualified(write_table()) + " does not exist");
  layout_ = std::make_unique<clickhouse::RowBinaryLayout>();
  layout_->with_unit = unit_column();
  for (const auto& f : bind_context().schema->fields()) {
    const StoredColumn* stored = nullptr;
    for (const auto& c : (*shape)->columns) {
      if (c.name == f.name) stored = &c;
    }
    if (!stored || !stored->type || !clickhouse::CanConvert(f.type, *stored->type)) {
      return Fail(ErrorKind::kConfig, "column '" + f.name + "' of " + Qualified(write_table()) + " is " +
                                          (stored ? stored->native_type : std::string("missing")) +
                                          ", which cannot take the dataset's " + f.type.ToString() +
                                          " values; see `datasync migrate --dry-run " + bind_context().storage_name +
                                          "`");
    }
    layout_->columns.push_back({*stored->type, stored->native_type.starts_with("Nullable(")});
  }
  std::string columns;
  for (const auto& f : bind_context().schema->fields()) columns += (columns.empty() ? "" : ", ") + Quote(f.name);
  columns += ", " + Quote(kVersionColumn);
  if (unit_column()) columns += ", " + Quote(sql::kUnitColumn);
  insert_sql_ = "INSERT INTO " + Qualified(write_table()) + " (" + columns + ") FORMAT RowBinary";
  DropGroup();
  return core::Ok();
}

void ClickHouseSink::DropGroup() {
  pending_.clear();
  pending_units_.clear();
}

core::Result<int64_t> ClickHouseSink::WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (unit_id.empty()) return Fail(ErrorKind::kInternal, "Write without a unit id");
  if (auto st = batch.Validate(); !st) return Fail(st.error());
  // A failed Write discards the whole group (the Sink contract).
  auto fail = [&](core::Error e) -> core::Result<int64_t> {
    DropGroup();
    return Fail(std::move(e));
  };
  // Every row gets its own, rising version: the last write of a key wins however ClickHouse orders a block.
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  uint64_t version = std::max(now, last_version_ + 1);
  size_t before = pending_.size();
  if (auto st = clickhouse::AppendRowBinary(batch, *layout_, version, unit_id, pending_); !st) {
    return fail(core::Error(st.error().kind(),
                            st.error().message() + (st.error().message().find("NULL") != std::string::npos
                                                        ? " (sorting and partition key columns cannot hold NULL)"
                                                        : "")));
  }
  last_version_ = version + batch.num_rows();
  pending_units_.insert(std::string(unit_id));
  return static_cast<int64_t>(pending_.size() - before);
}

Status ClickHouseSink::DeleteRewrittenUnits() {
  std::string list;
  for (const auto& u : pending_units_) list += (list.empty() ? "" : ", ") + QuoteText(u);
  auto existing = client_->Query("SELECT DISTINCT " + Quote(sql::kUnitColumn) + " FROM " + Qualified(write_table()) +
                                 " WHERE " + Quote(sql::kUnitColumn) + " IN (" + list + ")");
  if (!existing) return Fail(existing.error());
  if (existing->empty()) return core::Ok();
  std::string found;
  for (const auto& row : *existing) found += (found.empty() ? "" : ", ") + QuoteText(row.empty() ? "" : row.front());
  // A mutation only touches parts that exist when it starts, so the rows inserted after it stay.
  if (auto st = Execute("ALTER TABLE " + Qualified(write_table()) + " DELETE WHERE " + Quote(sql::kUnitColumn) +
                        " IN (" + found + ")");
      !st) {
    return st;
  }
  std::string pending_sql = "SELECT count() FROM system.mutations WHERE database = " + QuoteText(database_) +
                            " AND table = " + QuoteText(write_table()) + " AND is_done = 0";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(mutation_timeout_ms_);
  std::chrono::milliseconds pause{2};
  while (true) {
    auto rows = client_->Query(pending_sql);
    if (!rows) return Fail(rows.error());
    if (rows->empty() || rows->front().empty() || rows->front().front() == "0") return core::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(ErrorKind::kTransient, "the deletion of rewritten units in " + Qualified(write_table()) +
                                             " did not finish within mutation_timeout_secs; see system.mutations");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

Status ClickHouseSink::CommitImpl() {
  if (pending_units_.empty()) return core::Ok();
  Status st = core::Ok();
  if (history()) {
    // The input table is emptied first: a failed commit may have left rows there.
    st = Execute("TRUNCATE TABLE " + Qualified(write_table()));
    if (st && !pending_.empty()) st = client_->Insert(insert_sql_, pending_);
    if (st) st = MergeHistory();
    DropGroup();
    return st;
  }
  if (unit_column() && mode() != WriteMode::kUpsert) st = DeleteRewrittenUnits();
  if (st && !pending_.empty()) st = client_->Insert(insert_sql_, pending_);
  DropGroup();
  return st;
}

std::vector<std::string> ClickHouseSink::LatestViewStatements(const std::string& view, const std::string&) const {
  // 18.16 has no CREATE OR REPLACE VIEW; FINAL, so that a closed version's replaced copy never shows.
  return {"DROP TABLE IF EXISTS " + view, "CREATE VIEW " + view + " AS SELECT * FROM " + Qualified(table_name()) +
                                              " FINAL WHERE isNull(" + Quote(kValidTo) + ")"};
}

Status ClickHouseSink::MergeHistory() {
  const std::string table = Qualified(table_name());
  const std::string input = Qualified(write_table());
  std::string keys, columns, values;
  for (const auto& k : primary_key()) keys += (keys.empty() ? "" : ", ") + Quote(k);
  for (const auto& f : bind_context().schema->fields()) {
    columns += Quote(f.name) + ", ";
    if (IsKey(f.name)) continue;
    values += (values.empty() ? "" : ", ") + ("ifNull(toString(" + Quote(f.name) + "), '\\N')");
  }
  // A row's values as one hash, NULL included (IN never matches NULL).
  std::string hash = values.empty() ? "toUInt64(0)" : "cityHash64(" + values + ")";
  std::string units;
  for (const auto& u : pending_units_) units += (units.empty() ? "" : ", ") + QuoteText(u);
  int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string stamp = "toDateTime(" + QuoteText(core::FormatTimestamp(now_us / 1000000 * 1000000)) + ", 'UTC')";
  uint64_t now_ns = static_cast<uint64_t>(now_us) * 1000;
  uint64_t close_version = std::max(now_ns, last_version_ + 1);
  last_version_ = close_version + 1;
  std::string insert = "INSERT INTO " + table + " (" + columns + Quote(sql::kUnitColumn) + ", " + Quote(kValidFrom) +
                       ", " + Quote(kValidTo) + ", " + Quote(kVersionColumn) + ") ";
  std::string current = " FROM " + table + " FINAL WHERE isNull(" + Quote(kValidTo) + ")";
  std::string input_keys = "(" + keys + ") IN (SELECT " + keys + " FROM " + input + ")";
  // The current versions of the written units and keys that the input does not repeat exactly get a closed
  // copy (a higher _ds_version replaces them)...
  std::string close = insert + "SELECT " + columns + Quote(sql::kUnitColumn) + ", " + Quote(kValidFrom) + ", " + stamp +
                      ", " + std::to_string(close_version) + current + " AND (" + Quote(sql::kUnitColumn) + " IN (" +
                      units + ") OR " + input_keys + ") AND (" + keys + ", " + hash + ") NOT IN (SELECT " + keys +
                      ", " + hash + " FROM " + input + " FINAL)";
  // ...then the input rows without an equal current version become current.
  std::string add = insert + "SELECT " + columns + Quote(sql::kUnitColumn) + ", " + stamp +
                    ", CAST(NULL AS Nullable(DateTime('UTC'))), " + std::to_string(last_version_) + " FROM " + input +
                    " FINAL WHERE (" + keys + ", " + hash + ") NOT IN (SELECT " + keys + ", " + hash + current +
                    " AND " + input_keys + ")";
  last_version_ += 1;
  for (const auto& sql : {close, add}) {
    if (auto st = Execute(sql); !st) return st;
  }
  return Execute("TRUNCATE TABLE " + input);
}

Status ClickHouseSink::AbortImpl() {
  DropGroup();
  return core::Ok();
}

Status ClickHouseSink::FinishImpl() {
  if (!pending_units_.empty()) {
    return Fail(ErrorKind::kInternal, "Finish with uncommitted writes; Commit or Abort them first");
  }
  return DatabaseSink::FinishImpl();
}

void ClickHouseSink::Disconnect() {
  DropGroup();
}

void RegisterClickHouseSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "clickhouse",
      .description = "a ReplacingMergeTree table per dataset in ClickHouse, over HTTP (TabSeparated inserts)",
      .options = ClickHouseSinkOptions(),
      .validate = CheckClickHouseSinkOptions,
      .validate_binding = sql::CheckDatabaseBinding<ClickHouseSink>,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<ClickHouseSink>()); },
      .open_reader = [](const ReaderContext& ctx) { return ClickHouseDatasetReader::Open(ctx); },
  });
}

}  // namespace datasync::storage
