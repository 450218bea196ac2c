#include "storage/postgres/postgres_reader.hpp"

#include "storage/postgres/postgres_sink.hpp"

namespace datasync::storage {

core::Result<std::unique_ptr<DatasetReader>> PgDatasetReader::Open(const ReaderContext& ctx) {
  auto options = ReaderOptions(ctx, PostgresSinkOptions());
  if (!options) return core::Fail(options.error());
  auto target = PostgresTarget(*options, ctx.storage_name, ctx.project_dir);
  if (!target) return core::Fail(target.error());
  std::unique_ptr<PgDatasetReader> r(new PgDatasetReader());
  r->Name(ctx, *options, target->display);
  r->conninfo_ = std::move(target->conninfo);
  r->server_ = std::move(target->display);
  r->timeouts_ = target->timeouts;
  r->schema_ = std::move(target->schema);
  return std::unique_ptr<DatasetReader>(std::move(r));
}

std::string PgDatasetReader::Quote(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

core::Status PgDatasetReader::Connect() {
  if (conn_.healthy()) return core::Ok();
  return conn_.Open(conninfo_, server_, timeouts_);
}

core::Result<std::string> PgDatasetReader::Table(const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  return Quote(schema_) + "." + Quote(*name);
}

core::Result<std::optional<std::map<std::string, core::LogicalType>>> PgDatasetReader::Columns(
    const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  if (auto st = Connect(); !st) return core::Fail(st.error());
  auto shape = IntrospectPgTable(conn_, schema_, *name);
  if (!shape) return core::Fail(shape.error());
  if (!*shape) return std::optional<std::map<std::string, core::LogicalType>>();
  return std::optional<std::map<std::string, core::LogicalType>>(ColumnTypes(**shape));
}

core::Result<std::vector<sql::TextRow>> PgDatasetReader::Query(const std::string& sql,
                                                               const std::vector<std::string>& params) {
  if (auto st = Connect(); !st) return core::Fail(st.error());
  auto rows = conn_.Query(sql, params);
  if (!rows) {
    core::Error e = rows.error();
    e.Context(Where());
    return core::Fail(std::move(e));
  }
  return std::move(*rows);
}

}  // namespace datasync::storage
