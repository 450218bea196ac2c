#include "core/error.hpp"

#include <gtest/gtest.h>

namespace datasync::core {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Fail(ErrorKind::kInvalidInput, std::to_string(x) + " is odd");
  return x / 2;
}

TEST(ErrorTest, KindNamesRoundTrip) {
  for (int k = 0; k <= static_cast<int>(ErrorKind::kConflict); ++k) {
    auto kind = static_cast<ErrorKind>(k);
    EXPECT_EQ(ParseErrorKind(ErrorKindName(kind)), kind);
  }
  EXPECT_EQ(ErrorKindName(ErrorKind::kRateLimited), "RATE_LIMITED");
  EXPECT_EQ(ErrorKindName(ErrorKind::kNotFound), "NOT_FOUND");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConflict), "CONFLICT");
  EXPECT_FALSE(ParseErrorKind("NOPE"));
}

TEST(ErrorTest, ResultCarriesValueOrError) {
  EXPECT_EQ(*Half(8), 4);
  auto r = Half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().ToString(), "INVALID_INPUT: 3 is odd");
}

TEST(ErrorTest, ContextAndCode) {
  Error e(ErrorKind::kRateLimited, "too many calls");
  e.WithCode("40203").Context("source tushare");
  EXPECT_EQ(e.ToString(), "RATE_LIMITED: source tushare: too many calls (code 40203)");
}

}  // namespace
}  // namespace datasync::core
