// Compaction of the text formats (files/text_part_merger.hpp): CSV in several dialects, gzip and zstd
// compressed too, and JSON Lines. Merged files are read back by the tests' own RFC 4180 and JSON readers
// (sink_test_support), which share no code with the sinks; each unit's rows must be there exactly once after merging,
// rewriting a merged unit, emptying it, and after the crashes a compaction or a commit can leave behind.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "storage/csv/csv_sink.hpp"
#include "storage/files/part_layout.hpp"
#include "storage/files/text_part_merger.hpp"
#include "storage/jsonl/jsonl_sink.hpp"
#include "unit/storage/sink_test_support.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

struct Dialect {
  std::string name;
  std::string sink;  // "csv" or "jsonl"
  std::vector<std::pair<std::string, core::OptionValue>> options;
};

std::string PrintDialect(const ::testing::TestParamInfo<Dialect>& info) {
  return info.param.name;
}
void PrintTo(const Dialect& d, std::ostream* os) {
  *os << d.name;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class TextCompactionTest : public ::testing::TestWithParam<Dialect> {
 protected:
  core::SchemaPtr schema_ = MakeSchema({{"code", LogicalType::String()},
                                        {"grp", LogicalType::String()},
                                        {"day", LogicalType::Date()},
                                        {"close", LogicalType::Float64()}});

  fs::path Root() const { return tmp_.path() / "root"; }
  fs::path Folder(const std::string& partition) const { return Root() / "daily" / partition; }

  std::unique_ptr<files::FileSink> NewSink() const {
    if (GetParam().sink == "csv") return std::make_unique<CsvSink>();
    return std::make_unique<JsonlSink>();
  }
  BindContext Context() const {
    auto options = GetParam().options;
    options.emplace_back("partition_by", std::string("grp"));
    return FileSinkContext(tmp_.path(), "text", "daily", schema_, options);
  }

  // Unit u's rows as written with `offset`: 30 rows over three partitions (x, y and NULL's default folder),
  // with text that needs quoting (delimiters, quotes, line breaks) in every seventh.
  core::ColumnBatch Batch(int u, int offset) const {
    std::vector<Row> rows;
    for (int i = 0; i < 30; ++i) {
      int n = u * 100 + offset + i;
      std::string code = n % 7 == 0 ? "odd, \"quoted\"\nline " + std::to_string(n) : "c" + std::to_string(n);
      Value grp = n % 3 == 0   ? Value::String("x")
                  : n % 3 == 1 ? Value::String("y")
                               : Value::Null(LogicalType::String());
      rows.push_back({Value::String(code), grp, DateOf(2024, 1, 1 + n % 28), Value::Float64(n * 0.25)});
    }
    return MakeBatch(schema_, rows);
  }
  std::vector<Row> Expected(std::vector<std::pair<int, int>> units_and_offsets) const {
    std::vector<Row> rows;
    for (auto [u, offset] : units_and_offsets) {
      auto b = Batch(u, offset);
      for (size_t r = 0; r < b.num_rows(); ++r) {
        Row row;
        for (size_t c = 0; c < b.num_columns(); ++c) row.push_back(b.column(c).GetValue(r));
        rows.push_back(std::move(row));
      }
    }
    return rows;
  }
  std::vector<Row> Stored() const {
    auto reader = GetParam().sink == "csv" ? NewCsvReader(Root()) : NewJsonlReader(Root());
    return reader->Read("daily", *schema_).rows;
  }

  void Write(int first, int count, int64_t run, int offset = 0) {
    auto sink = NewSink();
    ASSERT_TRUE(sink->Bind(Context()));
    ASSERT_TRUE(sink->Migrate());
    ASSERT_TRUE(sink->Open(RunContext{run}));
    for (int u = first; u < first + count; ++u) {
      auto batch = Batch(u, offset);
      ASSERT_TRUE(sink->Write(batch, "u" + std::to_string(u)));
      ASSERT_TRUE(sink->Commit());
    }
    ASSERT_TRUE(sink->Close());
  }
  core::Result<files::CompactReport> Compact(files::CompactOptions options = {}) {
    auto sink = NewSink();
    if (auto st = sink->Bind(Context()); !st) return core::Fail(st.error());
    return sink->Compact(options, std::chrono::milliseconds(200));
  }
  // Data files (part-*) and unit lists (.part-compact-*.units) under the dataset, by folder/name.
  std::vector<std::string> Parts() const {
    std::vector<std::string> out;
    for (const auto& f : ListTree(Root() / "daily")) {
      std::string name = fs::path(f).filename().string();
      if (name.starts_with("part-") || name.ends_with(files::kUnitListSuffix)) out.push_back(f);
    }
    return out;
  }
  size_t Count(std::string_view prefix) const {
    size_t n = 0;
    for (const auto& f : Parts()) n += fs::path(f).filename().string().starts_with(prefix);
    return n;
  }

  TempDir tmp_;
};

TEST_P(TextCompactionTest, MergesSmallPartsIntoOneFilePerFolderAndKeepsEveryRow) {
  Write(0, 6, 1);
  EXPECT_EQ(Count("part-"), 18u);
  auto dry = Compact({"", int64_t{64} << 20, true});
  ASSERT_TRUE(dry) << dry.error().ToString();
  EXPECT_EQ(dry->merged.size(), 3u);
  EXPECT_EQ(Count("part-"), 18u) << "a dry run changes nothing";

  auto report = Compact();
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_EQ(report->merged.size(), 3u);
  int64_t rows = 0;
  for (const auto& m : report->merged) {
    EXPECT_EQ(m.inputs.size(), 6u);
    EXPECT_TRUE(m.output.starts_with("part-compact-")) << m.output;
    rows += m.rows;  // counted as records, so quoted line breaks do not count
  }
  EXPECT_EQ(rows, 180);
  EXPECT_EQ(Count("part-compact-"), 3u);
  EXPECT_EQ(Count(".part-compact-"), 3u) << "each merged file has its unit list";
  EXPECT_EQ(Count("part-"), 3u);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}}), Stored(), FloatRules{}), "");
  // A merged CSV file holds its header row (and byte-order mark) once, at the start.
  for (const auto& m : report->merged) {
    std::string text = Slurp(Folder(m.folder) / m.output);
    if (m.output.ends_with(".gz") || m.output.ends_with(".zst")) continue;  // the reader checked those
    EXPECT_EQ(text.find("\xEF\xBB\xBF", 1), std::string::npos);
    std::string first_line = text.substr(0, text.find('\n') + 1);
    if (first_line.find("code") != std::string::npos && GetParam().sink == "csv") {
      EXPECT_EQ(text.find(first_line, 1), std::string::npos) << "a second header row in " << m.output;
    }
  }
}

TEST_P(TextCompactionTest, RewritingAMergedUnitReplacesItsRowsAndEmptyingItRemovesThem) {
  Write(0, 4, 1);
  ASSERT_TRUE(Compact());
  std::vector<std::string> merged = Parts();
  // u1 runs again with other values: its new part files win, and the merged files give its rows up under
  // new names (the old files and their lists are gone).
  Write(1, 1, 2, 900);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {2, 0}, {3, 0}}), Stored(), FloatRules{}), "");
  for (const auto& f : merged) {
    if (fs::path(f).filename().string().starts_with("part-compact-")) {
      EXPECT_FALSE(fs::exists(Root() / "daily" / f)) << f << " was rewritten in place";
    }
  }
  EXPECT_EQ(Count("part-compact-"), 3u);
  EXPECT_EQ(Count(".part-compact-"), 3u);
  // Compacting again folds the new parts in.
  ASSERT_TRUE(Compact());
  EXPECT_EQ(Count("part-"), 3u);
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {2, 0}, {3, 0}}), Stored(), FloatRules{}), "");
  // A rewrite with no rows removes the unit.
  {
    auto sink = NewSink();
    auto empty = MakeBatch(schema_, {});
    RunSink(*sink, Context(), 3, {{"u2", &empty}});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 900}, {3, 0}}), Stored(), FloatRules{}), "");
  // Emptying every unit of the merged files removes the files and their lists.
  {
    auto sink = NewSink();
    auto empty = MakeBatch(schema_, {});
    RunSink(*sink, Context(), 4, {{"u0", &empty}, {"u1", &empty}, {"u3", &empty}});
  }
  EXPECT_EQ(Stored().size(), 0u);
  EXPECT_EQ(Parts(), std::vector<std::string>{});
}

TEST_P(TextCompactionTest, ACrashBetweenMergeAndCleanupIsRepaired) {
  Write(0, 3, 1);
  // Hard links to one folder's parts, put back after the compaction: what a compaction killed after
  // publishing its merged file, before removing its inputs, leaves behind.
  fs::path folder = Folder("grp=x");
  fs::path saved = tmp_.path() / "saved";
  fs::create_directories(saved);
  for (const auto& e : fs::directory_iterator(folder)) fs::create_hard_link(e.path(), saved / e.path().filename());
  ASSERT_TRUE(Compact());
  for (const auto& e : fs::directory_iterator(saved)) fs::rename(e.path(), folder / e.path().filename());
  EXPECT_GT(Stored().size(), 90u) << "readers see those rows twice until the repair";
  {
    auto sink = NewSink();
    RunSink(*sink, Context(), 2, {});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}, {2, 0}}), Stored(), FloatRules{}), "");
  EXPECT_EQ(Count("part-"), 3u);
}

TEST_P(TextCompactionTest, ACrashInTheMiddleOfARewriteIsRepaired) {
  Write(0, 3, 1);
  ASSERT_TRUE(Compact());
  // Keep the merged files (and lists) that hold u1, rewrite u1, then put them back: a commit killed after
  // publishing the merged files without u1, before removing the old ones.
  fs::path saved = tmp_.path() / "saved";
  std::vector<std::pair<fs::path, fs::path>> old;
  for (const auto& f : Parts()) {
    fs::path path = Root() / "daily" / f;
    fs::create_directories(saved / path.parent_path().filename());
    fs::path keep = saved / path.parent_path().filename() / path.filename();
    fs::create_hard_link(path, keep);
    old.emplace_back(keep, path);
  }
  Write(1, 1, 2, 500);
  for (const auto& [keep, path] : old) {
    if (!fs::exists(path)) fs::rename(keep, path);
  }
  EXPECT_EQ(Count("part-compact-"), 6u);
  {
    auto sink = NewSink();
    RunSink(*sink, Context(), 3, {});
  }
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 500}, {2, 0}}), Stored(), FloatRules{}), "");
  ASSERT_TRUE(Compact());
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 500}, {2, 0}}), Stored(), FloatRules{}), "");
  EXPECT_EQ(Count("part-compact-"), 3u);
  EXPECT_EQ(Count(".part-compact-"), 3u);
}

TEST_P(TextCompactionTest, AMergedFileWithoutItsUnitListIsRefusedAndAListWithoutItsFileIsSwept) {
  Write(0, 2, 1);
  ASSERT_TRUE(Compact());
  fs::path folder = Folder("grp=y");
  fs::path merged;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().filename().string().starts_with("part-compact-")) merged = e.path();
  }
  ASSERT_FALSE(merged.empty());
  fs::path list = files::UnitListPath(merged);
  ASSERT_TRUE(fs::exists(list));
  std::string saved = Slurp(list);
  fs::remove(list);
  auto sink = NewSink();
  ASSERT_TRUE(sink->Bind(Context()));
  auto st = sink->Migrate();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(st.error().message().find("lost its unit list"), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find(merged.filename().string()), std::string::npos) << st.error().message();
  ASSERT_TRUE(sink->Close());
  // A damaged list is refused the same way.
  std::ofstream(list, std::ios::binary) << "datasync-units 1 0 12\n5\t1\tu0\t\n";
  auto again = NewSink();
  ASSERT_TRUE(again->Bind(Context()));
  auto damaged = again->Migrate();
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message().find("is damaged"), std::string::npos) << damaged.error().message();
  ASSERT_TRUE(again->Close());
  // With the list back, and a stray list whose file is gone, the next writer sweeps the stray one.
  std::ofstream(list, std::ios::binary) << saved;
  fs::path stray = folder / ".part-compact-0000000000000000.csv.units";
  std::ofstream(stray) << "datasync-units 1 0 0\n";
  {
    auto writer = NewSink();
    RunSink(*writer, Context(), 2, {});
  }
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_TRUE(fs::exists(list));
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 0}}), Stored(), FloatRules{}), "");
}

// Two plans writing one dataset at once share it; each rewrites a merged unit. The second to commit finds the
// merged files renamed by the first (a text rewrite gives them new names), reads them again, and still takes
// its unit out: nothing twice.
TEST_P(TextCompactionTest, WritersSharingTheDatasetFindMergedFilesTheOtherRewrote) {
  Write(0, 4, 1);
  ASSERT_TRUE(Compact());
  auto a = NewSink();
  auto b = NewSink();
  for (auto* s : {a.get(), b.get()}) {
    ASSERT_TRUE(s->Bind(Context()));
    ASSERT_TRUE(s->Migrate());
  }
  ASSERT_TRUE(a->Open(RunContext{2}));
  ASSERT_TRUE(b->Open(RunContext{3}));
  auto ba = Batch(1, 2000), bb = Batch(2, 3000);
  ASSERT_TRUE(a->Write(ba, "u1"));
  ASSERT_TRUE(b->Write(bb, "u2"));
  ASSERT_TRUE(b->Commit());
  ASSERT_TRUE(a->Commit());
  ASSERT_TRUE(a->Close());
  ASSERT_TRUE(b->Close());
  EXPECT_EQ(CompareRows(Expected({{0, 0}, {1, 2000}, {2, 3000}, {3, 0}}), Stored(), FloatRules{}), "");
  EXPECT_EQ(Count(".part-compact-"), Count("part-compact-"));
}

INSTANTIATE_TEST_SUITE_P(
    Dialects, TextCompactionTest,
    ::testing::Values(Dialect{"csv", "csv", {}},
                      Dialect{"csv_bom_crlf_quoted",
                              "csv",
                              {{"bom", true}, {"line_ending", std::string("crlf")}, {"quoting", std::string("all")}}},
                      Dialect{"csv_headerless_semicolons", "csv", {{"header", false}, {"delimiter", std::string(";")}}},
                      Dialect{"csv_gzip", "csv", {{"compression", std::string("gzip")}, {"bom", true}}},
                      Dialect{"csv_zstd", "csv", {{"compression", std::string("zstd")}}},
                      Dialect{"jsonl", "jsonl", {}}),
    PrintDialect);

// Files whose columns differ (a field added between runs) are merged only with their like.
TEST(TextPartMergerTest, OnlyFilesWithOneHeaderMergeTogether) {
  TempDir tmp;
  files::TextPartMerger merger({.bom = false, .header = true, .csv = true});
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp.path() / name, std::ios::binary) << text;
    return tmp.path() / name;
  };
  auto a = write("part-a.csv", "x,y\n1,2\n");
  auto b = write("part-b.csv", "x,y\n3,\"4\n5\"\n");
  auto c = write("part-c.csv", "x,y,z\n6,7,8\n");
  EXPECT_EQ(*merger.LayoutKey(a), *merger.LayoutKey(b));
  EXPECT_NE(*merger.LayoutKey(a), *merger.LayoutKey(c));
  auto out = merger.Merge({{a, "a", "ida", {}}, {b, "b", "idb", {}}}, tmp.path() / ".tmp");
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(Slurp(tmp.path() / ".tmp"), "x,y\n1,2\n3,\"4\n5\"\n");
  EXPECT_EQ(out->rows, 2);
  EXPECT_EQ(out->unit_list, "datasync-units 1 4 16\n4\t1\ta\tida\n8\t1\tb\tidb\n");
  // A part cut short (no final line break) is not merged.
  auto cut = write("part-d.csv", "x,y\n9,1");
  auto refused = merger.Merge({{cut, "d", "", {}}}, tmp.path() / ".tmp2");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kPermanent);
}

// A compressed part that is cut short (or not compressed at all) is refused, naming the file; members and
// frames concatenate, so a merged file reads as one text.
TEST(TextPartMergerTest, CompressedPartsMustBeWholeStreams) {
  TempDir tmp;
  for (auto c : {files::Compression::kGzip, files::Compression::kZstd}) {
    SCOPED_TRACE(std::string(files::CompressionName(c)));
    files::TextPartMerger merger({.header = true, .csv = true, .compression = c});
    auto a = *files::CompressWhole("x,y\n1,2\n", c);
    auto b = *files::CompressWhole("x,y\n3,4\n", c);
    std::ofstream(tmp.path() / "a", std::ios::binary) << a;
    std::ofstream(tmp.path() / "b", std::ios::binary) << b;
    std::ofstream(tmp.path() / "cut", std::ios::binary) << b.substr(0, b.size() - 5);
    std::ofstream(tmp.path() / "plain", std::ios::binary) << "x,y\n5,6\n";
    auto out = merger.Merge({{tmp.path() / "a", "a", "", {}}, {tmp.path() / "b", "b", "", {}}}, tmp.path() / "m");
    ASSERT_TRUE(out) << out.error().ToString();
    EXPECT_EQ(*files::DecompressWhole(Slurp(tmp.path() / "m"), c, "m"), "x,y\n1,2\n3,4\n");
    EXPECT_EQ(out->rows, 2);
    for (std::string bad : {"cut", "plain"}) {
      auto refused = merger.Merge({{tmp.path() / bad, bad, "", {}}}, tmp.path() / "m2");
      ASSERT_FALSE(refused) << bad;
      EXPECT_EQ(refused.error().kind(), ErrorKind::kPermanent);
      EXPECT_NE(refused.error().message().find("is not a complete"), std::string::npos) << refused.error().message();
      EXPECT_NE(refused.error().message().find((tmp.path() / bad).string()), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace datasync::storage::testing
