// CalendarMappingOf: a dataset's own calendar mapping, else the one its provider's built-in catalog entry
// of the same API carries (Tushare's trade_cal), else none.
#include <gtest/gtest.h>

#include "datasource/provider.hpp"
#include "datasource/tushare/tushare_provider.hpp"

namespace datasync::datasource {
namespace {

class CalendarMappingTest : public ::testing::Test {
 protected:
  void SetUp() override { tushare::RegisterTushare(registry_); }
  const ProviderInfo* Tushare() const { return registry_.Find("tushare"); }
  static Dataset Named(std::string name, std::string api) {
    Dataset d;
    d.name = std::move(name);
    d.source = "ts";
    d.api = std::move(api);
    return d;
  }
  ProviderRegistry registry_;
};

TEST_F(CalendarMappingTest, TheDatasetsOwnMappingWins) {
  Dataset d = Named("my_cal", "trade_cal");
  d.calendar = CalendarMapping{.date = "d", .open = "trading", .open_value = "Y", .exchange = "mic"};
  auto m = CalendarMappingOf(d, Tushare());
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (CalendarMapping{"d", "trading", "Y", "mic"}));
  EXPECT_EQ(CalendarMappingOf(d, nullptr), m);  // no provider needed
}

TEST_F(CalendarMappingTest, ADatasetOfTheBuiltinCalendarApiGetsItsMapping) {
  // Whatever the local name: a dataset of api trade_cal reads the built-in columns.
  auto m = CalendarMappingOf(Named("cal", "trade_cal"), Tushare());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->date, "cal_date");
  EXPECT_EQ(m->open, "is_open");
  EXPECT_EQ(m->open_value, "1");
  EXPECT_EQ(m->exchange, "exchange");
  // The built-in entry carries it, and its columns are fields of the entry.
  for (const auto& builtin : Tushare()->builtin_datasets("ts")) {
    if (builtin.api != "trade_cal") {
      EXPECT_FALSE(builtin.calendar) << builtin.api;
      continue;
    }
    ASSERT_TRUE(builtin.calendar);
    for (const auto& f : {builtin.calendar->date, builtin.calendar->open, builtin.calendar->exchange}) {
      EXPECT_TRUE(builtin.schema->IndexOf(f)) << f;
    }
  }
}

TEST_F(CalendarMappingTest, OtherDatasetsAreNoCalendar) {
  EXPECT_FALSE(CalendarMappingOf(Named("daily", "daily"), Tushare()));
  EXPECT_FALSE(CalendarMappingOf(Named("prices", "index_daily"), Tushare()));  // not in the built-in catalog
  EXPECT_FALSE(CalendarMappingOf(Named("trade_cal", "trade_cal"), nullptr));   // no provider, no built-in
  ProviderInfo bare;
  bare.id = "bare";
  EXPECT_FALSE(CalendarMappingOf(Named("trade_cal", "trade_cal"), &bare));  // a provider without a catalog
}

}  // namespace
}  // namespace datasync::datasource
