#include "datasource/paging.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

TEST(OffsetPagerTest, AppendsTheOffsetThenAdvancesItByTheRowsReceived) {
  OffsetPager pager;
  Params first = {{"exchange", "SSE"}};
  auto second = pager.Next(first, {5000, ""});
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (Params{{"exchange", "SSE"}, {"offset", "5000"}}));
  auto third = pager.Next(*second, {4000, ""});
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, (Params{{"exchange", "SSE"}, {"offset", "9000"}}));
}

TEST(OffsetPagerTest, KeepsTheParamInPlaceAndUsesTheConfiguredName) {
  OffsetPager pager("skip");
  auto next = pager.Next({{"skip", "10"}, {"q", "x"}}, {10, ""});
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, (Params{{"skip", "20"}, {"q", "x"}}));
  EXPECT_EQ(*pager.Next({{"skip", "junk"}}, {3, ""}), (Params{{"skip", "3"}}));  // unreadable counts as 0
}

TEST(OffsetPagerTest, AnEmptyPageCannotAdvance) {
  EXPECT_FALSE(OffsetPager().Next({{"offset", "100"}}, {0, ""}));
}

TEST(PageNumberPagerTest, CountsPagesFromTheFirstNumber) {
  PageNumberPager pager;
  auto second = pager.Next({{"symbol", "AAPL"}}, {100, ""});
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (Params{{"symbol", "AAPL"}, {"page", "2"}}));
  EXPECT_EQ(*pager.Next(*second, {100, ""}), (Params{{"symbol", "AAPL"}, {"page", "3"}}));

  PageNumberPager zero_based("p", 0);
  EXPECT_EQ(*zero_based.Next({}, {1, ""}), (Params{{"p", "1"}}));
  EXPECT_EQ(*zero_based.Next({{"p", "7"}}, {1, ""}), (Params{{"p", "8"}}));
}

TEST(PageNumberPagerTest, AnEmptyPageEndsThePaging) {
  EXPECT_FALSE(PageNumberPager().Next({{"page", "4"}}, {0, ""}));
}

TEST(CursorPagerTest, SendsTheVendorsTokenBack) {
  CursorPager pager("next_cursor");
  auto second = pager.Next({{"date", "2024-01-02"}}, {50, "abc"});
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (Params{{"date", "2024-01-02"}, {"next_cursor", "abc"}}));
  auto third = pager.Next(*second, {50, "def"});
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, (Params{{"date", "2024-01-02"}, {"next_cursor", "def"}}));
}

TEST(CursorPagerTest, NoTokenOrATokenThatDoesNotMoveEndsThePaging) {
  CursorPager pager;
  EXPECT_FALSE(pager.Next({}, {50, ""}));
  EXPECT_FALSE(pager.Next({{"cursor", "abc"}}, {50, "abc"}));
  EXPECT_TRUE(pager.Next({}, {0, "abc"}));  // an empty page with a token: the vendor decides
}

}  // namespace
}  // namespace datasync::datasource
