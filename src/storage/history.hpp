// Point-in-time history (a plan's `history: true`, WriteMode::kHistory): the columns a versioned table
// adds to a dataset's, and the row filters that read it back.
//
// A versioned table keeps every version of a row: a new version is stored when a row's values change (or
// it reappears), stamped with _valid_from, the time datasync stored it; the version it replaces gets that
// time as its _valid_to. The current version has no _valid_to, and a row its task no longer returns is
// closed the same way. So the table as known at time T is the versions with _valid_from <= T and no
// _valid_to, or a _valid_to after T. Timestamps are UTC with microseconds (core::FormatTimestamp's text
// in SQLite, the native timestamp type elsewhere).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace datasync::storage {

inline constexpr std::string_view kValidFrom = "_valid_from";
inline constexpr std::string_view kValidTo = "_valid_to";
// The view of a versioned table's current rows: "<table>_latest".
inline constexpr std::string_view kLatestViewSuffix = "_latest";

// Whether `column` is one of the version columns (letter case ignored).
bool IsVersionColumn(std::string_view column);

// The time of a read "as of" `as_of` (ScanQuery::as_of: a UTC timestamp or a day), in microseconds, for a
// table that is `versioned`; kInvalidInput for a text that is no time, or for a table that keeps no history
// (`table` names it, for the message).
core::Result<int64_t> AsOfTime(const std::string& as_of, bool versioned, const std::string& table);

// A WHERE condition over a versioned table's quoted version columns: the current rows (as_of empty), or the
// rows as known at `as_of` (a timestamp literal the caller rendered for its store).
std::string VersionFilter(std::string_view quoted_from, std::string_view quoted_to, std::string_view as_of_literal);

}  // namespace datasync::storage
