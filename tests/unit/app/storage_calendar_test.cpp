// StorageCalendar reads a trading calendar through its calendar mapping: a calendar dataset whose columns
// are not Tushare's (my_cal: d, trading, mic), synced into a sqlite storage by the sink itself, read back
// per exchange within bounds; a dataset without a mapping is refused with what to declare.
#include "app/storage_calendar.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "app/registries.hpp"
#include "core/dates.hpp"

namespace datasync::app {
namespace {

using core::LogicalType;
using core::Value;

int32_t July(uint32_t day) {
  return core::DaysFromCivil({2024, 7, day});
}

class StorageCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinSinks(sinks_);
    root_ = std::filesystem::temp_directory_path() / ("storage_calendar_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    db_.name = "db";
    db_.kind = "sqlite";
    db_.options.Set("path", "data/cal.db");
    plan_.name = "cal";
    plan_.dataset = "my_cal";
    plan_.storages = {"db"};
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Rows (d, trading, mic) written into storage db by the sqlite sink, as a run of plan cal would.
  void Sync(const std::vector<std::tuple<int32_t, std::string, std::string>>& rows) {
    auto schema =
        std::make_shared<const core::Schema>(std::vector<core::Field>{{"d", LogicalType::Date(), true, ""},
                                                                      {"trading", LogicalType::String(), true, ""},
                                                                      {"mic", LogicalType::String(), true, ""}});
    core::ColumnBatch batch(schema);
    for (const auto& [d, trading, mic] : rows) {
      ASSERT_TRUE(batch.column(0).AppendValue(Value::Date(d)));
      ASSERT_TRUE(batch.column(1).AppendValue(Value::String(trading)));
      ASSERT_TRUE(batch.column(2).AppendValue(Value::String(mic)));
    }
    auto sink = sinks_.Find("sqlite")->create();
    storage::BindContext ctx;
    ctx.storage_name = db_.name;
    ctx.dataset = "my_cal";
    ctx.schema = schema;
    ctx.mode = storage::WriteMode::kAppend;
    ctx.options = db_.options;
    ctx.project_dir = root_;
    for (auto st : {sink->Bind(ctx), sink->Migrate(), sink->Open({1}), sink->Write(batch, "u1"), sink->Commit(),
                    sink->Finish(), sink->Close()}) {
      ASSERT_TRUE(st) << st.error().ToString();
    }
  }
  StorageCalendar Calendar(std::map<std::string, datasource::CalendarMapping> calendars) {
    return StorageCalendar(sinks_, root_, [this, calendars]() -> core::Result<CalendarCatalog> {
      return CalendarCatalog{{plan_}, {db_}, calendars};
    });
  }

  storage::SinkRegistry sinks_;
  std::filesystem::path root_;
  storage::Storage db_;
  sync::SyncPlan plan_;
};

TEST_F(StorageCalendarTest, ReadsDifferentlyNamedColumnsThroughTheMapping) {
  Sync({{July(1), "Y", "XNYS"},
        {July(2), "Y", "XNYS"},
        {July(3), "Y", "XNYS"},
        {July(4), "N", "XNYS"},
        {July(5), "Y", "XNYS"},
        {July(4), "Y", "XLON"},
        {July(5), "N", "XLON"}});
  StorageCalendar cal = Calendar({{"my_cal", {.date = "d", .open = "trading", .open_value = "Y", .exchange = "mic"}}});
  auto nyse = cal.Days("my_cal", "XNYS", July(1), July(4));
  ASSERT_TRUE(nyse) << nyse.error().ToString();
  EXPECT_EQ(*nyse, (std::map<int32_t, bool>{{July(1), true}, {July(2), true}, {July(3), true}, {July(4), false}}));
  auto london = cal.Days("my_cal", "XLON", July(1), July(31));
  ASSERT_TRUE(london) << london.error().ToString();
  EXPECT_EQ(*london, (std::map<int32_t, bool>{{July(4), true}, {July(5), false}}));
  auto none = cal.Days("my_cal", "XPAR", July(1), July(31));
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->empty());
}

TEST_F(StorageCalendarTest, TheOpenValueDecidesWhichDaysAreOpen) {
  Sync({{July(1), "Y", "XNYS"}, {July(2), "N", "XNYS"}});
  // The same rows read with open_value N: the other days are the open ones.
  StorageCalendar cal = Calendar({{"my_cal", {.date = "d", .open = "trading", .open_value = "N", .exchange = "mic"}}});
  auto days = cal.Days("my_cal", "XNYS", July(1), July(2));
  ASSERT_TRUE(days) << days.error().ToString();
  EXPECT_EQ(*days, (std::map<int32_t, bool>{{July(1), false}, {July(2), true}}));
}

TEST_F(StorageCalendarTest, ADatasetWithoutAMappingIsNoCalendar) {
  Sync({{July(1), "Y", "XNYS"}});
  StorageCalendar cal = Calendar({});
  auto days = cal.Days("my_cal", "XNYS", July(1), July(2));
  ASSERT_FALSE(days);
  EXPECT_EQ(days.error().message(),
            "trading calendar 'my_cal': the dataset has no calendar mapping (declare datasets.my_cal.calendar: "
            "{date, open, exchange})");
}

}  // namespace
}  // namespace datasync::app
