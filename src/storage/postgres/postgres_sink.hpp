// PostgresSink (plugin id "postgres"): writes a dataset into one table of a PostgreSQL schema over libpq.
//
// - Connects by URL (postgres://user:${PG_PASSWORD}@host:5432/db?sslmode=require), with TLS and timeout
//   options; the session runs in UTC and UTF-8. No call waits without a deadline (db/postgres/pg_connection.hpp):
//   connect_timeout_secs, io_timeout_secs (the server must take data or answer), the session's
//   statement_timeout_secs, TCP keepalives and tcp_user_timeout_secs; Interrupt() ends a blocked call.
// - Migrate creates the schema and the table (boolean, integer, bigint, double precision, text, date,
//   timestamp [UTC wall time], numeric(P,S); PRIMARY KEY when the dataset has one) or evolves it from the
//   catalog (pg_attribute, pg_index) through the SchemaDiff and the storage's templates; DDL runs in a
//   transaction per step.
// - Writes use COPY: straight into the table in modes append and replace (after deleting the unit's
//   earlier rows). In mode upsert a batch first tries the same COPY under a savepoint (new keys, the
//   backfill case, cost no more than a plain bulk load); when a key exists, it goes into a temporary table
//   instead and one INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE moves it into the table (when a batch
//   repeats a key, the last row wins). One transaction per Commit.
// - Replace fills _ds_stage_<hash>_<run>; Finish swaps its rows in with TRUNCATE + INSERT in one
//   transaction, so views, grants and indexes on the table keep working.
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "db/postgres/pg_connection.hpp"
#include "storage/sql/scripted_database_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> PostgresSinkOptions();

// The keys of PostgresSinkOptions() beyond the common database options (sql/database_sink.hpp).
namespace postgres {
inline constexpr core::OptionKey<std::string> kSchema{"schema", PostgresSinkOptions};
inline constexpr core::OptionKey<std::string> kSslMode{"sslmode", PostgresSinkOptions};
inline constexpr core::OptionKey<std::string> kSslRootCert{"sslrootcert", PostgresSinkOptions};
inline constexpr core::OptionKey<std::string> kSslCert{"sslcert", PostgresSinkOptions};
inline constexpr core::OptionKey<std::string> kSslKey{"sslkey", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kIoTimeoutSecs{"io_timeout_secs", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kStatementTimeoutSecs{"statement_timeout_secs", PostgresSinkOptions};
inline constexpr core::OptionKey<bool> kKeepalives{"keepalives", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kKeepalivesIdleSecs{"keepalives_idle_secs", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kKeepalivesIntervalSecs{"keepalives_interval_secs", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kKeepalivesCount{"keepalives_count", PostgresSinkOptions};
inline constexpr core::OptionKey<int64_t> kTcpUserTimeoutSecs{"tcp_user_timeout_secs", PostgresSinkOptions};
}  // namespace postgres

// Where a postgres storage's options point: the libpq keywords (the password resolved, TLS paths against the
// project folder, UTC and UTF-8 sessions), the server as messages name it, the timeouts and the schema. The
// sink and its reader connect the same way.
struct PgTarget {
  std::vector<std::pair<std::string, std::string>> conninfo;
  std::string display;
  db::postgres::PgTimeouts timeouts;
  std::string schema;
};
core::Result<PgTarget> PostgresTarget(const core::Options& options, const std::string& storage_name,
                                      const std::filesystem::path& project_dir);
// A table's columns (logical types from format_type) and primary key; nullopt when it does not exist.
core::Result<std::optional<TableShape>> IntrospectPgTable(db::postgres::PgConnection& conn, const std::string& schema,
                                                          const std::string& table);

// The rules of those options (the table's; beyond it: the URL and its secrets, the schema name, the templates):
// SinkInfo::validate and Bind.
core::OptionProblems CheckPostgresSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx);

class PostgresSink final : public sql::ScriptedDatabaseSink {
 public:
  PostgresSink();
  ~PostgresSink() override;

  const std::string& schema_name() const { return schema_; }

 protected:
  std::span<const core::OptionSpec> OptionTable() const override;
  core::OptionProblems CheckOptions(const core::Options& options, const core::OptionCheckContext& ctx) const override {
    return CheckPostgresSinkOptions(options, ctx);
  }
  core::Status Configure(const core::Options& options) override;
  std::string Quote(std::string_view identifier) const override;
  std::string QuoteText(std::string_view text) const override;
  std::string Qualified(std::string_view table) const override;
  std::string NativeType(const core::Field& field, bool key) const override;
  core::Result<std::vector<std::string>> CreateTableStatements(const std::string& table, bool with_unit) override;

  core::Status Connect() override;
  core::Status Execute(std::string_view sql) override;
  core::Result<std::optional<TableShape>> Introspect(const std::string& table) override;
  core::Result<std::vector<std::string>> TablesStartingWith(const std::string& prefix) override;
  core::Status EnsureNamespace() override;
  core::Result<bool> RunRecorded(int64_t run_id) override;
  std::vector<std::string> AddUnitColumnStatements(const std::string& table) const override;
  std::vector<std::string> UnitIndexStatements(const std::string& table) const override;
  core::Status EnsureKeyedUpsert(const std::string& table, const TableShape& shape) override;
  core::Status Publish(const std::string& staging) override;
  core::Result<int64_t> BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status PrepareWrites() override;
  void OnRollback() override { temp_ready_ = false; }
  bool TransactionalDdl() const override { return true; }
  void Disconnect() override;
  void InterruptImpl() override { conn_->Interrupt(); }

 private:
  std::unique_ptr<db::postgres::PgConnection> conn_;
  std::vector<std::pair<std::string, std::string>> conninfo_;
  db::postgres::PgTimeouts timeouts_;
  std::string display_;
  std::string schema_;
  bool temp_ready_ = false;     // the session's temporary staging table exists
  int skip_direct_copies_ = 0;  // upsert batches left that skip the direct COPY after a key conflict
  std::string copy_columns_;    // quoted column list of COPY and INSERT
  std::string upsert_sql_;
  std::string upsert_last_wins_sql_;
  std::string buffer_;
};

void RegisterPostgresSink(SinkRegistry& registry);

}  // namespace datasync::storage
