#include "metadata/params_json.hpp"

#include <gtest/gtest.h>

namespace datasync::metadata {
namespace {

TEST(ParamsJsonTest, EncodesOrderedPairs) {
  auto json = EncodeParamsJson({{"trade_date", "20240102"}, {"ts_code", "000001.SZ"}});
  ASSERT_TRUE(json);
  EXPECT_EQ(*json, R"([["trade_date","20240102"],["ts_code","000001.SZ"]])");
  auto empty = EncodeParamsJson({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "[]");
}

TEST(ParamsJsonTest, DecodesEscapesAndRejectsOtherShapes) {
  auto params = DecodeParamsJson(R"([["a","\u4e2d\"x\\"],["b","\ud83d\udcc8"]])");
  ASSERT_TRUE(params) << params.error().ToString();
  EXPECT_EQ(*params, (datasource::Params{{"a", "中\"x\\"}, {"b", "📈"}}));
  for (const char* bad : {"", "{}", R"([["a"]])", R"([["a",1]])", R"([["a","b","c"]])", "[[", R"(["ab"])"}) {
    auto decoded = DecodeParamsJson(bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().kind(), core::ErrorKind::kInternal) << bad;
  }
}

}  // namespace
}  // namespace datasync::metadata
