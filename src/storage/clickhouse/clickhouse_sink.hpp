// ClickHouseSink (plugin id "clickhouse"): writes a dataset into one MergeTree-family table of a ClickHouse
// database over its HTTP interface (our libcurl client). Works with ClickHouse 18.16 (Debian's) and later.
//
// - Connects by URL (clickhouse://user:${CH_PASSWORD}@host:8123/db; clickhouses:// for HTTPS).
// - Migrate creates the database and the table: ENGINE = ReplacingMergeTree(_ds_version) ORDER BY the
//   primary key (MergeTree ORDER BY tuple() without one), PARTITION BY toYYYYMM(date key) when the dataset
//   has a date key; Nullable(T) for every column outside the sorting and partition keys; UInt8 for bool,
//   Int32, Int64, Float64, String, Date, DateTime('UTC'), Decimal(P,S). engine, order_by, partition_by,
//   table_settings and create_table_template override that. It evolves the table from system.columns
//   through the SchemaDiff (ADD COLUMN, MODIFY COLUMN; 18.16 has no RENAME COLUMN, so a rename renders as
//   a new column whose DEFAULT reads the old one, which stays).
// - Write encodes batches as TabSeparated into memory; Commit sends one INSERT per group, every row with a
//   rising _ds_version, so the newest write of a key wins when parts merge (read with FINAL for the merged
//   view). In modes append and replace the rows carry _ds_unit: before a group is inserted, the units that
//   already have rows are deleted with one ALTER TABLE ... DELETE mutation, and Commit waits for it to
//   finish, so a rewritten unit never shows twice. Upsert is a pure upsert by key. Abort drops the group.
// - Date holds 1970-01-01..2105-12-31 and DateTime whole seconds (1970..2106): other values fail their
//   batch with kInvalidInput instead of being stored wrong. Key columns cannot hold NULL.
// - Replace fills _ds_stage_<hash>_<run>; Finish records the run, then RENAME TABLE swaps it in.
// - History (storage/history.hpp): the table is sorted by (key, _valid_from), whole seconds in DateTime('UTC')
//   (18.16 has no DateTime64). A run's rows go to its input table; Commit empties it, inserts the group
//   there, then MergeHistory inserts the closed copies of the current versions the input does not repeat
//   (same sorting key, higher _ds_version: FINAL shows the closed one) and the input rows without an equal
//   current version, comparing rows by a cityHash64 of their values as text. Not atomic: a crash between the
//   two inserts leaves a row closed without its successor until the unit is written again (its task is not
//   done), which closes nothing more and adds the successor.
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "net/http_client.hpp"
#include "storage/clickhouse/clickhouse_client.hpp"
#include "storage/sql/scripted_database_sink.hpp"

namespace datasync::net {
class HttpClient;
}

namespace datasync::storage {

namespace clickhouse {
class ClickHouseClient;
struct RowBinaryLayout;
}  // namespace clickhouse

std::span<const core::OptionSpec> ClickHouseSinkOptions();

// The keys of ClickHouseSinkOptions() beyond the common database options (sql/database_sink.hpp).
namespace clickhouse {
inline constexpr core::OptionKey<std::string> kEngine{"engine", ClickHouseSinkOptions};
inline constexpr core::OptionKey<std::string> kOrderBy{"order_by", ClickHouseSinkOptions};
inline constexpr core::OptionKey<std::string> kPartitionBy{"partition_by", ClickHouseSinkOptions};
inline constexpr core::OptionKey<std::string> kTableSettings{"table_settings", ClickHouseSinkOptions};
inline constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", ClickHouseSinkOptions};
inline constexpr core::OptionKey<bool> kVerifyTls{"verify_tls", ClickHouseSinkOptions};
inline constexpr core::OptionKey<std::string> kCaFile{"ca_file", ClickHouseSinkOptions};
inline constexpr core::OptionKey<int64_t> kMutationTimeoutSecs{"mutation_timeout_secs", ClickHouseSinkOptions};
}  // namespace clickhouse

// Where a clickhouse storage's options point: the HTTP endpoint (the password resolved), the database and the
// HTTP client's settings (timeouts, TLS, the CA file against the project folder). The sink and its reader
// connect the same way.
struct ClickHouseTarget {
  clickhouse::ClickHouseEndpoint endpoint;
  std::string database;
  net::HttpClientOptions http;
};
core::Result<ClickHouseTarget> ClickHouseTargetOf(const core::Options& options, const std::string& storage_name,
                                                  const std::filesystem::path& project_dir);
// A table's columns (logical types from system.columns); nullopt when it does not exist.
core::Result<std::optional<TableShape>> IntrospectClickHouseTable(clickhouse::ClickHouseClient& client,
                                                                  const std::string& database,
                                                                  const std::string& table);
// 'text' and `name` with the backslash escapes ClickHouse reads in string literals and quoted identifiers.
std::string QuoteClickHouseText(std::string_view text);
std::string QuoteClickHouseIdentifier(std::string_view name);

// The rules of those options (the table's; beyond it: the URL, its database name and secrets, the clause and
// table templates): SinkInfo::validate and Bind.
core::OptionProblems CheckClickHouseSinkOptions(const core::Options& options, const core::OptionCheckContext& ctx);

class ClickHouseSink final : public sql::ScriptedDatabaseSink {
 public:
  ClickHouseSink();
  ~ClickHouseSink() override;

  const std::string& database_name() const { return database_; }

 protected:
  std::span<const core::OptionSpec> OptionTable() const override;
  core::OptionProblems CheckOptions(const core::Options& options, const core::OptionCheckContext& ctx) const override {
    return CheckClickHouseSinkOptions(options, ctx);
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
  core::Status EnsureOwnColumns(const std::string& table, const TableShape& shape) override;
  std::vector<std::string> AddUnitColumnStatements(const std::string& table) const override;
  core::Status EnsureKeyedUpsert(const std::string& table, const TableShape& shape) override;
  core::Status Publish(const std::string& staging) override;
  core::Status PrepareWrites() override;

  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) override;
  core::Status CommitImpl() override;
  std::vector<std::string> LatestViewStatements(const std::string& view, const std::string& select) const override;
  core::Status AbortImpl() override;
  core::Status FinishImpl() override;
  void Disconnect() override;

 private:
  bool NotNullable(const std::string& field) const;  // a sorting or partition key column
  core::Status DeleteRewrittenUnits();
  // History: merges the input table (the group's rows) into the versioned table (see the header comment).
  core::Status MergeHistory();
  void DropGroup();

  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<clickhouse::ClickHouseClient> client_;
  std::string database_;
  std::string partition_field_;  // the date key when the default partitioning uses it
  int64_t mutation_timeout_ms_ = 300'000;
  std::string insert_sql_;
  std::unique_ptr<clickhouse::RowBinaryLayout> layout_;  // the write table's column types
  std::string pending_;                                  // TabSeparated rows of the open group
  std::set<std::string> pending_units_;
  uint64_t last_version_ = 0;
};

void RegisterClickHouseSink(SinkRegistry& registry);

}  // namespace datasync::storage
