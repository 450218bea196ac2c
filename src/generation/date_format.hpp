// Date and time formats of generated values: a pattern of tokens (YYYY year, MM month, DD day, hh hour,
// mm minute, ss second, all zero-padded) and separators (- / . : _ T and space), so "YYYYMMDD",
// "YYYY-MM-DD" and "YYYY-MM-DD hh:mm:ss" all work and a typo ("YYYYMMDDD") is an error, not a silent
// literal. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace datasync::generation {

// kConfig naming the offending character when `format` is not a valid pattern.
core::Status CheckDateFormat(std::string_view format);

// The wall time `local_micros` (microseconds since the epoch, read as local time) in `format`.
// `format` must have passed CheckDateFormat.
std::string FormatWallTime(int64_t local_micros, std::string_view format);
// A calendar day (days since 1970-01-01) in `format` (time tokens print 00).
std::string FormatDay(int32_t days, std::string_view format);

}  // namespace datasync::generation
