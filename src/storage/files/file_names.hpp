// File and folder names built from untrusted text (dataset names and partition values come from vendor docs
// and vendor data). Pure functions; thread-safe.
//
// SafeFileName keeps a name readable (ASCII letters, digits, most punctuation, and valid UTF-8 such as
// Chinese stay as they are) but makes it one harmless path component: path separators, control bytes,
// characters that Windows or shells treat specially, '%' itself (so the encoding is reversible), '=' (it
// separates a Hive partition key from its value) leading dots (no ".", "..", or hidden names) and trailing dots and
// spaces (some file systems drop them) are percent-encoded, as are bytes that are not valid UTF-8. Names that would
// exceed what file systems allow are shortened and get a hash suffix so distinct names stay distinct.
#pragma once

#include <string>
#include <string_view>

namespace datasync::storage::files {

// Longest encoded name SafeFileName returns, in bytes. Leaves room under NAME_MAX (255) for the
// prefixes and suffixes the file sinks add (".part-", ".staging-<run id>", ".tmp").
inline constexpr size_t kMaxSafeNameBytes = 180;

std::string SafeFileName(std::string_view name);

}  // namespace datasync::storage::files
