#include "datasource/json_long_numbers.hpp"

#include <cstring>

namespace datasync::datasource {

namespace {

constexpr int kExactDigits = 15;  // every decimal of up to 15 significant digits survives a double

bool IsNumberByte(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

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

}  // namespace

std::optional<std::string> QuoteLongNumbers(std::string_view json) {
  std::string out;
  size_t copied = 0;  // json[0, copied) is in `out` already (once the first number was quoted)
  bool changed = false;
  size_t i = 0;
  const size_t n = json.size();
  while (i < n) {
    char c = json[i];
    if (c == '"') {
      // Skip the string: find its closing quote that is not escaped.
      ++i;
      while (i < n) {
        const void* q = std::memchr(json.data() + i, '"', n - i);
        if (!q) return changed ? std::optional<std::string>(out.append(json.substr(copied))) : std::nullopt;
        size_t pos = static_cast<size_t>(static_cast<const char*>(q) - json.data());
        size_t backslashes = 0;
        while (pos - backslashes > i && json[pos - backslashes - 1] == '\\') ++backslashes;
        i = pos + 1;
        if (backslashes % 2 == 0) break;
      }
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i;
      while (i < n && IsNumberByte(json[i])) ++i;
      std::string_view token = json.substr(start, i - start);
      if (SignificantDigits(token) > kExactDigits) {
        out.append(json.substr(copied, start - copied));
        out.push_back('"');
        out.append(token);
        out.push_back('"');
        copied = i;
        changed = true;
      }
      continue;
    }
    ++i;
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
