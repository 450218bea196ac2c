#include "storage/sql/sql_dataset_reader.hpp"

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/history.hpp"
#include "storage/sql/database_sink.hpp"
#include "storage/sql/sql_template.hpp"

namespace datasync::storage::sql {

using core::ErrorKind;
using core::Fail;
using core::TypeId;

core::Value SqlDatasetReader::FromText(const std::optional<std::string>& text, const core::LogicalType& type) {
  if (!text) return core::Value::Null(type);
  const std::string& s = *text;
  switch (type.id) {
    case TypeId::kDate:
      if (auto d = core::ParseDate(s.substr(0, 10))) return core::Value::Date(*d);
      break;
    case TypeId::kTimestamp:
      if (auto t = core::ParseTimestamp(s)) return core::Value::Timestamp(*t);
      break;
    case TypeId::kBool: {
      std::string b = core::ToLower(s);
      if (b == "t" || b == "true" || b == "1") return core::Value::Bool(true);
      if (b == "f" || b == "false" || b == "0") return core::Value::Bool(false);
      break;
    }
    case TypeId::kInt32:
      if (auto n = core::ParseInt64(s)) return core::Value::Int32(static_cast<int32_t>(*n));
      break;
    case TypeId::kInt64:
      if (auto n = core::ParseInt64(s)) return core::Value::Int64(*n);
      break;
    case TypeId::kFloat64:
      if (auto x = core::ParseDouble(s)) return core::Value::Float64(*x);
      break;
    default: break;
  }
  // Text the type does not explain (a decimal, a value of another type): the text itself.
  return core::Value::String(s);
}

std::string SqlDatasetReader::ToText(const std::string& value, const core::LogicalType& type) {
  switch (type.id) {
    case TypeId::kDate:
      if (auto d = core::ParseDate(value)) return core::FormatIsoDate(*d);
      break;
    case TypeId::kTimestamp:
      if (auto t = core::ParseTimestamp(value)) return core::FormatTimestamp(*t);
      break;
    case TypeId::kBool: {
      std::string b = core::ToLower(value);
      if (b == "1" || b == "true" || b == "t") return "true";
      if (b == "0" || b == "false" || b == "f") return "false";
      break;
    }
    default: break;
  }
  return value;
}

core::Result<core::Options> SqlDatasetReader::ReaderOptions(const ReaderContext& ctx,
                                                            std::span<const core::OptionSpec> table) {
  core::Options options = ctx.options;
  if (auto st = options.ApplyDefaults(table, "storage '" + ctx.storage_name + "'"); !st) return Fail(st.error());
  return options;
}

void SqlDatasetReader::Name(const ReaderContext& ctx, const core::Options& options, std::string display) {
  storage_ = ctx.storage_name;
  table_template_ = options.Get(kTableName);
  display_ = std::move(display);
}

core::Result<std::string> SqlDatasetReader::TableName(const std::string& dataset) const {
  return RenderTemplate(table_template_, {{"dataset", dataset}}, "storage '" + storage_ + "' option table_name");
}

std::map<std::string, core::LogicalType> SqlDatasetReader::ColumnTypes(const TableShape& shape) {
  std::map<std::string, core::LogicalType> out;
  for (const auto& c : shape.columns) out[c.name] = c.type.value_or(core::LogicalType::String());
  return out;
}

std::string SqlDatasetReader::TimestampLiteral(int64_t micros) const {
  return "'" + core::FormatTimestamp(micros) + "'";  // digits and separators only: nothing to escape
}

core::Result<std::string> SqlDatasetReader::Source(const Target& t, const std::optional<std::string>& as_of) const {
  std::string at;
  if (as_of) {
    auto micros = AsOfTime(*as_of, t.versioned, Where() + ": table " + t.table);
    if (!micros) return Fail(micros.error());
    at = TimestampLiteral(*micros);
  }
  if (!t.versioned) return t.table;
  return "(SELECT * FROM " + t.table + " WHERE " + VersionFilter(Quote(kValidFrom), Quote(kValidTo), at) + ") AS " +
         Quote("_ds_versions");
}

core::Result<std::string> SqlDatasetReader::SourceReading(const Target& t, const std::string& dataset,
                                                          const std::set<std::string>& columns) {
  if (t.versioned) return Source(t, std::nullopt);
  return TableReading(dataset, columns);
}

std::string SqlDatasetReader::Where() const {
  return "storage '" + storage_ + "' (" + display_ + ")";
}

core::Result<SqlDatasetReader::Target> SqlDatasetReader::Synced(const std::string& dataset) {
  auto columns = Columns(dataset);
  if (!columns) return Fail(columns.error());
  auto table = Table(dataset);
  if (!table) return Fail(table.error());
  if (!*columns) {
    return Fail(ErrorKind::kConfig,
                Where() + " has no table " + *table + " yet; run the plan that syncs dataset '" + dataset + "' first");
  }
  Target t{*table, std::move(**columns)};
  if (t.columns.count(std::string(kValidTo))) {
    t.versioned = true;
    for (auto name : {kValidFrom, kValidTo, std::string_view("_ds_unit")}) t.columns.erase(std::string(name));
  }
  return t;
}

core::Result<core::LogicalType> SqlDatasetReader::TypeOf(const Target& t, const std::string& dataset,
                                                         const std::string& column) const {
  auto it = t.columns.find(column);
  if (it == t.columns.end()) {
    return Fail(ErrorKind::kConfig,
                Where() + ": table " + t.table + " has no column " + Quote(column) + " (dataset '" + dataset + "')");
  }
  return it->second;
}

core::Result<std::vector<core::Value>> SqlDatasetReader::DistinctValues(const ReadQuery& q) {
  auto t = Synced(q.dataset);
  if (!t) return Fail(t.error());
  auto type = TypeOf(*t, q.dataset, q.column);
  if (!type) return Fail(type.error());
  const std::string col = Quote(q.column);
  std::set<std::string> read{q.column};
  for (const auto& [c, v] : q.equals) read.insert(c);
  auto from = SourceReading(*t, q.dataset, read);
  if (!from) return Fail(from.error());
  std::string sql = "SELECT DISTINCT " + col + " FROM " + *from + " WHERE " + col + " IS NOT NULL";
  std::vector<std::string> params;
  for (const auto& [c, v] : q.equals) {
    auto ct = TypeOf(*t, q.dataset, c);
    if (!ct) return Fail(ct.error());
    sql += " AND " + Quote(c) + " = " + Param(params, ParamText(v, *ct), *ct);
  }
  if (q.min) {
    sql += " AND " + col + " >= " + Param(params, ParamText(*q.min, *type), *type);
  }
  if (q.max) {
    sql += " AND " + col + " <= " + Param(params, ParamText(*q.max, *type), *type);
  }
  sql += " ORDER BY " + col;
  auto rows = Query(sql, params);
  if (!rows) return Fail(rows.error());
  std::vector<core::Value> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(FromText(r.at(0), *type));
  return out;
}

core::Result<std::optional<core::Value>> SqlDatasetReader::MaxValue(const std::string& dataset,
                                                                    const std::string& column) {
  auto columns = Columns(dataset);
  if (!columns) return Fail(columns.error());
  if (!*columns) return std::optional<core::Value>();  // nothing synced yet
  auto synced = Synced(dataset);
  if (!synced) return Fail(synced.error());
  const Target& t = *synced;
  auto type = TypeOf(t, dataset, column);
  if (!type) return Fail(type.error());
  auto from = SourceReading(t, dataset, {column});
  if (!from) return Fail(from.error());
  auto rows = Query("SELECT max(" + Quote(column) + ") FROM " + *from, {});
  if (!rows) return Fail(rows.error());
  if (rows->empty() || !rows->front().at(0)) return std::optional<core::Value>();
  return std::optional<core::Value>(FromText(rows->front().at(0), *type));
}

core::Result<std::vector<KeySpan>> SqlDatasetReader::KeySpans(const KeySpanQuery& q) {
  auto t = Synced(q.dataset);
  if (!t) return Fail(t.error());
  auto key_type = TypeOf(*t, q.dataset, q.key);
  if (!key_type) return Fail(key_type.error());
  auto day_type = TypeOf(*t, q.dataset, q.date);
  if (!day_type) return Fail(day_type.error());
  const std::string key = Quote(q.key), day = Quote(q.date);
  auto from = SourceReading(*t, q.dataset, {q.key, q.date});
  if (!from) return Fail(from.error());
  std::string sql = "SELECT " + key + ", min(" + day + "), max(" + day + "), count(DISTINCT " + day + ") FROM " +
                    *from + " WHERE " + key + " IS NOT NULL AND " + day + " IS NOT NULL";
  std::vector<std::string> params;
  if (q.min) {
    sql += " AND " + day + " >= " + Param(params, ParamText(*q.min, *day_type), *day_type);
  }
  if (q.max) {
    sql += " AND " + day + " <= " + Param(params, ParamText(*q.max, *day_type), *day_type);
  }
  sql += " GROUP BY " + key + " ORDER BY " + key;
  auto rows = Query(sql, params);
  if (!rows) return Fail(rows.error());
  std::vector<KeySpan> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) {
    KeySpan span;
    span.key = FromText(r.at(0), *key_type).ToString();
    span.first = FromText(r.at(1), *day_type);
    span.last = FromText(r.at(2), *day_type);
    span.days = r.at(3) ? core::ParseInt64(*r.at(3)).value_or(0) : 0;
    out.push_back(std::move(span));
  }
  return out;
}

core::Result<Rows> SqlDatasetReader::LatestRows(const RowsQuery& q) {
  auto t = Synced(q.dataset);
  if (!t) return Fail(t.error());
  Rows out;
  std::string sql = "SELECT ";
  for (const auto& c : q.columns) {
    auto type = TypeOf(*t, q.dataset, c);
    if (!type) return Fail(type.error());
    if (!out.columns.empty()) sql += ", ";
    sql += Quote(c);
    out.columns.push_back(c);
    out.types.push_back(*type);
  }
  if (out.columns.empty()) return out;
  auto from = Source(*t, std::nullopt);
  if (!from) return Fail(from.error());
  sql += " FROM " + *from;
  std::vector<std::string> params;
  const char* joint = " WHERE ";
  for (const auto& [c, v] : q.equals) {
    auto type = TypeOf(*t, q.dataset, c);
    if (!type) return Fail(type.error());
    std::string value = Param(params, ParamText(v, *type), *type);
    sql += joint + Quote(c) + " = " + value;
    joint = " AND ";
  }
  if (!q.order_by.empty()) {
    if (auto type = TypeOf(*t, q.dataset, q.order_by); !type) return Fail(type.error());
    sql += " ORDER BY " + Quote(q.order_by) + " DESC";
  }
  sql += " LIMIT " + std::to_string(q.limit == 0 ? 100 : q.limit);
  auto rows = Query(sql, params);
  if (!rows) return Fail(rows.error());
  for (const auto& r : *rows) {
    std::vector<core::Value> row;
    row.reserve(out.columns.size());
    for (size_t i = 0; i < out.columns.size(); ++i) row.push_back(FromText(r.at(i), out.types[i]));
    out.rows.push_back(std::move(row));
  }
  return out;
}

core::Result<std::map<std::string, core::LogicalType>> SqlDatasetReader::Describe(const std::string& dataset) {
  auto t = Synced(dataset);
  if (!t) return Fail(t.error());
  return std::move(t->columns);
}

core::Result<std::vector<core::LogicalType>> SqlDatasetReader::ScanRows(const ScanQuery& q, const RowVisitor& visit) {
  auto t = Synced(q.dataset);
  if (!t) return Fail(t.error());
  std::vector<core::LogicalType> types;
  std::string sql = "SELECT ";
  for (const auto& c : q.columns) {
    auto type = TypeOf(*t, q.dataset, c);
    if (!type) return Fail(type.error());
    if (!types.empty()) sql += ", ";
    sql += Quote(c);
    types.push_back(*type);
  }
  if (types.empty()) return types;
  auto from = Source(*t, q.as_of);
  if (!from) return Fail(from.error());
  sql += " FROM " + *from;
  std::vector<std::string> params;
  const char* joint = " WHERE ";
  auto add = [&](const std::string& column, const char* op, const std::string& value) -> core::Status {
    auto type = TypeOf(*t, q.dataset, column);
    if (!type) return Fail(type.error());
    sql += joint + Quote(column) + op + Param(params, ParamText(value, *type), *type);
    joint = " AND ";
    return core::Ok();
  };
  for (const auto& [c, v] : q.equals) {
    if (auto st = add(c, " = ", v); !st) return Fail(st.error());
  }
  if (q.min) {
    if (auto st = add(q.range_column, " >= ", *q.min); !st) return Fail(st.error());
  }
  if (q.max) {
    if (auto st = add(q.range_column, " <= ", *q.max); !st) return Fail(st.error());
  }
  auto rows = Query(sql, params);
  if (!rows) return Fail(rows.error());
  std::vector<core::Value> row;
  for (const auto& r : *rows) {
    row.clear();
    for (size_t i = 0; i < types.size(); ++i) row.push_back(FromText(r.at(i), types[i]));
    visit(row);
  }
  return types;
}

}  // namespace datasync::storage::sql
