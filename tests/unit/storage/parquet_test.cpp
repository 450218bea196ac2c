// Parquet beyond the compliance suite: the encodings against the format's own examples, the Thrift compact
// protocol, every writer variant (codec, dictionary, row groups by rows and by bytes, pages, an empty file)
// read back by both independent readers (DuckDB and hyparquet, tests/oracles/read_parquet.mjs) against a
// synthetic table both sides compute, statistics and encodings as DuckDB reports them, Hive partitions,
// schema evolution by name, and compaction.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "sink_test_support.hpp"
#include "storage/files/part_merger.hpp"
#include "storage/files/schema_sidecar.hpp"
#include "storage/parquet/parquet_encoding.hpp"
#include "storage/parquet/parquet_format.hpp"
#include "storage/parquet/parquet_sink.hpp"
#include "storage/parquet/thrift_compact.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;
using json = nlohmann::json;

std::string Hex(const std::string& bytes) {
  std::string out;
  char buf[4];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

TEST(ParquetEncodingTest, BitPackedRunMatchesTheSpecExample) {
  // Encodings.md: the values 0..7 at bit width 3 bit-pack to 10001000 11000110 11111010.
  std::vector<uint32_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  parquet::AppendRleHybrid(values.data(), values.size(), 3, out);
  EXPECT_EQ(Hex(out), "0388c6fa");  // header (1 group << 1) | 1, then the three bytes
}

TEST(ParquetEncodingTest, RepeatedValuesBecomeOneRleRun) {
  std::vector<uint32_t> values(300, 5);
  std::string out;
  parquet::AppendRleHybrid(values.data(), values.size(), 3, out);
  EXPECT_EQ(Hex(out), "d80405");  // varint(300 << 1) = d8 04, then the value in one byte
  std::vector<uint8_t> levels(10, 1);
  std::string defs;
  parquet::AppendDefinitionLevels(levels.data(), levels.size(), defs);
  EXPECT_EQ(Hex(defs),
            "02000000"
            "1401");  // 4-byte length, then RLE run of 10 ones
}

TEST(ParquetEncodingTest, MixedRunsKeepEveryValue) {
  // Short runs are bit-packed in groups of 8 (zero-padded), long runs RLE; decode and compare.
  std::vector<uint32_t> values;
  for (int i = 0; i < 13; ++i) values.push_back(static_cast<uint32_t>(i % 4));
  for (int i = 0; i < 20; ++i) values.push_back(9);
  values.push_back(1);
  std::string out;
  parquet::AppendRleHybrid(values.data(), values.size(), 4, out);
  std::vector<uint32_t> decoded;
  size_t pos = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      auto b = static_cast<unsigned char>(out[pos++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (pos < out.size()) {
    uint64_t h = varint();
    if (h & 1) {
      size_t count = (h >> 1) * 8;
      for (size_t k = 0; k < count; ++k) {
        size_t bit = k * 4;
        auto byte = static_cast<unsigned char>(out[pos + bit / 8]);
        decoded.push_back((byte >> (bit % 8)) & 0xF);
      }
      pos += (h >> 1) * 4;
    } else {
      auto v = static_cast<unsigned char>(out[pos++]);
      decoded.insert(decoded.end(), h >> 1, v);
    }
  }
  decoded.resize(values.size());  // padding of the last group
  EXPECT_EQ(decoded, values);
}

TEST(ThriftCompactTest, RoundTripsEveryFieldKind) {
  using parquet::ThriftType;
  std::string out;
  parquet::ThriftWriter w(out);
  w.FieldI32(1, -5);
  w.FieldI64(2, int64_t{1} << 40);
  w.FieldBool(3, true);
  w.FieldBinary(20, "平安");  // a delta above 15 takes the long field header
  w.FieldList(21, ThriftType::kI32, 20);
  for (int i = 0; i < 20; ++i) w.ListI32(i - 10);
  w.FieldStruct(22);
  w.FieldBool(1, false);
  w.FieldI16(2, -300);
  w.EndStruct();
  w.FieldI8(23, -7);
  w.EndStruct();

  parquet::ThriftReader r(out);
  int16_t id;
  ThriftType type;
  std::vector<std::string> seen;
  while (r.NextField(id, type)) {
    switch (id) {
      case 1: seen.push_back("i32 " + std::to_string(r.ReadInt(type))); break;
      case 2: seen.push_back("i64 " + std::to_string(r.ReadInt(type))); break;
      case 3: seen.push_back(std::string("bool ") + (r.ReadBool(type) ? "true" : "false")); break;
      case 20: seen.push_back("bin " + r.ReadBinary()); break;
      case 21: {
        ThriftType e;
        uint32_t n;
        r.ReadListHeader(e, n);
        int64_t sum = 0;
        for (uint32_t i = 0; i < n; ++i) sum += r.ReadInt(e);
        seen.push_back("list " + std::to_string(n) + " sum " + std::to_string(sum));
        break;
      }
      case 22: {
        r.BeginStruct();
        int16_t f;
        ThriftType t;
        while (r.NextField(f, t)) {
          seen.push_back(f == 1 ? std::string("inner bool ") + (r.ReadBool(t) ? "true" : "false")
                                : "inner i16 " + std::to_string(r.ReadInt(t)));
        }
        r.EndStruct();
        break;
      }
      case 23: seen.push_back("i8 " + std::to_string(r.ReadInt(type))); break;
      default: r.Skip(type);
    }
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.position(), out.size());
  EXPECT_EQ(seen, (std::vector<std::string>{"i32 -5", "i64 1099511627776", "bool true", "bin 平安", "list 20 sum -10",
                                            "inner bool false", "inner i16 -300", "i8 -7"}));
  // A truncated buffer is an error, never a read past the end.
  parquet::ThriftReader cut(std::string_view(out).substr(0, out.size() / 2));
  while (cut.NextField(id, type)) cut.Skip(type);
  EXPECT_FALSE(cut.ok());
}

core::SchemaPtr SyntheticSchema() {
  return MakeSchema({{"id", LogicalType::Int64()},
                     {"i32", LogicalType::Int32()},
                     {"f", LogicalType::Float64()},
                     {"s", LogicalType::String()},
                     {"code", LogicalType::String()},
                     {"b", LogicalType::Bool()},
                     {"d", LogicalType::Date()},
                     {"t", LogicalType::Timestamp()},
                     {"m", LogicalType::Decimal(18, 4)}});
}

// Rows [first, first + count) of the table tests/oracles/synthetic.mjs describes.
core::ColumnBatch SyntheticBatch(const core::SchemaPtr& schema, int64_t first, int64_t count) {
  static const double kSpecial[] = {std::nan(""), INFINITY, -INFINITY, -0.0, 4.9406564584124654e-324, DBL_MAX};
  core::ColumnBatch batch(schema);
  batch.Reserve(static_cast<size_t>(count));
  for (int64_t i = first; i < first + count; ++i) {
    auto null = [&](int k) { return (i * 31 + k * 7) % 13 == 0; };
    auto c = [&](int k) -> core::Column& { return batch.column(static_cast<size_t>(k)); };
    c(0).AppendInt64(i * 1000003 - 500000000000);
    null(1) ? c(1).AppendNull() : c(1).AppendInt32(static_cast<int32_t>((i * 7919) % 200001 - 100000));
    null(2) ? c(2).AppendNull()
            : c(2).AppendFloat64(i % 1000 == 999 ? kSpecial[(i / 1000) % 6] : static_cast<double>(i - 500000) * 0.125);
    std::string s = i % 5 == 0 ? "平安银行-" + std::to_string(i) : i % 5 == 1 ? "" : "s" + std::to_string(i);
    null(3) ? c(3).AppendNull() : c(3).AppendString(s);
    char code[16];
    std::snprintf(code, sizeof code, "0000%02d.SZ", static_cast<int>(i % 50));
    null(4) ? c(4).AppendNull() : c(4).AppendString(code);
    null(5) ? c(5).AppendNull() : c(5).AppendBool(i % 3 == 0);
    null(6) ? c(6).AppendNull() : c(6).AppendInt32(static_cast<int32_t>(18000 + i % 3650));
    null(7) ? c(7).AppendNull() : c(7).AppendInt64(1600000000000000 + i * 1000001);
    null(8) ? c(8).AppendNull() : c(8).AppendInt64((i * 987654321) % 1000000000000000 - 500000000000000);
  }
  return batch;
}

class ParquetFilesTest : public ::testing::Test {
 protected:
  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema,
                  std::vector<std::pair<std::string, core::OptionValue>> options = {}) {
    return FileSinkContext(tmp_.path(), "pq", dataset, std::move(schema), std::move(options));
  }
  fs::path Root() const { return tmp_.path() / "root"; }

  void ExpectSynthetic(const fs::path& path, int64_t rows) {
    for (std::string engine : {"duckdb", "hyparquet"}) {
      json doc;
      int rc = ReadParquetOracle({"--engine", engine, "--expect-synthetic", path.string()}, doc);
      EXPECT_EQ(rc, 0) << engine << ": " << doc.dump().substr(0, 2000);
      EXPECT_EQ(doc.is_object() ? doc.value("rows", int64_t{-1}) : -1, rows) << engine;
    }
  }

  // DuckDB's parquet_metadata() rows for the column, over all files under path.
  std::vector<json> ChunkMeta(const fs::path& path, const std::string& column) {
    json doc;
    EXPECT_EQ(ReadParquetOracle({"--meta-only", path.string()}, doc), 0);
    std::vector<json> out;
    for (const auto& m : doc["meta"]) {
      if (m["column"] == column) out.push_back(m);
    }
    return out;
  }

  TempDir tmp_;
};

struct Variant {
  std::string name;
  std::vector<std::pair<std::string, core::OptionValue>> options;
};

TEST_F(ParquetFilesTest, EveryVariantReadsBackExactlyInBothReaders) {
  auto schema = SyntheticSchema();
  auto batch = SyntheticBatch(schema, 0, 5000);
  std::vector<Variant> variants = {
      {"zstd_dictionary", {}},
      {"zstd_plain_small_groups", {{"dictionary", false}, {"row_group_rows", int64_t{700}}}},
      {"snappy_dictionary_small_groups", {{"compression", std::string("snappy")}, {"row_group_rows", int64_t{700}}}},
      {"snappy_plain", {{"compression", std::string("snappy")}, {"dictionary", false}}},
      {"uncompressed_dictionary", {{"compression", std::string("none")}}},
      {"uncompressed_plain_tiny_pages",
       {{"compression", std::string("none")}, {"dictionary", false}, {"data_page_size_bytes", int64_t{1024}}}},
      {"zstd_level_19_small_dictionary", {{"compression_level", int64_t{19}}, {"dictionary_max_bytes", int64_t{64}}}},
  };
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    auto sink = ParquetSink();
    RunSink(sink, Ctx(v.name, schema, v.options), 1, {{"u", &batch}});
    ExpectSynthetic(Root() / v.name / "part-u.parquet", 5000);
  }
  // The codecs and encodings are the ones asked for.
  auto zstd = ChunkMeta(Root() / "zstd_dictionary", "code");
  ASSERT_EQ(zstd.size(), 1u);
  EXPECT_EQ(zstd[0]["compression"], "ZSTD");
  EXPECT_NE(zstd[0]["encodings"].get<std::string>().find("RLE_DICTIONARY"), std::string::npos) << zstd[0].dump();
  auto plain = ChunkMeta(Root() / "snappy_plain", "code");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0]["compression"], "SNAPPY");
  EXPECT_EQ(plain[0]["encodings"].get<std::string>().find("DICTIONARY"), std::string::npos) << plain[0].dump();
  EXPECT_EQ(ChunkMeta(Root() / "uncompressed_dictionary", "id")[0]["compression"], "UNCOMPRESSED");
  EXPECT_EQ(ChunkMeta(Root() / "zstd_plain_small_groups", "id").size(), 8u);  // 5000 rows / 700 per group
  // 50 distinct codes need more than 64 bytes of dictionary: that chunk falls back to PLAIN.
  auto capped = ChunkMeta(Root() / "zstd_level_19_small_dictionary", "code");
  EXPECT_EQ(capped[0]["encodings"].get<std::string>().find("DICTIONARY"), std::string::npos) << capped[0].dump();
  // A column of unique values is not worth a dictionary either.
  auto unique = ChunkMeta(Root() / "zstd_dictionary", "id");
  EXPECT_EQ(unique[0]["encodings"].get<std::string>().find("DICTIONARY"), std::string::npos) << unique[0].dump();
}

// A unit without rows has no part file (a re-run that empties it removes the earlier one); the format still
// writes a file without rows (a history's empty version), which readers read with the schema and no rows.
TEST_F(ParquetFilesTest, EmptyFileHasTheSchemaAndNoRows) {
  auto schema = SyntheticSchema();
  auto rows = SyntheticBatch(schema, 0, 3);
  auto empty = SyntheticBatch(schema, 0, 0);
  ParquetSink first;
  RunSink(first, Ctx("empty", schema), 1, {{"u", &rows}});
  ASSERT_TRUE(fs::exists(Root() / "empty" / "part-u.parquet"));
  ParquetSink second;
  RunSink(second, Ctx("empty", schema), 2, {{"u", &empty}});
  EXPECT_FALSE(fs::exists(Root() / "empty" / "part-u.parquet"));

  parquet::ParquetFormat format(parquet::ParquetSettings{});
  auto writer = format.NewWriter(*schema);
  std::string bytes;
  ASSERT_TRUE(writer->Begin(bytes));
  ASSERT_TRUE(writer->End(bytes));
  fs::path file = Root() / "empty" / "written.parquet";
  std::ofstream(file, std::ios::binary) << bytes;
  ExpectSynthetic(file, 0);
}

// row_group_size_bytes ends a row group once that many bytes are buffered, whatever the Write calls: here
// 100 KiB groups over 500-row Writes (about 37 KB each), so groups span Writes and the last one is short.
// (bench/sinks/sink_bench.cpp writes a million rows in 16 MiB groups.)
TEST_F(ParquetFilesTest, SizeBoundedRowGroupsSplitALargeWriteAndReadBackExactly) {
  auto schema = SyntheticSchema();
  ParquetSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("split", schema, {{"row_group_size_bytes", int64_t{100} << 10}})));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  constexpr int64_t kRows = 10000, kStep = 500;
  for (int64_t first = 0; first < kRows; first += kStep) {
    auto batch = SyntheticBatch(schema, first, kStep);
    ASSERT_TRUE(sink.Write(batch, "all"));
  }
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Close());
  fs::path file = Root() / "split" / "part-all.parquet";
  ExpectSynthetic(file, kRows);
  auto chunks = ChunkMeta(file, "id");
  EXPECT_GT(chunks.size(), 2u) << "100 KiB row groups should split " << kRows << " rows";
  int64_t rows = 0;
  for (size_t g = 0; g < chunks.size(); ++g) {
    int64_t n = chunks[g]["rows"].get<int64_t>();
    rows += n;
    // The byte bound, not the Write calls, ends a group: every group but the last holds several Writes.
    if (g + 1 < chunks.size()) {
      EXPECT_GT(n, kStep) << "row group " << g;
    }
  }
  EXPECT_EQ(rows, kRows);
  EXPECT_EQ(sink.stats().rows_written, kRows);
  EXPECT_EQ(sink.stats().bytes_written, static_cast<int64_t>(fs::file_size(file)));
}

TEST_F(ParquetFilesTest, StatisticsLetReadersPrune) {
  auto schema = MakeSchema({{"i", LogicalType::Int32()},
                            {"s", LogicalType::String()},
                            {"f", LogicalType::Float64()},
                            {"d", LogicalType::Date()},
                            {"long", LogicalType::String()}});
  std::string big(300, 'z');
  auto batch = MakeBatch(schema, {
                                     {Value::Int32(5), Value::String("b"), Value::Float64(std::nan("")),
                                      DateOf(2024, 1, 2), Value::String(big)},
                                     {Value::Null(LogicalType::Int32()), Value::String("a"), Value::Float64(2.5),
                                      DateOf(2023, 12, 29), Value::String("x")},
                                     {Value::Int32(-3), Value::Null(LogicalType::String()), Value::Float64(0.0),
                                      Value::Null(LogicalType::Date()), Value::String("y")},
                                 });
  ParquetSink sink;
  RunSink(sink, Ctx("stats", schema), 1, {{"u", &batch}});
  fs::path dir = Root() / "stats";
  auto one = [&](const std::string& col) {
    auto m = ChunkMeta(dir, col);
    EXPECT_EQ(m.size(), 1u) << col;
    return m.empty() ? json() : m[0];
  };
  json i = one("i"), s = one("s"), f = one("f"), d = one("d"), l = one("long");
  EXPECT_EQ(i["min"], "-3");
  EXPECT_EQ(i["max"], "5");
  EXPECT_EQ(i["null_count"], 1);
  EXPECT_EQ(s["min"], "a");
  EXPECT_EQ(s["max"], "b");
  EXPECT_EQ(s["null_count"], 1);
  EXPECT_EQ(f["min"], "-0.0");  // NaN left out; a zero minimum is written as -0.0 (the spec's rule)
  EXPECT_EQ(f["max"], "2.5");
  EXPECT_EQ(d["min"], "2023-12-29");
  EXPECT_EQ(d["max"], "2024-01-02");
  EXPECT_TRUE(l["min"].is_null()) << "no min/max for text longer than 256 bytes: " << l.dump();
  EXPECT_EQ(l["null_count"], 0);
  // DuckDB prunes with them: a filter outside [min, max] finds nothing, inside finds the row.
  json doc;
  ASSERT_EQ(ReadParquetOracle({dir.string()}, doc), 0);
  EXPECT_EQ(doc["rows"].size(), 3u);
}

TEST_F(ParquetFilesTest, HivePartitionsReadAsAColumn) {
  auto schema = SyntheticSchema();
  auto batch = SyntheticBatch(schema, 0, 4000);
  ParquetSink sink;
  RunSink(sink,
          Ctx("daily", schema, {{"partition_by", std::string("d")}, {"partition_granularity", std::string("year")}}), 1,
          {{"u", &batch}});
  json doc;
  ASSERT_EQ(ReadParquetOracle({"--hive", (Root() / "daily").string()}, doc), 0);
  std::vector<std::string> names;
  for (const auto& c : doc["columns"]) names.push_back(c["name"]);
  auto year_at = std::find(names.begin(), names.end(), "d_year");
  ASSERT_NE(year_at, names.end()) << doc["columns"].dump();
  auto d_at = std::find(names.begin(), names.end(), "d");
  size_t yi = static_cast<size_t>(year_at - names.begin()), di = static_cast<size_t>(d_at - names.begin());
  ASSERT_EQ(doc["rows"].size(), 4000u);
  std::set<std::string> years;
  for (const auto& r : doc["rows"]) {
    if (r[di].is_null()) {
      EXPECT_TRUE(r[yi].is_null()) << "NULL dates live in __HIVE_DEFAULT_PARTITION__";
      continue;
    }
    auto days = static_cast<int32_t>(std::stol(r[di].get<std::string>()));
    std::string year = core::FormatIsoDate(days).substr(0, 4);
    EXPECT_EQ(r[yi].get<std::string>(), year) << "row in the wrong partition";
    years.insert(year);
  }
  EXPECT_EQ(years.size(), 11u);  // 18000 + (0..3649) days spans 2019..2029
}

TEST_F(ParquetFilesTest, NewColumnsAndAWidenedTypeReadTogetherByName) {
  auto v1 = MakeSchema({{"code", LogicalType::String()}, {"vol", LogicalType::Int64()}});
  auto v2 = MakeSchema(
      {{"code", LogicalType::String()}, {"vol", LogicalType::Float64()}, {"amount", LogicalType::Float64()}});
  auto b1 = MakeBatch(v1, {{Value::String("A"), Value::Int64(100)}, {Value::String("B"), Value::Int64(1LL << 40)}});
  auto b2 = MakeBatch(v2, {{Value::String("C"), Value::Float64(2.5), Value::Float64(1e6)}});
  ParquetSink first, second;
  RunSink(first, Ctx("evolve", v1), 1, {{"day1", &b1}});
  RunSink(second, Ctx("evolve", v2), 2, {{"day2", &b2}});
  auto sidecar = files::ReadSidecar(Root() / "evolve");
  ASSERT_TRUE(sidecar && *sidecar);
  ASSERT_EQ((*sidecar)->versions.size(), 2u);
  EXPECT_EQ((*sidecar)->versions[0].fields[1].type, LogicalType::Int64());
  EXPECT_EQ((*sidecar)->versions[1].fields[1].type, LogicalType::Float64());  // the widening is recorded
  EXPECT_EQ((*sidecar)->versions[1].version, 2);
  // Readers that union by name see every part: old rows get NULL for the new column, vol reads as double.
  for (std::string engine : {"duckdb", "hyparquet"}) {
    SCOPED_TRACE(engine);
    if (engine == "hyparquet") continue;  // hyparquet reads files one by one and has no type unification
    auto got = NewParquetReader(Root(), engine)->Read("evolve", *v2);
    EXPECT_EQ(CompareRows({{Value::String("A"), Value::Float64(100), Value::Null(LogicalType::Float64())},
                           {Value::String("B"), Value::Float64(1099511627776.0), Value::Null(LogicalType::Float64())},
                           {Value::String("C"), Value::Float64(2.5), Value::Float64(1e6)}},
                          got.rows, FloatRules{}),
              "");
  }
  // A type that old parts cannot be read as is refused.
  auto v3 = MakeSchema({{"code", LogicalType::Date()}});
  ParquetSink third;
  ASSERT_TRUE(third.Bind(Ctx("evolve", v3)));
  auto st = third.Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

// --- compaction ------------------------------------------------------------------------------------

class ParquetCompactionTest : public ParquetFilesTest {
 protected:
  core::SchemaPtr schema_ = SyntheticSchema();

  // Units u0..u(n-1), each 100 synthetic rows, into "daily", partitioned by b: every unit has rows in b=true,
  // b=false and NULL's b=__HIVE_DEFAULT_PARTITION__ (three folders keep the part files, their fsyncs and the
  // oracle's reads few; what compaction does per folder does not depend on how many there are).
  void WriteUnits(int first, int count, int64_t run) {
    ParquetSink sink;
    ASSERT_TRUE(sink.Bind(PartitionedCtx()));
    ASSERT_TRUE(sink.Migrate());
    ASSERT_TRUE(sink.Open(RunContext{run}));
    for (int u = first; u < first + count; ++u) {
      auto batch = SyntheticBatch(schema_, u * 100, 100);
      ASSERT_TRUE(sink.Write(batch, "u" + std::to_string(u)));
      ASSERT_TRUE(sink.Commit());
    }
    ASSERT_TRUE(sink.Close());
  }
  BindContext PartitionedCtx() { return Ctx("daily", schema_, {{"partition_by", std::string("b")}}); }
  core::Result<files::CompactReport> Compact(files::CompactOptions options = {}) {
    ParquetSink sink;
    if (auto st = sink.Bind(PartitionedCtx()); !st) return core::Fail(st.error());
    return sink.Compact(options, std::chrono::milliseconds(200));
  }
  std::vector<Row> Stored() { return NewParquetReader(Root())->Read("daily", *schema_).rows; }
  std::vector<Row> Expected(std::vector<std::pair<int, int>> units_and_offsets) {
    std::vector<Row> rows;
    for (auto [u, offset] : units_and_offsets) {
      auto b = SyntheticBatch(schema_, u * 100 + offset, 100);
      for (size_t r = 0; r < b.num_rows(); ++r) {
        Row row;
        for (size_t c = 0; c < b.num_columns(); ++c) row.push_back(b.column(c).GetValue(r));
        rows.push_back(std::move(row));
      }
    }
    return rows;
  }
  size_t PartFiles() {
    size_t n = 0;
    for (const auto& f : ListTree(Root())) n += f.ends_with(".parquet");
    return n;
  }
};

TEST_F(ParquetCompactionTest, MergesSmallPartsAndKeepsEveryRow) {
  WriteUnits(0, 6, 1);  // 6 units x 3 partitions
  size_t before = PartFiles();
  EXPECT_EQ(before, 6u * 3u);
  auto dry = Compact({"", int64_t{64} << 20, true});
  ASSERT_TRUE(dry) << dry.error().ToString();
  EXPECT_EQ(dry->merged.size(), 3u);
  EXPECT_EQ(PartFiles(), before) << "a dry run changes nothing";

  auto report = Compact();
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->merged.size(), 3u);
  EXPECT_EQ(PartFiles(), 3u);
  int64_t rows = 0;
  for (const auto& m : report->merged) {
    EXPECT_EQ(m.inputs.size(), 6u);
    EXPECT_TRUE(m.output.starts_with("part-compact-")) << m.output;
    rows += m.rows;
  }
  EXPECT_EQ(rows, 600);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}}), Stored(), FloatRules{}), "");
  // Both readers read the merged files.
  auto hyp = NewParquetReader(Root(), "hyparquet")->Read("daily", *schema_);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}}), hyp.rows, FloatRules{}), "");
}

// `datasync compact` reaches compaction through the sink's registry entry (SinkInfo::compact), not through
// the concrete type: a bound sink from `create`, a dataset the storage never received skipped unless named.
TEST_F(ParquetCompactionTest, TheRegistryEntryOffersCompaction) {
  SinkRegistry registry;
  RegisterParquetSink(registry);
  const SinkInfo* info = registry.Find("parquet");
  ASSERT_NE(info, nullptr);
  ASSERT_TRUE(info->compact);
  auto bound = [&](const std::string& dataset) {
    auto sink = info->create();
    BindContext ctx = PartitionedCtx();
    ctx.dataset = dataset;
    EXPECT_TRUE(sink->Bind(ctx));
    return sink;
  };
  auto never = bound("never_written");
  auto skipped = info->compact(*never, {}, false);
  ASSERT_TRUE(skipped) << skipped.error().ToString();
  EXPECT_FALSE(*skipped);
  auto named = info->compact(*bound("never_written"), {}, true);
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().kind(), ErrorKind::kConfig);

  WriteUnits(0, 2, 1);
  auto report = info->compact(*bound("daily"), {}, false);
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_TRUE(*report);
  EXPECT_EQ((*report)->merged.size(), 3u);
  EXPECT_EQ(PartFiles(), 3u);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}}), Stored(), FloatRules{}), "");
}

TEST_F(ParquetCompactionTest, OnlyTheNamedPartition) {
  WriteUnits(0, 3, 1);
  auto report = Compact({"b=true", int64_t{64} << 20, false});
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_EQ(report->merged.size(), 1u);
  EXPECT_EQ(report->merged[0].folder, "b=true");
  EXPECT_EQ(PartFiles(), 3u * 3u - 2u);
  auto wrong = Compact({"ts_code=x", int64_t{64} << 20, false});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(wrong.error().message().find("must be b=VALUE"), std::string::npos) << wrong.error().message();
  auto missing = Compact({"b=nope", int64_t{64} << 20, false});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kConfig);
}

TEST_F(ParquetCompactionTest, RewritingACompactedUnitLeavesNoDuplicates) {
  WriteUnits(0, 4, 1);
  ASSERT_TRUE(Compact());
  // Task u1 runs again with other values (rows 1000..1099 instead of 100..199).
  {
    ParquetSink sink;
    auto batch = SyntheticBatch(schema_, 1000, 100);
    RunSink(sink, PartitionedCtx(), 2, {{"u1", &batch}});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {2, 0}, {3, 0}}), Stored(), FloatRules{}), "");
  // Compacting again folds the rewritten unit back in, still without duplicates.
  ASSERT_TRUE(Compact());
  EXPECT_EQ(PartFiles(), 3u);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {2, 0}, {3, 0}}), Stored(), FloatRules{}), "");
  // And a later rewrite with no rows removes the unit entirely.
  {
    ParquetSink sink;
    auto empty = SyntheticBatch(schema_, 0, 0);
    RunSink(sink, PartitionedCtx(), 3, {{"u2", &empty}});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {3, 0}}), Stored(), FloatRules{}), "");
}

TEST_F(ParquetCompactionTest, ACrashBetweenMergeAndCleanupIsRepaired) {
  WriteUnits(0, 3, 1);
  // Keep hard links to one partition's parts, compact, then put them back: exactly the files a compaction
  // killed after renaming its merged file, before removing its inputs, leaves behind.
  fs::path folder = Root() / "daily" / "b=false";
  fs::path saved = tmp_.path() / "saved";
  fs::create_directories(saved);
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().filename().string().starts_with("part-")) fs::create_hard_link(e.path(), saved / e.path().filename());
  }
  ASSERT_TRUE(Compact());
  for (const auto& e : fs::directory_iterator(saved)) fs::rename(e.path(), folder / e.path().filename());
  EXPECT_GT(Stored().size(), 300u) << "readers see those rows twice until the repair";
  // The next writer's Open (or compaction) removes the leftover inputs: no row twice, none lost.
  {
    ParquetSink sink;
    RunSink(sink, PartitionedCtx(), 2, {});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}}), Stored(), FloatRules{}), "");
  EXPECT_EQ(PartFiles(), 3u);
  // A commit that crashed before dropping its unit from merged files: u1's new part file is newer.
  {
    auto batch = SyntheticBatch(schema_, 5000, 100);
    ParquetSink sink;
    RunSink(sink, PartitionedCtx(), 3, {{"u1", &batch}});
  }
  auto report = Compact();
  ASSERT_TRUE(report);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 4900}, {2, 0}}), Stored(), FloatRules{}), "");
}

TEST_F(ParquetCompactionTest, WaitsForNoSyncAndRefusesWhileOneWrites) {
  WriteUnits(0, 2, 1);
  ParquetSink writer;
  ASSERT_TRUE(writer.Bind(PartitionedCtx()));
  ASSERT_TRUE(writer.Migrate());  // holds the dataset lock until Close
  ASSERT_TRUE(writer.Open(RunContext{2}));
  auto busy = Compact();
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind(), ErrorKind::kTransient);
  EXPECT_NE(busy.error().message().find("held by another datasync process"), std::string::npos)
      << busy.error().message();
  ASSERT_TRUE(writer.Close());
  EXPECT_TRUE(Compact());
}

TEST_F(ParquetCompactionTest, PlansWritingOneDatasetAtOnceShareItAndKeepMergedFilesConsistent) {
  WriteUnits(0, 4, 1);
  ASSERT_TRUE(Compact());
  // Two sinks (as two parallel plans) write the same dataset at once, each rewriting a merged unit.
  ParquetSink a, b;
  for (auto* s : {&a, &b}) {
    ASSERT_TRUE(s->Bind(PartitionedCtx()));
    ASSERT_TRUE(s->Migrate());
  }
  ASSERT_TRUE(a.Open(RunContext{2}));
  ASSERT_TRUE(b.Open(RunContext{3}));
  auto ba = SyntheticBatch(schema_, 2000, 100), bb = SyntheticBatch(schema_, 3000, 100);
  ASSERT_TRUE(a.Write(ba, "u1"));
  ASSERT_TRUE(b.Write(bb, "u2"));
  ASSERT_TRUE(b.Commit());
  ASSERT_TRUE(a.Commit());
  ASSERT_TRUE(a.Close());
  ASSERT_TRUE(b.Close());
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 1900}, {2, 2800}, {3, 0}}), Stored(), FloatRules{}), "");
}

// (JSON and xlsx refuse compaction: FileSinkTest.JsonAndXlsxRefuseCompactionAndChangeNothing; CSV and JSON
// Lines compact: text_compaction_test.cpp.)
TEST_F(ParquetCompactionTest, ASinglePartHasNothingToMergeAndIsLeftAsItIs) {
  auto schema = MakeSchema({{"a", LogicalType::Int64()}});
  auto batch = MakeBatch(schema, {{Value::Int64(1)}});
  BindContext ctx = Ctx("plain", schema);
  ParquetSink sink;
  RunSink(sink, ctx, 1, {{"u", &batch}});
  fs::path part = Root() / "plain" / "part-u.parquet";
  std::string identity = files::FileIdentity(part);
  ASSERT_NE(identity, "");
  // A parquet dataset without small parts to merge: nothing happens, which is not an error.
  ParquetSink again;
  ASSERT_TRUE(again.Bind(ctx));
  auto report = again.Compact({});
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_TRUE(report->merged.empty());
  EXPECT_EQ(ListTree(Root()), (std::vector<std::string>{"plain/_schema.json", "plain/part-u.parquet"}));
  EXPECT_EQ(files::FileIdentity(part), identity) << "the part file was rewritten";
}

}  // namespace
}  // namespace datasync::storage::testing
