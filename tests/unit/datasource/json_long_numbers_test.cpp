#include "datasource/json_long_numbers.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

TEST(QuoteLongNumbersTest, QuotesOnlyNumbersADoubleCannotHoldExactly) {
  EXPECT_EQ(QuoteLongNumbers(R"({"data":[["AAPL",1234.567800000000,12,1e300,-0.5]]})"), std::nullopt);
  auto out = QuoteLongNumbers(
      R"({"data":[["A\"1234567890123456789",123456789012.123456789012,-1234567890123456789012.5,7],)"
      R"([0.000000000000000001,1234567890123456.0e2]]})");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            R"({"data":[["A\"1234567890123456789","123456789012.123456789012","-1234567890123456789012.5",7],)"
            R"([0.000000000000000001,"1234567890123456.0e2"]]})");
}

TEST(QuoteLongNumbersTest, SkipsStringsWithEscapedBackslashes) {
  auto out = QuoteLongNumbers(R"(["a\\",1234567890123456789012,"\\\"99999999999999999"])");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, R"(["a\\","1234567890123456789012","\\\"99999999999999999"])");
  EXPECT_EQ(QuoteLongNumbers(R"(["unterminated 12345678901234567890)"), std::nullopt);
}

}  // namespace
}  // namespace datasync::datasource
