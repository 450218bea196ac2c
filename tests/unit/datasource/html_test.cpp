// The vendor-neutral HTML toolkit doc importers build on: node views, the content as lines and tables,
// and tables as text.
#include <gtest/gtest.h>

#include "datasource/html/blocks.hpp"
#include "datasource/html/document.hpp"
#include "datasource/html/table.hpp"

namespace datasync::datasource::html {
namespace {

TEST(HtmlDocumentTest, FindsElementsByTagClassAndAttribute) {
  Document doc(R"(<div id="a" class="x content"><p>one</p><h2>Title <b>bold</b></h2></div>)");
  Node content = doc.Root().Find([](const Node& n) { return n.HasClass("content"); });
  ASSERT_TRUE(content);
  EXPECT_EQ(content.Tag(), "div");
  EXPECT_EQ(content.Attr("id"), "a");
  EXPECT_EQ(content.Attr("missing"), "");
  Node h2 = content.Find([](const Node& n) { return n.Is("h2"); });
  ASSERT_TRUE(h2);
  EXPECT_EQ(h2.Text(), "Title bold");
  EXPECT_FALSE(doc.Root().Find([](const Node& n) { return n.Is("table"); }));
}

TEST(HtmlDocumentTest, TextLeavesOutScriptsAndCleansWhitespace) {
  Document doc("<p>  a\u00a0\u00a0b<script>evil()</script><br>c  </p>");
  Node p = doc.Root().Find([](const Node& n) { return n.Is("p"); });
  EXPECT_EQ(p.Text(), "a b c");
}

TEST(HtmlBlocksTest, LinesSplitAtBlocksAndBrTablesStayInOrderPreIsDropped) {
  Document doc(
      "<div><p>接口：daily<br>描述：日线</p><pre>print(1)</pre><table><tr><th>名称</th></tr></table>"
      "<span>after</span></div>");
  std::vector<Block> blocks = Linearize(doc.Root());
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0].lines, (std::vector<std::string>{"接口：daily", "描述：日线"}));
  EXPECT_TRUE(blocks[1].table.Is("table"));
  EXPECT_EQ(blocks[2].lines, (std::vector<std::string>{"after"}));
}

TEST(HtmlTableTest, FirstRowIsTheHeaderAndRowsAreCapped) {
  Document doc(
      "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td> 2 </td></tr>"
      "<tr></tr><tr><td>3</td></tr><tr><td>4</td></tr></tbody></table>");
  Node table = doc.Root().Find([](const Node& n) { return n.Is("table"); });
  Table t = ReadTable(table, 2);
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(Cell(t.rows[1], 0), "3");
  EXPECT_EQ(Cell(t.rows[1], 1), "");
  EXPECT_EQ(Cell(t.rows[1], -1), "");
}

}  // namespace
}  // namespace datasync::datasource::html
