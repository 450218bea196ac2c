// The parquet storage's read port (storage/parquet/parquet_reader.hpp): files the sink wrote read back through
// the registry's open_reader with every logical type and NULLs, dictionary and PLAIN pages, several row groups,
// every codec; filters, pruning by partition folder and by row-group statistics (shown by damaging what must
// not be read), compacted files with a unit rewritten afterwards and a crash's leftovers (each unit read once),
// schema evolution, the other queries against the SQLite reader and DuckDB, and damaged or foreign files
// refused with an error naming the file (and never a read outside the buffers: this binary runs under ASan).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "core/dates.hpp"
#include "sink_test_support.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_versions.hpp"
#include "storage/parquet/parquet_decoder.hpp"
#include "storage/parquet/parquet_metadata.hpp"
#include "storage/parquet/parquet_scan.hpp"
#include "storage/parquet/parquet_sink.hpp"
#include "storage/parquet/thrift_compact.hpp"
#include "storage/sqlite/sqlite_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

core::SchemaPtr AllTypes() {
  return MakeSchema({{"id", LogicalType::Int64()},
                     {"i32", LogicalType::Int32()},
                     {"f", LogicalType::Float64()},
                     {"s", LogicalType::String()},
                     {"code", LogicalType::String()},
                     {"b", LogicalType::Bool()},
                     {"d", LogicalType::Date()},
                     {"t", LogicalType::Timestamp()},
                     {"m", LogicalType::Decimal(18, 4)},
                     {"w", LogicalType::Decimal(38, 6)}});
}

// Rows [first, first + count): every type, a NULL in every column now and then, repeated codes (dictionary
// pages) and unique ids (PLAIN), special doubles, long and non-ASCII strings.
core::ColumnBatch AllTypesBatch(const core::SchemaPtr& schema, int64_t first, int64_t count) {
  static const double kSpecial[] = {std::nan(""), INFINITY, -INFINITY, -0.0, 4.9406564584124654e-324, DBL_MAX};
  core::ColumnBatch batch(schema);
  for (int64_t i = first; i < first + count; ++i) {
    auto null = [&](int k) { return (i * 31 + k * 7) % 13 == 0; };
    auto c = [&](int k) -> core::Column& { return batch.column(static_cast<size_t>(k)); };
    c(0).AppendInt64(i * 1000003 - 500000000000);
    null(1) ? c(1).AppendNull() : c(1).AppendInt32(static_cast<int32_t>((i * 7919) % 200001 - 100000));
    null(2) ? c(2).AppendNull() : c(2).AppendFloat64(i % 97 == 5 ? kSpecial[(i / 97) % 6] : (i - 500) * 0.125);
    std::string s = i % 5 == 0 ? "平安银行-" + std::to_string(i) : i % 5 == 1 ? "" : std::string(i % 300, 'x');
    null(3) ? c(3).AppendNull() : c(3).AppendString(s);
    char code[16];
    std::snprintf(code, sizeof code, "0000%02d.SZ", static_cast<int>(i % 50));
    null(4) ? c(4).AppendNull() : c(4).AppendString(code);
    null(5) ? c(5).AppendNull() : c(5).AppendBool(i % 3 == 0);
    null(6) ? c(6).AppendNull() : c(6).AppendInt32(static_cast<int32_t>(19700 + i % 800));  // 2023-12 .. 2026-02
    null(7) ? c(7).AppendNull() : c(7).AppendInt64(1600000000000000 + i * 1000001);
    null(8) ? c(8).AppendNull() : c(8).AppendInt64((i * 987654321) % 1000000000000000 - 500000000000000);
    null(9) ? c(9).AppendNull() : c(9).AppendInt128(core::Int128{i - 700} * core::Int128{1000000000000000000} * 7);
  }
  return batch;
}

std::vector<Row> RowsOf(const core::ColumnBatch& batch) {
  std::vector<Row> rows;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    Row row;
    for (size_t c = 0; c < batch.num_columns(); ++c) row.push_back(batch.column(c).GetValue(r));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FirstBytes(const std::string& s) {
  return s.substr(0, 600);
}

class ParquetReaderTest : public ::testing::Test {
 protected:
  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema,
                  std::vector<std::pair<std::string, core::OptionValue>> options = {}) {
    return FileSinkContext(tmp_.path(), "lake", dataset, std::move(schema), std::move(options));
  }
  fs::path Root() const { return tmp_.path() / "root"; }

  void Write(const std::string& dataset, const core::SchemaPtr& schema, const std::vector<UnitBatch>& units,
             std::vector<std::pair<std::string, core::OptionValue>> options = {}, int64_t run = 1) {
    ParquetSink sink;
    RunSink(sink, Ctx(dataset, schema, std::move(options)), run, units);
  }

  // The reader the registry gives a parquet storage whose path is "root" in the test's project folder.
  std::unique_ptr<DatasetReader> Reader() {
    static const SinkRegistry sinks = BuiltinSinks();
    const SinkInfo* info = sinks.Find("parquet");
    EXPECT_TRUE(info && info->open_reader) << "the parquet sink registers no reader";
    if (!info || !info->open_reader) return nullptr;
    ReaderContext ctx;
    ctx.storage_name = "lake";
    ctx.options.Set("path", std::string("root"));
    ctx.project_dir = tmp_.path();
    auto r = info->open_reader(ctx);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::move(*r) : nullptr;
  }

  core::Result<std::vector<Row>> Scan(const std::string& dataset, const std::vector<std::string>& columns,
                                      ScanQuery q = {}) {
    q.dataset = dataset;
    q.columns = columns;
    std::vector<Row> rows;
    auto st = Reader()->ScanRows(q, [&](std::vector<Value>& row) { rows.push_back(row); });
    if (!st) return core::Fail(st.error());
    return rows;
  }

  TempDir tmp_;
};

// The part file's footer, and the file's bytes with `meta` written as its footer instead.
parquet::FileMetaData Footer(const std::string& file) {
  uint32_t len = 0;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  auto meta = parquet::ParseFileMetaData(std::string_view(file).substr(file.size() - 8 - len, len));
  EXPECT_TRUE(meta);
  return meta ? *meta : parquet::FileMetaData{};
}
std::string WithFooter(const std::string& file, const parquet::FileMetaData& meta) {
  uint32_t len = 0;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  std::string out = file.substr(0, file.size() - 8 - len);
  std::string footer;
  parquet::AppendFileMetaData(meta, footer);
  auto n = static_cast<uint32_t>(footer.size());
  out += footer;
  out.append(reinterpret_cast<const char*>(&n), 4);
  out += "PAR1";
  return out;
}
std::string Slurp(const fs::path& p) {
  auto text = files::ReadWholeFile(p);
  EXPECT_TRUE(text);
  return text ? *text : "";
}
void Spit(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_F(ParquetReaderTest, EveryTypeWithNullsReadsBackInEveryPageLayoutAndCodec) {
  auto schema = AllTypes();
  auto batch = AllTypesBatch(schema, 0, 3000);
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, core::OptionValue>>>> variants = {
      {"zstd_dictionary", {}},
      {"zstd_plain_groups", {{"dictionary", false}, {"row_group_rows", int64_t{700}}}},
      {"snappy_dictionary_groups", {{"compression", std::string("snappy")}, {"row_group_rows", int64_t{450}}}},
      {"snappy_plain", {{"compression", std::string("snappy")}, {"dictionary", false}}},
      {"none_dictionary_tiny_pages", {{"compression", std::string("none")}, {"data_page_size_bytes", int64_t{1024}}}},
      {"none_plain", {{"compression", std::string("none")}, {"dictionary", false}}},
  };
  for (const auto& [name, options] : variants) {
    SCOPED_TRACE(name);
    Write(name, schema, {{"u", &batch}}, options);
    auto rows = Scan(name, schema->Names());
    ASSERT_TRUE(rows) << rows.error().ToString();
    EXPECT_EQ(CompareRows(RowsOf(batch), *rows, FloatRules{}), "");
    auto types = Reader()->Describe(name);
    ASSERT_TRUE(types);
    for (const auto& f : schema->fields()) EXPECT_EQ(types->at(f.name), f.type) << f.name;
  }
  // The layouts asked for are the ones read: several row groups, dictionary and PLAIN chunks, each codec.
  auto meta = Footer(Slurp(Root() / "snappy_dictionary_groups" / "part-u.parquet"));
  EXPECT_EQ(meta.row_groups.size(), 7u);
  auto code = meta.row_groups[0].columns[4];
  EXPECT_EQ(code.codec, parquet::format::kSnappy);
  EXPECT_TRUE(code.dictionary_page_offset.has_value());
  EXPECT_FALSE(Footer(Slurp(Root() / "none_plain" / "part-u.parquet")).row_groups[0].columns[4].dictionary_page_offset);
}

TEST_F(ParquetReaderTest, AgreesWithDuckDbOnTheSameFiles) {
  auto schema = AllTypes();
  auto a = AllTypesBatch(schema, 0, 1200), b = AllTypesBatch(schema, 5000, 800);
  Write("cross", schema, {{"a", &a}, {"b", &b}},
        {{"row_group_rows", int64_t{500}},
         {"partition_by", std::string("d")},
         {"partition_granularity", std::string("month")}});
  auto ours = Scan("cross", schema->Names());
  ASSERT_TRUE(ours) << ours.error().ToString();
  auto duck = NewParquetReader(Root(), "duckdb")->Read("cross", *schema);
  ASSERT_TRUE(duck.exists);
  EXPECT_EQ(duck.rows.size(), 2000u);
  EXPECT_EQ(CompareRows(duck.rows, *ours, FloatRules{}), "");
}

TEST_F(ParquetReaderTest, FiltersAndTheOtherQueriesAnswerLikeTheRowsWritten) {
  auto schema = AllTypes();
  auto batch = AllTypesBatch(schema, 0, 4000);
  Write("daily", schema, {{"u", &batch}}, {{"row_group_rows", int64_t{600}}});
  const auto all = RowsOf(batch);
  auto reader = Reader();
  const int32_t lo = *core::ParseDate("2024-06-01"), hi = *core::ParseDate("2024-06-30");

  // A range on the date and an equals on the code, in config spelling.
  ScanQuery q;
  q.range_column = "d";
  q.min = "20240601";
  q.max = "2024-06-30";
  q.equals = {{"code", "000030.SZ"}};
  auto got = Scan("daily", {"id", "d", "code"}, q);
  ASSERT_TRUE(got) << got.error().ToString();
  std::vector<Row> want;
  for (const auto& r : all) {
    if (r[6].is_null() || r[4].is_null()) continue;
    int32_t d = std::get<int32_t>(r[6].v);
    if (d >= lo && d <= hi && std::get<std::string>(r[4].v) == "000030.SZ") want.push_back({r[0], r[6], r[4]});
  }
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(CompareRows(want, *got, FloatRules{}), "");

  // Booleans, decimals and a value the column's type cannot hold.
  q = {};
  ASSERT_FALSE(all[10][8].is_null());
  q.equals = {{"b", "true"}, {"m", all[10][8].ToString()}};
  got = Scan("daily", {"id"}, q);
  ASSERT_TRUE(got);
  size_t expect = 0;
  for (const auto& r : all) expect += !r[5].is_null() && std::get<bool>(r[5].v) && r[8] == all[10][8];
  EXPECT_EQ(got->size(), expect);
  q.equals = {{"i32", "not a number"}};
  got = Scan("daily", {"id"}, q);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());

  // DistinctValues: ascending, typed, without NULL.
  ReadQuery dq;
  dq.dataset = "daily";
  dq.column = "d";
  dq.min = "20240601";
  dq.max = "20240630";
  auto days = reader->DistinctValues(dq);
  ASSERT_TRUE(days) << days.error().ToString();
  std::set<int32_t> want_days;
  for (const auto& r : all) {
    if (!r[6].is_null() && std::get<int32_t>(r[6].v) >= lo && std::get<int32_t>(r[6].v) <= hi) {
      want_days.insert(std::get<int32_t>(r[6].v));
    }
  }
  ASSERT_EQ(days->size(), want_days.size());
  EXPECT_EQ((*days)[0], Value::Date(*want_days.begin()));
  EXPECT_TRUE(std::is_sorted(days->begin(), days->end(), parquet::ValueLess{}));

  // MaxValue from statistics and from decoding (strings over 256 bytes have no statistics).
  auto max_of = [&](size_t c) {
    std::optional<Value> best;
    for (const auto& r : all) {
      if (r[c].is_null()) continue;
      if (c == 2 && std::isnan(std::get<double>(r[c].v))) continue;
      if (!best || parquet::CompareValues(r[c], *best) > 0) best = r[c];
    }
    return best;
  };
  for (size_t c : {size_t{1}, size_t{2}, size_t{3}, size_t{6}, size_t{7}, size_t{8}, size_t{9}}) {
    auto m = reader->MaxValue("daily", schema->field(c).name);
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_EQ(*m, max_of(c)) << schema->field(c).name;
  }

  // KeySpans: per code, its first and last day and its distinct days.
  KeySpanQuery kq;
  kq.dataset = "daily";
  kq.key = "code";
  kq.date = "d";
  kq.min = "20240101";
  auto spans = reader->KeySpans(kq);
  ASSERT_TRUE(spans) << spans.error().ToString();
  std::map<std::string, std::set<int32_t>> per_code;
  for (const auto& r : all) {
    if (r[4].is_null() || r[6].is_null() || std::get<int32_t>(r[6].v) < *core::ParseDate("20240101")) continue;
    per_code[std::get<std::string>(r[4].v)].insert(std::get<int32_t>(r[6].v));
  }
  ASSERT_EQ(spans->size(), per_code.size());
  for (const auto& s : *spans) {
    const auto& d = per_code.at(s.key);
    EXPECT_EQ(s.days, static_cast<int64_t>(d.size())) << s.key;
    EXPECT_EQ(s.first, Value::Date(*d.begin())) << s.key;
    EXPECT_EQ(s.last, Value::Date(*d.rbegin())) << s.key;
  }

  // LatestRows: the newest by the timestamp, newest first, with a filter.
  RowsQuery lq;
  lq.dataset = "daily";
  lq.columns = {"id", "t"};
  lq.order_by = "t";
  lq.equals = {{"code", "000003.SZ"}};
  lq.limit = 5;
  auto latest = reader->LatestRows(lq);
  ASSERT_TRUE(latest) << latest.error().ToString();
  std::vector<Row> code3;
  for (const auto& r : all) {
    if (!r[4].is_null() && std::get<std::string>(r[4].v) == "000003.SZ") code3.push_back({r[0], r[7]});
  }
  std::sort(code3.begin(), code3.end(),
            [](const Row& a, const Row& b) { return parquet::CompareValues(a[1], b[1]) > 0; });
  code3.resize(5);
  EXPECT_EQ(latest->rows, code3);
  EXPECT_EQ(latest->types, (std::vector<LogicalType>{LogicalType::Int64(), LogicalType::Timestamp()}));
}

TEST_F(ParquetReaderTest, PartitionFoldersAndRowGroupsOutsideARangeAreNotRead) {
  auto schema = AllTypes();
  auto batch = AllTypesBatch(schema, 0, 3000);
  Write("by_month", schema, {{"u", &batch}},
        {{"partition_by", std::string("d")}, {"partition_granularity", std::string("month")}});
  // Damage a folder's file outside the range: a scan of June 2024 does not open it, a scan of everything does.
  fs::path outside = Root() / "by_month" / "d_month=2025-01" / "part-u.parquet";
  ASSERT_TRUE(fs::exists(outside));
  Spit(outside, "PAR1 not a parquet file PAR1");
  ScanQuery june;
  june.range_column = "d";
  june.min = "20240601";
  june.max = "20240630";
  auto got = Scan("by_month", {"id", "d"}, june);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_FALSE(got->empty());
  auto all = Scan("by_month", {"id"});
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message().find(outside.string()), std::string::npos) << all.error().message();

  // The same by statistics: row groups of sorted days, the first one's date pages overwritten.
  auto sorted = MakeSchema({{"d", LogicalType::Date()}, {"v", LogicalType::Int64()}});
  std::vector<Row> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back({Value::Date(19800 + i / 10), Value::Int64(i)});
  auto b = MakeBatch(sorted, rows);
  Write("sorted", sorted, {{"u", &b}}, {{"row_group_rows", int64_t{500}}, {"compression", std::string("none")}});
  fs::path file = Root() / "sorted" / "part-u.parquet";
  std::string bytes = Slurp(file);
  auto meta = Footer(bytes);
  ASSERT_EQ(meta.row_groups.size(), 4u);
  const auto& chunk = meta.row_groups[0].columns[0];
  std::fill_n(bytes.begin() + chunk.StartOffset(), chunk.total_compressed_size, '\xff');
  Spit(file, bytes);
  ScanQuery late;
  late.range_column = "d";
  late.min = core::FormatIsoDate(19800 + 60);  // row 600 on: row groups 1..3
  got = Scan("sorted", {"v"}, late);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->size(), 1400u);
  auto everything = Scan("sorted", {"v"}, ScanQuery{.range_column = "d", .min = "19700101"});
  ASSERT_FALSE(everything);
  EXPECT_EQ(everything.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(everything.error().message().find("row group 0, column 'd'"), std::string::npos)
      << everything.error().message();
}

class ParquetReaderCompactionTest : public ParquetReaderTest {
 protected:
  core::SchemaPtr schema_ = AllTypes();
  std::vector<std::pair<std::string, core::OptionValue>> Partitioned() { return {{"partition_by", std::string("b")}}; }
  void WriteUnits(int first, int count, int64_t run, int offset = 0) {
    ParquetSink sink;
    ASSERT_TRUE(sink.Bind(Ctx("units", schema_, Partitioned())));
    ASSERT_TRUE(sink.Migrate());
    ASSERT_TRUE(sink.Open(RunContext{run}));
    for (int u = first; u < first + count; ++u) {
      auto batch = AllTypesBatch(schema_, u * 100 + offset, 100);
      ASSERT_TRUE(sink.Write(batch, "u" + std::to_string(u)));
      ASSERT_TRUE(sink.Commit());
    }
    ASSERT_TRUE(sink.Close());
  }
  void Compact() {
    ParquetSink sink;
    ASSERT_TRUE(sink.Bind(Ctx("units", schema_, Partitioned())));
    auto report = sink.Compact({}, std::chrono::milliseconds(200));
    ASSERT_TRUE(report) << report.error().ToString();
  }
  std::vector<Row> Expected(std::vector<std::pair<int, int>> units_and_offsets) {
    std::vector<Row> rows;
    for (auto [u, offset] : units_and_offsets) {
      auto more = RowsOf(AllTypesBatch(schema_, u * 100 + offset, 100));
      rows.insert(rows.end(), more.begin(), more.end());
    }
    return rows;
  }
  std::vector<Row> Read() {
    auto rows = Scan("units", schema_->Names());
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : std::vector<Row>{};
  }
  std::vector<fs::path> Compacted() {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(Root() / "units")) {
      if (e.path().filename().string().starts_with("part-compact-")) out.push_back(e.path());
    }
    return out;
  }
};

TEST_F(ParquetReaderCompactionTest, AUnitRewrittenAfterCompactionIsReadOnceFromItsNewPart) {
  WriteUnits(0, 4, 1);
  Compact();
  ASSERT_FALSE(Compacted().empty());
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}, {3, 0}}), Read(), FloatRules{}), "");
  WriteUnits(1, 1, 2, 900);  // u1 again, other rows
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {2, 0}, {3, 0}}), Read(), FloatRules{}), "");

  // A commit that crashed after renaming u1's new part, before dropping u1 from the compacted files: put the
  // compacted files that still list u1 back. The newer part wins; nothing is read twice.
  WriteUnits(0, 4, 3);  // every unit back to its first rows, all plain parts
  Compact();
  std::map<fs::path, std::string> holding_u2;
  for (const auto& f : Compacted()) holding_u2[f] = Slurp(f);
  WriteUnits(2, 1, 4, 1000);  // u2 rewritten: the compacted files are rewritten without it
  for (const auto& [path, bytes] : holding_u2) Spit(path, bytes);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 1000}, {3, 0}}), Read(), FloatRules{}), "");
  // The next writer alone with the dataset repairs the same way; the reader agrees before and after.
  WriteUnits(3, 1, 5);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 1000}, {3, 0}}), Read(), FloatRules{}), "");
}

TEST_F(ParquetReaderCompactionTest, ACompactionsLeftoverInputsAreNotReadTwice) {
  WriteUnits(0, 3, 1);
  fs::path folder = Root() / "units" / "b=false";
  fs::path saved = tmp_.path() / "saved";
  fs::create_directories(saved);
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().filename().string().starts_with("part-")) fs::create_hard_link(e.path(), saved / e.path().filename());
  }
  Compact();
  for (const auto& e : fs::directory_iterator(saved)) fs::rename(e.path(), folder / e.path().filename());
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}}), Read(), FloatRules{}), "");
}

TEST_F(ParquetReaderTest, OlderPartsReadAsTheEvolvedSchema) {
  auto v1 =
      MakeSchema({{"code", LogicalType::String()}, {"vol", LogicalType::Int32()}, {"px", LogicalType::Decimal(8, 2)}});
  auto v2 = MakeSchema({{"code", LogicalType::String()},
                        {"vol", LogicalType::Float64()},
                        {"px", LogicalType::Decimal(12, 4)},
                        {"note", LogicalType::String()}});
  auto b1 = MakeBatch(v1, {{Value::String("A"), Value::Int32(100), Dec(1234, 8, 2)},
                           {Value::String("B"), Value::Null(LogicalType::Int32()), Dec(-5, 8, 2)}});
  auto b2 = MakeBatch(v2, {{Value::String("C"), Value::Float64(2.5), Dec(10001, 12, 4), Value::String("new")}});
  Write("evolve", v1, {{"day1", &b1}});
  Write("evolve", v2, {{"day2", &b2}}, {}, 2);
  auto rows = Scan("evolve", {"code", "vol", "px", "note"});
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(
      CompareRows({{Value::String("A"), Value::Float64(100), Dec(123400, 12, 4), Value::Null(LogicalType::String())},
                   {Value::String("B"), Value::Null(LogicalType::Float64()), Dec(-500, 12, 4),
                    Value::Null(LogicalType::String())},
                   {Value::String("C"), Value::Float64(2.5), Dec(10001, 12, 4), Value::String("new")}},
                  *rows, FloatRules{}),
      "");
  // Old parts' values filter as the new type (their statistics, of the old type, are not used).
  ScanQuery q;
  q.equals = {{"vol", "100"}};
  auto hundred = Scan("evolve", {"code"}, q);
  ASSERT_TRUE(hundred);
  EXPECT_EQ(*hundred, (std::vector<Row>{{Value::String("A")}}));
}

TEST_F(ParquetReaderTest, SqliteAndParquetOfTheSameRowsReadTheSame) {
  auto schema = MakeSchema({{"ts_code", LogicalType::String()},
                            {"trade_date", LogicalType::Date()},
                            {"close", LogicalType::Float64()},
                            {"vol", LogicalType::Int64()},
                            {"t", LogicalType::Timestamp()},
                            {"up", LogicalType::Bool()}});
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back({Value::String("00000" + std::to_string(i % 7) + ".SZ"), Value::Date(19723 + i / 7),
                    i % 11 ? Value::Float64(10 + i * 0.01) : Value::Null(LogicalType::Float64()), Value::Int64(i * 100),
                    TsOf(2024, 1, 2, 9, 30, i % 60, i), Value::Bool(i % 2)});
  }
  auto batch = MakeBatch(schema, rows);
  Write("daily", schema, {{"u", &batch}});
  SqliteSink sqlite;
  BindContext sctx = Ctx("daily", schema);
  sctx.options = core::Options{};
  sctx.options.Set("path", std::string("db/warehouse.db"));
  RunSink(sqlite, sctx, 1, {{"u", &batch}});
  ReaderContext rctx;
  rctx.storage_name = "warehouse";
  rctx.options.Set("path", std::string("db/warehouse.db"));
  rctx.project_dir = tmp_.path();
  auto lite = BuiltinSinks().Find("sqlite")->open_reader(rctx);
  ASSERT_TRUE(lite);
  auto pq = Reader();

  ScanQuery q;
  q.dataset = "daily";
  q.columns = schema->Names();
  q.range_column = "trade_date";
  q.min = "20240110";
  q.max = "20240120";
  std::vector<Row> a, b;
  ASSERT_TRUE((*lite)->ScanRows(q, [&](auto& r) { a.push_back(r); }));
  ASSERT_TRUE(pq->ScanRows(q, [&](auto& r) { b.push_back(r); }));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(CompareRows(a, b, FloatRules{}), "");
  ReadQuery dq{.dataset = "daily", .column = "trade_date", .equals = {{"ts_code", "000003.SZ"}}};
  EXPECT_EQ(*(*lite)->DistinctValues(dq), *pq->DistinctValues(dq));
  EXPECT_EQ(*(*lite)->MaxValue("daily", "trade_date"), *pq->MaxValue("daily", "trade_date"));
  KeySpanQuery kq{.dataset = "daily", .key = "ts_code", .date = "trade_date", .min = "20240105"};
  auto ka = (*lite)->KeySpans(kq), kb = pq->KeySpans(kq);
  ASSERT_TRUE(ka && kb);
  ASSERT_EQ(ka->size(), kb->size());
  for (size_t i = 0; i < ka->size(); ++i) {
    EXPECT_EQ(((*ka)[i].key), (*kb)[i].key);
    EXPECT_EQ(((*ka)[i].first), (*kb)[i].first);
    EXPECT_EQ(((*ka)[i].last), (*kb)[i].last);
    EXPECT_EQ(((*ka)[i].days), (*kb)[i].days);
  }
}

TEST_F(ParquetReaderTest, MissingDatasetsColumnsAndHistoryAreRefusedWithTheReason) {
  auto reader = Reader();
  auto d = reader->Describe("daily");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(d.error().message().find("run the plan that syncs dataset 'daily' first"), std::string::npos)
      << d.error().message();
  auto m = reader->MaxValue("daily", "trade_date");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has_value());
  auto schema = MakeSchema({{"trade_date", LogicalType::Date()}});
  auto batch = MakeBatch(schema, {{DateOf(2024, 1, 2)}});
  Write("daily", schema, {{"u", &batch}});
  auto missing = Scan("daily", {"close"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(missing.error().message().find("'close'"), std::string::npos);
  ScanQuery q;
  q.as_of = "2024-05-01";
  auto asof = Scan("daily", {"trade_date"}, q);
  ASSERT_FALSE(asof);
  EXPECT_EQ(asof.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(asof.error().message().find("keeps no history"), std::string::npos) << asof.error().message();
}

TEST_F(ParquetReaderTest, DamagedAndForeignFilesAreErrorsNamingTheFileNeverACrash) {
  auto schema = AllTypes();
  auto batch = AllTypesBatch(schema, 0, 400);
  Write("good", schema, {{"u", &batch}}, {{"row_group_rows", int64_t{150}}, {"data_page_size_bytes", int64_t{1024}}});
  const fs::path path = Root() / "good" / "part-u.parquet";
  const std::string good = Slurp(path);
  fs::path probe = tmp_.path() / "probe.parquet";
  // Decodes every column chunk of `bytes`; ok, or an error that names the file.
  auto decode = [&](const std::string& bytes) -> core::Status {
    Spit(probe, bytes);
    auto file = parquet::ParquetFileDecoder::Open(probe);
    if (!file) return core::Fail(file.error());
    for (size_t g = 0; g < (*file)->num_row_groups(); ++g) {
      for (size_t c = 0; c < (*file)->num_columns(); ++c) {
        (void)(*file)->Statistics(g, c);
        auto col = (*file)->ReadColumn(g, c);
        if (!col) return core::Fail(col.error());
        EXPECT_EQ(col->size(), static_cast<size_t>((*file)->num_rows(g)));
      }
    }
    return core::Ok();
  };
  ASSERT_TRUE(decode(good));
  // Truncated anywhere.
  for (size_t n :
       {size_t{0}, size_t{7}, size_t{12}, good.size() / 3, good.size() / 2, good.size() - 9, good.size() - 1}) {
    auto st = decode(good.substr(0, n));
    ASSERT_FALSE(st) << n;
    EXPECT_NE(st.error().message().find(probe.string()), std::string::npos) << st.error().message();
  }
  const size_t footer_start = good.size() - 8 - [&] {
    uint32_t len;
    std::memcpy(&len, good.data() + good.size() - 8, 4);
    return len;
  }();
  size_t refused = 0, tried = 0;
  // A byte changed (a stride over the pages, every eleventh of the footer): an error or a decode, never a
  // read outside the buffers (ASan) nor an exception.
  for (size_t at = 4; at < good.size() - 8; at += at < footer_start ? 97 : 11) {
    for (unsigned char x : {0x01, 0xff}) {
      std::string bad = good;
      bad[at] = static_cast<char>(static_cast<unsigned char>(bad[at]) ^ x);
      auto st = decode(bad);
      ++tried;
      if (!st) {
        ++refused;
        EXPECT_NE(st.error().message().find(probe.string()), std::string::npos) << FirstBytes(st.error().message());
      }
    }
  }
  EXPECT_GT(refused, tried / 10) << refused << " of " << tried << " changes noticed";

  // Outside datasync's subset: kInvalidInput naming what the file uses.
  auto meta = Footer(good);
  auto required = meta;
  required.schema[1].repetition = parquet::format::kRequired;
  auto st = decode(WithFooter(good, required));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("REQUIRED column 'id'"), std::string::npos) << st.error().message();
  auto gzip = meta;
  for (auto& c : gzip.row_groups[0].columns) c.codec = 2;
  st = decode(WithFooter(good, gzip));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("GZIP"), std::string::npos) << st.error().message();
  auto millis = meta;
  millis.schema[2].logical.kind = parquet::LogicalAnnotation::Kind::kNone;
  millis.schema[2].converted_type = 9;  // TIMESTAMP_MILLIS over the INT32 column
  st = decode(WithFooter(good, millis));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);

  // Through the reader: the damaged file is named, the query fails, nothing crashes.
  std::string torn = good;
  torn.resize(good.size() / 2);
  Spit(path, torn);
  auto rows = Scan("good", {"id"});
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message().find(path.string()), std::string::npos) << rows.error().message();
}

TEST(ThriftCompactReaderTest, DeeplyNestedListsAreRefusedNotRecursed) {
  // Field 1, a list of one list of one list ... : each header one byte.
  std::string bytes = "\x19";
  bytes += std::string(100000, '\x19');
  parquet::ThriftReader r(bytes);
  int16_t id;
  parquet::ThriftType type;
  while (r.NextField(id, type)) r.Skip(type);
  EXPECT_FALSE(r.ok());
  auto meta = parquet::ParseFileMetaData(bytes);
  EXPECT_FALSE(meta);
}

TEST(ThriftCompactReaderTest, HostileCountsOfEmptyElementsAreRefusedAtOnce) {
  // Field 1 a map of 2^62 entries of bools, then field 1 a list of 14 stops inside a list of 14 lists: before,
  // the map took as long as its count (the fuzz target's timeout) and the stops cost the product of the counts.
  for (std::string bytes : {std::string("\x1b\x80\x80\x80\x80\x80\x80\x80\x80\x40\x12") + std::string(32, '\x01'),
                            std::string("\x19\xe9") + std::string(14, '\xe0') + std::string(64, '\x00')}) {
    parquet::ThriftReader r(bytes);
    int16_t id;
    parquet::ThriftType type;
    ASSERT_TRUE(r.NextField(id, type));
    r.Skip(type);
    EXPECT_FALSE(r.ok());
  }
}

// History on Parquet (files/part_versions.hpp): each commit of a changed unit is a new version of the whole
// unit, so a unit whose rows move to another partition folder is read from its newest version only, now and
// as of any time; an unchanged commit adds no file; a dataset without history refuses a read as of a time.
TEST_F(ParquetReaderTest, HistoryReadsEachUnitsNewestVersionAcrossPartitionFolders) {
  auto schema = MakeSchema({{"code", LogicalType::String()}, {"d", LogicalType::Date()}, {"v", LogicalType::Int64()}});
  auto batch = [&](std::vector<std::tuple<std::string, int32_t, int64_t>> rows) {
    core::ColumnBatch b(schema);
    for (const auto& [code, day, v] : rows) {
      b.column(0).AppendString(code);
      b.column(1).AppendInt32(day);
      b.column(2).AppendInt64(v);
    }
    return b;
  };
  const int32_t jan = 19724, feb = 19755;  // 2024-01-02, 2024-02-02
  auto write = [&](const core::ColumnBatch& b, int64_t run) {
    auto ctx =
        Ctx("bars", schema, {{"partition_by", std::string("d")}, {"partition_granularity", std::string("month")}});
    ctx.mode = WriteMode::kHistory;
    ctx.primary_key = {"code", "d"};
    ParquetSink sink;
    RunSink(sink, ctx, run, {{"u1", &b}});
  };
  auto files = [&] {
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(Root() / "bars"); it != fs::recursive_directory_iterator(); ++it) {
      std::string name = it->path().filename().string();
      if (name.starts_with("part-")) out.push_back(it->path().parent_path().filename().string() + "/" + name);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto rows_at = [&](std::optional<std::string> as_of) {
    ScanQuery q;
    q.as_of = as_of;
    auto rows = Scan("bars", {"code", "d", "v"}, q);
    EXPECT_TRUE(rows) << rows.error().ToString();
    std::vector<std::string> out;
    for (const auto& r : rows ? *rows : std::vector<Row>{})
      out.push_back(r[0].ToString() + "@" + r[1].ToString() + "=" + r[2].ToString());
    std::sort(out.begin(), out.end());
    return out;
  };

  auto first = batch({{"A", jan, 1}, {"B", jan, 2}});
  write(first, 1);
  auto v1 = files();
  ASSERT_EQ(v1.size(), 1u);
  std::string name = fs::path(v1[0]).filename().string();  // part-<version>.parquet
  auto version = files::ParseVersionedUnit(name.substr(5, name.size() - 5 - 8));
  ASSERT_TRUE(version) << name;
  EXPECT_EQ(version->unit, "u1");
  std::string t1 = core::FormatTimestamp(version->stamp_us);
  // The same rows in another order: no new version.
  auto again = batch({{"B", jan, 2}, {"A", jan, 1}});
  write(again, 2);
  EXPECT_EQ(files(), v1);
  // The unit's rows move to February: a version there, and January's rows are no longer current.
  auto moved = batch({{"A", feb, 1}, {"B", feb, 3}});
  write(moved, 3);
  auto v2 = files();
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(rows_at(std::nullopt), (std::vector<std::string>{"A@2024-02-02=1", "B@2024-02-02=3"}));
  EXPECT_EQ(rows_at(t1), (std::vector<std::string>{"A@2024-01-02=1", "B@2024-01-02=2"}));
  EXPECT_EQ(rows_at("2000-01-01"), std::vector<std::string>{});
  // Other queries see the current rows too.
  auto days = Reader()->DistinctValues(ReadQuery{.dataset = "bars", .column = "d"});
  ASSERT_TRUE(days) << days.error().ToString();
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].ToString(), "2024-02-02");
  // The unit comes back empty: an empty version (one file without rows), once.
  auto before_empty = core::FormatTimestamp(files::ParseVersionedUnit([&] {
                                              std::string n = fs::path(files().back()).filename().string();
                                              return n.substr(5, n.size() - 5 - 8);
                                            }())
                                                ->stamp_us);
  auto none = batch({});
  write(none, 4);
  EXPECT_EQ(files().size(), 3u);
  EXPECT_EQ(rows_at(std::nullopt), std::vector<std::string>{});
  EXPECT_EQ(rows_at(before_empty), (std::vector<std::string>{"A@2024-02-02=1", "B@2024-02-02=3"}));
  write(none, 5);
  EXPECT_EQ(files().size(), 3u);
  write(moved, 6);  // and back
  EXPECT_EQ(files().size(), 4u);
  EXPECT_EQ(rows_at(std::nullopt), (std::vector<std::string>{"A@2024-02-02=1", "B@2024-02-02=3"}));
  // Version columns are the files' own, not the dataset's.
  auto described = Reader()->Describe("bars");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->count("_valid_from") + described->count("_ds_unit"), 0u);

  // A dataset written without history has no past to read.
  auto plain = batch({{"A", jan, 1}});
  ParquetSink sink;
  RunSink(sink, Ctx("plain", schema), 1, {{"u1", &plain}});
  ScanQuery q;
  q.dataset = "plain";
  q.columns = {"code"};
  q.as_of = "2024-05-01";
  auto refused = Reader()->ScanRows(q, [](std::vector<Value>&) {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(refused.error().message().find("keeps no history"), std::string::npos) << refused.error().message();
}

TEST(PartVersionsTest, NamesRoundTripAndDigestsIgnoreOrderButNotValues) {
  std::string name = files::VersionedUnitName("trade_date=2024.v1", 1733000000123456, 0xabcdef0123456789ULL);
  EXPECT_EQ(name, "trade_date=2024.v1.v1733000000123456-abcdef0123456789");
  EXPECT_EQ(files::VersionedUnitName("u", 42, 1), "u.v0000000000000042-0000000000000001");
  auto v = files::ParseVersionedUnit(name);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->unit, "trade_date=2024.v1");
  EXPECT_EQ(v->stamp_us, 1733000000123456);
  EXPECT_EQ(v->digest, 0xabcdef0123456789ULL);
  for (const char* other :
       {"u1", "u1.v1733000000123456", "u1.v173300000012345-abcdef0123456789", "u1.v1733000000123456-ABCDEF0123456789",
        ".v1733000000123456-abcdef0123456789", "u1.v17330000001234x6-abcdef0123456789"}) {
    EXPECT_FALSE(files::ParseVersionedUnit(other)) << other;
  }

  auto schema = MakeSchema({{"s", LogicalType::String()}, {"n", LogicalType::Int64()}, {"f", LogicalType::Float64()}});
  auto digest = [&](std::vector<std::vector<std::optional<std::string>>> rows) {
    core::ColumnBatch b(schema);
    for (const auto& r : rows) {
      r[0] ? b.column(0).AppendString(*r[0]) : b.column(0).AppendNull();
      r[1] ? b.column(1).AppendInt64(std::stoll(*r[1])) : b.column(1).AppendNull();
      r[2] ? b.column(2).AppendFloat64(std::stod(*r[2])) : b.column(2).AppendNull();
    }
    files::RowsDigest d;
    for (size_t i = 0; i < b.num_rows(); ++i) d.Add(b, i);
    return d.value();
  };
  EXPECT_EQ(digest({}), 0u);
  auto base = digest({{"a", "1", "0.5"}, {"b", "2", "1.5"}});
  EXPECT_NE(base, 0u);
  EXPECT_EQ(digest({{"b", "2", "1.5"}, {"a", "1", "0.5"}}), base);
  EXPECT_EQ(digest({{"a", "1", "0.5"}, {"b", "2", "-0"}}), digest({{"a", "1", "0.5"}, {"b", "2", "0"}}));
  for (auto other : std::vector<std::vector<std::vector<std::optional<std::string>>>>{
           {{"a", "1", "0.5"}, {"b", "2", "1.6"}},
           {{"a", "1", "0.5"}, {"b", "3", "1.5"}},
           {{"a", "1", "0.5"}, {"c", "2", "1.5"}},
           {{"a", "1", "0.5"}},
           {{"a", "1", "0.5"}, {"b", "2", "1.5"}, {"b", "2", "1.5"}},
           {{"a", "1", "0.5"}, {"b", "2", std::nullopt}},
           {{"a", "1", "0.5"}, {"", "2", "1.5"}},
           {{"a", "1", "0.5"}, {std::nullopt, "2", "1.5"}},
           {{"a", "2", "0.5"}, {"b", "1", "1.5"}}}) {
    EXPECT_NE(digest(other), base);
  }
}

}  // namespace
}  // namespace datasync::storage::testing
