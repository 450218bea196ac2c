// Text taken from a vendor's pages or responses is untrusted: these helpers make it safe to store and
// show (no control characters, bounded length, names that are identifiers). Shared by every importer.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace datasync::datasource {

inline constexpr size_t kMaxIdentifierBytes = 64;
inline constexpr size_t kMaxTextBytes = 2000;

// Collapses runs of whitespace (ASCII, NBSP U+00A0, ideographic space U+3000) into one space, drops control
// characters, trims, and caps the length at a UTF-8 character boundary.
std::string CleanText(std::string_view s, size_t cap = kMaxTextBytes);

// A vendor's name (a field name) as it may be shown in a log line or message: control characters (C0,
// DEL, C1) written as escapes (\n, \t, \x1b, \u0085), a backslash as \\, invalid UTF-8 bytes as \xff, cut
// at `cap` bytes on a character boundary with "…". Valid names come back unchanged.
std::string EscapeControls(std::string_view s, size_t cap = 200);

// [A-Za-z_][A-Za-z0-9_]*, at most kMaxIdentifierBytes.
bool IsIdentifier(std::string_view s);

}  // namespace datasync::datasource
