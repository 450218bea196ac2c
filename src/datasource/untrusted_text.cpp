#include "datasource/untrusted_text.hpp"

#include <algorithm>
#include <cctype>

namespace datasync::datasource {

std::string CleanText(std::string_view s, size_t cap) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      is_space = true;
      len = 2;
    } else if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               static_cast<unsigned char>(s[i + 2]) == 0x80) {
      is_space = true;
      len = 3;
    }
    if (is_space) {
      space = !out.empty();
      i += len;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      ++i;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += s[i++];
  }
  if (out.size() > cap) {
    size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdentifierBytes) return false;
  auto c0 = static_cast<unsigned char>(s[0]);
  if (!(std::isalpha(c0) || c0 == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '_';
  });
}

}  // namespace datasync::datasource
