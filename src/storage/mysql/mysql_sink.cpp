#include "storage/mysql/mysql_sink.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/crash_point.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "db/mysql/mysql_connection.hpp"
#include "storage/history.hpp"
#include "storage/mysql/mysql_reader.hpp"
#include "storage/sql/db_url.hpp"
#include "storage/sql/sql_template.hpp"
#include "storage/sql/text_rows.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;
using core::TypeId;
using db::mysql::MySqlConnection;
using db::mysql::QuoteMySqlText;

namespace {

// After a key conflict, this many batches skip the direct LOAD DATA; each further conflict in a row doubles
// it up to the cap, so a long re-run pays for few failed loads.
constexpr int kUpsertsAfterConflict = 16;
constexpr int kMaxUpsertsAfterConflict = 1024;

const std::vector<std::string>& CreateVariables() {
  static const std::vector<std::string> names = {"table", "columns", "key_clause", "primary_key", "date_key"};
  return names;
}

// information_schema's COLUMN_TYPE spellings -> logical types.
StoredColumn FromNative(std::string name, std::string native) {
  StoredColumn c;
  c.name = std::move(name);
  c.native_type = native;
  using core::LogicalType;
  auto inner = [&](size_t open) { return native.substr(open + 1, native.size() - open - 2); };
  if (native == "tinyint(1)")
    c.type = LogicalType::Bool();
  else if (native == "int" || native == "int(11)")
    c.type = LogicalType::Int32();
  else if (native == "bigint" || native == "bigint(20)")
    c.type = LogicalType::Int64();
  else if (native == "double")
    c.type = LogicalType::Float64();
  else if (native == "date")
    c.type = LogicalType::Date();
  else if (native == "datetime" || native.starts_with("datetime("))
    c.type = LogicalType::Timestamp();
  else if (native.starts_with("varchar(") && native.ends_with(")")) {
    c.type = LogicalType::String();
    c.max_length = core::ParseInt64(inner(7)).value_or(0);
  } else if (native == "tinytext" || native == "text" || native == "mediumtext" || native == "longtext") {
    // Byte limits in utf8mb4 characters, so the diff widens a short TEXT type to LONGTEXT.
    c.type = LogicalType::String();
    c.max_length = native == "tinytext" ? 63 : native == "text" ? 16383 : native == "mediumtext" ? 4194303 : 0;
  } else if (native.starts_with("decimal(")) {
    c.type = LogicalType::Parse("decimal(" + inner(7) + ")");
  }
  return c;
}

// Counts UTF-8 characters; false when one needs four bytes (MySQL identifiers stay inside the BMP).
bool CountBmpCharacters(std::string_view s, size_t& count) {
  count = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++count;
    if (c >= 0xF0) return false;
  }
  return true;
}

// Why MySQL refuses `name` (a database, table or column name), after "<what> '<name>' ".
std::optional<std::string> NameProblem(std::string_view name) {
  size_t chars = 0;
  if (!CountBmpCharacters(name, chars)) {
    return "has a character outside Unicode's Basic Multilingual Plane, which MySQL identifiers cannot hold";
  }
  if (chars > 64) return "has " + std::to_string(chars) + " characters; MySQL allows 64";
  if (name.ends_with(" ")) return "ends with a space, which MySQL refuses";
  return std::nullopt;
}

constexpr std::string_view kSchemes[] = {"mysql", "mariadb"};

}  // namespace

std::span<const core::OptionSpec> MySqlSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t = sql::CommonDatabaseOptions({
        .url_description = "connection URL mysql://USER:${PASSWORD_ENV}@HOST:3306/DATABASE (mariadb:// too)",
        .create_table = "CREATE TABLE {table} ({columns}{key_clause}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                        "COLLATE=utf8mb4_nopad_bin",
        .create_table_vars =
            "statement(s) that create a table: {table} {columns} {key_clause} {primary_key} {date_key}",
        .add_column = "ALTER TABLE {table} ADD COLUMN {column} {type}",
        .widen_column = "ALTER TABLE {table} MODIFY COLUMN {column} {type}",
        .change_column = "ALTER TABLE {table} MODIFY COLUMN {column} {type}",
        .drop_column = "ALTER TABLE {table} DROP COLUMN {column}",
        .rename_column = "ALTER TABLE {table} RENAME COLUMN {column} TO {new_column}",
    });
    using core::OptionType;
    t.push_back({mysql::kSslMode.name,
                 OptionType::kEnum,
                 "preferred",
                 false,
                 "",
                 "TLS: disabled, preferred (TLS when the server offers it, else clear text), required (TLS or "
                 "fail), verify_ca (and a certificate ssl_ca certifies), verify_identity (and the host name)",
                 {"disabled", "preferred", "required", "verify_ca", "verify_identity"}});
    t.push_back(
        {mysql::kSslCa.name, OptionType::kPath, "", false, "", "CA certificate file for verify_ca / verify_identity"});
    t.push_back({mysql::kSslCert.name, OptionType::kPath, "", false, "", "client certificate file"});
    t.push_back({mysql::kSslKey.name, OptionType::kPath, "", false, "", "client private key file"});
    t.push_back({.name = mysql::kKeyVarcharLength.name,
                 .type = OptionType::kInt,
                 .default_value = "255",
                 .unit = "characters",
                 .description = "VARCHAR length of string primary-key columns (other strings are LONGTEXT); raising "
                                "it widens them",
                 .range = core::OptionRange{1, 768, "must be 1 to 768 (InnoDB keys hold 3072 bytes)"}});
    t.push_back({mysql::kLoadMethod.name,
                 OptionType::kEnum,
                 "load_data",
                 false,
                 "",
                 "load_data: LOAD DATA LOCAL INFILE from memory (the faster, see bench/databases); insert: "
                 "multi-row INSERT ... ON DUPLICATE KEY UPDATE (servers with local_infile off)",
                 {"load_data", "insert"}});
    t.push_back({mysql::kInsertBatchBytes.name, OptionType::kInt, "4194304", false, "bytes",
                 "largest INSERT statement of load_method insert (keep it under the server's max_allowed_packet)"});
    return t;
  }();
  return table;
}

MySqlSink::MySqlSink()
    : ScriptedDatabaseSink(Dialect{.name = "mysql", .max_identifier_bytes = 256, .case_insensitive_columns = true}),
      conn_(std::make_unique<MySqlConnection>()),
      connect_(std::make_unique<db::mysql::MySqlConnectOptions>()) {}

MySqlSink::~MySqlSink() = default;

const std::string& MySqlSink::database_name() const {
  return connect_->database;
}

std::span<const core::OptionSpec> MySqlSink::OptionTable() const {
  return MySqlSinkOptions();
}

core::OptionProblems CheckMySqlSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx) {
  core::OptionProblems problems;
  auto url = sql::CheckCommonDatabaseOptions(options, MySqlSinkOptions(), kSchemes, ctx, problems);
  if (url && url->database.empty()) {
    problems.push_back({"url", "name the database in the path (mysql://HOST:3306/DATABASE)"});
  } else if (url && (ctx.resolve_secrets || url->database.find("${") == std::string::npos)) {
    if (auto p = NameProblem(url->database)) problems.push_back({"url", "database name '" + url->database + "' " + *p});
  }
  sql::CheckTemplateOption(options, sql::kCreateTableTemplate, CreateVariables(), problems);
  return problems;
}

core::Result<db::mysql::MySqlConnectOptions> MySqlTarget(const core::Options& options, const std::string& storage_name,
                                                         const std::filesystem::path& project_dir) {
  auto url = sql::ParseDbUrl(options.Get(sql::kUrl), kSchemes, "option url");
  if (!url) return Fail(url.error());
  db::mysql::MySqlConnectOptions c;
  c.host = url->host;
  c.port = url->port ? url->port : 3306;
  c.user = url->user;
  c.password = url->password;
  if (std::string ref = options.Get(sql::kPassword); !ref.empty()) {
    auto resolved = core::ResolveSecret(ref, "storage '" + storage_name + "' option password");
    if (!resolved) return Fail(resolved.error());
    c.password = *resolved;
  }
  c.database = url->database;
  c.ssl_mode = options.Get(mysql::kSslMode);
  auto project_path = [&](const core::OptionKey<std::string>& key) {
    std::string path = options.Get(key);
    if (path.empty()) return path;
    std::filesystem::path p(path);
    return (p.is_relative() ? project_dir / p : p).string();
  };
  c.ssl_ca = project_path(mysql::kSslCa);
  c.ssl_cert = project_path(mysql::kSslCert);
  c.ssl_key = project_path(mysql::kSslKey);
  c.connect_timeout_secs = static_cast<int>(std::clamp<int64_t>(options.Get(sql::kConnectTimeoutSecs), 1, 3600));
  c.display = url->Display();
  return c;
}

core::Result<std::optional<TableShape>> IntrospectMySqlTable(MySqlConnection& conn, const std::string& database,
                                                             const std::string& table) {
  // information_schema compares names without letter case; keep only the exact table.
  std::string where =
      " WHERE TABLE_SCHEMA = " + QuoteMySqlText(database) + " AND TABLE_NAME = " + QuoteMySqlText(table);
  auto cols = conn.Query("SELECT TABLE_NAME, COLUMN_NAME, LOWER(COLUMN_TYPE) FROM information_schema.COLUMNS" + where +
                         " ORDER BY ORDINAL_POSITION");
  if (!cols) return Fail(cols.error());
  TableShape shape;
  for (const auto& row : *cols) {
    if (row[0] != table) continue;
    shape.columns.push_back(FromNative(row[1].value_or(""), row[2].value_or("")));
  }
  if (shape.columns.empty()) return std::optional<TableShape>();
  auto key = conn.Query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS" + where +
                        " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
  if (!key) return Fail(key.error());
  for (const auto& row : *key) {
    if (row[0] == table) shape.primary_key.push_back(row[1].value_or(""));
  }
  return std::optional<TableShape>(std::move(shape));
}

Status MySqlSink::Configure(const core::Options& options) {
  auto target = MySqlTarget(options, bind_context().storage_name, bind_context().project_dir);
  if (!target) return Fail(target.error());
  *connect_ = std::move(*target);
  key_varchar_length_ = options.Get(mysql::kKeyVarcharLength);
  use_load_data_ = options.Get(mysql::kLoadMethod) != "insert";
  // load_method insert never needs a client file, so the session does not accept a server's request for one.
  connect_->local_infile = use_load_data_;
  insert_batch_bytes_ = std::max<int64_t>(options.Get(mysql::kInsertBatchBytes), 64 << 10);
  return core::Ok();
}

Status MySqlSink::CheckName(std::string_view name, std::string_view what) const {
  if (auto p = NameProblem(name)) {
    return Fail(ErrorKind::kConfig, std::string(what) + " '" + std::string(name) + "' " + *p);
  }
  return core::Ok();
}

std::string MySqlSink::Quote(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string MySqlSink::QuoteText(std::string_view text) const {
  return QuoteMySqlText(text);
}

std::string MySqlSink::Qualified(std::string_view table) const {
  return Quote(connect_->database) + "." + Quote(table);
}

int64_t MySqlSink::StringLength(bool key) const {
  return key ? key_varchar_length_ : 0;
}

std::string MySqlSink::NativeType(const core::Field& field, bool key) const {
  switch (field.type.id) {
    case TypeId::kBool: return "tinyint(1)";
    case TypeId::kInt32: return "int";
    case TypeId::kInt64: return "bigint";
    case TypeId::kFloat64: return "double";
    case TypeId::kString: return key ? "varchar(" + std::to_string(key_varchar_length_) + ")" : "longtext";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "datetime(6)";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(field.type.precision) + "," + std::to_string(field.type.scale) + ")";
  }
  return "longtext";
}

core::Result<std::vector<std::string>> MySqlSink::CreateTableStatements(const std::string& table, bool with_unit) {
  return StandardCreateTable(table, with_unit,
                             "varchar(255), INDEX " + Quote(sql::kUnitColumn) + " (" + Quote(sql::kUnitColumn) + ")");
}

Status MySqlSink::Connect() {
  if (conn_->healthy()) return core::Ok();
  return conn_->Open(*connect_);
}

Status MySqlSink::Execute(std::string_view sql) {
  return conn_->Exec(sql);
}

core::Result<std::vector<std::string>> MySqlSink::TablesStartingWith(const std::string& prefix) {
  auto rows = conn_->Query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + QuoteText(connect_->database) +
      " AND LEFT(TABLE_NAME, CHAR_LENGTH(" + QuoteText(prefix) + ")) = " + QuoteText(prefix));
  if (!rows) return Fail(rows.error());
  std::vector<std::string> names;
  // information_schema may compare without letter case; keep the exact prefix only.
  for (const auto& row : *rows) {
    if (row[0] && row[0]->starts_with(prefix)) names.push_back(*row[0]);
  }
  return names;
}

core::Result<std::optional<TableShape>> MySqlSink::Introspect(const std::string& table) {
  return IntrospectMySqlTable(*conn_, connect_->database, table);
}

Status MySqlSink::EnsureNamespace() {
  // Checked first: a user without CREATE rights may still write into a database that exists.
  auto exists = conn_->Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                             QuoteText(connect_->database));
  if (!exists) return Fail(exists.error());
  bool found = false;
  for (const auto& row : *exists) found = found || row[0] == connect_->database;
  if (!found) {
    if (auto st = Execute("CREATE DATABASE IF NOT EXISTS " + Quote(connect_->database) + " CHARACTER SET utf8mb4");
        !st) {
      return st;
    }
    if (auto st = conn_->UseDatabase(connect_->database); !st) return st;
  }
  return Execute("CREATE TABLE IF NOT EXISTS " + Qualified(sql::kRunsTable) +
                 " (table_name varchar(64) NOT NULL, run_id bigint NOT NULL, published_at datetime(6) NOT NULL "
                 "DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (table_name, run_id)) ENGINE=InnoDB DEFAULT "
                 "CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
}

core::Result<bool> MySqlSink::RunRecorded(int64_t run) {
  auto rows = conn_->Query("SELECT 1 FROM " + Qualified(sql::kRunsTable) +
                           " WHERE table_name = " + QuoteText(table_name()) + " AND run_id = " + std::to_string(run));
  if (!rows) return Fail(rows.error());
  return !rows->empty();
}

// The index comes with the column, in one ALTER (MySQL 8 has no CREATE INDEX IF NOT EXISTS); index names are
// per table, so one name serves every table and survives the replace swap.
std::vector<std::string> MySqlSink::AddUnitColumnStatements(const std::string& table) const {
  return {"ALTER TABLE " + Qualified(table) + " ADD COLUMN " + Quote(sql::kUnitColumn) + " varchar(255), ADD INDEX " +
          Quote(sql::kUnitColumn) + " (" + Quote(sql::kUnitColumn) + ")"};
}

std::string MySqlSink::CloseChangedStatement(const std::string& table, const std::string& input,
                                             const std::string& matched, const std::string& differs,
                                             const std::string& stamp) const {
  std::string valid_to = table + "." + Quote(kValidTo);
  return "UPDATE " + table + " JOIN " + input + " AS i ON " + matched + " SET " + valid_to + " = " + stamp + " WHERE " +
         valid_to + " IS NULL AND (" + differs + ")";
}

Status MySqlSink::EnsureKeyedUpsert(const std::string& table, const TableShape& shape) {
  if (!shape.primary_key.empty()) return core::Ok();
  auto rows = conn_->Query(
      "SELECT TABLE_NAME, INDEX_NAME, LOWER(COLUMN_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
      QuoteText(connect_->database) + " AND TABLE_NAME = " + QuoteText(table) + " AND NON_UNIQUE = 0");
  if (!rows) return Fail(rows.error());
  std::map<std::string, std::set<std::string>> by_index;
  for (const auto& row : *rows) {
    if (row[0] == table) by_index[row[1].value_or("")].insert(row[2].value_or(""));
  }
  std::vector<std::set<std::string>> uniques;
  for (auto& [index, cols] : by_index) uniques.push_back(std::move(cols));
  return EnsureUniqueIndex(table, uniques, "_ds_key");
}

Status MySqlSink::Publish(const std::string& staging) {
  // MySQL's DDL is not transactional: record first, swap second. Open treats a recorded run whose staging
  // table still exists as not yet published, so a crash between the two finishes on the next Finish.
  if (auto st = Execute("INSERT IGNORE INTO " + Qualified(sql::kRunsTable) + " (table_name, run_id) VALUES (" +
                        QuoteText(table_name()) + ", " + std::to_string(run_id()) + ")");
      !st) {
    return st;
  }
  core::CrashPoint("replace", bind_context().storage_name);
  return SwapInByRename(staging);
}

Status MySqlSink::PrepareWrites() {
  std::vector<std::string> columns;
  for (const auto& f : bind_context().schema->fields()) columns.push_back(Quote(f.name));
  if (unit_column()) columns.push_back(Quote(sql::kUnitColumn));
  columns_ = core::Join(columns, ", ");
  bool upsert = !primary_key().empty() && mode() != WriteMode::kAppend;
  load_into_ = "INTO TABLE " + Qualified(write_table()) +
               " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" +
               columns_ + ")";
  insert_head_ = "INSERT INTO " + Qualified(write_table()) + " (" + columns_ + ") VALUES ";
  insert_tail_.clear();
  skip_direct_loads_ = 0;
  upserts_after_conflict_ = kUpsertsAfterConflict;
  if (upsert) {
    std::string updates;
    for (const auto& c : columns) {
      bool key = false;
      for (const auto& k : primary_key()) key = key || Quote(k) == c;
      if (!key) updates += (updates.empty() ? "" : ", ") + c + " = VALUES(" + c + ")";
    }
    // A key-only table: repeating a key changes nothing, but must not fail.
    if (updates.empty()) updates = Quote(primary_key().front()) + " = " + Quote(primary_key().front());
    insert_tail_ = " ON DUPLICATE KEY UPDATE " + updates;
  }
  return core::Ok();
}

core::Result<int64_t> MySqlSink::InsertRows(std::string_view text) {
  // The LOAD DATA text doubles as INSERT values: a field's backslash escapes (\\ \t \n \r \0) mean the same
  // inside a MySQL string literal under the session's pinned sql_mode (MySqlConnection: never
  // NO_BACKSLASH_ESCAPES), so a field only needs quoting ('' around it, \' inside), and \N is NULL.
  // MySQL converts the quoted text to each column's type as LOAD DATA would.
  int64_t bytes = 0;
  statement_ = insert_head_;
  bool any = false;
  auto flush = [&]() -> Status {
    if (!any) return core::Ok();
    statement_ += insert_tail_;
    bytes += static_cast<int64_t>(statement_.size());
    auto st = Execute(statement_);
    statement_ = insert_head_;
    any = false;
    return st;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    statement_ += any ? ",(" : "(";
    size_t field_start = 0;
    while (true) {
      size_t tab = line.find('\t', field_start);
      std::string_view field = line.substr(field_start, tab == std::string_view::npos ? line.npos : tab - field_start);
      if (field == "\\N") {
        statement_ += "NULL";
      } else {
        statement_ += '\'';
        for (char c : field) {
          if (c == '\'') statement_ += '\\';
          statement_ += c;
        }
        statement_ += '\'';
      }
      if (tab == std::string_view::npos) break;
      statement_ += ',';
      field_start = tab + 1;
    }
    statement_ += ')';
    any = true;
    if (static_cast<int64_t>(statement_.size()) >= insert_batch_bytes_) {
      if (auto st = flush(); !st) return Fail(st.error());
    }
  }
  if (auto st = flush(); !st) return Fail(st.error());
  return bytes;
}

core::Result<int64_t> MySqlSink::BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) {
  buffer_.clear();
  if (auto st = sql::AppendTextBatch(batch, sql::TextFormat::kMysqlLoadData, unit_column(), unit_id, buffer_); !st) {
    return Fail(st.error());
  }
  if (buffer_.empty()) return 0;
  if (!use_load_data_) return InsertRows(buffer_);
  if (insert_tail_.empty()) {
    if (auto st = conn_->LoadLocal(load_into_, buffer_); !st) return Fail(st.error());
    return static_cast<int64_t>(buffer_.size());
  }
  // Upsert: a backfill mostly brings new keys, which one LOAD DATA writes at the bulk path's speed. Keys
  // that exist come back as duplicate warnings (LOCAL skips those rows): the savepoint undoes the load and
  // the batch goes through INSERT ... ON DUPLICATE KEY UPDATE, which updates rows in place (REPLACE would
  // delete and insert each one, several times slower on re-runs). Re-runs come in runs, so the next
  // batches go straight to the update path for a while.
  if (skip_direct_loads_ > 0) {
    --skip_direct_loads_;
    return InsertRows(buffer_);
  }
  if (auto st = Execute("SAVEPOINT _ds_direct"); !st) return Fail(st.error());
  bool duplicates = false;
  if (auto st = conn_->LoadLocal(load_into_, buffer_, &duplicates); !st) return Fail(st.error());
  if (!duplicates) {
    if (auto st = Execute("RELEASE SAVEPOINT _ds_direct"); !st) return Fail(st.error());
    upserts_after_conflict_ = kUpsertsAfterConflict;
    return static_cast<int64_t>(buffer_.size());
  }
  if (auto st = Execute("ROLLBACK TO SAVEPOINT _ds_direct"); !st) return Fail(st.error());
  skip_direct_loads_ = upserts_after_conflict_;
  upserts_after_conflict_ = std::min(upserts_after_conflict_ * 2, kMaxUpsertsAfterConflict);
  return InsertRows(buffer_);
}

void MySqlSink::Disconnect() {
  conn_->Close();
}

void RegisterMySqlSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "mysql",
      .description = "an InnoDB table per dataset in a MySQL or MariaDB database (LOAD DATA, upsert by primary key)",
      .options = MySqlSinkOptions(),
      .validate = CheckMySqlSinkOptions,
      .validate_binding = sql::CheckDatabaseBinding<MySqlSink>,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<MySqlSink>()); },
      .open_reader = [](const ReaderContext& ctx) { return MySqlDatasetReader::Open(ctx); },
  });
}

}  // namespace datasync::storage
