#include "core/double_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace datasync::core {

namespace {

// Below 2^50 a double's spacing is at most 2^-3 of a unit, so the integer nearest to v * 10^k is the only
// candidate for a k-decimal text of v, and (m / 10^k) is computed exactly rounded: the comparison below is
// exactly "the text m·10^-k parses back to v".
constexpr double kExactBelow = 1125899906842624.0;  // 2^50

// The fraction digits tried: v * 10^k for the largest k that keeps the product exact. A value whose text has
// k' <= k decimals then has m = m' · 10^(k - k') exactly, so stripping m's trailing zeros finds the shortest.
struct Tier {
  double below;  // |v| under this
  double scale;  // 10^k
  int k;
};
constexpr Tier kTiers[] = {
    {kExactBelow / 1e8, 1e8, 8},
    {kExactBelow / 1e4, 1e4, 4},
    {kExactBelow, 1.0, 0},
};

constexpr uint64_t kPow10[] = {1ULL,
                               10ULL,
                               100ULL,
                               1000ULL,
                               10000ULL,
                               100000ULL,
                               1000000ULL,
                               10000000ULL,
                               100000000ULL,
                               1000000000ULL,
                               10000000000ULL,
                               100000000000ULL,
                               1000000000000ULL,
                               10000000000000ULL,
                               100000000000000ULL,
                               1000000000000000ULL,
                               10000000000000000ULL};

int CountDigits(uint64_t x) {  // x < 10^16
  int n = 1;
  while (n < 16 && x >= kPow10[n]) ++n;
  return n;
}

// "00" "01" ... "99": two digits per division.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// The fast path; false when v is not a short decimal fraction or to_chars would write it in scientific
// notation (1e+06, 1e-05), which the fallback then does.
bool AppendShortDecimal(std::string& out, double v) {
  const double a = std::fabs(v);
  if (!(a > 0.0) || !(a < kExactBelow)) return false;  // zero (and -0), NaN, infinities, large values
  for (const Tier& t : kTiers) {
    if (a >= t.below) continue;
    // Truncating a positive value below 2^50 after adding a half rounds it (no libm call, unlike floor).
    const auto m = static_cast<double>(static_cast<int64_t>(a * t.scale + 0.5));
    if (m / t.scale != a) return false;  // more decimals than this tier holds
    auto digits = static_cast<uint64_t>(m);
    int k = t.k;
    while (k > 0 && digits % 10 == 0) {
      digits /= 10;
      --k;
    }
    const int nd = CountDigits(digits);
    // Significant digits (an integer's trailing zeros are not) and the decimal exponent, for the length of
    // the scientific text to_chars would compare with: d[.ddd]e±XX.
    int significant = nd;
    if (k == 0) {
      for (uint64_t x = digits; x % 10 == 0; x /= 10) --significant;
    }
    const int exponent = nd - k - 1;
    const int scientific = significant + (significant > 1 ? 1 : 0) + 2 + (exponent >= 100 || exponent <= -100 ? 3 : 2);
    const int fixed = k == 0 ? nd : (nd > k ? nd + 1 : k + 2);
    if (fixed > scientific) return false;
    // The digits right to left, at least k + 1 of them (0.05 has the leading "0"), then the point is put in.
    char buf[40];
    char* end = buf + sizeof buf;
    char* p = end;
    uint64_t x = digits;
    const int width = std::max(nd, k + 1);
    for (int written = 0; written < width;) {
      if (width - written >= 2) {
        const auto pair = static_cast<size_t>(x % 100) * 2;
        x /= 100;
        *--p = kDigitPairs[pair + 1];
        *--p = kDigitPairs[pair];
        written += 2;
      } else {
        *--p = static_cast<char>('0' + x % 10);
        x /= 10;
        ++written;
      }
    }
    size_t sign = v < 0 ? 1 : 0;
    size_t old = out.size();
    out.resize(old + sign + static_cast<size_t>(width) + (k > 0 ? 1 : 0));
    char* o = out.data() + old;
    if (sign) *o++ = '-';
    const int int_digits = width - k;
    std::memcpy(o, p, static_cast<size_t>(int_digits));
    if (k > 0) {
      o[int_digits] = '.';
      std::memcpy(o + int_digits + 1, p + int_digits, static_cast<size_t>(k));
    }
    return true;
  }
  return false;
}

}  // namespace

void AppendShortestDouble(std::string& out, double v) {
  if (AppendShortDecimal(out, v)) return;
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace datasync::core
