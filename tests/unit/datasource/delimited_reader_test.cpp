// The delimited text reader: RFC 4180 quoting with escapes and line breaks inside cells, CRLF, a BOM, blank
// lines, another delimiter, and the line numbers its errors name.
#include "datasource/files/delimited_reader.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource::files {
namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view text, char delimiter = ',') {
  DelimitedReader reader(text, delimiter);
  std::vector<std::string_view> cells;
  std::vector<std::vector<std::string>> out;
  for (;;) {
    auto next = reader.Next(cells);
    EXPECT_TRUE(next) << next.error().ToString();
    if (!next || !*next) break;
    out.emplace_back(cells.begin(), cells.end());
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(DelimitedReaderTest, ReadsPlainRecordsAndEmptyCells) {
  EXPECT_EQ(ReadAll("a,b,c\n1,,3\n,,\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}, {"", "", ""}}));
  EXPECT_EQ(ReadAll("x"), (Rows{{"x"}}));
  EXPECT_EQ(ReadAll(""), Rows{});
}

TEST(DelimitedReaderTest, QuotesEscapesAndLineBreaksInsideCells) {
  EXPECT_EQ(ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\"\",x\n"),
            (Rows{{"a,b", "say \"hi\"", "two\nlines"}, {"", "x"}}));
  // Two escaped cells in one record keep their own text.
  EXPECT_EQ(ReadAll("\"\"\"a\"\"\",\"b\"\"\"\n"), (Rows{{"\"a\"", "b\""}}));
}

TEST(DelimitedReaderTest, CrlfBomBlankLinesAndOtherDelimiters) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBFh1;h2\r\n\r\n1;2\r\n\n", ';'), (Rows{{"h1", "h2"}, {"1", "2"}}));
  EXPECT_EQ(ReadAll("a\tb\n", '\t'), (Rows{{"a", "b"}}));
}

TEST(DelimitedReaderTest, LinesAreCountedAndBrokenQuotesNamed) {
  DelimitedReader reader("a\n\"x\ny\",1\nb\n", ',');
  std::vector<std::string_view> cells;
  ASSERT_TRUE(*reader.Next(cells));
  EXPECT_EQ(reader.line(), 1u);
  ASSERT_TRUE(*reader.Next(cells));
  EXPECT_EQ(reader.line(), 2u);
  ASSERT_TRUE(*reader.Next(cells));
  EXPECT_EQ(reader.line(), 4u);

  DelimitedReader open("a,b\n1,\"never closed\n", ',');
  ASSERT_TRUE(*open.Next(cells));
  auto bad = open.Next(cells);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), "bad_row");
  EXPECT_NE(bad.error().message().find("line 2: a quoted cell never closes"), std::string::npos);

  DelimitedReader after("\"a\"b,c\n", ',');
  auto stray = after.Next(cells);
  ASSERT_FALSE(stray);
  EXPECT_NE(stray.error().message().find("text after a quoted cell's closing quote"), std::string::npos);
}

}  // namespace
}  // namespace datasync::datasource::files
