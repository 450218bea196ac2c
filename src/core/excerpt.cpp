#include "core/excerpt.hpp"

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::core {

namespace {

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Messages end up in JSON, the system database and terminals, so they must be valid UTF-8 even when
// the vendor's bytes are not (a body cut mid-character): each invalid byte becomes U+FFFD.
void AppendPrintable(std::string& out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len != 0 && i + len <= s.size() && IsValidUtf8(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
}

}  // namespace

std::string Excerpt(std::string_view raw, size_t max_bytes) {
  const std::string redacted = Redact(raw);
  std::string_view s = redacted;
  bool cut = s.size() > max_bytes;
  if (cut) {
    size_t n = max_bytes;
    // Back up to the start of a UTF-8 sequence so the excerpt does not end inside a character.
    while (n > 0 && IsContinuationByte(s[n])) --n;
    s = s.substr(0, n);
  }
  std::string out;
  out.reserve(s.size() + 3);
  AppendPrintable(out, s);
  if (cut) out.append("…");
  return out;
}

std::string ExcerptTail(std::string_view raw, size_t max_bytes) {
  const std::string redacted = Redact(raw);
  std::string_view s = redacted;
  bool cut = s.size() > max_bytes;
  if (cut) {
    size_t from = s.size() - max_bytes;
    // Start on a character, not inside one.
    while (from < s.size() && IsContinuationByte(s[from])) ++from;
    s = s.substr(from);
  }
  std::string out = cut ? "…" : "";
  AppendPrintable(out, s);
  return out;
}

}  // namespace datasync::core
