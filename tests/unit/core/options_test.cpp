#include "core/options.hpp"

#include <gtest/gtest.h>

namespace datasync::core {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"path", OptionType::kPath, "", true, "", "where to write"},
    {"batch_rows", OptionType::kInt, "1000", false, "rows", "rows per transaction"},
    {"mode", OptionType::kEnum, "upsert", false, "", "write mode", {"append", "upsert", "replace"}},
    {"gzip", OptionType::kBool, "false", false, "", "compress"},
};

TEST(OptionsTest, ParsesScalarsByType) {
  EXPECT_EQ(std::get<int64_t>(*ParseOptionScalar(kSpecs[1], "42")), 42);
  auto bad = ParseOptionScalar(kSpecs[1], "4x2");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "expected an integer, got '4x2'");
  auto e = ParseOptionScalar(kSpecs[2], "merge");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "'merge' is not allowed (allowed: append, upsert, replace)");
  EXPECT_TRUE(std::get<bool>(*ParseOptionScalar(kSpecs[3], "yes")));
}

TEST(OptionsTest, DefaultsAndRequired) {
  Options o;
  auto st = o.ApplyDefaults(kSpecs, "storages.db");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message(), "storages.db: missing required key 'path' (where to write)");
  o.Set("path", std::string("x.db"));
  ASSERT_TRUE(o.ApplyDefaults(kSpecs, "storages.db"));
  EXPECT_EQ(o.GetInt("batch_rows"), 1000);
  EXPECT_EQ(o.GetString("mode"), "upsert");
  EXPECT_FALSE(o.GetBool("gzip", true));
  EXPECT_EQ(OptionNames(kSpecs), "path, batch_rows, mode, gzip");
}

std::span<const OptionSpec> RangedTable() {
  static const std::vector<OptionSpec> specs = {
      {.name = "level", .type = OptionType::kInt, .default_value = "3", .range = OptionRange{1, 22}},
      {.name = "page_bytes",
       .type = OptionType::kInt,
       .default_value = "1048576",
       .unit = "bytes",
       .range = OptionRange{1024, int64_t{512} << 20}},
      {.name = "rows", .type = OptionType::kInt, .default_value = "0", .range = OptionRange{.min = 0}},
      {.name = "timeout_secs",
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .range = OptionRange{.min = 1, .text = "must be a positive number of seconds"}},
      {.name = "mode", .type = OptionType::kEnum, .default_value = "upsert", .allowed = {"append", "upsert"}},
      {.name = "tags", .type = OptionType::kStringList, .default_value = "a,b"},
      {.name = "label", .type = OptionType::kString},
  };
  return specs;
}

constexpr OptionKey<int64_t> kLevel{"level", RangedTable};
constexpr OptionKey<int64_t> kRows{"rows", RangedTable};
constexpr OptionKey<std::string> kMode{"mode", RangedTable};
constexpr OptionKey<std::vector<std::string>> kTags{"tags", RangedTable};
constexpr OptionKey<std::string> kLabel{"label", RangedTable};

TEST(OptionsTest, RangesAreCheckedWhereValuesAreParsed) {
  auto specs = RangedTable();
  EXPECT_EQ(std::get<int64_t>(*ParseOptionScalar(specs[0], "22")), 22);
  EXPECT_EQ(ParseOptionScalar(specs[0], "0").error().message(), "must be between 1 and 22, got 0");
  EXPECT_EQ(ParseOptionScalar(specs[0], "23").error().message(), "must be between 1 and 22, got 23");
  EXPECT_EQ(ParseOptionScalar(specs[1], "10").error().message(), "must be between 1024 and 512 MiB, got 10");
  EXPECT_EQ(ParseOptionScalar(specs[2], "-1").error().message(), "cannot be negative, got -1");
  EXPECT_TRUE(ParseOptionScalar(specs[2], "0"));
  EXPECT_EQ(ParseOptionScalar(specs[3], "0").error().message(), "must be a positive number of seconds, got 0");
  EXPECT_EQ(ParseOptionScalar(specs[4], "merge").error().message(), "'merge' is not allowed (allowed: append, upsert)");
}

TEST(OptionsTest, CheckOptionValuesAppliesTheTableToValuesSetInCode) {
  Options o;
  o.Set("level", int64_t{99});
  o.Set("rows", int64_t{5});
  o.Set("mode", std::string("merge"));
  o.Set("unknown", std::string("left alone"));
  EXPECT_EQ(CheckOptionValues(o, RangedTable()),
            (OptionProblems{{"level", "must be between 1 and 22, got 99"},
                            {"mode", "'merge' is not allowed (allowed: append, upsert)"}}));
  o.Set("level", int64_t{22});
  o.Set("mode", std::string("append"));
  EXPECT_TRUE(CheckOptionValues(o, RangedTable()).empty());
}

TEST(OptionsTest, TypedKeysReadTheValueElseTheTablesDefault) {
  Options o;
  EXPECT_EQ(o.Get(kLevel), 3);
  EXPECT_EQ(o.Get(kRows), 0);
  EXPECT_EQ(o.Get(kMode), "upsert");
  EXPECT_EQ(o.Get(kTags), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.Get(kLabel), "");
  o.Set("level", int64_t{7});
  o.Set("mode", std::string("append"));
  o.Set("tags", std::vector<std::string>{"x"});
  EXPECT_EQ(o.Get(kLevel), 7);
  EXPECT_EQ(o.Get(kMode), "append");
  EXPECT_EQ(o.Get(kTags), (std::vector<std::string>{"x"}));
  o.Set("rows", std::string("not a number"));  // a value of another type reads as the default
  EXPECT_EQ(o.Get(kRows), 0);
}

TEST(OptionsTest, AKeyItsTableDoesNotDeclareIsAProgrammerError) {
  Options o;
  EXPECT_THROW(o.Get(OptionKey<int64_t>{"levle", RangedTable}), std::logic_error);
  EXPECT_THROW(o.Get(OptionKey<bool>{"level", RangedTable}), std::logic_error);
}

std::span<const OptionSpec> RuleTable() {
  static const std::vector<OptionSpec> t = {
      {.name = "status", .type = OptionType::kInt, .description = "HTTP status", .range = OptionRange{.min = 100, .max = 599}},
      {.name = "class", .type = OptionType::kEnum, .required = true, .description = "the error's class",
       .allowed = {"RATE_LIMITED", "PERMISSION"}},
      {.name = "wait_secs", .type = OptionType::kInt, .default_value = "30", .description = "cool-down"},
  };
  return t;
}

std::span<const OptionSpec> RulesTable() {
  static const std::vector<OptionSpec> t = {
      {.name = "rules", .type = OptionType::kRecordList, .description = "rules", .fields = RuleTable},
  };
  return t;
}

TEST(OptionsTest, ARecordIsReadAgainstItsFieldsTable) {
  auto rule = RecordOptions({{"status", "429"}, {"class", "RATE_LIMITED"}}, RuleTable(), "sources.s.rules[0]");
  ASSERT_TRUE(rule) << rule.error().message();
  EXPECT_EQ(rule->GetInt("status"), 429);
  EXPECT_EQ(rule->GetString("class"), "RATE_LIMITED");
  EXPECT_EQ(rule->GetInt("wait_secs"), 30);

  auto unknown = RecordOptions({{"class", "PERMISSION"}, {"stauts", "403"}}, RuleTable(), "sources.s.rules[1]");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "sources.s.rules[1].stauts: unknown key (allowed: status, class, wait_secs)");
  auto range = RecordOptions({{"class", "PERMISSION"}, {"status", "42"}}, RuleTable(), "r");
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().message(), "r.status: must be between 100 and 599, got 42");
  auto missing = RecordOptions({{"status", "403"}}, RuleTable(), "r");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "r: missing required key 'class' (the error's class)");
}

TEST(OptionsTest, ARecordListReadsAsRecordsAndHasNoTextForm) {
  Options o;
  constexpr OptionKey<OptionRecords> kRules{"rules", RulesTable};
  EXPECT_TRUE(o.Get(kRules).empty());
  o.Set("rules", OptionRecords{{{"status", "429"}, {"class", "RATE_LIMITED"}}, {{"class", "PERMISSION"}}});
  ASSERT_EQ(o.Get(kRules).size(), 2u);
  EXPECT_EQ(o.Get(kRules)[1].at("class"), "PERMISSION");
  EXPECT_EQ(OptionValueToString(o.values().at("rules")), "[{class: RATE_LIMITED, status: 429}, {class: PERMISSION}]");
  EXPECT_FALSE(ParseOptionScalar(RulesTable()[0], "429"));
  EXPECT_TRUE(o.ApplyDefaults(RulesTable(), "x"));
}

}  // namespace
}  // namespace datasync::core
