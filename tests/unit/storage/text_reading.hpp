// The independent readers of datasync's text forms, for tests and fuzz targets: an RFC 4180 parser and the
// typed text of each logical type. Written here, not shared with the sinks, so that a sink's bug cannot
// hide in the code that checks it. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/logical_type.hpp"
#include "core/value.hpp"

namespace datasync::storage::testing {

// Parses the text form every text store uses for the type (true/false, ISO dates, "YYYY-MM-DD HH:MM:SS[.f]",
// decimals with exactly `scale` fraction digits, NaN/Infinity); nullopt when it does not parse.
std::optional<core::Value> ParseTyped(std::string_view text, const core::LogicalType& type);
// A decimal's text at any number of fraction digits, as the Value a column of `type` holds (Int128 when the
// type is wide); nullopt when it does not fit the type's precision.
std::optional<core::Value> DecimalValue(std::string_view text, const core::LogicalType& type);

// RFC 4180 parsing (https://www.rfc-editor.org/rfc/rfc4180), strict: a quote inside an unquoted field, a
// bare CR, or text after a closing quote is an error. Records end with CRLF or LF; `quoted` tells a quoted
// empty field ("" = empty string) from an unquoted one (NULL).
struct CsvField {
  std::string text;
  bool quoted = false;
};
bool ParseCsv(std::string_view data, char delimiter, std::vector<std::vector<CsvField>>& records, std::string& error);

}  // namespace datasync::storage::testing
