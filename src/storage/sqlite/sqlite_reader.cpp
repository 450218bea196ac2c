#include "storage/sqlite/sqlite_reader.hpp"

#include <sqlite3.h>

#include <functional>
#include <map>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "storage/history.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::TypeId;
using db::sqlite::QuoteIdent;
using db::sqlite::SqliteConnection;
using db::sqlite::SqliteStatement;

namespace {

struct ColumnType {
  bool exists = false;
  core::LogicalType type = core::LogicalType::String();
};

core::Result<SqliteStatement> Prepare(SqliteConnection& db, const std::string& sql) {
  return db.PrepareOnce(sql, "cannot prepare a read");
}

void BindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Binds a filter value written in config spelling as the column stores it.
void BindAs(sqlite3_stmt* s, int i, const core::LogicalType& type, const std::string& text) {
  switch (type.id) {
    case TypeId::kDate:
      if (auto d = core::ParseDate(text)) return BindText(s, i, core::FormatIsoDate(*d));
      break;
    case TypeId::kTimestamp:
      if (auto t = core::ParseTimestamp(text)) return BindText(s, i, core::FormatTimestamp(*t));
      break;
    case TypeId::kBool:
      if (core::ToLower(text) == "true") return (void)sqlite3_bind_int64(s, i, 1);
      if (core::ToLower(text) == "false") return (void)sqlite3_bind_int64(s, i, 0);
      [[fallthrough]];
    case TypeId::kInt32:
    case TypeId::kInt64:
      if (auto n = core::ParseInt64(text)) return (void)sqlite3_bind_int64(s, i, *n);
      break;
    case TypeId::kFloat64:
      if (auto x = core::ParseDouble(text)) return (void)sqlite3_bind_double(s, i, *x);
      break;
    default: break;
  }
  BindText(s, i, text);
}

core::Value ReadAs(sqlite3_stmt* s, int i, const core::LogicalType& type) {
  int st = sqlite3_column_type(s, i);
  if (st == SQLITE_NULL) return core::Value::Null(type);
  const char* raw = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  std::string text = raw ? raw : "";
  switch (type.id) {
    case TypeId::kDate:
      if (auto d = core::ParseDate(text)) return core::Value::Date(*d);
      break;
    case TypeId::kTimestamp:
      if (auto t = core::ParseTimestamp(text)) return core::Value::Timestamp(*t);
      break;
    case TypeId::kBool: return core::Value::Bool(sqlite3_column_int64(s, i) != 0);
    case TypeId::kInt32:
      if (st == SQLITE_INTEGER) return core::Value::Int32(static_cast<int32_t>(sqlite3_column_int64(s, i)));
      break;
    case TypeId::kInt64:
      if (st == SQLITE_INTEGER) return core::Value::Int64(sqlite3_column_int64(s, i));
      break;
    case TypeId::kFloat64:
      if (st == SQLITE_INTEGER || st == SQLITE_FLOAT) return core::Value::Float64(sqlite3_column_double(s, i));
      break;
    default: break;
  }
  // Text the type did not explain (a decimal, a value written before a type change): keep the text.
  return core::Value::String(std::move(text));
}

// Steps `stmt` to its end, handing each row to `on_row`; a failed step fails with `what` (the table read).
core::Status EachRow(SqliteConnection& db, SqliteStatement& stmt, const std::string& what,
                     const std::function<void(sqlite3_stmt*)>& on_row) {
  for (;;) {
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return core::Ok();
    if (rc != SQLITE_ROW) return Fail(db::sqlite::MakeError(db.handle(), rc, what, db::sqlite::Role::kDataStore));
    on_row(stmt.get());
  }
}

}  // namespace

core::Result<std::unique_ptr<DatasetReader>> SqliteDatasetReader::Open(const ReaderContext& ctx) {
  core::Options options = ctx.options;
  if (auto st = options.ApplyDefaults(SqliteSinkOptions(), "storage '" + ctx.storage_name + "'"); !st) {
    return Fail(st.error());
  }
  std::string path = options.Get(sqlite::kPath);
  if (path.empty()) return Fail(ErrorKind::kConfig, "storage '" + ctx.storage_name + "': option 'path' is empty");
  std::unique_ptr<SqliteDatasetReader> r(new SqliteDatasetReader());
  r->storage_ = ctx.storage_name;
  r->path_ = std::filesystem::path(path);
  if (r->path_.is_relative()) r->path_ = ctx.project_dir / r->path_;
  r->path_ = r->path_.lexically_normal();
  r->prefix_ = options.Get(sqlite::kTablePrefix);
  r->busy_timeout_ms_ = static_cast<int>(options.Get(sqlite::kBusyTimeoutMs));
  return std::unique_ptr<DatasetReader>(std::move(r));
}

SqliteDatasetReader::~SqliteDatasetReader() = default;

core::Result<bool> SqliteDatasetReader::Connect(const std::string& table) {
  if (!db_) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return false;
    auto opened = SqliteConnection::Open(path_.string(), {.description = "storage '" + storage_ + "'",
                                                          .busy_timeout = std::chrono::milliseconds(busy_timeout_ms_),
                                                          .role = db::sqlite::Role::kDataStore,
                                                          .read_only = true});
    if (!opened) return Fail(opened.error());
    db_ = std::move(*opened);
  }
  auto stmt = Prepare(*db_, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  if (!stmt) return Fail(stmt.error());
  BindText(stmt->get(), 1, table);
  int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(db_->MakeError(rc, "cannot read the schema"));
}

namespace {

// The column's logical type: _datasync_columns when the sink recorded it, else the declared SQL type.
core::Result<ColumnType> TypeOf(SqliteConnection& db, const std::string& table, const std::string& column) {
  ColumnType out;
  auto info = Prepare(db, "SELECT name, type FROM pragma_table_info(?1)");
  if (!info) return Fail(info.error());
  BindText(info->get(), 1, table);
  while (sqlite3_step(info->get()) == SQLITE_ROW) {
    std::string name = reinterpret_cast<const char*>(sqlite3_column_text(info->get(), 0));
    if (name != column) continue;
    out.exists = true;
    std::string declared = core::ToLower(reinterpret_cast<const char*>(sqlite3_column_text(info->get(), 1)));
    if (declared == "integer") out.type = core::LogicalType::Int64();
    if (declared == "real") out.type = core::LogicalType::Float64();
  }
  if (!out.exists) return out;
  auto recorded = Prepare(db, "SELECT logical_type FROM _datasync_columns WHERE table_name = ?1 AND column_name = ?2");
  if (!recorded) return out;  // a table written by something else: the declared type is all there is
  BindText(recorded->get(), 1, table);
  BindText(recorded->get(), 2, column);
  if (sqlite3_step(recorded->get()) == SQLITE_ROW) {
    if (auto t = core::LogicalType::Parse(reinterpret_cast<const char*>(sqlite3_column_text(recorded->get(), 0)))) {
      out.type = *t;
    }
  }
  return out;
}

}  // namespace

core::Result<std::string> SqliteDatasetReader::SyncedTable(const std::string& dataset) {
  std::string table = prefix_ + dataset;
  auto connected = Connect(table);
  if (!connected) return Fail(connected.error());
  if (!*connected) {
    return Fail(ErrorKind::kConfig, "storage '" + storage_ + "' (" + path_.string() + ") has no table " +
                                        QuoteIdent(table) + " yet; run the plan that syncs dataset '" + dataset +
                                        "' first");
  }
  return table;
}

std::string SqliteDatasetReader::Where() const {
  return "storage '" + storage_ + "' (" + path_.string() + ")";
}

core::Result<core::LogicalType> SqliteDatasetReader::TypeOfColumn(const std::string& table, const std::string& column) {
  auto t = TypeOf(*db_, table, column);
  if (!t) return Fail(t.error());
  if (!t->exists) {
    return Fail(ErrorKind::kConfig, Where() + ": table " + QuoteIdent(table) + " has no column " + QuoteIdent(column));
  }
  return t->type;
}

core::Result<bool> SqliteDatasetReader::Versioned(const std::string& table) {
  auto t = TypeOf(*db_, table, std::string(kValidTo));
  if (!t) return Fail(t.error());
  return t->exists;
}

core::Result<std::string> SqliteDatasetReader::Source(const std::string& table,
                                                      const std::optional<std::string>& as_of) {
  auto versioned = Versioned(table);
  if (!versioned) return Fail(versioned.error());
  std::string at;
  if (as_of) {
    auto micros = AsOfTime(*as_of, *versioned, Where() + ": table " + QuoteIdent(table));
    if (!micros) return Fail(micros.error());
    at = db::sqlite::QuoteText(core::FormatTimestamp(*micros));
  }
  if (!*versioned) return QuoteIdent(table);
  return "(SELECT * FROM " + QuoteIdent(table) + " WHERE " +
         VersionFilter(QuoteIdent(kValidFrom), QuoteIdent(kValidTo), at) + ") AS " + QuoteIdent(table);
}

core::Result<std::vector<core::Value>> SqliteDatasetReader::DistinctValues(const ReadQuery& q) {
  auto synced = SyncedTable(q.dataset);
  if (!synced) return Fail(synced.error());
  const std::string& table = *synced;
  std::string where = Where();
  std::map<std::string, ColumnType> types;
  auto type_of = [&](const std::string& column) -> core::Result<ColumnType> {
    if (auto it = types.find(column); it != types.end()) return it->second;
    auto t = TypeOf(*db_, table, column);
    if (!t) return Fail(t.error());
    if (!t->exists) {
      return Fail(ErrorKind::kConfig, where + ": table " + QuoteIdent(table) + " has no column " + QuoteIdent(column));
    }
    types[column] = *t;
    return *t;
  };
  auto target = type_of(q.column);
  if (!target) return Fail(target.error());
  std::string col = QuoteIdent(q.column);
  auto from = Source(table, std::nullopt);
  if (!from) return Fail(from.error());
  std::string sql = "SELECT DISTINCT " + col + " FROM " + *from + " WHERE " + col + " IS NOT NULL";
  int n = 0;
  for (const auto& [c, v] : q.equals) {
    auto t = type_of(c);
    if (!t) return Fail(t.error());
    sql += " AND " + QuoteIdent(c) + " = ?" + std::to_string(++n);
  }
  if (q.min) sql += " AND " + col + " >= ?" + std::to_string(++n);
  if (q.max) sql += " AND " + col + " <= ?" + std::to_string(++n);
  sql += " ORDER BY " + col;
  auto stmt = Prepare(*db_, sql);
  if (!stmt) return Fail(stmt.error());
  n = 0;
  for (const auto& [c, v] : q.equals) BindAs(stmt->get(), ++n, types[c].type, v);
  if (q.min) BindAs(stmt->get(), ++n, target->type, *q.min);
  if (q.max) BindAs(stmt->get(), ++n, target->type, *q.max);
  std::vector<core::Value> out;
  auto read = EachRow(*db_, *stmt, where + ": cannot read " + QuoteIdent(table),
                      [&](sqlite3_stmt* row) { out.push_back(ReadAs(row, 0, target->type)); });
  if (!read) return Fail(read.error());
  return out;
}

core::Result<std::optional<core::Value>> SqliteDatasetReader::MaxValue(const std::string& dataset,
                                                                       const std::string& column) {
  std::string table = prefix_ + dataset;
  auto connected = Connect(table);
  if (!connected) return Fail(connected.error());
  if (!*connected) return std::optional<core::Value>();
  auto type = TypeOf(*db_, table, column);
  if (!type) return Fail(type.error());
  if (!type->exists) {
    return Fail(ErrorKind::kConfig,
                "storage '" + storage_ + "': table " + QuoteIdent(table) + " has no column " + QuoteIdent(column));
  }
  auto from = Source(table, std::nullopt);
  if (!from) return Fail(from.error());
  auto stmt = Prepare(*db_, "SELECT max(" + QuoteIdent(column) + ") FROM " + *from);
  if (!stmt) return Fail(stmt.error());
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return Fail(db_->MakeError(rc, "cannot read " + QuoteIdent(table)));
  core::Value v = ReadAs(stmt->get(), 0, type->type);
  if (v.is_null()) return std::optional<core::Value>();
  return std::optional<core::Value>(std::move(v));
}

core::Result<std::vector<KeySpan>> SqliteDatasetReader::KeySpans(const KeySpanQuery& q) {
  auto synced = SyncedTable(q.dataset);
  if (!synced) return Fail(synced.error());
  const std::string& table = *synced;
  std::string where = Where();
  core::LogicalType types[2];
  const std::string* columns[2] = {&q.key, &q.date};
  for (int i = 0; i < 2; ++i) {
    auto t = TypeOf(*db_, table, *columns[i]);
    if (!t) return Fail(t.error());
    if (!t->exists) {
      return Fail(ErrorKind::kConfig,
                  where + ": table " + QuoteIdent(table) + " has no column " + QuoteIdent(*columns[i]));
    }
    types[i] = t->type;
  }
  const std::string key = QuoteIdent(q.key), day = QuoteIdent(q.date);
  auto from = Source(table, std::nullopt);
  if (!from) return Fail(from.error());
  std::string sql = "SELECT " + key + ", min(" + day + "), max(" + day + "), count(DISTINCT " + day + ") FROM " +
                    *from + " WHERE " + key + " IS NOT NULL AND " + day + " IS NOT NULL";
  int n = 0;
  if (q.min) sql += " AND " + day + " >= ?" + std::to_string(++n);
  if (q.max) sql += " AND " + day + " <= ?" + std::to_string(++n);
  sql += " GROUP BY " + key + " ORDER BY " + key;
  auto stmt = Prepare(*db_, sql);
  if (!stmt) return Fail(stmt.error());
  n = 0;
  if (q.min) BindAs(stmt->get(), ++n, types[1], *q.min);
  if (q.max) BindAs(stmt->get(), ++n, types[1], *q.max);
  std::vector<KeySpan> out;
  auto read = EachRow(*db_, *stmt, where + ": cannot read " + QuoteIdent(table), [&](sqlite3_stmt* row) {
    KeySpan span;
    span.key = ReadAs(row, 0, types[0]).ToString();
    span.first = ReadAs(row, 1, types[1]);
    span.last = ReadAs(row, 2, types[1]);
    span.days = sqlite3_column_int64(row, 3);
    out.push_back(std::move(span));
  });
  if (!read) return Fail(read.error());
  return out;
}

core::Result<Rows> SqliteDatasetReader::LatestRows(const RowsQuery& q) {
  auto synced = SyncedTable(q.dataset);
  if (!synced) return Fail(synced.error());
  const std::string& table = *synced;
  std::string where = Where();
  auto type_of = [&](const std::string& column) { return TypeOfColumn(table, column); };
  Rows out;
  std::string sql = "SELECT ";
  for (const auto& c : q.columns) {
    auto t = type_of(c);
    if (!t) return Fail(t.error());
    if (!out.columns.empty()) sql += ", ";
    sql += QuoteIdent(c);
    out.columns.push_back(c);
    out.types.push_back(*t);
  }
  if (out.columns.empty()) return out;
  auto from = Source(table, std::nullopt);
  if (!from) return Fail(from.error());
  sql += " FROM " + *from;
  std::vector<core::LogicalType> bind_types;
  for (const auto& [c, v] : q.equals) {
    auto t = type_of(c);
    if (!t) return Fail(t.error());
    sql += (bind_types.empty() ? " WHERE " : " AND ") + QuoteIdent(c) + " = ?" + std::to_string(bind_types.size() + 1);
    bind_types.push_back(*t);
  }
  if (!q.order_by.empty()) {
    if (auto t = type_of(q.order_by); !t) return Fail(t.error());
    sql += " ORDER BY " + QuoteIdent(q.order_by) + " DESC";
  }
  sql += " LIMIT " + std::to_string(q.limit == 0 ? 100 : q.limit);
  auto stmt = Prepare(*db_, sql);
  if (!stmt) return Fail(stmt.error());
  for (size_t i = 0; i < q.equals.size(); ++i)
    BindAs(stmt->get(), static_cast<int>(i + 1), bind_types[i], q.equals[i].second);
  auto read = EachRow(*db_, *stmt, where + ": cannot read " + QuoteIdent(table), [&](sqlite3_stmt* s) {
    std::vector<core::Value> row;
    row.reserve(out.columns.size());
    for (size_t i = 0; i < out.columns.size(); ++i) row.push_back(ReadAs(s, static_cast<int>(i), out.types[i]));
    out.rows.push_back(std::move(row));
  });
  if (!read) return Fail(read.error());
  return out;
}

core::Result<std::map<std::string, core::LogicalType>> SqliteDatasetReader::Describe(const std::string& dataset) {
  auto synced = SyncedTable(dataset);
  if (!synced) return Fail(synced.error());
  auto info = Prepare(*db_, "SELECT name FROM pragma_table_info(?1)");
  if (!info) return Fail(info.error());
  BindText(info->get(), 1, *synced);
  std::vector<std::string> names;
  while (sqlite3_step(info->get()) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info->get(), 0)));
  }
  auto versioned = Versioned(*synced);
  if (!versioned) return Fail(versioned.error());
  std::map<std::string, core::LogicalType> out;
  for (const auto& name : names) {
    if (*versioned && (IsVersionColumn(name) || name == "_ds_unit")) continue;
    auto t = TypeOf(*db_, *synced, name);
    if (!t) return Fail(t.error());
    out[name] = t->type;
  }
  return out;
}

core::Result<std::vector<core::LogicalType>> SqliteDatasetReader::ScanRows(const ScanQuery& q,
                                                                           const RowVisitor& visit) {
  auto synced = SyncedTable(q.dataset);
  if (!synced) return Fail(synced.error());
  const std::string& table = *synced;
  std::string where = Where();
  auto type_of = [&](const std::string& column) { return TypeOfColumn(table, column); };
  std::vector<core::LogicalType> types;
  std::string sql = "SELECT ";
  for (const auto& c : q.columns) {
    auto t = type_of(c);
    if (!t) return Fail(t.error());
    if (!types.empty()) sql += ", ";
    sql += QuoteIdent(c);
    types.push_back(*t);
  }
  if (types.empty()) return types;
  auto from = Source(table, q.as_of);
  if (!from) return Fail(from.error());
  sql += " FROM " + *from;
  std::vector<std::pair<core::LogicalType, std::string>> binds;
  auto add = [&](const std::string& column, const char* op, const std::string& value) -> core::Status {
    auto t = type_of(column);
    if (!t) return Fail(t.error());
    sql += (binds.empty() ? " WHERE " : " AND ") + QuoteIdent(column) + op + "?" + std::to_string(binds.size() + 1);
    binds.emplace_back(*t, value);
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
  auto stmt = Prepare(*db_, sql);
  if (!stmt) return Fail(stmt.error());
  for (size_t i = 0; i < binds.size(); ++i)
    BindAs(stmt->get(), static_cast<int>(i + 1), binds[i].first, binds[i].second);
  std::vector<core::Value> row;
  auto read = EachRow(*db_, *stmt, where + ": cannot read " + QuoteIdent(table), [&](sqlite3_stmt* s) {
    row.clear();
    for (size_t i = 0; i < types.size(); ++i) row.push_back(ReadAs(s, static_cast<int>(i), types[i]));
    visit(row);
  });
  if (!read) return Fail(read.error());
  return types;
}

}  // namespace datasync::storage
