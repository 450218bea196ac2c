// The shared page chain (page_chain.hpp): the rows a chain kept ride along every next page, a restart goes
// back to the first page (every positioning param removed) and drops exactly what was kept, restarts are
// bounded, pages are counted when the provider names a counter. Nasdaq Data Link's configuration of it is
// tested in nasdaq_request_test.cpp.
#include "datasource/page_chain.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

PageChain Offsets() {
  return PageChain(PageChainNames{.position = {"offset", "@next"},
                                  .rows = "_t.rows",
                                  .skip = "_t.skip",
                                  .restarts = "_t.restarts",
                                  .page = "_t.page"},
                   2);
}

// What an offset pager would ask next: offset advanced by the page's rows as the vendor sent them.
Params WithOffset(Params p, int64_t offset) {
  for (auto& [k, v] : p) {
    if (k == "offset") {
      v = std::to_string(offset);
      return p;
    }
  }
  p.emplace_back("offset", std::to_string(offset));
  return p;
}

TEST(PageChainTest, ANextPageCarriesTheRowsKeptAndItsNumber) {
  PageChain chain = Offsets();
  Params first = {{"q", "x"}};
  EXPECT_FALSE(chain.Read(first).later_page);
  EXPECT_FALSE(chain.Read(first).InChain());
  Params second = chain.Advance(first, WithOffset(first, 3), 3);
  EXPECT_EQ(second, (Params{{"q", "x"}, {"offset", "3"}, {"_t.rows", "3"}, {"_t.page", "1"}}));
  PageChainState s = chain.Read(second);
  EXPECT_TRUE(s.later_page);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.page, 1);
  Params third = chain.Advance(second, WithOffset(second, 6), 3);
  EXPECT_EQ(third, (Params{{"q", "x"}, {"offset", "6"}, {"_t.rows", "6"}, {"_t.page", "2"}}))
      << "counts change in place, never twice";
  // An empty positioning param is not a later page.
  EXPECT_FALSE(chain.Read({{"offset", ""}}).later_page);
}

TEST(PageChainTest, ARestartGoesBackToTheFirstPageAndDropsExactlyTheRowsKept) {
  PageChain chain = Offsets();
  Params third = {{"q", "x"}, {"offset", "6"}, {"_t.rows", "6"}, {"_t.page", "2"}};
  auto restart = chain.Restart(third);
  ASSERT_TRUE(restart);
  EXPECT_EQ(*restart, (Params{{"q", "x"}, {"_t.rows", "6"}, {"_t.skip", "6"}, {"_t.restarts", "1"}}))
      << "the offset removed (the first page's), the page count back to 0";
  EXPECT_TRUE(chain.Read(*restart).InChain()) << "a restarted first page is part of a chain: never split";
  EXPECT_FALSE(chain.Read(*restart).later_page);
  // Pages of 4 rows: the first drops all 4, the second 2 of 4 and keeps 2, the third keeps all.
  EXPECT_EQ(chain.RowsToDrop(*restart, 4), 4);
  Params r2 = chain.Advance(*restart, WithOffset(*restart, 4), 4);
  EXPECT_EQ(chain.Read(r2).rows, 6);
  EXPECT_EQ(chain.Read(r2).skip, 2);
  EXPECT_EQ(chain.RowsToDrop(r2, 4), 2);
  Params r3 = chain.Advance(r2, WithOffset(r2, 8), 4);
  EXPECT_EQ(chain.Read(r3).rows, 8);
  EXPECT_EQ(chain.Read(r3).skip, 0);
  EXPECT_EQ(chain.RowsToDrop(r3, 4), 0);
  EXPECT_EQ(chain.Read(r3).restarts, 1);
  EXPECT_EQ(chain.Read(r3).page, 2);
  // A short page inside the skip drops only what it has.
  EXPECT_EQ(chain.RowsToDrop(*restart, 1), 1);
  // Every positioning param goes (a link's next URL too).
  auto linked = chain.Restart({{"@next", "https://a/p?page=3"}, {"_t.rows", "2"}});
  ASSERT_TRUE(linked);
  EXPECT_EQ(*linked, (Params{{"_t.rows", "2"}, {"_t.skip", "2"}, {"_t.restarts", "1"}}));
}

TEST(PageChainTest, AFirstPageCannotRestartAndRestartsAreBounded) {
  PageChain chain = Offsets();
  EXPECT_FALSE(chain.Restart({{"q", "x"}}));
  EXPECT_FALSE(chain.Restart({{"q", "x"}, {"_t.rows", "4"}, {"_t.skip", "4"}, {"_t.restarts", "1"}}))
      << "a restarted first page has no position to restart from";
  EXPECT_TRUE(chain.Restart({{"offset", "4"}, {"_t.rows", "4"}, {"_t.restarts", "1"}}));
  EXPECT_FALSE(chain.Restart({{"offset", "4"}, {"_t.rows", "4"}, {"_t.restarts", "2"}})) << "max_restarts is 2";
}

TEST(PageChainTest, WithoutAPageNameNothingIsCountedAndGarbageCountsAsZero) {
  PageChain chain(PageChainNames{.position = {"cursor"}, .rows = "_r", .skip = "_s", .restarts = "_n", .page = {}});
  Params next = chain.Advance({}, {{"cursor", "c1"}}, 0);
  EXPECT_EQ(next, (Params{{"cursor", "c1"}})) << "an empty page keeps nothing and counts nothing";
  EXPECT_EQ(chain.Read({{"_r", "-5"}, {"_s", "x"}}).rows, 0);
  EXPECT_EQ(chain.Read({{"_r", "-5"}, {"_s", "x"}}).skip, 0);
}

}  // namespace
}  // namespace datasync::datasource
