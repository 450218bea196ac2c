#include "core/double_text.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace datasync::core {
namespace {

std::string ToChars(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string Shortest(double v) {
  std::string out = "x";  // appends, never replaces
  AppendShortestDouble(out, v);
  return out.substr(1);
}

TEST(DoubleTextTest, WritesWhatToCharsWritesForEdgeValues) {
  const double kEdges[] = {0.0,
                           1.0,
                           0.1,
                           0.3,
                           1.0 / 3,
                           12.34,
                           100.0,
                           999999.0,
                           1e5,
                           1e6,  // "1e+06": to_chars picks scientific when it is shorter
                           1e7,
                           123456789000000.0,
                           1234567.5,
                           12345678.9,
                           0.0001,  // "1e-04"
                           0.001,
                           0.0012,
                           2.5e-3,
                           1e-5,
                           0.05,
                           0.00000001,
                           0.12345678,
                           0.123456789,
                           1e15,
                           1125899906842623.0,  // 2^50 - 1: the fast path's last integer
                           1125899906842624.0,
                           9007199254740993.0,
                           1e21,
                           1e22,
                           5e-324,
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()};
  for (double e : kEdges) {
    EXPECT_EQ(Shortest(e), ToChars(e)) << e;
    EXPECT_EQ(Shortest(-e), ToChars(-e)) << -e;
  }
  EXPECT_EQ(Shortest(12.34), "12.34");
  EXPECT_EQ(Shortest(-0.05), "-0.05");
  EXPECT_EQ(Shortest(1e6), "1e+06");
  EXPECT_EQ(Shortest(-0.0), "-0");
}

// Market data's shapes (prices with 2 decimals, percentages with 4, volumes, amounts with 3, integers) and
// arbitrary doubles of every magnitude: the text is byte for byte std::to_chars's.
TEST(DoubleTextTest, WritesWhatToCharsWritesForAMillionValues) {
  std::mt19937_64 rng(20261207);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  size_t mismatches = 0;
  std::string first;
  for (int i = 0; i < 1'000'000; ++i) {
    double v = 0;
    switch (i % 8) {
      case 0: v = std::round(uniform(0.01, 5000) * 100) / 100; break;
      case 1: v = std::round(uniform(-20, 20) * 10000) / 10000; break;
      case 2: v = std::round(uniform(0, 1e8) * 100) / 100; break;
      case 3: v = std::round(uniform(0, 1e12) * 1000) / 1000; break;
      case 4: v = std::round(uniform(-1e15, 1e15)); break;
      case 5: v = std::round(uniform(0, 1) * 1e8) / 1e8; break;
      case 6: v = uniform(-1e6, 1e6); break;
      case 7: v = std::ldexp(uniform(-1, 1), static_cast<int>(rng() % 400) - 200); break;
    }
    if (Shortest(v) != ToChars(v) && mismatches++ == 0) first = ToChars(v) + " written as " + Shortest(v);
  }
  EXPECT_EQ(mismatches, 0u) << "first: " << first;
}

}  // namespace
}  // namespace datasync::core
