#include <gtest/gtest.h>

#include "datasource/tushare/shaping.hpp"

namespace datasync::datasource {
namespace {

using Kind = PageVerdict::Kind;

// The split points the engine used before providers owned them (sync/splitter): date window first, then
// the first comma list of any param.
TEST(TushareShapingTest, HalvesDateWindowsThenCodeLists) {
  Dataset daily;
  const RequestShaping& shaping = tushare::ShapingFor(daily);
  EXPECT_EQ(shaping.pager, nullptr);
  Params p = {{"ts_code", "000001.SZ"}, {"start_date", "20240101"}, {"end_date", "20240110"}};
  auto parts = shaping.Split(p);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0][2].second, "20240105");
  EXPECT_EQ((*parts)[1][1].second, "20240106");
  EXPECT_EQ((*parts)[1][2].second, "20240110");

  Params iso = {{"start_date", "2024-02-28"}, {"end_date", "2024-03-01"}};
  auto iso_parts = shaping.Split(iso);
  ASSERT_TRUE(iso_parts);
  EXPECT_EQ((*iso_parts)[0][1].second, "2024-02-29");
  EXPECT_EQ((*iso_parts)[1][0].second, "2024-03-01");

  Params codes = {{"trade_date", "20240102"}, {"ts_code", "a,b,c"}};
  auto code_parts = shaping.Split(codes);
  ASSERT_TRUE(code_parts);
  EXPECT_EQ((*code_parts)[0][1].second, "a");
  EXPECT_EQ((*code_parts)[1][1].second, "b,c");

  EXPECT_FALSE(shaping.Split({{"trade_date", "20240102"}}));
  EXPECT_FALSE(shaping.Split({{"start_date", "20240102"}, {"end_date", "20240102"}}));
}

TEST(TushareShapingTest, DatasetsThatPageByOffsetGetTheOffsetPager) {
  Dataset basic;
  basic.paging = "offset";
  const RequestShaping& shaping = tushare::ShapingFor(basic);
  ASSERT_NE(shaping.pager, nullptr);
  PageVerdict v = shaping.Judge({{"list_status", "L"}}, {5000, true, 0, ""});
  EXPECT_EQ(v.kind, Kind::kNextPage);
  EXPECT_EQ(v.next, (Params{{"list_status", "L"}, {"offset", "5000"}}));
}

}  // namespace
}  // namespace datasync::datasource
