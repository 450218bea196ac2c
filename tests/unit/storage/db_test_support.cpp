#include "db_test_support.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <unistd.h>

#include <cstdlib>

#include "core/strings.hpp"

namespace datasync::storage::testing {

using core::LogicalType;
using core::TypeId;
using core::Value;

namespace {

struct UrlParts {
  std::string user, password, host, database;
  int port = 0;
};

// Test URLs are plain (no escapes, no references): scheme://user:password@host:port/database.
UrlParts SplitUrl(const std::string& url) {
  UrlParts p;
  std::string rest = url.substr(url.find("://") + 3);
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    p.database = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    p.user = userinfo.substr(0, colon);
    if (colon != std::string::npos) p.password = userinfo.substr(colon + 1);
  }
  auto colon = rest.rfind(':');
  p.host = rest.substr(0, colon);
  if (colon != std::string::npos) p.port = std::atoi(rest.substr(colon + 1).c_str());
  return p;
}

// The URL with another path (database).
std::string WithDatabase(const std::string& url, const std::string& db) {
  auto start = url.find("://") + 3;
  auto slash = url.find('/', start);
  return (slash == std::string::npos ? url : url.substr(0, slash)) + "/" + db;
}

// Parses one stored text value (readers map a store's own spellings, such as t/f, first).
Value Typed(const std::optional<std::string>& text, const LogicalType& type, const std::string& column) {
  if (!text) return Value::Null(type);
  auto v = ParseTyped(*text, type);
  EXPECT_TRUE(v.has_value()) << "column '" << column << "': cannot read '" << Shorten(*text) << "' as "
                             << type.ToString();
  return v ? *v : Value::Null(type);
}

// ---------------------------------------------------------------------------------------------------------

class PgServer final : public DbServer {
 public:
  explicit PgServer(std::string url) : url_(std::move(url)) {
    conn_ = PQconnectdb(url_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK)
      ADD_FAILURE() << "cannot connect to " << url_ << ": " << PQerrorMessage(conn_);
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PgServer() override { PQfinish(conn_); }
  std::string kind() const override { return "postgres"; }

  bool Exec(const std::string& sql, bool allow_error) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok && !allow_error) ADD_FAILURE() << PQresultErrorMessage(r) << " in " << sql;
    PQclear(r);
    return ok;
  }

  std::vector<DbRow> Query(const std::string& sql) override {
    std::vector<DbRow> rows;
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << PQresultErrorMessage(r) << " in " << sql;
    } else {
      for (int i = 0; i < PQntuples(r); ++i) {
        DbRow row;
        for (int c = 0; c < PQnfields(r); ++c) {
          if (PQgetisnull(r, i, c))
            row.emplace_back(std::nullopt);
          else
            row.emplace_back(std::string(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c))));
        }
        rows.push_back(std::move(row));
      }
    }
    PQclear(r);
    return rows;
  }

  std::string QuoteIdent(const std::string& name) const override {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  std::string QuoteText(const std::string& text) const override {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }

  void DropNamespace(const std::string& ns) override {
    Exec("DROP SCHEMA IF EXISTS " + QuoteIdent(ns) + " CASCADE", false);
  }
  bool NamespaceExists(const std::string& ns) override {
    return !Query("SELECT 1 FROM pg_namespace WHERE nspname = " + QuoteText(ns)).empty();
  }

  std::vector<std::string> Tables(const std::string& ns) override {
    std::vector<std::string> out;
    for (const auto& r :
         Query("SELECT table_name FROM information_schema.tables WHERE table_schema = " + QuoteText(ns))) {
      out.push_back(r[0].value_or(""));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> Columns(const std::string& ns, const std::string& table) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r :
         Query("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class "
               "c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = " +
               QuoteText(ns) + " AND c.relname = " + QuoteText(table) +
               " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      out.emplace_back(r[0].value_or(""), r[1].value_or(""));
    }
    return out;
  }


  void SetOptions(core::Options& options, const std::string& ns) const override {
    options.Set("url", url_);
    options.Set("schema", ns);
  }

 protected:
  std::string SelectColumn(const std::string& name) const override { return QuoteIdent(name) + "::text"; }

 private:
  std::string url_;
  PGconn* conn_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------

class MySqlServer final : public DbServer {
 public:
  explicit MySqlServer(std::string url) : url_(std::move(url)) {
    UrlParts p = SplitUrl(url_);
    mysql_ = mysql_init(nullptr);
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(mysql_, p.host.c_str(), p.user.c_str(), p.password.c_str(), nullptr,
                            static_cast<unsigned>(p.port), nullptr, 0)) {
      ADD_FAILURE() << "cannot connect to " << url_ << ": " << mysql_error(mysql_);
    }
  }
  ~MySqlServer() override { mysql_close(mysql_); }
  std::string kind() const override { return "mysql"; }

  bool Exec(const std::string& sql, bool allow_error) override {
    bool ok = mysql_real_query(mysql_, sql.data(), sql.size()) == 0;
    if (!ok && !allow_error) ADD_FAILURE() << mysql_error(mysql_) << " in " << sql;
    if (ok) {
      if (MYSQL_RES* res = mysql_store_result(mysql_)) mysql_free_result(res);
    }
    return ok;
  }

  std::vector<DbRow> Query(const std::string& sql) override {
    std::vector<DbRow> rows;
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
      ADD_FAILURE() << mysql_error(mysql_) << " in " << sql;
      return rows;
    }
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (!res) return rows;
    unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      DbRow row;
      for (unsigned c = 0; c < n; ++c) {
        if (r[c])
          row.emplace_back(std::string(r[c], len[c]));
        else
          row.emplace_back(std::nullopt);
      }
      rows.push_back(std::move(row));
    }
    mysql_free_result(res);
    return rows;
  }

  std::string QuoteIdent(const std::string& name) const override {
    std::string out = "`";
    for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
    return out + "`";
  }
  std::string QuoteText(const std::string& text) const override {
    std::string out(text.size() * 2 + 1, '\0');
    out.resize(mysql_real_escape_string(mysql_, out.data(), text.data(), text.size()));
    return "'" + out + "'";
  }

  void DropNamespace(const std::string& ns) override { Exec("DROP DATABASE IF EXISTS " + QuoteIdent(ns), false); }
  bool NamespaceExists(const std::string& ns) override {
    for (const auto& r : Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + QuoteText(ns))) {
      if (r[0] == ns) return true;
    }
    return false;
  }

  std::vector<std::string> Tables(const std::string& ns) override {
    std::vector<std::string> out;
    for (const auto& r : Query("SELECT TABLE_NAME, TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                               QuoteText(ns))) {
      if (r[1] == ns) out.push_back(r[0].value_or(""));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> Columns(const std::string& ns, const std::string& table) override {
    std::vector<std::pair<std::string, std::string>> out;
    // information_schema compares names without case: keep the exact table.
    for (const auto& r :
         Query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
               "TABLE_SCHEMA = " +
               QuoteText(ns) + " AND TABLE_NAME = " + QuoteText(table) + " ORDER BY ORDINAL_POSITION")) {
      if (r[0] == table) out.emplace_back(r[1].value_or(""), r[2].value_or(""));
    }
    return out;
  }


  void SetOptions(core::Options& options, const std::string& ns) const override {
    options.Set("url", WithDatabase(url_, ns));
  }

 protected:
  bool SameColumn(const std::string& stored, const std::string& wanted) const override {
    return core::ToLower(stored) == core::ToLower(wanted);
  }

 private:
  std::string url_;
  MYSQL* mysql_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------

class ClickHouseServer final : public DbServer {
 public:
  explicit ClickHouseServer(std::string url) : url_(std::move(url)), parts_(SplitUrl(url_)) {
    client_ = std::make_unique<httplib::Client>(parts_.host, parts_.port);
    client_->set_read_timeout(std::chrono::seconds(120));
    if (Query("SELECT 1").empty()) ADD_FAILURE() << "ClickHouse at " << url_ << " does not answer";
  }
  std::string kind() const override { return "clickhouse"; }

  bool Post(const std::string& sql, std::string* body, bool allow_error) {
    httplib::Headers headers = {{"X-ClickHouse-User", parts_.user}, {"X-ClickHouse-Key", parts_.password}};
    auto res = client_->Post("/", headers, sql, "text/plain");
    bool ok = res && res->status == 200;
    if (!ok && !allow_error) {
      ADD_FAILURE() << "ClickHouse: " << (res ? std::to_string(res->status) + " " + res->body : "no answer") << " in "
                    << sql;
    }
    if (ok && body) *body = res->body;
    return ok;
  }

  bool Exec(const std::string& sql, bool allow_error) override { return Post(sql, nullptr, allow_error); }

  // TabSeparated, unescaped here (not with the sink's code).
  std::vector<DbRow> Query(const std::string& sql) override {
    std::vector<DbRow> rows;
    std::string body;
    if (!Post(sql + " FORMAT TabSeparated", &body, false)) return rows;
    size_t pos = 0;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      std::string line = body.substr(pos, end - pos);
      pos = end == std::string::npos ? body.size() : end + 1;
      DbRow row;
      std::string field;
      bool escaped_null = false;
      for (size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == '\t') {
          row.push_back(escaped_null ? std::nullopt : std::optional<std::string>(field));
          field.clear();
          escaped_null = false;
          continue;
        }
        if (line[i] != '\\' || i + 1 == line.size()) {
          field += line[i];
          continue;
        }
        char c = line[++i];
        if (c == 'N' && field.empty() && (i + 1 == line.size() || line[i + 1] == '\t'))
          escaped_null = true;
        else
          field += c == 't'   ? '\t'
                   : c == 'n' ? '\n'
                   : c == 'r' ? '\r'
                   : c == '0' ? '\0'
                   : c == 'b' ? '\b'
                   : c == 'f' ? '\f'
                              : c;
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  std::string QuoteIdent(const std::string& name) const override { return Quote(name, '`'); }
  std::string QuoteText(const std::string& text) const override { return Quote(text, '\''); }

  void DropNamespace(const std::string& ns) override { Exec("DROP DATABASE IF EXISTS " + QuoteIdent(ns), false); }
  bool NamespaceExists(const std::string& ns) override {
    return !Query("SELECT name FROM system.databases WHERE name = " + QuoteText(ns)).empty();
  }

  std::vector<std::string> Tables(const std::string& ns) override {
    std::vector<std::string> out;
    for (const auto& r : Query("SELECT name FROM system.tables WHERE database = " + QuoteText(ns))) {
      out.push_back(r[0].value_or(""));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> Columns(const std::string& ns, const std::string& table) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : Query("SELECT name, type FROM system.columns WHERE database = " + QuoteText(ns) +
                               " AND table = " + QuoteText(table))) {
      out.emplace_back(r[0].value_or(""), r[1].value_or(""));
    }
    return out;
  }


  void SetOptions(core::Options& options, const std::string& ns) const override {
    options.Set("url", WithDatabase(url_, ns));
  }

 protected:
  // The merged view of the replacing engines.
  std::string FromClause(const std::string& ns, const std::string& table) override {
    auto engine = Query("SELECT engine FROM system.tables WHERE database = " + QuoteText(ns) + " AND name = " +
                        QuoteText(table));
    bool final = !engine.empty() && engine[0][0].value_or("").find("Replacing") != std::string::npos;
    return Qualified(ns, table) + (final ? " FINAL" : "");
  }
  std::optional<std::string> Spell(std::optional<std::string> text, const LogicalType& type) const override {
    if (!text) return text;
    // 18.16 prints day 0 and second 0 (1970-01-01 00:00:00) as its "zero" values.
    if (*text == "0000-00-00") return "1970-01-01";
    if (*text == "0000-00-00 00:00:00") return "1970-01-01 00:00:00";
    if (type.id == TypeId::kFloat64) {
      if (*text == "nan" || *text == "-nan") return "NaN";
      if (*text == "inf" || *text == "+inf") return "Infinity";
      if (*text == "-inf") return "-Infinity";
    }
    return DbServer::Spell(text, type);
  }

 private:
  static std::string Quote(const std::string& s, char q) {
    std::string out(1, q);
    for (char c : s) {
      if (c == '\\' || c == q) out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out + q;
  }

  std::string url_;
  UrlParts parts_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

std::optional<std::string> DbServer::Spell(std::optional<std::string> text, const LogicalType& type) const {
  if (text && type.id == TypeId::kBool) {
    if (*text == "t" || *text == "1") return "true";
    if (*text == "f" || *text == "0") return "false";
  }
  return text;
}

StoredData DbServer::Read(const std::string& ns, const std::string& table, const core::Schema& schema) {
  StoredData out;
  auto columns = Columns(ns, table);
  if (columns.empty()) return out;
  out.exists = true;
  std::vector<int> at(schema.size(), -1);
  std::string select;
  int n = 0;
  for (size_t f = 0; f < schema.size(); ++f) {
    for (const auto& [name, type] : columns) {
      if (!SameColumn(name, schema.field(f).name)) continue;
      select += (n ? ", " : "") + SelectColumn(name);
      at[f] = n++;
    }
  }
  for (const auto& c : columns) out.stored_columns.push_back(c.first);
  if (n == 0) select = "1";
  for (const auto& r : Query("SELECT " + select + " FROM " + FromClause(ns, table))) {
    Row row;
    for (size_t f = 0; f < schema.size(); ++f) {
      const auto& field = schema.field(f);
      std::optional<std::string> text = at[f] < 0 ? std::nullopt : r[static_cast<size_t>(at[f])];
      row.push_back(Typed(Spell(text, field.type), field.type, field.name));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

namespace {

class DbReader final : public SinkReader {
 public:
  DbReader(DbServer& server, std::string ns) : server_(server), ns_(std::move(ns)) {}
  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    return server_.Read(ns_, dataset, schema);
  }

 private:
  DbServer& server_;
  std::string ns_;
};

}  // namespace

std::unique_ptr<DbServer> ConnectServer(const std::string& kind) {
  const char* var = kind == "postgres" ? "DATASYNC_TEST_PG_URL"
                    : kind == "mysql"  ? "DATASYNC_TEST_MYSQL_URL"
                                       : "DATASYNC_TEST_CLICKHOUSE_URL";
  const char* url = std::getenv(var);
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << var << " is not set: run scripts/test.sh, or start the servers with "
                  << "scripts/services/services.sh start and export the URL that scripts/test-setup.d/10-servers.sh "
                     "writes";
    return nullptr;
  }
  if (kind == "postgres") return std::make_unique<PgServer>(url);
  if (kind == "mysql") return std::make_unique<MySqlServer>(url);
  return std::make_unique<ClickHouseServer>(url);
}

std::string TestNamespace() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  return "t_" + core::Hex64(core::Fnv1a64(name)).substr(0, 10) + "_" + std::to_string(::getpid());
}

std::unique_ptr<SinkReader> NewDbReader(DbServer& server, std::string ns) {
  return std::make_unique<DbReader>(server, std::move(ns));
}

}  // namespace datasync::storage::testing
