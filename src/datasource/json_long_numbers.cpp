#include "datasource/json_long_numbers.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace datasync::datasource {

namespace {

constexpr int kExactDigits = 15;  // every decimal of up to 15 significant digits survives a double

// What a byte starts or continues, by table: the scan below is the whole cost of the function.
enum : uint8_t { kOther = 0, kNumberByte = 1, kNumberStart = 2, kQuote = 4 };

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kNumberByte | kNumberStart;
  t['-'] = kNumberByte | kNumberStart;
  t['+'] = kNumberByte;
  t['.'] = kNumberByte;
  t['e'] = kNumberByte;
  t['E'] = kNumberByte;
  t['"'] = kQuote;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

inline uint8_t ClassOf(char c) {
  return kClass[static_cast<unsigned char>(c)];
}

}  // namespace

int SignificantDigits(std::string_view text) {
  // From the first non-zero digit to the last one: trailing zeros ("1234.567800000000") add no precision.
  int n = 0, upto_last_nonzero = 0;
  for (char c : text) {
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') continue;
    if (n == 0 && c == '0') continue;
    ++n;
    if (c != '0') upto_last_nonzero = n;
  }
  return upto_last_nonzero;
}

std::optional<std::string> QuoteLongNumbers(std::string_view json) {
  std::string out;
  size_t copied = 0;  // json[0, copied) is in `out` already (once the first number was quoted)
  bool changed = false;
  size_t i = 0;
  const size_t n = json.size();
  const char* data = json.data();
  while (i < n) {
    // Structural bytes and spaces: skipped by table until a string or a number starts.
    while (i < n && (ClassOf(data[i]) & (kQuote | kNumberStart)) == 0) ++i;
    if (i >= n) break;
    if (data[i] == '"') {
      // Skip the string: find its closing quote that is not escaped.
      ++i;
      while (i < n) {
        const void* q = std::memchr(data + i, '"', n - i);
        if (!q) return changed ? std::optional<std::string>(out.append(json.substr(copied))) : std::nullopt;
        size_t pos = static_cast<size_t>(static_cast<const char*>(q) - data);
        size_t backslashes = 0;
        while (pos - backslashes > i && data[pos - backslashes - 1] == '\\') ++backslashes;
        i = pos + 1;
        if (backslashes % 2 == 0) break;
      }
      continue;
    }
    const size_t start = i;
    while (i < n && (ClassOf(data[i]) & kNumberByte)) ++i;
    // A number of more than 15 significant digits has more than 15 bytes: shorter ones need no count.
    if (i - start <= static_cast<size_t>(kExactDigits)) continue;
    std::string_view token = json.substr(start, i - start);
    if (SignificantDigits(token) > kExactDigits) {
      if (!changed) out.reserve(n + n / 8);
      out.append(json.substr(copied, start - copied));
      out.push_back('"');
      out.append(token);
      out.push_back('"');
      copied = i;
      changed = true;
    }
  }
  if (!changed) return std::nullopt;
  out.append(json.substr(copied));
  return out;
}

bool HasDecimalField(const core::Schema& schema) {
  for (const auto& f : schema.fields()) {
    if (f.type.id == core::TypeId::kDecimal) return true;
  }
  return false;
}

}  // namespace datasync::datasource
