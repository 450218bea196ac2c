#include "storage/clickhouse/clickhouse_reader.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/clickhouse/clickhouse_sink.hpp"

namespace datasync::storage {

core::Result<std::unique_ptr<DatasetReader>> ClickHouseDatasetReader::Open(const ReaderContext& ctx) {
  auto options = ReaderOptions(ctx, ClickHouseSinkOptions());
  if (!options) return core::Fail(options.error());
  auto target = ClickHouseTargetOf(*options, ctx.storage_name, ctx.project_dir);
  if (!target) return core::Fail(target.error());
  std::unique_ptr<ClickHouseDatasetReader> r(new ClickHouseDatasetReader());
  r->Name(ctx, *options, target->endpoint.display);
  r->database_ = target->database;
  r->http_ = std::make_unique<net::HttpClient>(target->http);
  r->client_ = std::make_unique<clickhouse::ClickHouseClient>(*r->http_, std::move(target->endpoint));
  return std::unique_ptr<DatasetReader>(std::move(r));
}

std::string ClickHouseDatasetReader::Quote(std::string_view name) const {
  return QuoteClickHouseIdentifier(name);
}

std::string ClickHouseDatasetReader::Param(std::vector<std::string>&, std::string text,
                                           const core::LogicalType& type) const {
  // ClickHouse compares a number only with a number, a Date with a Date: literals of the column's type.
  switch (type.id) {
    case core::TypeId::kBool:
    case core::TypeId::kInt32:
    case core::TypeId::kInt64:
      if (core::ParseInt64(text)) return text;
      break;
    case core::TypeId::kFloat64:
      if (core::ParseDouble(text)) return text;
      break;
    case core::TypeId::kDate: return "toDate(" + QuoteClickHouseText(text) + ")";
    case core::TypeId::kTimestamp: return "toDateTime(" + QuoteClickHouseText(text.substr(0, 19)) + ")";
    default: break;
  }
  return QuoteClickHouseText(text);
}

std::string ClickHouseDatasetReader::ParamText(const std::string& value, const core::LogicalType& type) const {
  std::string text = ToText(value, type);
  if (type.id == core::TypeId::kBool) {
    if (text == "true") return "1";
    if (text == "false") return "0";
  }
  return text;
}

std::string ClickHouseDatasetReader::TimestampLiteral(int64_t micros) const {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  return "toDateTime(" + QuoteClickHouseText(core::FormatTimestamp(secs * 1000000)) + ", 'UTC')";
}

core::Result<std::string> ClickHouseDatasetReader::Table(const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  std::string from = Quote(database_) + "." + Quote(*name);
  auto it = final_.find(*name);
  return it != final_.end() && it->second ? from + " FINAL" : from;
}

core::Result<std::string> ClickHouseDatasetReader::TableReading(const std::string& dataset,
                                                                const std::set<std::string>& columns) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  auto key = plain_key_reads_.find(*name);
  if (key != plain_key_reads_.end() &&
      std::all_of(columns.begin(), columns.end(), [&](const std::string& c) { return key->second.count(c) > 0; })) {
    return Quote(database_) + "." + Quote(*name);
  }
  return Table(dataset);
}

core::Result<std::optional<std::map<std::string, core::LogicalType>>> ClickHouseDatasetReader::Columns(
    const std::string& dataset) {
  auto name = TableName(dataset);
  if (!name) return core::Fail(name.error());
  auto shape = IntrospectClickHouseTable(*client_, database_, *name);
  if (!shape) {
    core::Error e = shape.error();
    e.Context(Where());
    return core::Fail(std::move(e));
  }
  if (!*shape) return std::optional<std::map<std::string, core::LogicalType>>();
  auto engine = client_->Query("SELECT engine, engine_full FROM system.tables WHERE database = " +
                               QuoteClickHouseText(database_) + " AND name = " + QuoteClickHouseText(*name));
  if (!engine) return core::Fail(engine.error());
  std::string kind = engine->empty() || engine->front().empty() ? "" : engine->front().front();
  std::string full = engine->empty() || engine->front().size() < 2 ? "" : engine->front()[1];
  final_[*name] = kind.find("Replacing") != std::string::npos || kind.find("Collapsing") != std::string::npos;
  plain_key_reads_.erase(*name);
  // ReplacingMergeTree(version) merges rows of one sorting key and nothing else; with an is_deleted argument
  // (a comma) FINAL also drops rows, so every read keeps it.
  const std::string rule = "ReplacingMergeTree(";
  auto args = full.find(rule);
  if (kind == "ReplacingMergeTree" && args != std::string::npos &&
      full.find(',', args) > full.find(')', args + rule.size())) {
    auto key = client_->Query("SELECT name FROM system.columns WHERE database = " + QuoteClickHouseText(database_) +
                              " AND table = " + QuoteClickHouseText(*name) + " AND is_in_sorting_key");
    if (!key) return core::Fail(key.error());
    std::set<std::string> names;
    for (const auto& row : *key) {
      if (!row.empty()) names.insert(row.front());
    }
    if (!names.empty()) plain_key_reads_[*name] = std::move(names);
  }
  auto columns = ColumnTypes(**shape);
  columns.erase("_ds_version");  // the sink's row version, not data
  return std::optional<std::map<std::string, core::LogicalType>>(std::move(columns));
}

core::Result<std::vector<sql::TextRow>> ClickHouseDatasetReader::Query(const std::string& sql,
                                                                       const std::vector<std::string>&) {
  auto rows = client_->Query(sql);
  if (!rows) {
    core::Error e = rows.error();
    e.Context(Where());
    return core::Fail(std::move(e));
  }
  std::vector<sql::TextRow> out;
  out.reserve(rows->size());
  for (auto& r : *rows) {
    sql::TextRow row;
    row.reserve(r.size());
    for (auto& field : r) {
      if (field == "\\N") {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::move(field));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace datasync::storage
