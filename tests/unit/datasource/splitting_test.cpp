#include "datasource/splitting.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

TEST(DateWindowSplitterTest, HalvesTheWindowKeepingEveryOtherParamInPlace) {
  DateWindowSplitter split("start_date", "end_date");
  Params p = {{"ts_code", "000001.SZ"}, {"start_date", "20240101"}, {"end_date", "20240110"}};
  auto parts = split.Split(p);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0], (Params{{"ts_code", "000001.SZ"}, {"start_date", "20240101"}, {"end_date", "20240105"}}));
  EXPECT_EQ((*parts)[1], (Params{{"ts_code", "000001.SZ"}, {"start_date", "20240106"}, {"end_date", "20240110"}}));
}

TEST(DateWindowSplitterTest, DatesKeepTheirFormOrTheConfiguredOne) {
  DateWindowSplitter as_given("start_date", "end_date");
  auto iso = as_given.Split({{"start_date", "2024-02-28"}, {"end_date", "2024-03-01"}});
  ASSERT_TRUE(iso);
  EXPECT_EQ((*iso)[0], (Params{{"start_date", "2024-02-28"}, {"end_date", "2024-02-29"}}));
  EXPECT_EQ((*iso)[1], (Params{{"start_date", "2024-03-01"}, {"end_date", "2024-03-01"}}));

  DateWindowSplitter to_iso("from", "to", DateFormat::kIso);
  auto parts = to_iso.Split({{"from", "20240101"}, {"to", "20240104"}});
  ASSERT_TRUE(parts);
  EXPECT_EQ((*parts)[0], (Params{{"from", "2024-01-01"}, {"to", "2024-01-02"}}));
  EXPECT_EQ((*parts)[1], (Params{{"from", "2024-01-03"}, {"to", "2024-01-04"}}));

  DateWindowSplitter to_compact("from", "to", DateFormat::kCompact);
  auto compact = to_compact.Split({{"from", "2024-01-01"}, {"to", "2024-01-02"}});
  ASSERT_TRUE(compact);
  EXPECT_EQ((*compact)[0], (Params{{"from", "20240101"}, {"to", "20240101"}}));
  EXPECT_EQ((*compact)[1], (Params{{"from", "20240102"}, {"to", "20240102"}}));
}

TEST(DateWindowSplitterTest, OneDayAMissingBoundOrAnUnreadableDateCannotBeSplit) {
  DateWindowSplitter split("start_date", "end_date");
  EXPECT_FALSE(split.Split({{"start_date", "20240102"}, {"end_date", "20240102"}}));
  EXPECT_FALSE(split.Split({{"start_date", "20240105"}, {"end_date", "20240102"}}));
  EXPECT_FALSE(split.Split({{"start_date", "20240102"}}));
  EXPECT_FALSE(split.Split({{"start_date", "soon"}, {"end_date", "20240110"}}));
  EXPECT_FALSE(split.Split({{"trade_date", "20240102"}}));
}

TEST(KeyListSplitterTest, HalvesTheFirstListAmongAnyParams) {
  KeyListSplitter split;
  auto parts = split.Split({{"trade_date", "20240102"}, {"ts_code", "a,b,c"}, {"fields", "x,y"}});
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0], (Params{{"trade_date", "20240102"}, {"ts_code", "a"}, {"fields", "x,y"}}));
  EXPECT_EQ((*parts)[1], (Params{{"trade_date", "20240102"}, {"ts_code", "b,c"}, {"fields", "x,y"}}));
}

TEST(KeyListSplitterTest, OnlyTheNamedParamsWithTheirSeparator) {
  KeyListSplitter split({"symbols"}, '|');
  auto parts = split.Split({{"tags", "u|v"}, {"symbols", "A|B|C|D"}});
  ASSERT_TRUE(parts);
  EXPECT_EQ((*parts)[0], (Params{{"tags", "u|v"}, {"symbols", "A|B"}}));
  EXPECT_EQ((*parts)[1], (Params{{"tags", "u|v"}, {"symbols", "C|D"}}));
  EXPECT_FALSE(split.Split({{"symbols", "A,B"}}));  // not this separator
  EXPECT_FALSE(split.Split({{"tags", "u|v"}}));     // not a named param
}

TEST(KeyListSplitterTest, ASingleKeyCannotBeSplit) {
  KeyListSplitter split;
  EXPECT_FALSE(split.Split({{"ts_code", "000001.SZ"}}));
  EXPECT_FALSE(split.Split({}));
}

}  // namespace
}  // namespace datasync::datasource
