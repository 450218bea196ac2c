#include "datasource/json_repair.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace datasync::datasource {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kMaxNumberText = 40;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of a \uXXXX escape at `at` (pointing at the backslash), or -1.
int EscapeUnit(std::string_view s, size_t at) {
  if (at + 6 > s.size() || s[at] != '\\' || s[at + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = at + 2; k < at + 6; ++k) {
    int h = HexValue(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// The length of the valid UTF-8 sequence at `at` (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0.
size_t Utf8Length(std::string_view s, size_t at) {
  auto b = [&](size_t k) { return at + k < s.size() ? static_cast<unsigned char>(s[at + k]) : 0u; };
  auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  unsigned c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;
    if (c == 0xED && b(1) > 0x9F) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;
    if (c == 0xF4 && b(1) > 0x8F) return 0;
    return 4;
  }
  return 0;
}

// True when `token` (a JSON number as written) is one simdjson cannot represent: an integer outside
// int64 and uint64, or a number beyond float64's range. Malformed tokens are left to the parser.
bool IsHugeNumber(std::string_view token) {
  size_t k = token.starts_with('-') ? 1 : 0;
  if (k >= token.size() || !IsDigit(token[k])) return false;
  bool integer = true;
  for (size_t j = k; j < token.size(); ++j) integer = integer && IsDigit(token[j]);
  if (integer) {
    std::string_view digits = token.substr(k);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (digits.size() < 19) return false;
    if (digits.size() > 20) return true;
    // 19 or 20 digits: compare with INT64_MIN's magnitude or UINT64_MAX, as text of equal length.
    std::string_view bound =
        k == 1 ? std::string_view("9223372036854775808") : std::string_view("18446744073709551615");
    if (digits.size() != bound.size()) return digits.size() > bound.size();
    return digits > bound;
  }
  std::string text(token);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isinf(v);
}

class Repairer {
 public:
  explicit Repairer(std::string_view in) : in_(in) { out_.reserve(in.size() + 64); }

  std::optional<RepairedJson> Run() {
    size_t i = 0;
    while (i < in_.size()) {
      const char c = in_[i];
      if (c == '"') {
        i = String(i);
      } else if (c == '-' || IsDigit(c)) {
        i = Number(i);
      } else {
        Structure(c);
        out_ += c;
        ++i;
      }
    }
    if (repairs_.empty()) return std::nullopt;
    return RepairedJson{std::move(out_), std::move(repairs_)};
  }

 private:
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
    bool want_key = true;
  };

  void Structure(char c) {
    switch (c) {
      case '{':
      case '[':
        if (frames_.size() >= kMaxRepairDepth) {
          ++untracked_;
        } else {
          Frame f;
          f.array = c == '[';
          frames_.push_back(std::move(f));
        }
        return;
      case '}':
      case ']':
        if (untracked_ > 0) {
          --untracked_;
        } else if (!frames_.empty()) {
          frames_.pop_back();
        }
        return;
      case ',':
        if (untracked_ == 0 && !frames_.empty()) {
          if (frames_.back().array) {
            ++frames_.back().index;
          } else {
            frames_.back().want_key = true;
          }
        }
        return;
      case ':':
        if (untracked_ == 0 && !frames_.empty()) frames_.back().want_key = false;
        return;
      default: return;
    }
  }

  bool AtKey() const { return untracked_ == 0 && !frames_.empty() && !frames_.back().array && frames_.back().want_key; }

  std::vector<std::string> Path(bool key) const {
    std::vector<std::string> path;
    for (size_t k = 0; k < frames_.size(); ++k) {
      const Frame& f = frames_[k];
      if (key && k + 1 == frames_.size()) break;
      path.push_back(f.array ? "[" + std::to_string(f.index) + "]" : f.key);
    }
    return path;
  }

  void Record(JsonRepair::Kind kind, size_t offset, bool key, std::string number = {}) {
    JsonRepair r;
    r.kind = kind;
    r.offset = offset;
    r.path = Path(key);
    r.in_key = key;
    r.number = std::move(number);
    repairs_.push_back(std::move(r));
  }

  // Copies the string starting at the quote at `i`, repairing its bad bytes; returns the index after it.
  size_t String(size_t i) {
    const bool key = AtKey();
    const size_t start = out_.size();
    bool recorded = false;
    auto note = [&](JsonRepair::Kind kind, size_t at) {
      if (!recorded) Record(kind, at, key);
      recorded = true;
    };
    out_ += '"';
    size_t j = i + 1;
    while (j < in_.size()) {
      const auto b = static_cast<unsigned char>(in_[j]);
      if (b == '"') {
        out_ += '"';
        ++j;
        break;
      }
      if (b == '\\') {
        int unit = EscapeUnit(in_, j);
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          int low = EscapeUnit(in_, j + 6);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            out_.append(in_.substr(j, 12));
            j += 12;
          } else {
            note(JsonRepair::Kind::kInvalidUtf8, j);
            out_ += "\\ufffd";
            j += 6;
          }
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
          note(JsonRepair::Kind::kInvalidUtf8, j);
          out_ += "\\ufffd";
          j += 6;
        } else {
          out_.append(in_.substr(j, 2));
          j += 2;
        }
        continue;
      }
      if (b < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        note(JsonRepair::Kind::kControlCharacter, j);
        out_ += "\\u00";
        out_ += kHex[b >> 4];
        out_ += kHex[b & 0xF];
        ++j;
        continue;
      }
      if (b < 0x80) {
        out_ += static_cast<char>(b);
        ++j;
        continue;
      }
      if (size_t len = Utf8Length(in_, j); len > 0) {
        out_.append(in_.substr(j, len));
        j += len;
      } else {
        note(JsonRepair::Kind::kInvalidUtf8, j);
        out_.append(kReplacement);
        ++j;
      }
    }
    if (key && !frames_.empty()) {
      std::string_view written(out_);
      written = written.substr(start + 1);
      if (written.ends_with('"')) written.remove_suffix(1);
      frames_.back().key = std::string(written);
    }
    return j;
  }

  size_t Number(size_t i) {
    size_t j = i;
    while (j < in_.size() &&
           (IsDigit(in_[j]) || in_[j] == '-' || in_[j] == '+' || in_[j] == '.' || in_[j] == 'e' || in_[j] == 'E')) {
      ++j;
    }
    std::string_view token = in_.substr(i, j - i);
    if (IsHugeNumber(token)) {
      std::string shown(token.substr(0, kMaxNumberText));
      if (token.size() > kMaxNumberText) shown += "… (" + std::to_string(token.size()) + " digits)";
      Record(JsonRepair::Kind::kHugeNumber, i, false, std::move(shown));
      out_ += '"';
      out_.append(token);
      out_ += '"';
    } else {
      out_.append(token);
    }
    return j;
  }

  std::string_view in_;
  std::string out_;
  std::vector<JsonRepair> repairs_;
  std::vector<Frame> frames_;
  size_t untracked_ = 0;
};

}  // namespace

std::string JsonRepair::What() const {
  switch (kind) {
    case Kind::kHugeNumber:
      return number.find_first_of(".eE") == std::string::npos ? "an integer beyond 64 bits (" + number + ")"
                                                              : "a number beyond float64's range (" + number + ")";
    case Kind::kInvalidUtf8: return "invalid UTF-8";
    case Kind::kControlCharacter: return "an unescaped control character";
  }
  return "a bad value";
}

std::string JsonRepair::PathText() const {
  std::string out;
  for (const auto& p : path) {
    if (!out.empty() && !p.starts_with('[')) out += '.';
    out += p;
  }
  return out.empty() ? "the top level" : out;
}

std::optional<RepairedJson> RepairJsonValues(std::string_view text) {
  return Repairer(text).Run();
}

}  // namespace datasync::datasource
