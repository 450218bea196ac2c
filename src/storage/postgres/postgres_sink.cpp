#include "storage/postgres/postgres_sink.hpp"

#include <map>
#include <set>
#include <unordered_set>

#include "core/crash_point.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "db/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_reader.hpp"
#include "storage/sql/db_url.hpp"
#include "storage/sql/sql_template.hpp"
#include "storage/sql/text_rows.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;
using core::TypeId;
using db::postgres::PgConnection;
using db::postgres::PgRow;

namespace {

constexpr std::string_view kSchemes[] = {"postgres", "postgresql"};
constexpr std::string_view kCopyTable = "_ds_copy";
constexpr int kUpsertsAfterConflict = 16;
constexpr std::string_view kTargetAlias = "_ds_t";

const std::vector<std::string>& CreateVariables() {
  static const std::vector<std::string> names = {"table", "columns", "key_clause", "primary_key", "date_key"};
  return names;
}

// format_type() spellings -> logical types.
StoredColumn FromNative(std::string name, std::string native) {
  StoredColumn c;
  c.name = std::move(name);
  c.native_type = native;
  using core::LogicalType;
  if (native == "boolean")
    c.type = LogicalType::Bool();
  else if (native == "integer")
    c.type = LogicalType::Int32();
  else if (native == "bigint")
    c.type = LogicalType::Int64();
  else if (native == "double precision")
    c.type = LogicalType::Float64();
  else if (native == "text" || native == "character varying")
    c.type = LogicalType::String();
  else if (native == "date")
    c.type = LogicalType::Date();
  else if (native.starts_with("timestamp"))
    c.type = LogicalType::Timestamp();
  else if (native.starts_with("character varying(")) {
    c.type = LogicalType::String();
    c.max_length = core::ParseInt64(native.substr(18, native.size() - 19)).value_or(0);
  } else if (native.starts_with("numeric(")) {
    c.type = LogicalType::Parse("decimal" + native.substr(7));
  }
  return c;
}

}  // namespace

std::span<const core::OptionSpec> PostgresSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t = sql::CommonDatabaseOptions({
        .url_description = "connection URL postgres://USER:${PASSWORD_ENV}@HOST:5432/DATABASE (libpq keywords such "
                           "as sslmode may follow as ?key=value)",
        .create_table = "CREATE TABLE {table} ({columns}{key_clause})",
        .create_table_vars =
            "statement(s) that create a table: {table} {columns} {key_clause} {primary_key} {date_key}",
        .add_column = "ALTER TABLE {table} ADD COLUMN {column} {type}",
        .widen_column = "ALTER TABLE {table} ALTER COLUMN {column} TYPE {type}",
        .change_column = "ALTER TABLE {table} ALTER COLUMN {column} TYPE {type} USING {column}::{type}",
        .drop_column = "ALTER TABLE {table} DROP COLUMN {column}",
        .rename_column = "ALTER TABLE {table} RENAME COLUMN {column} TO {new_column}",
    });
    using core::OptionType;
    t.push_back({postgres::kSchema.name, OptionType::kString, "public", false, "",
                 "schema that holds the tables; created when missing"});
    t.push_back({postgres::kSslMode.name,
                 OptionType::kEnum,
                 "prefer",
                 false,
                 "",
                 "TLS: disable, allow, prefer, require, verify-ca (check the CA), verify-full (and the host name)",
                 {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}});
    t.push_back({postgres::kSslRootCert.name, OptionType::kPath, "", false, "",
                 "CA certificate file for verify-ca / verify-full"});
    t.push_back({postgres::kSslCert.name, OptionType::kPath, "", false, "", "client certificate file"});
    t.push_back({postgres::kSslKey.name, OptionType::kPath, "", false, "", "client private key file"});
    // Timeouts: a server that vanishes without a reset (a dead host, a dropped route, a stuck proxy) must
    // not hold a writer for hours. Defaults: db/postgres/pg_connection.hpp PgTimeouts.
    constexpr int64_t kWeek = 7 * 24 * 3600;
    t.push_back({.name = postgres::kIoTimeoutSecs.name,
                 .type = OptionType::kInt,
                 .default_value = "630",
                 .unit = "seconds",
                 .description = "the longest wait for the server to take data or answer; then the connection is "
                                "dropped and the batch is written again (a transient error). Longer than "
                                "statement_timeout_secs, so that a slow statement ends with the server's own error",
                 .range = core::OptionRange{1, kWeek}});
    t.push_back({.name = postgres::kStatementTimeoutSecs.name,
                 .type = OptionType::kInt,
                 .default_value = "600",
                 .unit = "seconds",
                 .description = "the server cancels a statement that runs longer (statement_timeout; a transient "
                                "error); 0: no limit",
                 .range = core::OptionRange{0, kWeek}});
    t.push_back({postgres::kKeepalives.name, OptionType::kBool, "true", false, "",
                 "TCP keepalive probes on an idle connection, so that a server that vanished is noticed"});
    t.push_back({.name = postgres::kKeepalivesIdleSecs.name,
                 .type = OptionType::kInt,
                 .default_value = "30",
                 .unit = "seconds",
                 .description = "idle time before the first keepalive probe",
                 .range = core::OptionRange{1, kWeek}});
    t.push_back({.name = postgres::kKeepalivesIntervalSecs.name,
                 .type = OptionType::kInt,
                 .default_value = "10",
                 .unit = "seconds",
                 .description = "time between unanswered keepalive probes",
                 .range = core::OptionRange{1, kWeek}});
    t.push_back({.name = postgres::kKeepalivesCount.name,
                 .type = OptionType::kInt,
                 .default_value = "3",
                 .description = "unanswered keepalive probes before the connection counts as lost",
                 .range = core::OptionRange{1, 1000}});
    t.push_back({.name = postgres::kTcpUserTimeoutSecs.name,
                 .type = OptionType::kInt,
                 .default_value = "60",
                 .unit = "seconds",
                 .description = "data the server has not acknowledged this long closes the connection "
                                "(TCP_USER_TIMEOUT); 0: the system's default",
                 .range = core::OptionRange{0, kWeek}});
    return t;
  }();
  return table;
}

PostgresSink::PostgresSink()
    : ScriptedDatabaseSink(Dialect{.name = "postgres", .max_identifier_bytes = 63}),
      conn_(std::make_unique<PgConnection>()) {}

PostgresSink::~PostgresSink() = default;

std::span<const core::OptionSpec> PostgresSink::OptionTable() const {
  return PostgresSinkOptions();
}

core::OptionProblems CheckPostgresSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx) {
  core::OptionProblems problems;
  (void)sql::CheckCommonDatabaseOptions(options, PostgresSinkOptions(), kSchemes, ctx, problems);
  std::string schema = options.Get(postgres::kSchema);
  if (schema.empty() || schema.size() > 63 || schema.find('\0') != std::string::npos) {
    problems.push_back({"schema", "must be 1 to 63 bytes without NUL (PostgreSQL's identifier limit)"});
  }
  sql::CheckTemplateOption(options, sql::kCreateTableTemplate, CreateVariables(), problems);
  int64_t io = options.Get(postgres::kIoTimeoutSecs), statement = options.Get(postgres::kStatementTimeoutSecs);
  if (statement > 0 && io <= statement) {
    problems.push_back({std::string(postgres::kIoTimeoutSecs.name),
                        "must be longer than statement_timeout_secs (" + std::to_string(statement) + "), got " +
                            std::to_string(io) +
                            ": a slow statement should end with the server's own error, not a dropped connection"});
  }
  return problems;
}

core::Result<PgTarget> PostgresTarget(const core::Options& options, const std::string& storage_name,
                                      const std::filesystem::path& project_dir) {
  auto url = sql::ParseDbUrl(options.Get(sql::kUrl), kSchemes, "option url");
  if (!url) return Fail(url.error());
  std::string password = url->password;
  if (std::string ref = options.Get(sql::kPassword); !ref.empty()) {
    auto resolved = core::ResolveSecret(ref, "storage '" + storage_name + "' option password");
    if (!resolved) return Fail(resolved.error());
    password = *resolved;
  }
  PgTarget t;
  t.schema = options.Get(postgres::kSchema);
  auto& conninfo = t.conninfo;
  conninfo.emplace_back("host", url->host);
  if (url->port) conninfo.emplace_back("port", std::to_string(url->port));
  if (!url->user.empty()) conninfo.emplace_back("user", url->user);
  if (!password.empty()) conninfo.emplace_back("password", password);
  if (!url->database.empty()) conninfo.emplace_back("dbname", url->database);
  conninfo.emplace_back("sslmode", options.Get(postgres::kSslMode));
  // The option names are libpq's keywords; paths are the project's.
  for (const auto* key : {&postgres::kSslRootCert, &postgres::kSslCert, &postgres::kSslKey}) {
    std::string path = options.Get(*key);
    if (path.empty()) continue;
    std::filesystem::path p(path);
    conninfo.emplace_back(std::string(key->name), (p.is_relative() ? project_dir / p : p).string());
  }
  // URL parameters are libpq keywords too (sslmode, target_session_attrs, ...); they win over the options.
  for (const auto& [k, v] : url->params) conninfo.emplace_back(k, v);
  conninfo.emplace_back("application_name", "datasync");
  conninfo.emplace_back("client_encoding", "UTF8");
  // Timestamps are UTC wall times; a timestamptz column must read them as UTC too.
  conninfo.emplace_back("options", "-c TimeZone=UTC");
  t.display = url->Display();
  using std::chrono::seconds;
  t.timeouts = db::postgres::PgTimeouts{
      .connect = seconds(std::max<int64_t>(1, options.Get(sql::kConnectTimeoutSecs))),
      .io = seconds(options.Get(postgres::kIoTimeoutSecs)),
      .statement = seconds(options.Get(postgres::kStatementTimeoutSecs)),
      .keepalives = options.Get(postgres::kKeepalives),
      .keepalives_idle = seconds(options.Get(postgres::kKeepalivesIdleSecs)),
      .keepalives_interval = seconds(options.Get(postgres::kKeepalivesIntervalSecs)),
      .keepalives_count = static_cast<int>(options.Get(postgres::kKeepalivesCount)),
      .tcp_user_timeout = seconds(options.Get(postgres::kTcpUserTimeoutSecs)),
  };
  return t;
}

core::Result<std::optional<TableShape>> IntrospectPgTable(PgConnection& conn, const std::string& schema,
                                                          const std::string& table) {
  auto cols = conn.Query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
      "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum",
      {schema, table});
  if (!cols) return Fail(cols.error());
  if (cols->empty()) return std::optional<TableShape>();
  TableShape shape;
  for (const auto& row : *cols) shape.columns.push_back(FromNative(row[0].value_or(""), row[1].value_or("")));
  auto key = conn.Query(
      "SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) "
      "WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
      {schema, table});
  if (!key) return Fail(key.error());
  for (const auto& row : *key) shape.primary_key.push_back(row[0].value_or(""));
  return std::optional<TableShape>(std::move(shape));
}

Status PostgresSink::Configure(const core::Options& options) {
  auto target = PostgresTarget(options, bind_context().storage_name, bind_context().project_dir);
  if (!target) return Fail(target.error());
  schema_ = std::move(target->schema);
  conninfo_ = std::move(target->conninfo);
  display_ = std::move(target->display);
  timeouts_ = target->timeouts;
  return core::Ok();
}

std::string PostgresSink::Quote(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PostgresSink::QuoteText(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string PostgresSink::Qualified(std::string_view table) const {
  return Quote(schema_) + "." + Quote(table);
}

std::string PostgresSink::NativeType(const core::Field& field, bool) const {
  switch (field.type.id) {
    case TypeId::kBool: return "boolean";
    case TypeId::kInt32: return "integer";
    case TypeId::kInt64: return "bigint";
    case TypeId::kFloat64: return "double precision";
    case TypeId::kString: return "text";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kDecimal:
      return "numeric(" + std::to_string(field.type.precision) + "," + std::to_string(field.type.scale) + ")";
  }
  return "text";
}

core::Result<std::vector<std::string>> PostgresSink::CreateTableStatements(const std::string& table, bool with_unit) {
  return StandardCreateTable(table, with_unit, "text");
}

Status PostgresSink::Connect() {
  if (conn_->healthy()) return core::Ok();
  temp_ready_ = false;
  return conn_->Open(conninfo_, display_, timeouts_);
}

Status PostgresSink::Execute(std::string_view sql) {
  return conn_->Exec(sql);
}

core::Result<std::optional<TableShape>> PostgresSink::Introspect(const std::string& table) {
  return IntrospectPgTable(*conn_, schema_, table);
}

core::Result<std::vector<std::string>> PostgresSink::TablesStartingWith(const std::string& prefix) {
  auto rows = conn_->Query(
      "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND left(c.relname, length($2)) = $2",
      {schema_, prefix});
  if (!rows) return Fail(rows.error());
  std::vector<std::string> names;
  for (const auto& row : *rows) names.push_back(row[0].value_or(""));
  return names;
}

Status PostgresSink::EnsureNamespace() {
  // Two sessions creating the same schema or table at once (two plans of one run, two processes): the
  // loser's IF NOT EXISTS still fails on the catalog's unique index (23505), or reports the object (42P06,
  // 42P07) or the table's row type (42710, "type ... already exists") as existing; either way it now exists.
  auto tolerate = [](Status st) -> Status {
    std::string code = st ? std::string() : st.error().code();
    if (!st && (code == "23505" || code == "42P06" || code == "42P07" || code == "42710")) {
      return core::Ok();
    }
    return st;
  };
  // Checked first: a role without CREATE rights on the database may still write into a schema that exists.
  auto exists = conn_->Query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", {schema_});
  if (!exists) return Fail(exists.error());
  if (exists->empty()) {
    if (auto st = tolerate(Execute("CREATE SCHEMA IF NOT EXISTS " + Quote(schema_))); !st) return st;
  }
  return tolerate(Execute("CREATE TABLE IF NOT EXISTS " + Qualified(sql::kRunsTable) +
                          " (table_name text NOT NULL, run_id bigint NOT NULL, published_at timestamptz NOT NULL "
                          "DEFAULT now(), PRIMARY KEY (table_name, run_id))"));
}

core::Result<bool> PostgresSink::RunRecorded(int64_t run) {
  auto rows = conn_->Query("SELECT 1 FROM " + Qualified(sql::kRunsTable) + " WHERE table_name = $1 AND run_id = $2",
                           {table_name(), std::to_string(run)});
  if (!rows) return Fail(rows.error());
  return !rows->empty();
}

std::vector<std::string> PostgresSink::AddUnitColumnStatements(const std::string& table) const {
  return {"ALTER TABLE " + Qualified(table) + " ADD COLUMN " + Quote(sql::kUnitColumn) + " text"};
}

std::vector<std::string> PostgresSink::UnitIndexStatements(const std::string& table) const {
  return {"CREATE INDEX IF NOT EXISTS " + Quote(UnitIndexName(table)) + " ON " + Qualified(table) + " (" +
          Quote(sql::kUnitColumn) + ")"};
}

Status PostgresSink::EnsureKeyedUpsert(const std::string& table, const TableShape& shape) {
  if (!shape.primary_key.empty()) return core::Ok();
  auto rows = conn_->Query(
      "SELECT i.indexrelid::text, a.attname FROM pg_catalog.pg_index i "
      "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) "
      "WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL",
      {schema_, table});
  if (!rows) return Fail(rows.error());
  std::map<std::string, std::set<std::string>> by_index;
  for (const auto& row : *rows) by_index[row[0].value_or("")].insert(row[1].value_or(""));
  std::vector<std::set<std::string>> uniques;
  for (auto& [index, cols] : by_index) uniques.push_back(std::move(cols));
  return EnsureUniqueIndex(table, uniques, "_ds_key_" + core::Hex64(core::Fnv1a64(table)).substr(0, 12));
}

Status PostgresSink::Publish(const std::string& staging) {
  auto target = Introspect(table_name());
  if (!target) return Fail(target.error());
  std::string columns;
  for (const auto& f : bind_context().schema->fields()) columns += (columns.empty() ? "" : ", ") + Quote(f.name);
  bool target_unit = false;
  if (target->has_value()) {
    for (const auto& c : (*target)->columns) target_unit = target_unit || c.name == sql::kUnitColumn;
  }
  if (target_unit) columns += ", " + Quote(sql::kUnitColumn);
  // Rows move instead of the table being swapped: views, grants and indexes on the table stay valid.
  std::vector<std::string> move_rows = {
      "BEGIN", "TRUNCATE " + Qualified(table_name()),
      "INSERT INTO " + Qualified(table_name()) + " (" + columns + ") SELECT " + columns + " FROM " + Qualified(staging),
      "DROP TABLE " + Qualified(staging),
      "INSERT INTO " + Qualified(sql::kRunsTable) + " (table_name, run_id) VALUES (" + QuoteText(table_name()) + ", " +
          std::to_string(run_id()) + ") ON CONFLICT DO NOTHING"};
  if (auto st = ExecuteAll(move_rows); !st) {
    (void)Execute("ROLLBACK");
    return st;
  }
  // A crash here leaves the transaction open: the server rolls it back when the connection drops.
  core::CrashPoint("replace", bind_context().storage_name);
  if (auto st = Execute("COMMIT"); !st) {
    (void)Execute("ROLLBACK");
    return st;
  }
  return core::Ok();
}

Status PostgresSink::PrepareWrites() {
  std::vector<std::string> columns;
  for (const auto& f : bind_context().schema->fields()) columns.push_back(Quote(f.name));
  if (unit_column()) columns.push_back(Quote(sql::kUnitColumn));
  copy_columns_ = core::Join(columns, ", ");
  upsert_sql_.clear();
  upsert_last_wins_sql_.clear();
  temp_ready_ = false;
  skip_direct_copies_ = 0;
  if (primary_key().empty() || mode() == WriteMode::kAppend) return core::Ok();
  std::string key = QuotedKey();
  std::vector<std::string> updated;
  for (const auto& f : bind_context().schema->fields()) {
    if (!IsKey(f.name)) updated.push_back(Quote(f.name));
  }
  if (unit_column()) updated.push_back(Quote(sql::kUnitColumn));
  std::string conflict = " ON CONFLICT (" + key + ") DO NOTHING";
  if (!updated.empty()) {
    // Rows a re-run brings unchanged are left alone: an UPDATE would write a new version of each (WAL,
    // bloat) for nothing. (PostgreSQL compares -0.0 equal to 0.0, so that one change is not written.)
    std::string sets, old_values, new_values;
    for (const auto& c : updated) {
      sets += (sets.empty() ? "" : ", ") + c + " = EXCLUDED." + c;
      old_values += (old_values.empty() ? "" : ", ") + std::string(kTargetAlias) + "." + c;
      new_values += std::string(new_values.empty() ? "" : ", ") + "EXCLUDED." + c;
    }
    conflict = " ON CONFLICT (" + key + ") DO UPDATE SET " + sets + " WHERE ROW(" + old_values +
               ") IS DISTINCT FROM ROW(" + new_values + ")";
  }
  std::string target = "INSERT INTO " + Qualified(write_table()) + " AS " + std::string(kTargetAlias) + " (" +
                       copy_columns_ + ") SELECT ";
  std::string source = " FROM pg_temp." + Quote(kCopyTable);
  upsert_sql_ = target + copy_columns_ + source + conflict;
  // ON CONFLICT may not touch a row twice in one statement: when a batch repeats a key, keep its last row
  // (COPY fills the fresh temporary table in order, so ctid is arrival order).
  upsert_last_wins_sql_ =
      target + "DISTINCT ON (" + key + ") " + copy_columns_ + source + " ORDER BY " + key + ", ctid DESC" + conflict;
  return core::Ok();
}

core::Result<int64_t> PostgresSink::BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) {
  buffer_.clear();
  if (auto st = sql::AppendTextBatch(batch, sql::TextFormat::kPostgresCopy, unit_column(), unit_id, buffer_); !st) {
    return Fail(st.error());
  }
  std::string direct = "COPY " + Qualified(write_table()) + " (" + copy_columns_ + ") FROM STDIN";
  if (upsert_sql_.empty()) {
    if (auto st = conn_->CopyIn(direct, buffer_); !st) return Fail(st.error());
    return static_cast<int64_t>(buffer_.size());
  }
  // Upsert: a backfill mostly brings keys the table does not have yet, and for those a COPY straight into the
  // table is the bulk path itself. Try it under a savepoint; a key that exists (23505) rolls it back and the
  // batch takes the upsert path below. After such a conflict the next batches are likely re-runs too, so
  // they go straight to the upsert path for a while.
  if (skip_direct_copies_ > 0) {
    --skip_direct_copies_;
  } else {
    if (auto st = Execute("SAVEPOINT _ds_direct"); !st) return Fail(st.error());
    auto copied = conn_->CopyIn(direct, buffer_);
    if (copied) {
      if (auto st = Execute("RELEASE SAVEPOINT _ds_direct"); !st) return Fail(st.error());
      return static_cast<int64_t>(buffer_.size());
    }
    if (copied.error().code() != "23505") return Fail(copied.error());
    if (auto st = Execute("ROLLBACK TO SAVEPOINT _ds_direct"); !st) return Fail(st.error());
    skip_direct_copies_ = kUpsertsAfterConflict;
  }
  if (!temp_ready_) {
    // Created inside the first write transaction of the session and kept: its rows go at each batch's end.
    std::string sql = "CREATE TEMPORARY TABLE IF NOT EXISTS " + Quote(kCopyTable) + " (LIKE " +
                      Qualified(write_table()) + " INCLUDING DEFAULTS)";
    if (auto st = Execute("DROP TABLE IF EXISTS pg_temp." + Quote(kCopyTable)); !st) return Fail(st.error());
    if (auto st = Execute(sql); !st) return Fail(st.error());
    temp_ready_ = true;
  }
  if (auto st = conn_->CopyIn("COPY pg_temp." + Quote(kCopyTable) + " (" + copy_columns_ + ") FROM STDIN", buffer_);
      !st) {
    return Fail(st.error());
  }
  // Repeated keys within the batch need the last-wins form; detecting them here keeps the common case
  // free of a sort.
  std::vector<size_t> key_columns;
  for (const auto& k : primary_key()) key_columns.push_back(*batch.schema().IndexOf(k));
  std::unordered_set<std::string> seen;
  seen.reserve(batch.num_rows());
  bool repeats = false;
  std::string key;
  for (size_t r = 0; r < batch.num_rows() && !repeats; ++r) {
    key.clear();
    for (size_t c : key_columns) {
      key += batch.column(c).GetValue(r).ToString();
      key.push_back('\0');
    }
    repeats = !seen.insert(key).second;
  }
  if (auto st = Execute(repeats ? upsert_last_wins_sql_ : upsert_sql_); !st) return Fail(st.error());
  if (auto st = Execute("TRUNCATE pg_temp." + Quote(kCopyTable)); !st) return Fail(st.error());
  return static_cast<int64_t>(buffer_.size());
}

void PostgresSink::Disconnect() {
  conn_->Close();
}

void RegisterPostgresSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "postgres",
      .description = "a table per dataset in a PostgreSQL schema (COPY, upsert by primary key)",
      .options = PostgresSinkOptions(),
      .validate = CheckPostgresSinkOptions,
      .validate_binding = sql::CheckDatabaseBinding<PostgresSink>,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<PostgresSink>()); },
      .open_reader = [](const ReaderContext& ctx) { return PgDatasetReader::Open(ctx); },
  });
}

}  // namespace datasync::storage
