// MySqlSink (plugin id "mysql"): writes a dataset into one InnoDB table of a MySQL or MariaDB database
// through MariaDB Connector/C.
//
// - Connects by URL (mysql://user:${MYSQL_PASSWORD}@host:3306/db), utf8mb4, UTC, with TLS options;
//   Migrate creates the database (utf8mb4) when missing.
// - Migrate creates the table (TINYINT(1), INT, BIGINT, DOUBLE, VARCHAR(key_varchar_length) for string
//   key columns and LONGTEXT for the others, DATE, DATETIME(6), DECIMAL(P,S); ENGINE=InnoDB, utf8mb4
//   with the exact utf8mb4_nopad_bin collation so keys compare byte for byte) or evolves it from
//   information_schema through the SchemaDiff and the storage's templates. MySQL's DDL commits on its own,
//   so each step is applied alone.
// - Writes (load_method): load_data sends LOAD DATA LOCAL INFILE from memory; in mode upsert a batch whose
//   keys already exist is undone (savepoint) and sent as multi-row INSERT ... ON DUPLICATE KEY UPDATE,
//   which is what load_method insert always sends, in statements of up to insert_batch_bytes.
//   MySQL cannot store NaN or infinities: they are stored as NULL. One transaction per Commit.
// - Replace fills _ds_stage_<hash>_<run>; Finish records the run, then swaps the tables with one atomic
//   RENAME TABLE.
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "storage/sql/scripted_database_sink.hpp"

namespace datasync::db::mysql {
class MySqlConnection;
struct MySqlConnectOptions;
}  // namespace datasync::db::mysql

namespace datasync::storage {

std::span<const core::OptionSpec> MySqlSinkOptions();

// The keys of MySqlSinkOptions() beyond the common database options (sql/database_sink.hpp).
namespace mysql {
inline constexpr core::OptionKey<std::string> kSslMode{"ssl_mode", MySqlSinkOptions};
inline constexpr core::OptionKey<std::string> kSslCa{"ssl_ca", MySqlSinkOptions};
inline constexpr core::OptionKey<std::string> kSslCert{"ssl_cert", MySqlSinkOptions};
inline constexpr core::OptionKey<std::string> kSslKey{"ssl_key", MySqlSinkOptions};
inline constexpr core::OptionKey<int64_t> kKeyVarcharLength{"key_varchar_length", MySqlSinkOptions};
inline constexpr core::OptionKey<std::string> kLoadMethod{"load_method", MySqlSinkOptions};
inline constexpr core::OptionKey<int64_t> kInsertBatchBytes{"insert_batch_bytes", MySqlSinkOptions};
}  // namespace mysql

// The rules of those options (the table's, key_varchar_length's range among them; beyond it: the URL, its database name
// and secrets, key_varchar_length, the templates): SinkInfo::validate and Bind.
// Where a mysql storage's options point (the password resolved, TLS paths against the project folder); the
// sink and its reader connect the same way.
core::Result<db::mysql::MySqlConnectOptions> MySqlTarget(const core::Options& options, const std::string& storage_name,
                                                         const std::filesystem::path& project_dir);
// A table's columns (logical types from COLUMN_TYPE) and primary key; nullopt when it does not exist.
core::Result<std::optional<TableShape>> IntrospectMySqlTable(db::mysql::MySqlConnection& conn,
                                                             const std::string& database, const std::string& table);

core::OptionProblems CheckMySqlSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx);

class MySqlSink final : public sql::ScriptedDatabaseSink {
 public:
  MySqlSink();
  ~MySqlSink() override;

  const std::string& database_name() const;

 protected:
  std::span<const core::OptionSpec> OptionTable() const override;
  core::OptionProblems CheckOptions(const core::Options& options, const core::OptionCheckContext& ctx) const override {
    return CheckMySqlSinkOptions(options, ctx);
  }
  core::Status Configure(const core::Options& options) override;
  core::Status CheckName(std::string_view name, std::string_view what) const override;
  std::string Quote(std::string_view identifier) const override;
  std::string QuoteText(std::string_view text) const override;
  std::string Qualified(std::string_view table) const override;
  std::string NativeType(const core::Field& field, bool key) const override;
  int64_t StringLength(bool key) const override;
  core::Result<std::vector<std::string>> CreateTableStatements(const std::string& table, bool with_unit) override;

  core::Status Connect() override;
  core::Status Execute(std::string_view sql) override;
  core::Result<std::optional<TableShape>> Introspect(const std::string& table) override;
  core::Result<std::vector<std::string>> TablesStartingWith(const std::string& prefix) override;
  core::Status EnsureNamespace() override;
  core::Result<bool> RunRecorded(int64_t run_id) override;
  std::vector<std::string> AddUnitColumnStatements(const std::string& table) const override;
  core::Status EnsureKeyedUpsert(const std::string& table, const TableShape& shape) override;
  core::Status Publish(const std::string& staging) override;
  std::string NullSafeEqual(const std::string& a, const std::string& b) const override { return a + " <=> " + b; }
  // MySQL's UPDATE joins instead of UPDATE ... FROM.
  std::string CloseChangedStatement(const std::string& table, const std::string& input, const std::string& matched,
                                    const std::string& differs, const std::string& stamp) const override;
  std::string BeginStatement() const override { return "START TRANSACTION"; }
  core::Result<int64_t> BulkLoad(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status PrepareWrites() override;
  void Disconnect() override;

 private:
  core::Result<int64_t> InsertRows(std::string_view text_rows);

  std::unique_ptr<db::mysql::MySqlConnection> conn_;
  std::unique_ptr<db::mysql::MySqlConnectOptions> connect_;
  int64_t key_varchar_length_ = 255;
  bool use_load_data_ = true;
  int64_t insert_batch_bytes_ = 4 << 20;
  int skip_direct_loads_ = 0;       // upsert batches left that skip the direct LOAD DATA after a key conflict
  int upserts_after_conflict_ = 0;  // what the next conflict sets skip_direct_loads_ to
  std::string columns_;             // quoted column list of the writes
  std::string load_into_;           // INTO TABLE ... of LoadLocal for write_table()
  std::string insert_head_;         // INSERT INTO ... VALUES
  std::string insert_tail_;         // ON DUPLICATE KEY UPDATE ...
  std::string buffer_;
  std::string statement_;
};

void RegisterMySqlSink(SinkRegistry& registry);

}  // namespace datasync::storage
