#include "storage/files/file_names.hpp"

#include <vector>

#include "core/strings.hpp"

namespace datasync::storage::files {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 when the bytes there are not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // Reject overlong forms, surrogates and code points above U+10FFFF (RFC 3629 §4).
  unsigned char c1 = byte(i + 1);
  if (c == 0xE0 && c1 < 0xA0) return 0;
  if (c == 0xED && c1 >= 0xA0) return 0;
  if (c == 0xF0 && c1 < 0x90) return 0;
  if (c == 0xF4 && c1 >= 0x90) return 0;
  return len;
}

bool NeedsEncoding(unsigned char c) {
  if (c < 0x20 || c == 0x7F) return true;
  switch (c) {
    case '/':
    case '\\':
    case ':':
    case '*':
    case '?':
    case '"':
    case '<':
    case '>':
    case '|':
    case '%':
    case '=': return true;
    default: return false;
  }
}

void AppendPercent(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
}

}  // namespace

std::string SafeFileName(std::string_view name) {
  // An empty component would name the parent folder itself.
  if (name.empty()) return "%00";
  size_t lead = 0;
  while (lead < name.size() && name[lead] == '.') ++lead;
  size_t trail = name.size();
  while (trail > lead && (name[trail - 1] == '.' || name[trail - 1] == ' ')) --trail;

  std::string out;
  out.reserve(name.size() + 8);
  // Where each source character starts in the output, so shortening never splits a character or an escape.
  std::vector<size_t> boundaries;
  size_t i = 0;
  while (i < name.size()) {
    boundaries.push_back(out.size());
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (i < lead || i >= trail || NeedsEncoding(c))
        AppendPercent(out, c);
      else
        out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(name, i);
    if (len == 0) {
      AppendPercent(out, c);
      ++i;
      continue;
    }
    out.append(name.substr(i, len));
    i += len;
  }
  if (out.size() <= kMaxSafeNameBytes) return out;
  // Too long: keep a readable prefix and add a hash of the full name so distinct names stay distinct.
  std::string suffix = "~" + core::Hex64(core::Fnv1a64(name));
  size_t keep = kMaxSafeNameBytes - suffix.size();
  size_t cut = 0;
  for (size_t b : boundaries) {
    if (b > keep) break;
    cut = b;
  }
  return out.substr(0, cut) + suffix;
}

}  // namespace datasync::storage::files
