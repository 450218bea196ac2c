#include "core/dates.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace datasync::core {
namespace {

TEST(DatesTest, CivilRoundTripAcrossCenturies) {
  for (int32_t d = -800000; d < 800000; d += 37) {
    CivilDate c = CivilFromDays(d);
    ASSERT_TRUE(IsValidCivil(c));
    ASSERT_EQ(DaysFromCivil(c), d);
  }
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
  EXPECT_EQ(Weekday(0), 4u);                            // Thursday
  EXPECT_EQ(Weekday(DaysFromCivil({2024, 1, 1})), 1u);  // Monday
  EXPECT_EQ(Weekday(-1), 3u);
}

TEST(DatesTest, ParsesVendorAndIsoDates) {
  EXPECT_EQ(ParseDate("20240102"), DaysFromCivil({2024, 1, 2}));
  EXPECT_EQ(ParseDate("2024-01-02"), DaysFromCivil({2024, 1, 2}));
  EXPECT_EQ(ParseDate("20240229"), DaysFromCivil({2024, 2, 29}));
  EXPECT_FALSE(ParseDate("20230229"));  // not a leap year
  EXPECT_FALSE(ParseDate("20241301"));
  EXPECT_FALSE(ParseDate("2024010"));
  EXPECT_FALSE(ParseDate("202401021"));
  EXPECT_FALSE(ParseDate("2024/01/02"));
  EXPECT_FALSE(ParseDate(""));
  EXPECT_EQ(FormatIsoDate(DaysFromCivil({1999, 12, 31})), "1999-12-31");
  EXPECT_EQ(FormatCompactDate(DaysFromCivil({1999, 12, 31})), "19991231");
}

// AppendIsoDate writes digits itself for years 0..9999 and printf's text outside them; every day of
// 1900..2100 matches printf, and appending keeps what was there.
TEST(DatesTest, AppendIsoDateMatchesPrintfOnEveryDay) {
  for (int32_t d = DaysFromCivil({1900, 1, 1}); d <= DaysFromCivil({2100, 12, 31}); ++d) {
    CivilDate c = CivilFromDays(d);
    char want[16];
    std::snprintf(want, sizeof want, "%04d-%02u-%02u", c.year, c.month, c.day);
    std::string out = "x,";
    AppendIsoDate(out, d);
    ASSERT_EQ(out, std::string("x,") + want) << d;
  }
  EXPECT_EQ(FormatIsoDate(DaysFromCivil({5, 3, 7})), "0005-03-07");
  EXPECT_EQ(FormatIsoDate(DaysFromCivil({12345, 1, 2})), "12345-01-02");
  EXPECT_EQ(FormatIsoDate(DaysFromCivil({-1, 1, 2})), "-001-01-02");
}

TEST(DatesTest, ParsesTimestampVariants) {
  int64_t base = int64_t{DaysFromCivil({2024, 1, 2})} * 86400000000LL + (9 * 3600 + 30 * 60) * 1000000LL;
  EXPECT_EQ(ParseTimestamp("2024-01-02 09:30:00"), base);
  EXPECT_EQ(ParseTimestamp("2024-01-02T09:30:00Z"), base);
  EXPECT_EQ(ParseTimestamp("20240102 09:30:00"), base);
  EXPECT_EQ(ParseTimestamp("20240102093000"), base);
  EXPECT_EQ(ParseTimestamp("2024-01-02 09:30"), base);
  EXPECT_EQ(ParseTimestamp("2024-01-02 09:30:00.25"), base + 250000);
  EXPECT_EQ(ParseTimestamp("2024-01-02"), base - (9 * 3600 + 30 * 60) * 1000000LL);
  EXPECT_FALSE(ParseTimestamp("2024-01-02 25:00:00"));
  EXPECT_FALSE(ParseTimestamp("2024-01-02 09:30:00 junk"));
  EXPECT_EQ(FormatTimestamp(base), "2024-01-02 09:30:00");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31 23:59:59.999999");
}

TEST(DatesTest, DecimalTextRoundTrip) {
  EXPECT_EQ(ParseDecimal("12.34", 2), 1234);
  EXPECT_EQ(ParseDecimal("12.3", 2), 1230);
  EXPECT_EQ(ParseDecimal("-0.5", 2), -50);
  EXPECT_EQ(ParseDecimal("1.235", 2), 124);  // half away from zero
  EXPECT_EQ(ParseDecimal("7", 3), 7000);
  EXPECT_FALSE(ParseDecimal("1.2.3", 2));
  EXPECT_FALSE(ParseDecimal("abc", 2));
  EXPECT_EQ(FormatDecimal(1234, 2), "12.34");
  EXPECT_EQ(FormatDecimal(-5, 2), "-0.05");
  EXPECT_EQ(FormatDecimal(7, 0), "7");
}

TEST(DatesTest, WideDecimalTextRoundTripsAt38DigitsAndRefusesMore) {
  // decimal(34,12) as Nasdaq Data Link sends it: 22 integer digits and 12 decimals.
  const std::string big = "1234567890123456789012.123456789012";
  auto v = ParseDecimal128(big, 12);
  ASSERT_TRUE(v);
  EXPECT_EQ(FormatDecimal128(*v, 12), big);
  EXPECT_EQ(FormatDecimal128(*ParseDecimal128("-" + big, 12), 12), "-" + big);
  EXPECT_EQ(*ParseDecimal128("-" + big, 12), -*v);
  // All 38 digits, both signs, and the smallest magnitudes.
  const std::string max38 = "99999999999999999999999999.999999999999";
  EXPECT_EQ(FormatDecimal128(*ParseDecimal128(max38, 12), 12), max38);
  EXPECT_EQ(FormatDecimal128(*ParseDecimal128("-" + max38, 12), 12), "-" + max38);
  EXPECT_EQ(*ParseDecimal128(max38, 12), Pow10Int128(38) - 1);
  EXPECT_EQ(FormatDecimal128(*ParseDecimal128("-0.000000000001", 12), 12), "-0.000000000001");
  EXPECT_EQ(FormatDecimal128(*ParseDecimal128("1234.567800000000", 12), 12), "1234.567800000000");
  EXPECT_EQ(FormatDecimal128(0, 12), "0.000000000000");
  // More than 38 digits at the scale is refused, never rounded or wrapped.
  EXPECT_FALSE(ParseDecimal128("100000000000000000000000000", 12));  // 27 integer digits + 12 = 39
  EXPECT_FALSE(ParseDecimal128("-100000000000000000000000000", 12));
  EXPECT_FALSE(ParseDecimal128("999999999999999999999999999999999999999", 0));    // 39 nines
  EXPECT_FALSE(ParseDecimal128("99999999999999999999999999.9999999999995", 12));  // rounds up to 10^38
  EXPECT_FALSE(ParseDecimal128("1e5", 2));
  EXPECT_FALSE(ParseDecimal128("", 2));
  // The int64 form refuses what does not fit int64 (it used to as well).
  EXPECT_FALSE(ParseDecimal("1234567890123456789012.1", 1));
  EXPECT_EQ(ParseDecimal("92233720368547758.07", 2), INT64_MAX);
  EXPECT_FALSE(ParseDecimal("92233720368547758.08", 2));
  // Precision checks.
  EXPECT_TRUE(FitsDecimalPrecision(*v, 34));
  EXPECT_FALSE(FitsDecimalPrecision(*v, 33));
  EXPECT_TRUE(FitsDecimalPrecision(-*v, 34));
  EXPECT_FALSE(FitsDecimalPrecision(-*v, 33));
  // The most negative Int128 formats without overflow.
  __int128 min = static_cast<__int128>(static_cast<unsigned __int128>(1) << 127);
  EXPECT_EQ(FormatDecimal128(min, 0), "-170141183460469231731687303715884105728");
}

}  // namespace
}  // namespace datasync::core
