// QuoteLongNumbers: a JSON body whose numbers carry more significant digits than a double holds exactly
// (more than 15), with exactly those numbers turned into strings of their own text, so that a decimal
// column receives the digits the vendor wrote (json_conform.hpp parses decimal text exactly, and refuses a
// double that may have lost digits). Nasdaq Data Link sends BigDecimal(34,12) values as JSON numbers
// (123456789012.123456789012); simdjson's DOM keeps only the nearest double of a number, never its text.
//
// Other column types read the quoted text as before: numeric strings are accepted by float64 and integer
// columns (and give the same value), and a string column keeps the number's text as written.
// A decoder calls it before parsing when its dataset's schema has a decimal column (HasDecimalField), so
// bodies of other datasets pay nothing. Pure function; thread-safe; linear in the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/schema.hpp"

namespace datasync::datasource {

// The body with every number of more than 15 significant digits quoted, or nullopt when it has none (then
// the caller parses the original text). Strings are skipped, escapes included; the text need not be valid
// JSON (a parse afterwards reports what is wrong with it).
std::optional<std::string> QuoteLongNumbers(std::string_view json);

// Significant digits of a number's text, from its first non-zero digit to its last one, mantissa only
// ("0.00120" has 2, "1234.567800000000" has 8, "1e+300" has 1): what a double can hold exactly is 15.
int SignificantDigits(std::string_view number_text);

// True when one of the schema's fields is a decimal, i.e. a decoder should call QuoteLongNumbers.
bool HasDecimalField(const core::Schema& schema);

}  // namespace datasync::datasource
