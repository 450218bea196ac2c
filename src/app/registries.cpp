#include "app/registries.hpp"

#include "datasource/tushare/tushare_provider.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "storage/clickhouse/clickhouse_sink.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/json/json_sink.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "storage/mysql/mysql_sink.hpp"
#include "storage/parquet/parquet_sink.hpp"
#include "storage/postgres/postgres_sink.hpp"
#include "storage/sqlite/sqlite_sink.hpp"
#include "storage/xlsx/xlsx_sink.hpp"

namespace datasync::app {

void RegisterBuiltinProviders(datasource::ProviderRegistry& registry) {
  datasource::tushare::RegisterTushare(registry);
}

void RegisterBuiltinSinks(storage::SinkRegistry& registry) {
  storage::RegisterSqliteSink(registry);
  storage::RegisterCsvSink(registry);
  storage::RegisterJsonlSink(registry);
  storage::RegisterJsonSink(registry);
  storage::RegisterParquetSink(registry);
  storage::RegisterXlsxSink(registry);
  storage::RegisterPostgresSink(registry);
  storage::RegisterMySqlSink(registry);
  storage::RegisterClickHouseSink(registry);
}

void RegisterBuiltinSystemDbs(metadata::SystemDbFactory& factory) {
  metadata::sqlite::RegisterSqliteSystemDb(factory);
}

}  // namespace datasync::app
