#include "app/registries.hpp"

#include "datasource/files/http_file_provider.hpp"
#include "datasource/nasdaq/nasdaq_provider.hpp"
#include "datasource/rest/rest_provider.hpp"
#include "datasource/tushare/tushare_provider.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/json/json_sink.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "storage/sqlite/sqlite_sink.hpp"
#if DATASYNC_WITH_CLICKHOUSE
#include "storage/clickhouse/clickhouse_sink.hpp"
#endif
#if DATASYNC_WITH_MYSQL
#include "storage/mysql/mysql_sink.hpp"
#endif
#if DATASYNC_WITH_PARQUET
#include "storage/parquet/parquet_sink.hpp"
#endif
#if DATASYNC_WITH_POSTGRES
#include "storage/postgres/postgres_sink.hpp"
#endif
#if DATASYNC_WITH_XLSX
#include "storage/xlsx/xlsx_sink.hpp"
#endif

namespace datasync::app {

void RegisterBuiltinProviders(datasource::ProviderRegistry& registry) {
  datasource::tushare::RegisterTushare(registry);
  datasource::nasdaq::RegisterNasdaqDataLink(registry);
  datasource::rest::RegisterRest(registry);
  datasource::files::RegisterHttpFile(registry);
}

// DATASYNC_WITH_<ID> (cmake/Plugins.cmake) is 0 for a sink the build leaves out.
void RegisterBuiltinSinks(storage::SinkRegistry& registry) {
  storage::RegisterSqliteSink(registry);
  storage::RegisterCsvSink(registry);
  storage::RegisterJsonlSink(registry);
  storage::RegisterJsonSink(registry);
#if DATASYNC_WITH_PARQUET
  storage::RegisterParquetSink(registry);
#endif
#if DATASYNC_WITH_XLSX
  storage::RegisterXlsxSink(registry);
#endif
#if DATASYNC_WITH_POSTGRES
  storage::RegisterPostgresSink(registry);
#endif
#if DATASYNC_WITH_MYSQL
  storage::RegisterMySqlSink(registry);
#endif
#if DATASYNC_WITH_CLICKHOUSE
  storage::RegisterClickHouseSink(registry);
#endif
}

void RegisterBuiltinSystemDbs(metadata::SystemDbFactory& factory) {
  metadata::sqlite::RegisterSqliteSystemDb(factory);
}

void RegisterBuiltinChannels(alerting::ChannelRegistry& registry) {
  alerting::RegisterEmailChannel(registry);
  alerting::RegisterWebhookChannel(registry);
}

}  // namespace datasync::app
