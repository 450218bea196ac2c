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

}  // namespace
}  // namespace datasync::core
