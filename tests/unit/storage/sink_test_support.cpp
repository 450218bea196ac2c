#include "sink_test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/registries.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "oracle_process.hpp"
#include "storage/files/file_names.hpp"

namespace datasync::storage::testing {

SinkRegistry BuiltinSinks() {
  SinkRegistry registry;
  app::RegisterBuiltinSinks(registry);
  return registry;
}

namespace {

std::vector<std::string> SinkIdsWithOption(std::string_view option) {
  SinkRegistry registry = BuiltinSinks();
  std::vector<std::string> out;
  for (const auto& id : registry.Ids()) {
    const auto& options = registry.Find(id)->options;
    if (std::any_of(options.begin(), options.end(), [&](const core::OptionSpec& o) { return o.name == option; })) {
      out.push_back(id);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> LocalSinkIds() {
  return SinkIdsWithOption("path");
}
std::vector<std::string> ServerSinkIds() {
  return SinkIdsWithOption("url");
}

std::vector<std::string> BuiltIds(std::vector<std::string> ids) {
  SinkRegistry registry = BuiltinSinks();
  std::erase_if(ids, [&](const std::string& id) { return registry.Find(id.substr(0, id.find(':'))) == nullptr; });
  return ids;
}

using core::LogicalType;
using core::TypeId;
using core::Value;

core::SchemaPtr MakeSchema(std::vector<core::Field> fields) {
  return std::make_shared<core::Schema>(std::move(fields));
}

core::ColumnBatch MakeBatch(const core::SchemaPtr& schema, const std::vector<Row>& rows) {
  core::ColumnBatch batch(schema);
  for (const auto& row : rows) {
    EXPECT_EQ(row.size(), schema->size());
    for (size_t c = 0; c < schema->size(); ++c) {
      auto st = batch.column(c).AppendValue(row[c]);
      EXPECT_TRUE(st) << st.error().ToString();
    }
  }
  return batch;
}

Value Dec(int64_t unscaled, uint8_t precision, uint8_t scale) {
  return Value{unscaled, LogicalType::Decimal(precision, scale)};
}

Value DecOf(std::string_view text, uint8_t precision, uint8_t scale) {
  auto v = DecimalValue(text, LogicalType::Decimal(precision, scale));
  EXPECT_TRUE(v) << text << " is not a decimal(" << int{precision} << "," << int{scale} << ")";
  return v ? *v : Value::Null(LogicalType::Decimal(precision, scale));
}

Value DateOf(int year, int month, int day) {
  return Value::Date(core::DaysFromCivil({year, static_cast<uint32_t>(month), static_cast<uint32_t>(day)}));
}

Value TsOf(int year, int month, int day, int hh, int mm, int ss, int micros) {
  int64_t days = core::DaysFromCivil({year, static_cast<uint32_t>(month), static_cast<uint32_t>(day)});
  return Value::Timestamp(((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000000) + micros);
}

TempDir::TempDir() {
  std::string tmpl =
      (fs::temp_directory_path() / "datasync-storage-test-").string() + std::string(6, 'X');  // mkdtemp template
  char* made = ::mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> ListTree(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool dataset_lock = name.starts_with(".") && name.ends_with(".lock");
    if (it->is_regular_file() && !dataset_lock) out.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Shorten(std::string s) {
  if (s.size() > 80) s = s.substr(0, 60) + "...(" + std::to_string(s.size()) + " bytes)";
  return s;
}

namespace {

class SqliteReader final : public SinkReader {
 public:
  SqliteReader(fs::path db, std::string prefix) : db_path_(std::move(db)), prefix_(std::move(prefix)) {}

  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    StoredData out;
    if (!fs::exists(db_path_)) return out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << db_path_ << ": " << sqlite3_errmsg(db);
      sqlite3_close(db);
      return out;
    }
    std::string table = prefix_ + dataset;
    sqlite3_stmt* info = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)", -1, &info, nullptr);
    sqlite3_bind_text(info, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(info) == SQLITE_ROW) {
      out.stored_columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
    }
    sqlite3_finalize(info);
    if (out.stored_columns.empty()) {
      sqlite3_close(db);
      return out;
    }
    out.exists = true;
    // Select the schema's columns the table has, by their stored names.
    std::vector<int> select_index(schema.size(), -1);
    std::string sql = "SELECT ";
    int n = 0;
    for (size_t f = 0; f < schema.size(); ++f) {
      for (const auto& stored : out.stored_columns) {
        if (core::ToLower(stored) != core::ToLower(schema.field(f).name)) continue;
        if (n) sql += ", ";
        std::string quoted = "\"";
        for (char c : stored) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        sql += quoted + "\"";
        select_index[f] = n++;
      }
    }
    if (n == 0) sql += "1";
    std::string quoted_table = "\"";
    for (char c : table) quoted_table += c == '"' ? std::string("\"\"") : std::string(1, c);
    sql += " FROM " + quoted_table + "\"";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "reader SQL failed: " << sqlite3_errmsg(db) << " in " << sql;
      sqlite3_close(db);
      return out;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      Row row;
      for (size_t f = 0; f < schema.size(); ++f) {
        const LogicalType& type = schema.field(f).type;
        int i = select_index[f];
        if (i < 0 || sqlite3_column_type(stmt, i) == SQLITE_NULL) {
          row.push_back(Value::Null(type));
          continue;
        }
        int storage = sqlite3_column_type(stmt, i);
        auto expect_class = [&](int want) {
          EXPECT_EQ(storage, want) << "column '" << schema.field(f).name << "' (" << type.ToString()
                                   << ") has SQLite storage class " << storage;
        };
        switch (type.id) {
          case TypeId::kBool: {
            expect_class(SQLITE_INTEGER);
            int64_t v = sqlite3_column_int64(stmt, i);
            EXPECT_TRUE(v == 0 || v == 1) << v;
            row.push_back(Value::Bool(v != 0));
            break;
          }
          case TypeId::kInt32:
            expect_class(SQLITE_INTEGER);
            row.push_back(Value::Int32(static_cast<int32_t>(sqlite3_column_int64(stmt, i))));
            break;
          case TypeId::kInt64:
            expect_class(SQLITE_INTEGER);
            row.push_back(Value::Int64(sqlite3_column_int64(stmt, i)));
            break;
          case TypeId::kFloat64:
            expect_class(SQLITE_FLOAT);
            row.push_back(Value::Float64(sqlite3_column_double(stmt, i)));
            break;
          default: {
            expect_class(SQLITE_TEXT);
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
            std::string text(p, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
            auto v = ParseTyped(text, type);
            EXPECT_TRUE(v.has_value()) << "cannot read '" << Shorten(text) << "' as " << type.ToString();
            row.push_back(v ? *v : Value::Null(type));
          }
        }
      }
      out.rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

 private:
  fs::path db_path_;
  std::string prefix_;
};

// Shared by the CSV and JSONL readers: the dataset folder, its sidecar, and its part files.
struct FileDataset {
  bool exists = false;
  nlohmann::json sidecar;
  std::vector<fs::path> parts;
};

FileDataset FindParts(const fs::path& root, const std::string& dataset, std::string_view ext) {
  FileDataset out;
  fs::path dir = root / files::SafeFileName(dataset);
  if (!fs::is_directory(dir)) return out;
  out.exists = true;
  std::ifstream in(dir / "_schema.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  out.sidecar = nlohmann::json::parse(text.str(), nullptr, false);
  EXPECT_FALSE(out.sidecar.is_discarded()) << "missing or broken _schema.json in " << dir;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".") || name.starts_with("_")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && name.starts_with("part-") && name.ends_with(ext)) {
      out.parts.push_back(it->path());
    }
  }
  std::sort(out.parts.begin(), out.parts.end());
  return out;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A whole .gz (zlib) or .zst (libzstd) file decompressed, checked to be exactly one complete stream.
std::string Decompress(const std::string& data, std::string_view compression, const fs::path& part) {
  std::string out;
  if (compression == "gzip") {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
      // A file of several members (RFC 1952 2.2; a merged part file) reads as their texts in turn.
      if (rc == Z_STREAM_END && z.avail_in > 0) {
        inflateReset(&z);
        rc = Z_OK;
      }
    }
    EXPECT_EQ(rc, Z_STREAM_END) << part << " is not a complete gzip stream";
    EXPECT_EQ(z.avail_in, 0u) << part << " has bytes after its gzip stream";
    inflateEnd(&z);
  } else if (compression == "zstd") {
    ZSTD_DCtx* d = ZSTD_createDCtx();
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::string buf(ZSTD_DStreamOutSize(), '\0');
    size_t left = 1;
    while (in.pos < in.size) {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      left = ZSTD_decompressStream(d, &o, &in);
      if (ZSTD_isError(left)) {
        ADD_FAILURE() << part << ": " << ZSTD_getErrorName(left);
        break;
      }
      out.append(buf.data(), o.pos);
    }
    EXPECT_EQ(left, 0u) << part << " is not a complete zstd frame";
    ZSTD_freeDCtx(d);
  } else {
    EXPECT_EQ(compression, "none");
    return data;
  }
  return out;
}

class CsvReader final : public SinkReader {
 public:
  explicit CsvReader(fs::path root) : root_(std::move(root)) {}

  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    StoredData out;
    FileDataset ds = FindParts(root_, dataset, ".csv");
    out.exists = ds.exists;
    if (!ds.exists || ds.sidecar.is_discarded()) return out;
    auto settings = ds.sidecar.value("format_settings", nlohmann::json::object());
    std::string compression = settings.value("compression", "none");
    if (compression != "none") {
      EXPECT_TRUE(ds.parts.empty()) << "uncompressed parts in a " << compression << " dataset";
      ds = FindParts(root_, dataset, compression == "gzip" ? ".csv.gz" : ".csv.zst");
    }
    std::string delimiter = settings.value("delimiter", ",");
    std::string null_marker = settings.value("null_marker", "");
    bool header = settings.value("header", "true") == "true";
    EXPECT_EQ(delimiter.size(), 1u);
    std::vector<std::string> sidecar_names;
    for (const auto& f : ds.sidecar["fields"]) sidecar_names.push_back(f["name"].get<std::string>());
    for (const auto& part : ds.parts) {
      std::string data = Decompress(Slurp(part), compression, part);
      if (data.starts_with("\xEF\xBB\xBF")) data.erase(0, 3);
      std::vector<std::vector<CsvField>> records;
      std::string error;
      if (!ParseCsv(data, delimiter[0], records, error)) {
        ADD_FAILURE() << part << ": " << error;
        continue;
      }
      std::vector<std::string> names = sidecar_names;
      size_t first = 0;
      if (header) {
        if (records.empty()) {
          ADD_FAILURE() << part << " has no header row";
          continue;
        }
        names.clear();
        for (const auto& f : records[0]) names.push_back(f.text);
        first = 1;
      }
      out.stored_columns = names;
      for (size_t r = first; r < records.size(); ++r) {
        const auto& rec = records[r];
        EXPECT_EQ(rec.size(), names.size()) << part << " record " << r;
        Row row;
        for (const auto& field : schema.fields()) {
          auto at = std::find(names.begin(), names.end(), field.name);
          if (at == names.end() || static_cast<size_t>(at - names.begin()) >= rec.size()) {
            row.push_back(Value::Null(field.type));
            continue;
          }
          const CsvField& cell = rec[static_cast<size_t>(at - names.begin())];
          if (!cell.quoted && cell.text == null_marker) {
            row.push_back(Value::Null(field.type));
            continue;
          }
          auto v = ParseTyped(cell.text, field.type);
          EXPECT_TRUE(v.has_value()) << part << ": cannot read '" << Shorten(cell.text) << "' as "
                                     << field.type.ToString();
          row.push_back(v ? *v : Value::Null(field.type));
        }
        out.rows.push_back(std::move(row));
      }
    }
    return out;
  }

 private:
  fs::path root_;
};

// A JSON object of a JSONL line or a JSON array element as a row of `schema` (missing keys are NULL).
Row JsonObjectToRow(const nlohmann::json& obj, const core::Schema& schema) {
  Row row;
  for (const auto& field : schema.fields()) {
    auto it = obj.find(field.name);
    if (it == obj.end() || it->is_null()) {
      row.push_back(Value::Null(field.type));
      continue;
    }
    const auto& j = *it;
    switch (field.type.id) {
      case TypeId::kBool:
        EXPECT_TRUE(j.is_boolean()) << field.name << ": " << j.dump();
        row.push_back(Value::Bool(j.is_boolean() && j.get<bool>()));
        break;
      case TypeId::kInt32:
      case TypeId::kInt64: {
        EXPECT_TRUE(j.is_number_integer()) << field.name << ": " << j.dump();
        int64_t v = j.is_number_integer() ? j.get<int64_t>() : 0;
        row.push_back(field.type.id == TypeId::kInt32 ? Value::Int32(static_cast<int32_t>(v)) : Value::Int64(v));
        break;
      }
      case TypeId::kFloat64:
        EXPECT_TRUE(j.is_number()) << field.name << ": " << j.dump();
        row.push_back(Value::Float64(j.is_number() ? j.get<double>() : 0));
        break;
      default: {
        // Strings, and the types JSON has no literal for (dates, timestamps, exact decimals).
        EXPECT_TRUE(j.is_string()) << field.name << " (" << field.type.ToString() << "): " << Shorten(j.dump());
        std::string text = j.is_string() ? j.get<std::string>() : "";
        auto v = ParseTyped(text, field.type);
        EXPECT_TRUE(v.has_value()) << "cannot read '" << Shorten(text) << "' as " << field.type.ToString();
        row.push_back(v ? *v : Value::Null(field.type));
      }
    }
  }
  return row;
}

// JSON Lines (one object per line) or JSON (one array of objects per file).
class JsonReader final : public SinkReader {
 public:
  JsonReader(fs::path root, bool array) : root_(std::move(root)), array_(array) {}

  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    StoredData out;
    FileDataset ds = FindParts(root_, dataset, array_ ? ".json" : ".jsonl");
    out.exists = ds.exists;
    if (!ds.exists) return out;
    for (const auto& part : ds.parts) {
      std::string data = Slurp(part);
      if (array_) {
        auto doc = nlohmann::json::parse(data, nullptr, false);
        if (doc.is_discarded() || !doc.is_array()) {
          ADD_FAILURE() << part << " is not one JSON array";
          continue;
        }
        for (const auto& obj : doc) {
          EXPECT_TRUE(obj.is_object()) << part << ": an element is not an object";
          if (obj.is_object()) out.rows.push_back(JsonObjectToRow(obj, schema));
        }
        continue;
      }
      EXPECT_TRUE(data.empty() || data.back() == '\n') << part << " does not end with a newline";
      size_t start = 0;
      while (start < data.size()) {
        size_t end = data.find('\n', start);
        if (end == std::string::npos) end = data.size();
        std::string_view line(data.data() + start, end - start);
        start = end + 1;
        auto obj = nlohmann::json::parse(line, nullptr, false);
        if (obj.is_discarded() || !obj.is_object()) {
          ADD_FAILURE() << part << ": not a JSON object: " << Shorten(std::string(line));
          continue;
        }
        out.rows.push_back(JsonObjectToRow(obj, schema));
      }
    }
    return out;
  }

 private:
  fs::path root_;
  bool array_;
};

std::string CellRepr(const Value& v, const FloatRules& rules) {
  if (v.is_null()) return "NULL";
  if (auto* d = std::get_if<double>(&v.v)) {
    if (std::isnan(*d)) return "f:NaN";
    if (*d == 0 && !rules.keeps_negative_zero) return "f:0";
    char buf[64];
    std::snprintf(buf, sizeof buf, "f:%a", *d);
    return buf;
  }
  if (auto* s = std::get_if<std::string>(&v.v)) return "s:" + *s;
  if (auto* b = std::get_if<bool>(&v.v)) return *b ? "b:true" : "b:false";
  if (auto* i = std::get_if<int32_t>(&v.v)) return "i:" + std::to_string(*i);
  if (auto* l = std::get_if<int64_t>(&v.v)) return "i:" + std::to_string(*l);
  if (auto* w = std::get_if<core::Int128>(&v.v)) return "i:" + core::FormatDecimal128(*w, 0);
  return "?";
}

std::vector<std::string> RowCells(const Row& row, const FloatRules& rules) {
  std::vector<std::string> out;
  for (const auto& v : row) out.push_back(CellRepr(v, rules));
  return out;
}

// Length-prefixed, so no two different rows share a key whatever bytes their strings hold.
std::string RowKey(const std::vector<std::string>& cells) {
  std::string key;
  for (const auto& c : cells) key += std::to_string(c.size()) + ":" + c;
  return key;
}

}  // namespace

std::unique_ptr<SinkReader> NewSqliteReader(fs::path db_path, std::string table_prefix) {
  return std::make_unique<SqliteReader>(std::move(db_path), std::move(table_prefix));
}
std::unique_ptr<SinkReader> NewCsvReader(fs::path root) {
  return std::make_unique<CsvReader>(std::move(root));
}
std::unique_ptr<SinkReader> NewJsonlReader(fs::path root) {
  return std::make_unique<JsonReader>(std::move(root), false);
}
std::unique_ptr<SinkReader> NewJsonReader(fs::path root) {
  return std::make_unique<JsonReader>(std::move(root), true);
}

std::vector<Row> Normalize(std::vector<Row> rows, const FloatRules& rules) {
  for (auto& row : rows) {
    for (auto& v : row) {
      if (rules.empty_string_as_null && v.type.id == TypeId::kString && !v.is_null() &&
          std::get<std::string>(v.v).empty()) {
        v = Value::Null(v.type);
        continue;
      }
      if (rules.timestamp_millis && v.type.id == TypeId::kTimestamp && !v.is_null()) {
        int64_t us = std::get<int64_t>(v.v) + 500;
        int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
        v = Value::Timestamp(ms * 1000);
        continue;
      }
      auto* d = std::get_if<double>(&v.v);
      if (!d) continue;
      if ((std::isnan(*d) && rules.nan_as_null) || (std::isinf(*d) && rules.infinity_as_null)) {
        v = Value::Null(v.type);
      } else if (*d == 0 && !rules.keeps_negative_zero) {
        *d = 0.0;
      }
    }
  }
  return rows;
}

std::string CompareRows(const std::vector<Row>& expected, const std::vector<Row>& actual, const FloatRules& rules) {
  using Cells = std::vector<std::string>;
  auto sorted = [&](const std::vector<Row>& rows) {
    std::vector<std::pair<std::string, Cells>> out;
    for (const auto& r : rows) {
      Cells cells = RowCells(r, rules);
      out.emplace_back(RowKey(cells), std::move(cells));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto e = sorted(expected), a = sorted(actual);
  std::ostringstream diff;
  if (e.size() != a.size()) diff << "expected " << e.size() << " rows, store has " << a.size() << "\n";
  for (size_t i = 0; i < std::max(e.size(), a.size()); ++i) {
    if (i < e.size() && i < a.size() && e[i].first == a[i].first) continue;
    Cells none;
    const Cells& ec = i < e.size() ? e[i].second : none;
    const Cells& ac = i < a.size() ? a[i].second : none;
    diff << "sorted row " << i << " differs:";
    for (size_t c = 0; c < std::max(ec.size(), ac.size()); ++c) {
      std::string x = c < ec.size() ? ec[c] : "(none)", y = c < ac.size() ? ac[c] : "(none)";
      if (x != y) diff << " [col " << c << ": expected " << Shorten(x) << ", stored " << Shorten(y) << "]";
    }
    diff << "\n";
    if (diff.str().size() > 4000) break;
  }
  return diff.str();
}

BindContext FileSinkContext(const fs::path& project_dir, const std::string& storage, const std::string& dataset,
                            core::SchemaPtr schema, std::vector<std::pair<std::string, core::OptionValue>> options) {
  BindContext ctx;
  ctx.storage_name = storage;
  ctx.dataset = dataset;
  ctx.schema = std::move(schema);
  ctx.mode = WriteMode::kAppend;
  ctx.project_dir = project_dir;
  ctx.options.Set("path", std::string("root"));
  for (auto& [k, v] : options) ctx.options.Set(k, std::move(v));
  return ctx;
}

void RunSink(Sink& sink, const BindContext& ctx, int64_t run_id, const std::vector<UnitBatch>& units) {
  auto st = sink.Bind(ctx);
  ASSERT_TRUE(st) << st.error().ToString();
  st = sink.Migrate();
  ASSERT_TRUE(st) << st.error().ToString();
  st = sink.Open(RunContext{run_id});
  ASSERT_TRUE(st) << st.error().ToString();
  for (const auto& u : units) {
    st = sink.Write(*u.batch, u.unit);
    ASSERT_TRUE(st) << st.error().ToString();
  }
  st = sink.Commit();
  ASSERT_TRUE(st) << st.error().ToString();
  st = sink.Finish();
  ASSERT_TRUE(st) << st.error().ToString();
  st = sink.Close();
  ASSERT_TRUE(st) << st.error().ToString();
}

}  // namespace datasync::storage::testing

namespace datasync::storage::testing {

fs::path OraclesDir() {
  // Next to the test data of the source tree the test was built from (tests/unit/CMakeLists.txt).
  return fs::path(DATASYNC_TEST_DATA_DIR).parent_path() / "oracles";
}

int RunProcess(const std::vector<std::string>& argv, std::string& out) {
  out.clear();
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

namespace {

int CallOracle(OracleProcess& oracle, const std::vector<std::string>& args, nlohmann::json& doc) {
  OracleProcess::Answer answer = oracle.Call(args, doc);
  if (!answer.error.empty()) {
    ADD_FAILURE() << answer.error
                  << (answer.exit_code < 0 ? "\n(were the oracles installed by scripts/test-setup.d/20-oracles.sh?)"
                                           : "");
  }
  return answer.exit_code;
}

}  // namespace

int ReadParquetOracle(const std::vector<std::string>& args, nlohmann::json& doc) {
  std::string engine = "duckdb";
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--engine") engine = args[i + 1];
  }
  static std::map<std::string, std::unique_ptr<OracleProcess>> oracles;  // by engine, for the whole binary
  auto& oracle = oracles[engine];
  if (!oracle) {
    oracle = std::make_unique<OracleProcess>(
        std::vector<std::string>{"node", (OraclesDir() / "read_parquet.mjs").string(), "--serve", "--engine", engine});
  }
  return CallOracle(*oracle, args, doc);
}

int ReadXlsxOracle(const std::vector<std::string>& paths, nlohmann::json& doc) {
  static OracleProcess oracle({"/usr/bin/python3", (OraclesDir() / "read_xlsx.py").string(), "--serve"});
  return CallOracle(oracle, paths, doc);
}

namespace {

// A value in the oracles' normalized JSON (see read_parquet.mjs) as the field's Value.
std::optional<Value> FromOracle(const nlohmann::json& j, const LogicalType& type) {
  if (j.is_null()) return Value::Null(type);
  switch (type.id) {
    case TypeId::kBool:
      if (!j.is_boolean()) return std::nullopt;
      return Value::Bool(j.get<bool>());
    case TypeId::kFloat64: {
      if (!j.is_string()) return std::nullopt;
      std::string t = j.get<std::string>();
      char* end = nullptr;
      double d = std::strtod(t.c_str(), &end);
      if (end != t.c_str() + t.size()) return std::nullopt;
      return Value::Float64(d);
    }
    case TypeId::kString:
      if (!j.is_string()) return std::nullopt;
      return Value::String(j.get<std::string>());
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kInt32:
    case TypeId::kInt64: {
      if (!j.is_string()) return std::nullopt;
      auto v = core::ParseInt64(j.get<std::string>());
      if (!v) return std::nullopt;
      if (type.id == TypeId::kDate) return Value::Date(static_cast<int32_t>(*v));
      if (type.id == TypeId::kTimestamp) return Value::Timestamp(*v);
      if (type.id == TypeId::kInt32) return Value::Int32(static_cast<int32_t>(*v));
      return Value::Int64(*v);
    }
    case TypeId::kDecimal: return j.is_string() ? ParseTyped(j.get<std::string>(), type) : std::nullopt;
  }
  return std::nullopt;
}

class ParquetReader final : public SinkReader {
 public:
  ParquetReader(fs::path root, std::string engine) : root_(std::move(root)), engine_(std::move(engine)) {}

  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    StoredData out;
    fs::path dir = root_ / files::SafeFileName(dataset);
    if (!fs::is_directory(dir)) return out;
    out.exists = true;
    nlohmann::json doc;
    int rc = ReadParquetOracle({"--engine", engine_, "--no-meta", dir.string()}, doc);
    if (rc != 0 || !doc.is_object()) {
      ADD_FAILURE() << engine_ << " could not read " << dir << " (exit " << rc << ")";
      return out;
    }
    std::vector<std::string> names;
    for (const auto& c : doc["columns"]) names.push_back(c["name"].get<std::string>());
    out.stored_columns = names;
    std::vector<int> index(schema.size(), -1);
    for (size_t f = 0; f < schema.size(); ++f) {
      auto at = std::find(names.begin(), names.end(), schema.field(f).name);
      if (at == names.end()) continue;
      index[f] = static_cast<int>(at - names.begin());
      EXPECT_EQ(doc["columns"][static_cast<size_t>(index[f])]["type"].get<std::string>(),
                schema.field(f).type.ToString())
          << engine_ << " reads column '" << schema.field(f).name << "' with another type";
    }
    for (const auto& r : doc["rows"]) {
      Row row;
      for (size_t f = 0; f < schema.size(); ++f) {
        const LogicalType& type = schema.field(f).type;
        auto i = index[f];
        if (i < 0 || static_cast<size_t>(i) >= r.size()) {
          row.push_back(Value::Null(type));
          continue;
        }
        auto v = FromOracle(r[static_cast<size_t>(i)], type);
        EXPECT_TRUE(v.has_value()) << engine_ << ": cannot read " << Shorten(r[static_cast<size_t>(i)].dump()) << " as "
                                   << type.ToString();
        row.push_back(v ? *v : Value::Null(type));
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  }

 private:
  fs::path root_;
  std::string engine_;
};

}  // namespace

std::unique_ptr<SinkReader> NewParquetReader(fs::path root, std::string engine) {
  return std::make_unique<ParquetReader>(std::move(root), std::move(engine));
}

}  // namespace datasync::storage::testing

namespace datasync::storage::testing {
namespace {

// "YYYY-MM-DDTHH:MM:SS.ffffff" from read_xlsx.py as microseconds since the epoch.
std::optional<int64_t> OracleDateTime(const std::string& t) {
  if (t.size() != 26 || t[10] != 'T') return std::nullopt;
  return core::ParseTimestamp(t);
}

std::optional<Value> FromXlsxCell(const nlohmann::json& j, const LogicalType& type, bool& typed) {
  typed = true;
  if (j.is_null()) return Value::Null(type);
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  const std::string tag = j.begin().key();
  const nlohmann::json& v = j.begin().value();
  auto number = [&]() -> std::optional<double> {
    if (tag == "i" || tag == "f") return std::strtod(v.get<std::string>().c_str(), nullptr);
    return std::nullopt;
  };
  switch (type.id) {
    case TypeId::kBool:
      if (tag != "b") return std::nullopt;
      return Value::Bool(v.get<bool>());
    case TypeId::kInt32:
    case TypeId::kInt64: {
      std::optional<int64_t> n;
      if (tag == "s") {
        n = core::ParseInt64(v.get<std::string>());  // beyond 2^53: text by design
        if (n && *n >= -(int64_t{1} << 53) && *n <= (int64_t{1} << 53)) typed = false;
      } else if (auto d = number(); d && std::floor(*d) == *d) {
        n = static_cast<int64_t>(*d);
      }
      if (!n) return std::nullopt;
      return type.id == TypeId::kInt32 ? Value::Int32(static_cast<int32_t>(*n)) : Value::Int64(*n);
    }
    case TypeId::kFloat64: {
      if (tag == "s") {
        char* end = nullptr;
        std::string t = v.get<std::string>();
        double d = std::strtod(t.c_str(), &end);
        return end == t.c_str() + t.size() ? std::optional<Value>(Value::Float64(d)) : std::nullopt;
      }
      auto d = number();
      return d ? std::optional<Value>(Value::Float64(*d)) : std::nullopt;
    }
    case TypeId::kString:
      if (tag != "s") return std::nullopt;
      return Value::String(v.get<std::string>());
    case TypeId::kDate: {
      if (tag == "s") return ParseTyped(v.get<std::string>(), type);  // outside Excel's calendar: ISO text
      auto us = tag == "t" ? OracleDateTime(v.get<std::string>()) : std::nullopt;
      if (!us || *us % 86400000000LL != 0) return std::nullopt;
      return Value::Date(static_cast<int32_t>(*us / 86400000000LL));
    }
    case TypeId::kTimestamp: {
      if (tag == "s") return ParseTyped(v.get<std::string>(), type);
      auto us = tag == "t" ? OracleDateTime(v.get<std::string>()) : std::nullopt;
      if (!us) return std::nullopt;
      return Value::Timestamp(*us);
    }
    case TypeId::kDecimal: {
      if (tag == "s") return ParseTyped(v.get<std::string>(), type);
      if (tag != "i" && tag != "f") return std::nullopt;
      std::string text = v.get<std::string>();
      if (text.find_first_of("eE") != std::string::npos) {
        // Python writes small and large floats in exponent form; re-render them positionally.
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", type.scale, std::strtod(text.c_str(), nullptr));
        text = buf;
      }
      return DecimalValue(text, type);
    }
  }
  return std::nullopt;
}

class XlsxReader final : public SinkReader {
 public:
  explicit XlsxReader(fs::path root) : root_(std::move(root)) {}

  StoredData Read(const std::string& dataset, const core::Schema& schema) override {
    StoredData out;
    fs::path dir = root_ / files::SafeFileName(dataset);
    if (!fs::is_directory(dir)) return out;
    out.exists = true;
    nlohmann::json doc;
    int rc = ReadXlsxOracle({dir.string()}, doc);
    if (rc != 0 || !doc.is_object()) {
      ADD_FAILURE() << "openpyxl could not read " << dir << " (exit " << rc << ")";
      return out;
    }
    for (const auto& sheet : doc["sheets"]) EXPECT_TRUE(sheet["header_bold"].get<bool>()) << sheet.dump();
    std::vector<std::string> names;
    for (const auto& c : doc["columns"]) names.push_back(c.get<std::string>());
    out.stored_columns = names;
    for (const auto& r : doc["rows"]) {
      Row row;
      for (const auto& field : schema.fields()) {
        auto at = std::find(names.begin(), names.end(), field.name);
        size_t i = static_cast<size_t>(at - names.begin());
        if (at == names.end() || i >= r.size()) {
          row.push_back(Value::Null(field.type));
          continue;
        }
        bool typed = true;
        auto v = FromXlsxCell(r[i], field.type, typed);
        EXPECT_TRUE(v.has_value()) << "openpyxl: cannot read " << Shorten(r[i].dump()) << " as "
                                   << field.type.ToString() << " (column '" << field.name << "')";
        EXPECT_TRUE(typed) << "column '" << field.name << "': " << r[i].dump() << " should have been a number";
        row.push_back(v ? *v : Value::Null(field.type));
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  }

 private:
  fs::path root_;
};

}  // namespace

std::unique_ptr<SinkReader> NewXlsxReader(fs::path root) {
  return std::make_unique<XlsxReader>(std::move(root));
}

}  // namespace datasync::storage::testing
