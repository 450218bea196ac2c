// Test-only helpers for the sink tests: building batches from rows of Values, temp folders, running a
// sink through its lifecycle, and readers that load back what each sink stored (SQLite through sqlite3,
// CSV through an RFC 4180 parser written here, JSONL and JSON through nlohmann_json, Parquet through
// DuckDB or hyparquet, xlsx through openpyxl), independent of the sinks' own code, so the tests compare
// stored data with written data cell by cell.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"
#include "storage/sink.hpp"
#include "text_reading.hpp"

namespace datasync::storage::testing {

namespace fs = std::filesystem;
using Row = std::vector<core::Value>;

core::SchemaPtr MakeSchema(std::vector<core::Field> fields);
core::ColumnBatch MakeBatch(const core::SchemaPtr& schema, const std::vector<Row>& rows);
core::Value Dec(int64_t unscaled, uint8_t precision, uint8_t scale);
// A decimal from its text ("-1234567890123456789012.123456789012"), Int128 when the precision is above 18.
core::Value DecOf(std::string_view text, uint8_t precision, uint8_t scale);
core::Value DateOf(int year, int month, int day);
core::Value TsOf(int year, int month, int day, int hh, int mm, int ss, int micros = 0);

// A fresh folder under the system temp folder, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Every regular file under root except the file sinks' dataset locks (.<dataset>.lock), relative to it,
// sorted.
std::vector<std::string> ListTree(const fs::path& root);

// What a reader found: whether the dataset exists at all, and its rows typed and ordered like `schema`
// (a field the store does not have reads as NULL).
struct StoredData {
  bool exists = false;
  std::vector<std::string> stored_columns;
  std::vector<Row> rows;
};

class SinkReader {
 public:
  virtual ~SinkReader() = default;
  virtual StoredData Read(const std::string& dataset, const core::Schema& schema) = 0;
};

// s cut to a readable length for failure messages.
std::string Shorten(std::string s);

// The sinks this build has, from the one registration list (app/registries.cpp), so that a sink the
// build leaves out (cmake/Plugins.cmake) drops out of every per-sink test list too.
SinkRegistry BuiltinSinks();
// Ids of the built-in sinks that store under a local path (option `path`: SQLite and the file sinks), or
// that talk to a server (option `url`), in registration order.
std::vector<std::string> LocalSinkIds();
std::vector<std::string> ServerSinkIds();
// The ids of `ids` that this build has.
std::vector<std::string> BuiltIds(std::vector<std::string> ids);

std::unique_ptr<SinkReader> NewSqliteReader(fs::path db_path, std::string table_prefix = "");
std::unique_ptr<SinkReader> NewCsvReader(fs::path root);
std::unique_ptr<SinkReader> NewJsonlReader(fs::path root);
std::unique_ptr<SinkReader> NewJsonReader(fs::path root);
// Parquet through an independent reader (tests/oracles/read_parquet.mjs): DuckDB's C++ reader or
// hyparquet's JavaScript one, with union by name over every part file. Also checks each column's type.
std::unique_ptr<SinkReader> NewParquetReader(fs::path root, std::string engine = "duckdb");
// xlsx through openpyxl (tests/oracles/read_xlsx.py under /usr/bin/python3); also checks that dates and
// timestamps come back as dates (a date number format), not as numbers.
std::unique_ptr<SinkReader> NewXlsxReader(fs::path root);

// Runs argv (no shell), returns its exit code and stdout; stderr goes to the test log.
int RunProcess(const std::vector<std::string>& argv, std::string& out);
// tests/oracles of the source tree, where the oracle scripts and their node_modules live.
fs::path OraclesDir();
// The oracles' command lines, answered by persistent processes (oracle_process.hpp) the test binary starts
// on first use: one read_parquet.mjs per engine (--engine in args, default duckdb), one read_xlsx.py. Each
// returns the exit code the command line would have (read_parquet.mjs --expect-synthetic: 1 on a mismatch)
// and sets doc to what it would print; an oracle that errs or dies also fails the test, with its stderr.
int ReadParquetOracle(const std::vector<std::string>& args, nlohmann::json& doc);
int ReadXlsxOracle(const std::vector<std::string>& paths, nlohmann::json& doc);


// How a store represents floats it cannot hold exactly.
struct FloatRules {
  bool nan_as_null = false;
  bool infinity_as_null = false;
  bool keeps_negative_zero = true;
  bool timestamp_millis = false;      // timestamps kept to the millisecond (Excel), rounded half up
  bool empty_string_as_null = false;  // an empty text cell is an empty cell (Excel)
};

// Rows as the store should give them back: expected values adjusted by `rules`.
std::vector<Row> Normalize(std::vector<Row> rows, const FloatRules& rules);
// Compares as multisets (order does not matter) cell by cell; doubles bit-exact except NaN == NaN and,
// without keeps_negative_zero, -0.0 == 0.0. Returns "" when equal, else a description of the difference.
std::string CompareRows(const std::vector<Row>& expected, const std::vector<Row>& actual, const FloatRules& rules);

// A BindContext for a file sink in mode append, rooted at project_dir/root, with extra options.
BindContext FileSinkContext(const fs::path& project_dir, const std::string& storage, const std::string& dataset,
                            core::SchemaPtr schema,
                            std::vector<std::pair<std::string, core::OptionValue>> options = {});

// Runs Bind, Migrate, Open, one Write per (unit, batch) and Commit, Finish, Close; fails the test on the
// first error.
struct UnitBatch {
  std::string unit;
  const core::ColumnBatch* batch;
};
void RunSink(Sink& sink, const BindContext& ctx, int64_t run_id, const std::vector<UnitBatch>& units);

}  // namespace datasync::storage::testing
