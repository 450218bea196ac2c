// Schema inference for doc importers: the logical type of a documented field from the vendor's type word,
// its name and its description, and a proposed primary key and date key from the fields' names. The
// vendor-specific parts (which names are codes, which are dates) are the caller's; the rules are shared.
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/logical_type.hpp"

namespace datasync::datasource {

// The logical type of a documented field: vendor type first (str, int, float, datetime, ...), then dates
// recognised from names (date, *_date) and descriptions (YYYYMMDD); unknown or `None` types read as string.
// When the type was guessed, `note` (if given) says so for the operator.
core::LogicalType InferFieldType(std::string_view name, std::string_view vendor_type, std::string_view description,
                                 std::string* note);

// Names a page's fields may use for keys, most preferred first.
struct KeyCandidates {
  std::span<const std::string_view> codes;  // an instrument's code (the first one present is the key)
  std::span<const std::string_view> dates;  // an observation date (the first one present is the date key)
  std::span<const std::string_view> codes_with_date_only;  // codes that are a key only beside a date (calendars)
};

// Proposes a primary key (code, then date) and a date key from the field names.
void ProposeKeys(const std::vector<std::string>& field_names, const KeyCandidates& candidates,
                 std::vector<std::string>& primary_key, std::string& date_key);

}  // namespace datasync::datasource
