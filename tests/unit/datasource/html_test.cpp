// The vendor-neutral HTML toolkit doc importers build on: node views, the content as lines and tables,
// and tables as text.
#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>

#include "datasource/html/blocks.hpp"
#include "datasource/html/document.hpp"
#include "datasource/html/table.hpp"

namespace datasync::datasource::html {
namespace {

TEST(HtmlDocumentTest, FindsElementsByTagClassAndAttribute) {
  auto parsed = Document::Parse(R"(<div id="a" class="x content"><p>one</p><h2>Title <b>bold</b></h2></div>)");
  ASSERT_TRUE(parsed);
  const Document& doc = *parsed;
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
  auto parsed = Document::Parse("<p>  a\u00a0\u00a0b<script>evil()</script><br>c  </p>");
  ASSERT_TRUE(parsed);
  const Document& doc = *parsed;
  Node p = doc.Root().Find([](const Node& n) { return n.Is("p"); });
  EXPECT_EQ(p.Text(), "a b c");
}

TEST(HtmlBlocksTest, LinesSplitAtBlocksAndBrTablesStayInOrderPreIsDropped) {
  auto parsed = Document::Parse(
      "<div><p>接口：daily<br>描述：日线</p><pre>print(1)</pre><table><tr><th>名称</th></tr></table>"
      "<span>after</span></div>");
  ASSERT_TRUE(parsed);
  const Document& doc = *parsed;
  std::vector<Block> blocks = Linearize(doc.Root());
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0].lines, (std::vector<std::string>{"接口：daily", "描述：日线"}));
  EXPECT_TRUE(blocks[1].table.Is("table"));
  EXPECT_EQ(blocks[2].lines, (std::vector<std::string>{"after"}));
}

TEST(HtmlTableTest, FirstRowIsTheHeaderAndRowsAreCapped) {
  auto parsed = Document::Parse(
      "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td> 2 </td></tr>"
      "<tr></tr><tr><td>3</td></tr><tr><td>4</td></tr></tbody></table>");
  ASSERT_TRUE(parsed);
  const Document& doc = *parsed;
  Node table = doc.Root().Find([](const Node& n) { return n.Is("table"); });
  Table t = ReadTable(table, 2);
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(Cell(t.rows[1], 0), "3");
  EXPECT_EQ(Cell(t.rows[1], 1), "");
  EXPECT_EQ(Cell(t.rows[1], -1), "");
}

TEST(HtmlDocumentTest, TextLargerThanTheLimitIsRefusedUnparsed) {
  std::string page = "<p>" + std::string(2000, 'x') + "</p>";
  auto doc = Document::Parse(page, ParseLimits{1000, 512});
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_NE(doc.error().message().find("the page is 2007 bytes, more than the limit of 1000 bytes"), std::string::npos)
      << doc.error().message();
  EXPECT_TRUE(Document::Parse(page, ParseLimits{2007, 512}));
}

TEST(HtmlDocumentTest, DepthUpToTheLimitIsParsedAndOneMoreIsRefused) {
  auto nested = [](size_t divs) {
    std::string page = "<html><body>";  // 2 levels
    for (size_t i = 0; i < divs; ++i) page += "<div>";
    return page + "x";
  };
  EXPECT_TRUE(Document::Parse(nested(98), ParseLimits{1 << 20, 100}));
  auto doc = Document::Parse(nested(99), ParseLimits{1 << 20, 100});
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("nested 101 deep, more than the limit of 100"), std::string::npos)
      << doc.error().message();
}

// Runs `f` on a thread with a 64 KiB stack: a recursive walk over a tree at the depth limit overflows it.
void OnSmallStack(const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t t;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, run, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(HtmlDocumentTest, WalksOverATreeAtTheDepthLimitUseNoRecursion) {
  std::string page = "<html><body>";
  for (int i = 0; i < 250; ++i) page += "<div><section>";  // two blocks per level: depth 502
  page += "<table><tr><td>deep</td></tr></table><span>text</span>";
  auto parsed = Document::Parse(page);
  ASSERT_TRUE(parsed) << parsed.error().message();
  const Document& doc = *parsed;
  std::string text;
  Node table;
  std::vector<Block> blocks;
  Table t;
  OnSmallStack([&] {
    table = doc.Root().Find([](const Node& n) { return n.Is("table"); });
    text = doc.Root().Text();
    blocks = Linearize(doc.Root());
    if (table) t = ReadTable(table, 10);
  });
  ASSERT_TRUE(table);
  EXPECT_EQ(text, "deeptext");
  ASSERT_EQ(blocks.size(), 2U);
  EXPECT_TRUE(blocks[0].table);
  EXPECT_EQ(blocks[1].lines, (std::vector<std::string>{"text"}));
  EXPECT_EQ(t.header, (std::vector<std::string>{"deep"}));
}

}  // namespace
}  // namespace datasync::datasource::html
