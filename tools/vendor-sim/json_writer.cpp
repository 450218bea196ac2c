#include "json_writer.hpp"

#include <charconv>
#include <cmath>

namespace datasync::vendorsim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16(std::string& out, unsigned unit) {
  char buf[6] = {
      '\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF], kHex[(unit >> 4) & 0xF], kHex[unit & 0xF]};
  out.append(buf, 6);
}

// Decodes one UTF-8 sequence at text[i]; returns U+FFFD and consumes one byte when it is malformed.
unsigned DecodeUtf8(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned b0 = byte(i);
  int extra = 0;
  unsigned cp = 0;
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    extra = 3;
    cp = b0 & 0x07;
  } else if (b0 >= 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xC2 && b0 < 0xE0) {
    extra = 1;
    cp = b0 & 0x1F;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + static_cast<size_t>(extra) >= text.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    const unsigned b = byte(i + static_cast<size_t>(k));
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

}  // namespace

void JsonWriter::String(std::string_view utf8) {
  out_.push_back('"');
  size_t i = 0;
  while (i < utf8.size()) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x80) {
      if (style_ == JsonStyle::kCompact) {
        out_.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      const unsigned cp = DecodeUtf8(utf8, i);
      if (cp >= 0x10000) {
        const unsigned v = cp - 0x10000;
        AppendU16(out_, 0xD800 + (v >> 10));
        AppendU16(out_, 0xDC00 + (v & 0x3FF));
      } else {
        AppendU16(out_, cp);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out_.append("\\\"", 2); break;
      case '\\': out_.append("\\\\", 2); break;
      case '\n': out_.append("\\n", 2); break;
      case '\r': out_.append("\\r", 2); break;
      case '\t': out_.append("\\t", 2); break;
      case '\b': out_.append("\\b", 2); break;
      case '\f': out_.append("\\f", 2); break;
      default:
        // Python's ensure_ascii also escapes DEL.
        if (c < 0x20 || (c == 0x7F && style_ == JsonStyle::kSpaced)) {
          AppendU16(out_, c);
        } else {
          out_.push_back(static_cast<char>(c));
        }
    }
  }
  out_.push_back('"');
}

void JsonWriter::Int(int64_t value) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, r.ptr);
}

void JsonWriter::Scaled(int64_t value, int decimals) {
  static constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  if (value < 0) {
    out_.push_back('-');
    value = -value;
  }
  const int64_t scale = kPow10[decimals];
  Int(value / scale);
  out_.push_back('.');
  int64_t frac = value % scale;
  if (frac == 0) {
    out_.push_back('0');
    return;
  }
  char digits[8];
  for (int k = decimals - 1; k >= 0; --k) {
    digits[k] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int len = decimals;
  while (len > 1 && digits[len - 1] == '0') --len;
  out_.append(digits, static_cast<size_t>(len));
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    Null();
    return;
  }
  // Python's repr: the shortest digits that read back the same, positional for 1e-4 <= |x| < 1e16 and
  // scientific otherwise (1e+16, 1e-05), as a bad row's out-of-range value may be.
  const double magnitude = std::fabs(value);
  const bool positional = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16);
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value,
                               positional ? std::chars_format::fixed : std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  out_.append(text);
  if (positional && text.find('.') == std::string_view::npos) out_.append(".0", 2);
}

}  // namespace datasync::vendorsim
