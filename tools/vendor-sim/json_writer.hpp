// JsonWriter: appends JSON tokens to a caller-owned std::string, fast enough to render a few thousand
// rows per millisecond. The caller places the separators (Comma/Colon), so the writer keeps no state
// beyond its style:
//   kCompact  `{"a":1,"b":"平安"}`              UTF-8 as is (the newer Tushare servers)
//   kSpaced   `{"a": 1, "b": "\u5e73\u5b89"}`   Python json.dumps defaults: ", " and ": " separators,
//             every non-ASCII character as \uHHHH, surrogate pairs above the BMP (the older servers)
// Numbers render as Python's repr of the float does for our value ranges (10.5, 11.0, 0.0123).
// A JsonWriter is a short-lived, single-threaded helper.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace datasync::vendorsim {

enum class JsonStyle { kCompact, kSpaced };

class JsonWriter {
 public:
  JsonWriter(std::string& out, JsonStyle style) : out_(out), style_(style) {}

  void Raw(std::string_view text) { out_.append(text); }
  void Char(char c) { out_.push_back(c); }
  void Comma() {
    if (style_ == JsonStyle::kSpaced) {
      out_.append(", ", 2);
    } else {
      out_.push_back(',');
    }
  }
  void Colon() {
    if (style_ == JsonStyle::kSpaced) {
      out_.append(": ", 2);
    } else {
      out_.push_back(':');
    }
  }
  // A string with full escaping (and \uHHHH for non-ASCII in kSpaced).
  void String(std::string_view utf8);
  // A string known to hold only printable ASCII without '"' or '\\' (codes, dates).
  void PlainString(std::string_view ascii) {
    out_.push_back('"');
    out_.append(ascii);
    out_.push_back('"');
  }
  // "key": (with the style's colon).
  void Key(std::string_view key) {
    String(key);
    Colon();
  }
  void Int(int64_t value);
  // value / 10^decimals as a float: trailing zeros trimmed, at least one fraction digit.
  void Scaled(int64_t value, int decimals);
  // A double as Python's repr prints it (admin output, bad rows' values).
  void Double(double value);
  void Null() { out_.append("null", 4); }
  void Bool(bool value) { value ? out_.append("true", 4) : out_.append("false", 5); }

  JsonStyle style() const { return style_; }

 private:
  std::string& out_;
  JsonStyle style_;
};

}  // namespace datasync::vendorsim
