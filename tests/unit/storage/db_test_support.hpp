// Test-only access to the database servers the database sinks write to, independent of the sinks' code:
// PostgreSQL through plain libpq, MariaDB through the Connector/C text protocol, ClickHouse through
// cpp-httplib. Each DbServer knows its server from an environment variable that scripts/test.sh's set-up
// hook exports (DATASYNC_TEST_PG_URL, DATASYNC_TEST_MYSQL_URL, DATASYNC_TEST_CLICKHOUSE_URL); a missing
// variable fails the test, it never skips it. Every test works in a namespace of its own (a schema or a
// database named after the test and the process), so tests run in parallel on one server.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sink_test_support.hpp"

namespace datasync::storage::testing {

using DbRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

class DbServer {
 public:
  virtual ~DbServer() = default;
  // "postgres", "mysql", "clickhouse": the sink id it serves.
  virtual std::string kind() const = 0;
  // Runs one statement, failing the test on an error unless allow_error; returns false on an error.
  virtual bool Exec(const std::string& sql, bool allow_error = false) = 0;
  virtual std::vector<DbRow> Query(const std::string& sql) = 0;
  virtual std::string QuoteIdent(const std::string& name) const = 0;
  virtual std::string QuoteText(const std::string& text) const = 0;

  // Creates nothing; drops what a namespace holds (the sink creates it).
  virtual void DropNamespace(const std::string& ns) = 0;
  virtual bool NamespaceExists(const std::string& ns) = 0;
  // The tables of a namespace.
  virtual std::vector<std::string> Tables(const std::string& ns) = 0;
  // The stored columns of a table as (name, native type), in table order; empty when it does not exist.
  virtual std::vector<std::pair<std::string, std::string>> Columns(const std::string& ns, const std::string& table) = 0;
  // Every row of the table's `schema` columns it has (FINAL for ClickHouse's replacing engines), parsed
  // into typed values; a column the table lacks reads as NULL.
  StoredData Read(const std::string& ns, const std::string& table, const core::Schema& schema);
  // The sink options that write into namespace ns.
  virtual void SetOptions(core::Options& options, const std::string& ns) const = 0;
  // Qualified name of a table in a namespace, quoted.
  std::string Qualified(const std::string& ns, const std::string& table) const {
    return QuoteIdent(ns) + "." + QuoteIdent(table);
  }

 protected:
  // How Read selects a stored column, matches it with a field, names the table, and maps the store's own
  // spelling of a value (t/f, 0/1, nan) to the text form ParseTyped reads.
  virtual std::string SelectColumn(const std::string& name) const { return QuoteIdent(name); }
  virtual bool SameColumn(const std::string& stored, const std::string& wanted) const { return stored == wanted; }
  virtual std::string FromClause(const std::string& ns, const std::string& table) { return Qualified(ns, table); }
  virtual std::optional<std::string> Spell(std::optional<std::string> text, const core::LogicalType& type) const;
};

// The server behind `kind`'s environment variable; fails the current test (and returns nullptr) when the
// variable is missing or the server does not answer.
std::unique_ptr<DbServer> ConnectServer(const std::string& kind);

// A namespace name unique to the running test and process: "t_<hash>_<pid>".
std::string TestNamespace();

// A SinkReader over one namespace of a server.
std::unique_ptr<SinkReader> NewDbReader(DbServer& server, std::string ns);

}  // namespace datasync::storage::testing
