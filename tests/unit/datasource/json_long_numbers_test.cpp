#include "datasource/json_long_numbers.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

TEST(QuoteLongNumbersTest, QuotesOnlyNumbersADoubleCannotHoldExactly) {
  EXPECT_EQ(QuoteLongNumbers(R"({"data":[["AAPL",1234.567800000000,12,1e300,-0.5]]})"), std::nullopt);
  auto out =
      QuoteLongNumbers(R"({"data":[["A\"1234567890123456789",123456789012.123456789012,-1234567890123456789012.5,7],)"
                       R"([0.000000000000000001,1234567890123456.0e2]]})");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, R"({"data":[["A\"1234567890123456789","123456789012.123456789012","-1234567890123456789012.5",7],)"
                  R"([0.000000000000000001,"1234567890123456.0e2"]]})");
}

TEST(QuoteLongNumbersTest, SkipsStringsWithEscapedBackslashes) {
  auto out = QuoteLongNumbers(R"(["a\\",1234567890123456789012,"\\\"99999999999999999"])");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, R"(["a\\","1234567890123456789012","\\\"99999999999999999"])");
  EXPECT_EQ(QuoteLongNumbers(R"(["unterminated 12345678901234567890)"), std::nullopt);
}

TEST(QuoteLongNumbersTest, SixteenDigitsAreTheFirstQuotedAndOnlySignificantDigitsCount) {
  // 15 significant digits in a 16-byte token stay; 16 are quoted, wherever they stand (first value, after
  // spaces, before the end of the text).
  EXPECT_EQ(QuoteLongNumbers("[-123456789012345, 0.00000000000001]"), std::nullopt);
  EXPECT_EQ(QuoteLongNumbers("[123456789012345.0000]"), std::nullopt);  // trailing zeros add no digit
  EXPECT_EQ(*QuoteLongNumbers("1234567890123456"), "\"1234567890123456\"");
  EXPECT_EQ(*QuoteLongNumbers("{\"a\": \t-1.234567890123456 }"), "{\"a\": \t\"-1.234567890123456\" }");
  EXPECT_EQ(*QuoteLongNumbers("[true,null,1234567890123456e-3,false]"), "[true,null,\"1234567890123456e-3\",false]");
}

}  // namespace
}  // namespace datasync::datasource
