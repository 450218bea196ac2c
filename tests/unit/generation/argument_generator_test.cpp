#include "generation/argument_generator.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "core/time_zone.hpp"

namespace datasync::generation {
namespace {

using Kind = ParamSource::Kind;

ParamSource Range(std::string start, std::string end, std::string step = "day") {
  ParamSource p;
  p.name = "trade_date";
  p.kind = Kind::kDateRange;
  p.start = std::move(start);
  p.end = std::move(end);
  p.step = std::move(step);
  return p;
}

std::vector<std::string> Expand(const ParamSource& p) {
  GenerationContext ctx;
  auto r = ExpandParam(p, ctx);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : std::vector<std::string>{};
}

TEST(ArgumentGeneratorTest, ProductEnumeratesLastParamFastest) {
  ArgumentSpec spec;
  spec.params.push_back({"exchange", Kind::kList, {"SSE", "SZSE"}});
  spec.params.push_back({"is_open", Kind::kConstant, {"1"}});
  spec.params.push_back({"x", Kind::kList, {"a", "b", "c"}});
  auto gen = ArgumentGenerator::Make(spec, {});
  ASSERT_TRUE(gen);
  EXPECT_EQ((*gen)->Count(), 6u);
  std::vector<std::string> seen;
  datasource::Params p;
  while ((*gen)->Next(p)) {
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[1], (std::pair<std::string, std::string>{"is_open", "1"}));
    seen.push_back(p[0].second + "/" + p[2].second);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"SSE/a", "SSE/b", "SSE/c", "SZSE/a", "SZSE/b", "SZSE/c"}));
}

// `datasync repair` keeps only the sets of missing data; the run then counts, seeks and resumes among them.
TEST(ArgumentGeneratorTest, SelectKeepsTheAcceptedSetsInOrderAndCountsAmongThem) {
  ArgumentSpec spec;
  spec.params.push_back({"exchange", Kind::kList, {"SSE", "SZSE"}});
  spec.params.push_back({"x", Kind::kList, {"a", "b", "c"}});
  auto gen = ArgumentGenerator::Make(spec, {});
  ASSERT_TRUE(gen);
  (*gen)->Select([](const datasource::Params& p) { return p[1].second != "b"; });
  EXPECT_EQ((*gen)->Count(), 4u);
  auto all = [&] {
    std::vector<std::string> seen;
    datasource::Params p;
    while ((*gen)->Next(p)) seen.push_back(p[0].second + "/" + p[1].second);
    return seen;
  };
  EXPECT_EQ(all(), (std::vector<std::string>{"SSE/a", "SSE/c", "SZSE/a", "SZSE/c"}));
  (*gen)->Seek(2);  // a resumed planning skips the sets already stored, counted among the kept ones
  EXPECT_EQ(all(), (std::vector<std::string>{"SZSE/a", "SZSE/c"}));
  auto none = ArgumentGenerator::Make(spec, {});
  ASSERT_TRUE(none);
  (*none)->Select([](const datasource::Params&) { return false; });
  EXPECT_EQ((*none)->Count(), 0u);
  datasource::Params p;
  EXPECT_FALSE((*none)->Next(p));
}

// `datasync verify` runs tasks done before, which the plan's sources may no longer generate: exactly the
// listed sets, counted, seekable and selectable like generated ones.
TEST(ArgumentGeneratorTest, FromListYieldsExactlyTheListedSets) {
  std::vector<datasource::Params> sets = {{{"trade_date", "20240102"}},
                                          {{"trade_date", "20240103"}, {"ts_code", "000001.SZ"}},
                                          {{"trade_date", "20240104"}}};
  auto gen = ArgumentGenerator::FromList(sets);
  EXPECT_EQ(gen->Count(), 3u);
  datasource::Params p;
  std::vector<datasource::Params> seen;
  while (gen->Next(p)) seen.push_back(p);
  EXPECT_EQ(seen, sets);
  gen->Seek(2);
  ASSERT_TRUE(gen->Next(p));
  EXPECT_EQ(p, sets[2]);
  gen->Select([](const datasource::Params& q) { return q.size() == 1; });
  EXPECT_EQ(gen->Count(), 2u);
  ASSERT_TRUE(gen->Next(p));
  EXPECT_EQ(p, sets[0]);
  ASSERT_TRUE(gen->Next(p));
  EXPECT_EQ(p, sets[2]);
  EXPECT_FALSE(gen->Next(p));
}

TEST(ArgumentGeneratorTest, NoParamsIsOneEmptySetAndEmptyListIsNone) {
  auto gen = ArgumentGenerator::Make({}, {});
  ASSERT_TRUE(gen);
  datasource::Params p;
  EXPECT_EQ((*gen)->Count(), 1u);
  EXPECT_TRUE((*gen)->Next(p));
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE((*gen)->Next(p));

  ArgumentSpec spec;
  spec.params.push_back({"ts_code", Kind::kList, {}});
  auto none = ArgumentGenerator::Make(spec, {});
  ASSERT_TRUE(none);
  EXPECT_EQ((*none)->Count(), 0u);
  EXPECT_FALSE((*none)->Next(p));
}

TEST(ArgumentGeneratorTest, LargeProductIsNotMaterialized) {
  ArgumentSpec spec;
  ParamSource days = Range("20150101", "20191231");
  days.weekdays_only = true;
  spec.params.push_back(days);
  ParamSource codes{"ts_code", Kind::kList, {}};
  for (int i = 0; i < 5000; ++i) codes.values.push_back(std::to_string(600000 + i) + ".SH");
  spec.params.push_back(codes);
  auto gen = ArgumentGenerator::Make(spec, {});
  ASSERT_TRUE(gen);
  EXPECT_EQ((*gen)->Count(), 1304u * 5000u);
  datasource::Params p;
  ASSERT_TRUE((*gen)->Next(p));
  EXPECT_EQ(p[0].second, "20150101");
  EXPECT_EQ(p[1].second, "600000.SH");
}

TEST(DateRangeTest, DaysWeekdaysAndFormats) {
  EXPECT_EQ(Expand(Range("20240226", "20240302")),
            (std::vector<std::string>{"20240226", "20240227", "20240228", "20240229", "20240301", "20240302"}));
  ParamSource wd = Range("2024-03-01", "2024-03-05");
  wd.weekdays_only = true;
  wd.format = "YYYY-MM-DD";
  EXPECT_EQ(Expand(wd), (std::vector<std::string>{"2024-03-01", "2024-03-04", "2024-03-05"}));
  EXPECT_TRUE(Expand(Range("20240105", "20240101")).empty());
  EXPECT_EQ(Expand(Range("20240101", "20240101")), (std::vector<std::string>{"20240101"}));
}

TEST(DateRangeTest, MonthStepsKeepTheAnchorDayAndClampAtMonthEnd) {
  EXPECT_EQ(Expand(Range("20240131", "20240601", "month")),
            (std::vector<std::string>{"20240131", "20240229", "20240331", "20240430", "20240531"}));
  EXPECT_EQ(Expand(Range("20230331", "20240331", "quarter")),
            (std::vector<std::string>{"20230331", "20230630", "20230930", "20231231", "20240331"}));
  EXPECT_EQ(Expand(Range("20200229", "20240301", "year")),
            (std::vector<std::string>{"20200229", "20210228", "20220228", "20230228", "20240229"}));
  EXPECT_EQ(Expand(Range("20240101", "20240122", "week")),
            (std::vector<std::string>{"20240101", "20240108", "20240115", "20240122"}));
}

TEST(DateRangeTest, TodayIsTheSourcesLocalDate) {
  // 2024-01-02 17:00 UTC is 2024-01-03 01:00 in Shanghai.
  core::ManualClock clock(core::FromEpochMicros(*core::ParseTimestamp("2024-01-02 17:00:00")));
  auto tz = core::TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  GenerationContext ctx{&clock, &*tz};
  EXPECT_EQ(*ResolveDate("today", ctx), *core::ParseDate("20240103"));
  EXPECT_EQ(*ResolveDate("today-3", ctx), *core::ParseDate("20231231"));
  EXPECT_EQ(*ResolveDate("today+1", ctx), *core::ParseDate("20240104"));
  EXPECT_FALSE(ResolveDate("today3", ctx));
  EXPECT_FALSE(ResolveDate("yesterday", ctx));
}

TEST(DateRangeTest, BadSpecsSayWhatIsAllowed) {
  GenerationContext ctx;
  auto bad_step = ExpandParam(Range("20240101", "20240201", "fortnight"), ctx);
  ASSERT_FALSE(bad_step);
  EXPECT_EQ(bad_step.error().message(),
            "param 'trade_date': step 'fortnight' is not allowed (allowed: day, week, month, quarter, year)");
  auto bad_date = ExpandParam(Range("2024-13-01", "20240201"), ctx);
  ASSERT_FALSE(bad_date);
  EXPECT_NE(bad_date.error().message().find("'2024-13-01' is not a date"), std::string::npos);
}

}  // namespace
}  // namespace datasync::generation
