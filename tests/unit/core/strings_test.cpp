#include "core/strings.hpp"

#include <gtest/gtest.h>

namespace datasync::core {
namespace {

TEST(StringsTest, SplitJoinTrim) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

TEST(StringsTest, Numbers) {
  EXPECT_EQ(ParseInt64("-12"), -12);
  EXPECT_EQ(ParseInt64("+7"), 7);
  EXPECT_FALSE(ParseInt64("1.5"));
  EXPECT_FALSE(ParseInt64("99999999999999999999"));
  EXPECT_DOUBLE_EQ(*ParseDouble("1e3"), 1000.0);
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(12.0), "12");
  EXPECT_EQ(*ParseDouble(FormatDouble(1.0 / 3)), 1.0 / 3);
}

TEST(StringsTest, JsonEscaping) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01中");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001中\"");
}

TEST(StringsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("平安银行 abc"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe5\xb9"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
}

TEST(StringsTest, StableHash) {
  EXPECT_EQ(Hex64(Fnv1a64("")), "cbf29ce484222325");
  EXPECT_EQ(Fnv1a64("trade_date=20240102"), Fnv1a64("trade_date=20240102"));
  EXPECT_NE(Fnv1a64("a"), Fnv1a64("b"));
}

}  // namespace
}  // namespace datasync::core
