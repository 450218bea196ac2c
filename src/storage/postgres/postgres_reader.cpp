#include "storage/postgres/postgres_reader.hpp"

#include "storage/postgres/postgres_sink.hpp"
#include "storage/sql/database_sink.hpp"
#include "storage/sql/sql_template.hpp"

namespace datasync::storage {

core::Result<std::unique_ptr<DatasetReader>> PgDatasetReader::Open(const ReaderContext& ctx) {
  core::Options options = ctx.options;
  if (auto st = options.ApplyDefaults(PostgresSinkOptions(), "storage '" + ctx.storage_name + "'"); !st) {
    return core::Fail(st.error());
  }
  auto target = PostgresTarget(options, ctx.storage_name, ctx.project_dir);
  if (!target) return core::Fail(target.error());
  std::unique_ptr<PgDatasetReader> r(new PgDatasetReader());
  r->storage_ = ctx.storage_name;
  r->table_template_ = options.Get(sql::kTableName);
  r->conninfo_ = std::move(target->conninfo);
  r->display_ = std::move(target->display);
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

std::string PgDatasetReader::Where() const {
  return "storage '" + storage_ + "' (" + display_ + ")";
}

core::Status PgDatasetReader::Connect() {
  if (conn_.healthy()) return core::Ok();
  return conn_.Open(conninfo_, display_, timeouts_);
}

core::Result<std::string> PgDatasetReader::TableName(const std::string& dataset) const {
  return sql::RenderTemplate(table_template_, {{"dataset", dataset}}, "storage '" + storage_ + "' option table_name");
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
  std::map<std::string, core::LogicalType> out;
  // A column of a type datasync has no logical type for reads as its text.
  for (const auto& c : (*shape)->columns) out[c.name] = c.type.value_or(core::LogicalType::String());
  return std::optional<std::map<std::string, core::LogicalType>>(std::move(out));
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
