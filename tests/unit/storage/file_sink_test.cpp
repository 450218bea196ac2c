// File sink machinery specifics: safe names, partition folders, unit files moving between partitions,
// the replace publish, the schema sidecar and its evolution rules, and the sweep of crashed temps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/strings.hpp"
#include "sink_test_support.hpp"
#include "storage/csv/csv_sink.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/schema_sidecar.hpp"
#include "storage/jsonl/jsonl_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;
using files::SafeFileName;

TEST(SafeFileNameTest, KeepsReadableNamesAndEncodesTheRest) {
  EXPECT_EQ(SafeFileName("daily"), "daily");
  EXPECT_EQ(SafeFileName("stk_factor_pro"), "stk_factor_pro");
  EXPECT_EQ(SafeFileName("平安银行"), "平安银行");
  EXPECT_EQ(SafeFileName("with space-and.dot"), "with space-and.dot");
  EXPECT_EQ(SafeFileName("../x"), "%2E%2E%2Fx");
  EXPECT_EQ(SafeFileName(".."), "%2E%2E");
  EXPECT_EQ(SafeFileName("."), "%2E");
  EXPECT_EQ(SafeFileName(".hidden"), "%2Ehidden");
  EXPECT_EQ(SafeFileName("a/b\\c"), "a%2Fb%5Cc");
  EXPECT_EQ(SafeFileName("k=v"), "k%3Dv");
  EXPECT_EQ(SafeFileName("100%"), "100%25");
  EXPECT_EQ(SafeFileName("tab\there\nnl\x7f"), "tab%09here%0Anl%7F");
  EXPECT_EQ(SafeFileName("a:b*c?d\"e<f>g|h"), "a%3Ab%2Ac%3Fd%22e%3Cf%3Eg%7Ch");
  EXPECT_EQ(SafeFileName("trail. "), "trail%2E%20");
  EXPECT_EQ(SafeFileName(""), "%00");
  EXPECT_EQ(SafeFileName("bad\xff utf8 \xe5\xb9"), "bad%FF utf8 %E5%B9");
  EXPECT_EQ(SafeFileName("😀"), "😀");
}

TEST(SafeFileNameTest, LongNamesAreShortenedOnCharacterBoundariesAndStayDistinct) {
  std::string long_a(300, 'a'), long_b(300, 'a');
  long_b.back() = 'b';
  std::string a = SafeFileName(long_a), b = SafeFileName(long_b);
  EXPECT_LE(a.size(), files::kMaxSafeNameBytes);
  EXPECT_NE(a, b);
  std::string chinese;
  for (int i = 0; i < 100; ++i) chinese += "银";
  std::string c = SafeFileName(chinese);
  EXPECT_LE(c.size(), files::kMaxSafeNameBytes);
  EXPECT_TRUE(core::IsValidUtf8(c)) << c;
  std::string escapes(100, '/');
  std::string e = SafeFileName(escapes);
  EXPECT_LE(e.size(), files::kMaxSafeNameBytes);
  EXPECT_EQ(e.find('/'), std::string::npos);
  EXPECT_EQ(e.substr(0, 3), "%2F");
  EXPECT_EQ(e.find('~') % 3, 0u) << e;  // no escape cut in half
}

class FileSinkTest : public ::testing::Test {
 protected:
  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema, WriteMode mode = WriteMode::kAppend) {
    BindContext ctx;
    ctx.storage_name = "files";
    ctx.dataset = dataset;
    ctx.schema = std::move(schema);
    ctx.mode = mode;
    ctx.options.Set("path", tmp_.path().string());
    return ctx;
  }
  std::vector<std::string> Tree() { return ListTree(tmp_.path()); }

  TempDir tmp_;
};

core::SchemaPtr DailySchema() {
  return MakeSchema(
      {{"ts_code", LogicalType::String()}, {"trade_date", LogicalType::Date()}, {"close", LogicalType::Float64()}});
}

Row Daily(const std::string& code, Value date, double close) {
  return {Value::String(code), date, Value::Float64(close)};
}

TEST_F(FileSinkTest, MonthPartitionsAndANullPartition) {
  auto schema = DailySchema();
  std::vector<Row> rows = {Daily("A", DateOf(2024, 1, 31), 1), Daily("A", DateOf(2024, 2, 1), 2),
                           Daily("B", DateOf(2024, 1, 2), 3), Daily("C", Value::Null(LogicalType::Date()), 4)};
  auto batch = MakeBatch(schema, rows);
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("partition_by", std::string("trade_date"));
  ctx.options.Set("partition_granularity", std::string("month"));
  CsvSink sink;
  RunSink(sink, ctx, 1, {{"u1", &batch}});
  EXPECT_EQ(Tree(), (std::vector<std::string>{
                        "daily/_schema.json",
                        "daily/trade_date_month=2024-01/part-u1.csv",
                        "daily/trade_date_month=2024-02/part-u1.csv",
                        "daily/trade_date_month=__HIVE_DEFAULT_PARTITION__/part-u1.csv",
                    }));
  auto got = NewCsvReader(tmp_.path())->Read("daily", *schema);
  EXPECT_EQ(CompareRows(rows, got.rows, {}), "");
  // Rows keep their batch order inside a partition.
  std::ifstream in(tmp_.path() / "daily/trade_date_month=2024-01/part-u1.csv");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "ts_code,trade_date,close\nA,2024-01-31,1\nB,2024-01-02,3\n");
}

TEST_F(FileSinkTest, YearAndDayPartitionsOfATimestamp) {
  auto schema = MakeSchema({{"ts", LogicalType::Timestamp()}, {"v", LogicalType::Int32()}});
  auto batch = MakeBatch(schema, {{TsOf(2023, 12, 31, 23, 59, 59, 999999), Value::Int32(1)},
                                  {TsOf(1969, 12, 31, 23, 0, 0), Value::Int32(2)}});
  for (std::string granularity : {"year", "day"}) {
    BindContext ctx = Ctx("ticks_" + granularity, schema);
    ctx.options.Set("partition_by", std::string("ts"));
    ctx.options.Set("partition_granularity", granularity);
    JsonlSink sink;
    RunSink(sink, ctx, 1, {{"u", &batch}});
  }
  EXPECT_EQ(Tree(), (std::vector<std::string>{
                        "ticks_day/_schema.json",
                        "ticks_day/ts_day=1969-12-31/part-u.jsonl",
                        "ticks_day/ts_day=2023-12-31/part-u.jsonl",
                        "ticks_year/_schema.json",
                        "ticks_year/ts_year=1969/part-u.jsonl",
                        "ticks_year/ts_year=2023/part-u.jsonl",
                    }));
}

TEST_F(FileSinkTest, HostilePartitionValuesStayInsideTheDataset) {
  auto schema = DailySchema();
  std::vector<Row> rows = {Daily("../../escape", DateOf(2024, 1, 2), 1), Daily("a/b", DateOf(2024, 1, 2), 2),
                           Daily("..", DateOf(2024, 1, 2), 3), Daily("k=v", DateOf(2024, 1, 2), 4),
                           Daily("平安银行", DateOf(2024, 1, 2), 5)};
  auto batch = MakeBatch(schema, rows);
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("partition_by", std::string("ts_code"));
  CsvSink sink;
  RunSink(sink, ctx, 1, {{"u1", &batch}});
  EXPECT_EQ(Tree(), (std::vector<std::string>{
                        "daily/_schema.json",
                        "daily/ts_code=%2E%2E%2F..%2Fescape/part-u1.csv",
                        "daily/ts_code=%2E%2E/part-u1.csv",
                        "daily/ts_code=a%2Fb/part-u1.csv",
                        "daily/ts_code=k%3Dv/part-u1.csv",
                        "daily/ts_code=平安银行/part-u1.csv",
                    }));
  EXPECT_EQ(CompareRows(rows, NewCsvReader(tmp_.path())->Read("daily", *schema).rows, {}), "");
}

TEST_F(FileSinkTest, AUnitThatMovesToOtherPartitionsLeavesNoStaleFile) {
  auto schema = DailySchema();
  auto january = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1)});
  auto february = MakeBatch(schema, {Daily("A", DateOf(2024, 2, 2), 2)});
  auto other = MakeBatch(schema, {Daily("B", DateOf(2024, 1, 3), 3)});
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("partition_by", std::string("trade_date"));
  ctx.options.Set("partition_granularity", std::string("month"));
  CsvSink first;
  RunSink(first, ctx, 1, {{"u1", &january}, {"u2", &other}});
  CsvSink second;
  RunSink(second, ctx, 2, {{"u1", &february}});
  EXPECT_EQ(Tree(), (std::vector<std::string>{
                        "daily/_schema.json",
                        "daily/trade_date_month=2024-01/part-u2.csv",
                        "daily/trade_date_month=2024-02/part-u1.csv",
                    }));
}

TEST_F(FileSinkTest, PartitionOptionsAreChecked) {
  auto schema = DailySchema();
  struct Case {
    std::string by, granularity, message;
  };
  for (const auto& c : std::vector<Case>{{"no_such", "value", "not a field"},
                                         {"ts_code", "month", "needs a date or timestamp"},
                                         {"trade_date", "week", "not allowed"}}) {
    BindContext ctx = Ctx("daily", schema);
    ctx.options.Set("partition_by", c.by);
    ctx.options.Set("partition_granularity", c.granularity);
    CsvSink sink;
    auto st = sink.Bind(ctx);
    ASSERT_FALSE(st) << c.by << "/" << c.granularity;
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
    EXPECT_NE(st.error().message().find(c.message), std::string::npos) << st.error().message();
  }
}

TEST_F(FileSinkTest, PartFileNamesComeFromSafeUnitIds) {
  auto schema = DailySchema();
  auto batch = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1)});
  JsonlSink sink;
  RunSink(sink, Ctx("daily", schema), 1, {{"../../etc/passwd", &batch}, {"daily|2024-01-02", &batch}});
  EXPECT_EQ(Tree(), (std::vector<std::string>{"daily/_schema.json", "daily/part-%2E%2E%2F..%2Fetc%2Fpasswd.jsonl",
                                              "daily/part-daily%7C2024-01-02.jsonl"}));
}

TEST_F(FileSinkTest, ReplaceStagesInAHiddenFolderAndSwapsAtFinish) {
  auto schema = DailySchema();
  auto old_batch = MakeBatch(schema, {Daily("OLD", DateOf(2024, 1, 2), 1)});
  auto new_batch = MakeBatch(schema, {Daily("NEW", DateOf(2024, 1, 2), 2)});
  CsvSink first;
  RunSink(first, Ctx("daily", schema), 1, {{"old", &old_batch}});

  CsvSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{42}));
  EXPECT_EQ(sink.write_dir(), tmp_.path() / ".daily.staging-42");
  ASSERT_TRUE(sink.Write(new_batch, "new"));
  ASSERT_TRUE(sink.Commit());
  EXPECT_EQ(Tree(),
            (std::vector<std::string>{".daily.staging-42/.run-42", ".daily.staging-42/_schema.json",
                                      ".daily.staging-42/part-new.csv", "daily/_schema.json", "daily/part-old.csv"}));
  ASSERT_TRUE(sink.Finish());
  EXPECT_EQ(Tree(), (std::vector<std::string>{"daily/.run-42", "daily/_schema.json", "daily/part-new.csv"}));
  ASSERT_TRUE(sink.Close());
}

TEST_F(FileSinkTest, ReplaceRestartDiscardsAStagingFolderThatIsNotItsOwn) {
  auto schema = DailySchema();
  // What an interrupted swap leaves: the old data under this run's staging name, without its marker.
  fs::create_directories(tmp_.path() / ".daily.staging-5");
  std::ofstream(tmp_.path() / ".daily.staging-5/part-old.csv") << "ts_code,trade_date,close\nOLD,2024-01-02,1\n";
  auto batch = MakeBatch(schema, {Daily("NEW", DateOf(2024, 1, 2), 2)});
  CsvSink sink;
  RunSink(sink, Ctx("daily", schema, WriteMode::kReplace), 5, {{"new", &batch}});
  EXPECT_EQ(Tree(), (std::vector<std::string>{"daily/.run-5", "daily/_schema.json", "daily/part-new.csv"}));
}

// Issue 17 §7: what replace runs that are over left behind (a cancelled run's staging folder, the old data
// of an interrupted fallback swap) is swept; a run that is not over keeps its folder, and nothing else goes.
TEST_F(FileSinkTest, SweepStagingRemovesTheLeftoversOfRunsThatAreOverOnly) {
  auto schema = DailySchema();
  auto a = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1)});
  auto b = MakeBatch(schema, {Daily("B", DateOf(2024, 1, 2), 2)});
  auto c = MakeBatch(schema, {Daily("C", DateOf(2024, 1, 2), 3)});
  // Run 5 was cancelled after committing a unit; run 7 is paused (it will resume).
  for (auto [run, batch] : {std::pair{5, &a}, std::pair{7, &b}}) {
    CsvSink left;
    ASSERT_TRUE(left.Bind(Ctx("daily", schema, WriteMode::kReplace)));
    ASSERT_TRUE(left.Migrate());
    ASSERT_TRUE(left.Open(RunContext{run}));
    ASSERT_TRUE(left.Write(*batch, "u" + std::to_string(run)));
    ASSERT_TRUE(left.Commit());
    ASSERT_TRUE(left.Close());
  }
  fs::create_directories(tmp_.path() / ".daily.old-4");  // run 4's swap, interrupted after its first rename
  std::ofstream(tmp_.path() / ".daily.old-4/part-x.csv") << "ts_code,trade_date,close\n";
  fs::create_directories(tmp_.path() / ".daily.staging-x");       // not a run id: not ours
  fs::create_directories(tmp_.path() / ".other.staging-5/keep");  // another dataset's

  CsvSink sink;
  ASSERT_TRUE(sink.Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(sink.Migrate());
  auto swept = sink.SweepStaging([](int64_t run) { return run == 4 || run == 5; });
  ASSERT_TRUE(swept) << swept.error().ToString();
  std::sort(swept->begin(), swept->end());
  EXPECT_EQ(*swept, (std::vector<std::string>{".daily.old-4", ".daily.staging-5"}));
  ASSERT_TRUE(sink.Open(RunContext{6}));
  ASSERT_TRUE(sink.Write(c, "u6"));
  ASSERT_TRUE(sink.Commit());
  ASSERT_TRUE(sink.Finish());
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Tree(), (std::vector<std::string>{".daily.staging-7/.run-7", ".daily.staging-7/_schema.json",
                                              ".daily.staging-7/part-u7.csv", "daily/.run-6", "daily/_schema.json",
                                              "daily/part-u6.csv"}));
  EXPECT_TRUE(fs::exists(tmp_.path() / ".daily.staging-x"));
  EXPECT_TRUE(fs::exists(tmp_.path() / ".other.staging-5/keep"));
  EXPECT_EQ(NewCsvReader(tmp_.path())->Read("daily", *schema).rows,
            (std::vector<Row>{Daily("C", DateOf(2024, 1, 2), 3)}));

  // Retrying run 5 now would publish a staging folder without the unit it had done: refused.
  CsvSink retry;
  ASSERT_TRUE(retry.Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(retry.Migrate());
  auto refused = retry.Open(RunContext{.run_id = 5, .has_done_units = true});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), core::ErrorKind::kConflict);
  EXPECT_NE(refused.error().message().find("start a new run"), std::string::npos) << refused.error().message();
  ASSERT_TRUE(retry.Close());  // lets go of the dataset lock
  // The paused run 7 resumes into the folder it kept.
  CsvSink resumed;
  ASSERT_TRUE(resumed.Bind(Ctx("daily", schema, WriteMode::kReplace)));
  ASSERT_TRUE(resumed.Migrate());
  ASSERT_TRUE(resumed.Open(RunContext{.run_id = 7, .has_done_units = true}));
  ASSERT_TRUE(resumed.Finish());
  ASSERT_TRUE(resumed.Close());
  EXPECT_EQ(NewCsvReader(tmp_.path())->Read("daily", *schema).rows,
            (std::vector<Row>{Daily("B", DateOf(2024, 1, 2), 2)}));
}

TEST_F(FileSinkTest, SidecarRecordsTypesKeysPartitionAndReaderSettings) {
  auto schema = MakeSchema({{"ts_code", LogicalType::String()},
                            {"trade_date", LogicalType::Date()},
                            {"amount", LogicalType::Decimal(18, 3)}});
  BindContext ctx = Ctx("daily", schema);
  ctx.primary_key = {"ts_code", "trade_date"};
  ctx.options.Set("partition_by", std::string("trade_date"));
  ctx.options.Set("partition_granularity", std::string("year"));
  ctx.options.Set("delimiter", std::string("|"));
  CsvSink sink;
  RunSink(sink, ctx, 1, {});
  std::ifstream in(tmp_.path() / "daily/_schema.json");
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["dataset"], "daily");
  EXPECT_EQ(j["format"], "csv");
  EXPECT_EQ(j["fields"][2]["name"], "amount");
  EXPECT_EQ(j["fields"][2]["type"], "decimal(18,3)");
  EXPECT_EQ(j["fields"][1]["type"], "date");
  EXPECT_EQ(j["primary_key"], nlohmann::json({"ts_code", "trade_date"}));
  EXPECT_EQ(j["partition"]["key"], "trade_date_year");
  EXPECT_EQ(j["partition"]["granularity"], "year");
  EXPECT_EQ(j["format_settings"]["delimiter"], "|");
  EXPECT_EQ(j["format_settings"]["null_marker"], "");
}

TEST_F(FileSinkTest, EvolutionKeepsRetiredFieldsAndRefusesUnreadableTypeChanges) {
  auto v1 =
      MakeSchema({{"a", LogicalType::Int32()}, {"gone", LogicalType::Decimal(10, 2)}, {"s", LogicalType::String()}});
  auto v2 = MakeSchema({{"a", LogicalType::Int64()}, {"s", LogicalType::String()}, {"new", LogicalType::Date()}});
  auto v3 = MakeSchema({{"a", LogicalType::Int64()}, {"s", LogicalType::Date()}});
  CsvSink first;
  RunSink(first, Ctx("ds", v1), 1, {});
  CsvSink second;
  RunSink(second, Ctx("ds", v2), 2, {});  // int32 -> int64 reads back; fields may come and go
  auto sidecar = files::ReadSidecar(tmp_.path() / "ds");
  ASSERT_TRUE(sidecar && *sidecar);
  EXPECT_EQ((*sidecar)->fields, v2->fields());
  ASSERT_EQ((*sidecar)->retired_fields.size(), 1u);
  EXPECT_EQ((*sidecar)->retired_fields[0].name, "gone");
  EXPECT_EQ((*sidecar)->retired_fields[0].type, LogicalType::Decimal(10, 2));

  CsvSink third;
  ASSERT_TRUE(third.Bind(Ctx("ds", v3)));
  auto st = third.Migrate();  // "hello" does not read back as a date
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(st.error().message().find("'s'"), std::string::npos) << st.error().message();
  // Mode replace rewrites everything, so it may change types.
  CsvSink replace;
  RunSink(replace, Ctx("ds", v3, WriteMode::kReplace), 3, {});
  EXPECT_EQ((*files::ReadSidecar(tmp_.path() / "ds"))->fields, v3->fields());
}

TEST_F(FileSinkTest, ChangingFormatSettingsOnExistingDataIsRefused) {
  auto schema = DailySchema();
  CsvSink first;
  RunSink(first, Ctx("daily", schema), 1, {});
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("delimiter", std::string(";"));
  CsvSink second;
  ASSERT_TRUE(second.Bind(ctx));
  auto st = second.Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  JsonlSink other_format;
  ASSERT_TRUE(other_format.Bind(Ctx("daily", schema)));
  EXPECT_EQ(other_format.Migrate().error().kind(), ErrorKind::kConfig);
}

// Compaction merges part files only where the format can without rewriting rows (a PartMerger: Parquet,
// parquet_test.cpp; CSV and JSON Lines, text_compaction_test.cpp). JSON and xlsx refuse it as a configuration
// error that names the format, dry run or not, before touching anything: two small parts that Parquet would
// merge stay as they are, byte for byte.
TEST_F(FileSinkTest, JsonAndXlsxRefuseCompactionAndChangeNothing) {
  auto schema = DailySchema();
  auto batch = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1), Daily("B", DateOf(2024, 1, 2), 2)});
  // The sinks come from the registration list, so a build without xlsx (cmake/Plugins.cmake) tests the rest.
  SinkRegistry registry = BuiltinSinks();
  std::vector<std::pair<std::string, std::function<std::unique_ptr<files::FileSink>()>>> formats;
  for (const auto& id : BuiltIds({"json", "xlsx"})) {
    formats.emplace_back(id, [&registry, id] {
      return std::unique_ptr<files::FileSink>(static_cast<files::FileSink*>(registry.Find(id)->create().release()));
    });
  }
  auto files_and_bytes = [&](const std::string& dataset) {
    std::map<std::string, std::string> out;
    for (const auto& name : Tree()) {
      if (!name.starts_with(dataset + "/")) continue;
      std::ifstream in(tmp_.path() / name, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      out[name] = bytes.str();
    }
    return out;
  };
  for (const auto& [format, make] : formats) {
    SCOPED_TRACE(format);
    BindContext ctx = Ctx(format, schema);
    auto writer = make();
    RunSink(*writer, ctx, 1, {{"u1", &batch}, {"u2", &batch}});
    auto before = files_and_bytes(format);
    ASSERT_EQ(before.size(), 3u);  // _schema.json and two part files
    for (bool dry_run : {true, false}) {
      auto sink = make();
      ASSERT_TRUE(sink->Bind(ctx));
      auto report = sink->Compact({"", int64_t{64} << 20, dry_run});
      ASSERT_FALSE(report) << "dry run " << dry_run;
      EXPECT_EQ(report.error().kind(), ErrorKind::kConfig);
      EXPECT_NE(report.error().message().find(format + " part files cannot be compacted"), std::string::npos)
          << report.error().message();
    }
    EXPECT_EQ(files_and_bytes(format), before);
  }
}

TEST(SchemaSidecarTest, TextCompatibleChanges) {
  using files::IsTextCompatibleChange;
  EXPECT_TRUE(IsTextCompatibleChange(LogicalType::Int32(), LogicalType::Int64()));
  EXPECT_TRUE(IsTextCompatibleChange(LogicalType::Int64(), LogicalType::Float64()));
  EXPECT_TRUE(IsTextCompatibleChange(LogicalType::Date(), LogicalType::String()));
  EXPECT_TRUE(IsTextCompatibleChange(LogicalType::Decimal(10, 2), LogicalType::Decimal(12, 4)));
  EXPECT_FALSE(IsTextCompatibleChange(LogicalType::Decimal(10, 2), LogicalType::Decimal(10, 4)));
  EXPECT_FALSE(IsTextCompatibleChange(LogicalType::Decimal(10, 2), LogicalType::Decimal(12, 1)));
  EXPECT_FALSE(IsTextCompatibleChange(LogicalType::Int64(), LogicalType::Int32()));
  EXPECT_FALSE(IsTextCompatibleChange(LogicalType::String(), LogicalType::Date()));
  EXPECT_FALSE(IsTextCompatibleChange(LogicalType::Float64(), LogicalType::Int64()));
}

TEST(SchemaSidecarTest, RoundTripsAndRejectsGarbage) {
  files::SchemaSidecar s;
  s.dataset = "平安\"x";
  s.format = "jsonl";
  s.fields = {{"a\nb", LogicalType::Decimal(18, 4), false, ""}};
  s.primary_key = {"a\nb"};
  s.format_settings = {{"decimal", "string"}};
  auto parsed = files::ParseSidecar(files::RenderSidecar(s));
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(*parsed, s);
  for (std::string bad : {"", "[]", "{\"format_version\":2}", "{\"format_version\":1,\"fields\":[{\"name\":1}]}",
                          "{\"format_version\":1,\"fields\":[{\"name\":\"a\",\"type\":\"blob\"}]}"}) {
    EXPECT_FALSE(files::ParseSidecar(bad)) << bad;
  }
}

TEST_F(FileSinkTest, OpenSweepsTempsACrashLeftBehind) {
  auto schema = DailySchema();
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("partition_by", std::string("ts_code"));
  auto batch = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1)});
  CsvSink first;
  RunSink(first, ctx, 1, {{"u", &batch}});
  std::ofstream(tmp_.path() / "daily/.part-x.csv.tmp") << "partial";
  std::ofstream(tmp_.path() / "daily/ts_code=A/.part-y.csv.tmp") << "partial";
  CsvSink second;
  RunSink(second, ctx, 2, {});
  EXPECT_EQ(Tree(), (std::vector<std::string>{"daily/_schema.json", "daily/ts_code=A/part-u.csv"}));
}

TEST_F(FileSinkTest, AFailedWriteOrCommitDiscardsEveryUncommittedUnit) {
  auto schema = DailySchema();
  BindContext ctx = Ctx("daily", schema);
  ctx.options.Set("partition_by", std::string("ts_code"));
  auto a = MakeBatch(schema, {Daily("A", DateOf(2024, 1, 2), 1)});
  auto b = MakeBatch(schema, {Daily("B", DateOf(2024, 1, 2), 2)});
  std::vector<Row> many;
  for (int i = 0; i < 80000; ++i) many.push_back(Daily("B", DateOf(2024, 1, 2), i));
  auto big_b = MakeBatch(schema, many);
  CsvSink sink;
  ASSERT_TRUE(sink.Bind(ctx));
  ASSERT_TRUE(sink.Migrate());
  ASSERT_TRUE(sink.Open(RunContext{1}));
  // A file where partition B's folder must go makes every write into B fail.
  std::ofstream(tmp_.path() / "daily/ts_code=B") << "in the way";

  ASSERT_TRUE(sink.Write(a, "u-a"));
  auto st = sink.Commit();
  ASSERT_TRUE(st);
  ASSERT_TRUE(sink.Write(a, "u-a2"));
  ASSERT_TRUE(sink.Write(b, "u-b"));  // small: stays in memory until Commit
  st = sink.Commit();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("ts_code=B"), std::string::npos) << st.error().message();
  ASSERT_TRUE(sink.Write(a, "u-a3"));
  st = sink.Write(big_b, "u-big");  // big: flushed during Write
  ASSERT_FALSE(st);
  ASSERT_TRUE(sink.Commit());  // nothing left to commit: u-a3 went with the failed Write
  ASSERT_TRUE(sink.Close());
  EXPECT_EQ(Tree(),
            (std::vector<std::string>{"daily/_schema.json", "daily/ts_code=A/part-u-a.csv", "daily/ts_code=B"}));
}

TEST_F(FileSinkTest, RootThatIsAFileIsAConfigError) {
  std::ofstream(tmp_.path() / "file") << "x";
  BindContext ctx = Ctx("daily", DailySchema());
  ctx.options.Set("path", (tmp_.path() / "file").string());
  CsvSink sink;
  auto st = sink.Bind(ctx);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
}

TEST(FsUtilTest, ClassifiesErrnoTheWayTheEngineExpects) {
  EXPECT_EQ(files::IoError("cannot create", "/x", EACCES).kind(), ErrorKind::kPermission);
  EXPECT_EQ(files::IoError("cannot create", "/x", EROFS).kind(), ErrorKind::kPermission);
  EXPECT_EQ(files::IoError("cannot write", "/x", ENOSPC).kind(), ErrorKind::kTransient);
  EXPECT_EQ(files::IoError("cannot write", "/x", EIO).kind(), ErrorKind::kTransient);
  EXPECT_EQ(files::IoError("cannot open", "/x", ENOTDIR).kind(), ErrorKind::kPermanent);
  auto e = files::IoError("cannot write", "/data/daily", ENOSPC);
  EXPECT_NE(e.message().find("/data/daily"), std::string::npos) << e.message();
  EXPECT_EQ(e.code(), "errno " + std::to_string(ENOSPC));
}

}  // namespace
}  // namespace datasync::storage::testing
