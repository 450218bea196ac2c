#include "storage/mysql/mysql_reader.hpp"

#include "storage/mysql/mysql_sink.hpp"

namespace datasync::storage {

core::Result<std::unique_ptr<DatasetReader>> MySqlDatasetReader::Open(const ReaderContext& ctx) {
  auto options = ReaderOptions(ctx, MySqlSinkOptions());
  if (!options) return core::Fail(options.error());
  auto target = MySqlTarget(*options, ctx.storage_name, ctx.project_dir);
  if (!target) return core::Fail(target.error());
  std::unique_ptr<MySqlDatasetReader> r(new MySqlDatasetReader());
  r->Name(ctx, *options, target->display);
  r->connect_ = std::move(*target);
  r->connect_.local_infile = false;  // a reader never sends a file, whatever a server asks
  return std::unique_ptr<DatasetReader>(std::move(r));
}

std::string MySqlDatasetReader::Quote(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string MySqlDatasetReader::Param(std::vector<std::string>&, std::string text, const core::LogicalType&) const {
  return db::mysql::QuoteMySqlText(text);
}

std::string MySqlDatasetReader::ParamText(const std::string& value, const core::LogicalType& type) const {
  std::string text = ToText(value, type);
  if (type.id == core::TypeId::kBool) {
    if (text == "true") return "1";
    if (text == "false") return "0";
  }
  return text;
}

core::Status MySqlDatasetReader::Connect() {
  if (conn_.healthy()) return core::Ok();
  return conn_.Open(connect_);
}

core::Result<std::string> MySqlDatasetReader::Table(const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  return Quote(connect_.database) + "." + Quote(*name);
}

core::Result<std::optional<std::map<std::string, core::LogicalType>>> MySqlDatasetReader::Columns(
    const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  if (auto st = Connect(); !st) return core::Fail(st.error());
  auto shape = IntrospectMySqlTable(conn_, connect_.database, *name);
  if (!shape) return core::Fail(shape.error());
  if (!*shape) return std::optional<std::map<std::string, core::LogicalType>>();
  return std::optional<std::map<std::string, core::LogicalType>>(ColumnTypes(**shape));
}

core::Result<std::vector<sql::TextRow>> MySqlDatasetReader::Query(const std::string& sql,
                                                                  const std::vector<std::string>&) {
  if (auto st = Connect(); !st) return core::Fail(st.error());
  auto rows = conn_.Query(sql);
  if (!rows) {
    core::Error e = rows.error();
    e.Context(Where());
    return core::Fail(std::move(e));
  }
  std::vector<sql::TextRow> out;
  out.reserve(rows->size());
  for (auto& r : *rows) out.emplace_back(r.begin(), r.end());
  return out;
}

}  // namespace datasync::storage
