#include "datasource/request_shaping.hpp"

#include <gtest/gtest.h>
namespace datasync::datasource {
namespace {

using Kind = PageVerdict::Kind;

TEST(RequestShapingTest, APageBelowTheCapWithoutHasMoreIsComplete) {
  RequestShaping paged{std::make_shared<OffsetPager>(), {}};
  EXPECT_EQ(paged.Judge({}, {5999, false, 6000, ""}).kind, Kind::kComplete);
  EXPECT_EQ(paged.Judge({}, {10, false, 0, ""}).kind, Kind::kComplete);  // no known cap
}

TEST(RequestShapingTest, MoreRowsGoToTheNextPageWhenTheApiPages) {
  RequestShaping paged{std::make_shared<OffsetPager>(), {}};
  PageVerdict at_cap = paged.Judge({{"exchange", "SSE"}}, {6000, false, 6000, ""});
  EXPECT_EQ(at_cap.kind, Kind::kNextPage);
  EXPECT_EQ(at_cap.next, (Params{{"exchange", "SSE"}, {"offset", "6000"}}));
  PageVerdict has_more = paged.Judge({{"offset", "6000"}}, {10, true, 6000, ""});
  EXPECT_EQ(has_more.kind, Kind::kNextPage);
  EXPECT_EQ(has_more.next, (Params{{"offset", "6010"}}));

  RequestShaping by_cursor{std::make_shared<CursorPager>(), {}};
  PageVerdict cursor = by_cursor.Judge({}, {100, true, 0, "tok"});
  EXPECT_EQ(cursor.kind, Kind::kNextPage);
  EXPECT_EQ(cursor.next, (Params{{"cursor", "tok"}}));
}

TEST(RequestShapingTest, MoreRowsWithoutANextPageAreTruncated) {
  RequestShaping unpaged;
  PageVerdict v = unpaged.Judge({}, {6000, false, 6000, ""});
  EXPECT_EQ(v.kind, Kind::kTruncated);
  EXPECT_EQ(v.reason, "response of 6000 rows hit the row cap (6000) or has_more: splitting");
  EXPECT_EQ(unpaged.Judge({}, {3, true, 0, ""}).kind, Kind::kTruncated);
  // A pager that cannot advance (an empty page that says has_more) truncates too.
  RequestShaping paged{std::make_shared<OffsetPager>(), {}};
  EXPECT_EQ(paged.Judge({}, {0, true, 6000, ""}).kind, Kind::kTruncated);
}

TEST(RequestShapingTest, SplittersAreTriedInOrder) {
  RequestShaping shaping{nullptr,
                         {std::make_shared<DateWindowSplitter>("start", "end"), std::make_shared<KeyListSplitter>()}};
  auto by_date = shaping.Split({{"codes", "a,b"}, {"start", "20240101"}, {"end", "20240102"}});
  ASSERT_TRUE(by_date);
  EXPECT_EQ((*by_date)[0], (Params{{"codes", "a,b"}, {"start", "20240101"}, {"end", "20240101"}}));
  auto by_key = shaping.Split({{"codes", "a,b"}, {"start", "20240101"}, {"end", "20240101"}});
  ASSERT_TRUE(by_key);
  EXPECT_EQ((*by_key)[1], (Params{{"codes", "b"}, {"start", "20240101"}, {"end", "20240101"}}));
  EXPECT_FALSE(shaping.Split({{"codes", "a"}}));
  EXPECT_FALSE(RequestShaping{}.Split({{"codes", "a,b"}}));
}

}  // namespace
}  // namespace datasync::datasource
