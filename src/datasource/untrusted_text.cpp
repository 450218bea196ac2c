#include "datasource/untrusted_text.hpp"

#include <algorithm>
#include <cctype>

#include "core/strings.hpp"

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

std::string EscapeControls(std::string_view s, size_t cap) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  auto hex = [&](std::string_view prefix, unsigned v, int digits) {
    out += prefix;
    for (int d = digits - 1; d >= 0; --d) out += kHex[(v >> (4 * d)) & 0xF];
  };
  for (size_t i = 0; i < s.size();) {
    if (out.size() >= cap) {
      out += "…";
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            hex("\\x", c, 2);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size() || !core::IsValidUtf8(s.substr(i, len))) {
      hex("\\x", c, 2);
      ++i;
      continue;
    }
    if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      hex("\\u00", static_cast<unsigned char>(s[i + 1]), 2);  // C1 controls (U+0080..U+009F)
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
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
