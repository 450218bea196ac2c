// RepairJsonValues: a vendor's JSON body that the strict parser (simdjson) refuses because of single
// values, not because of its structure, made readable, with a record of every value that was changed.
// One bad value must not lose a page (and a retry cannot fix it: the vendor sends the same bytes again),
// so a decoder repairs the text, parses it, and then decides per value what the dataset's types allow
// (json_conform.hpp): store it, with a warning, or fail the page as permanent naming the value's byte offset.
//
// What is repaired, only where the strict parser fails:
//   - an integer beyond 64 bits or a number beyond float64's range (2^70, 1e400): quoted, so it becomes
//     the string of its digits (a text or float column can take it, an integer column refuses it);
//   - invalid UTF-8 inside a string, and \u escapes of lone surrogates: U+FFFD per invalid byte/escape;
//   - unescaped control characters inside a string: escaped (\u001b), the value is unchanged.
// Anything else (a body cut short, HTML, a missing comma) is not repaired: the caller's parse fails as before.
//
// Pure function; thread-safe. Linear in the text; paths are tracked to at most kMaxRepairDepth levels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::datasource {

inline constexpr size_t kMaxRepairDepth = 64;

struct JsonRepair {
  enum class Kind : uint8_t { kHugeNumber, kInvalidUtf8, kControlCharacter };
  Kind kind = Kind::kHugeNumber;
  size_t offset = 0;  // byte offset of the value's first bad byte in the original text
  // Where the value is: object keys and array indexes from the top ("data", "items", "3", "5"). A key
  // that was repaired itself is marked by `in_key`.
  std::vector<std::string> path;
  bool in_key = false;
  std::string number;  // kHugeNumber: the number as written

  // "an integer beyond 64 bits (1180591620717411303424)", "invalid UTF-8", "a raw control character".
  std::string What() const;
  // "data.items[3][5]".
  std::string PathText() const;
};

struct RepairedJson {
  std::string text;
  std::vector<JsonRepair> repairs;  // in the order of the text; never empty
};

// The repaired text, or nullopt when nothing in `text` is a value this function repairs.
std::optional<RepairedJson> RepairJsonValues(std::string_view text);

}  // namespace datasync::datasource
