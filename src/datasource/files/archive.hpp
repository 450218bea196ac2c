// Unpacking a downloaded file (a vendor's bulk archive) into the text it holds: a zip archive's one data
// member (libzip), a gzip stream (zlib; several members read as one text, RFC 1952 §2.2), or the bytes as
// they are. The archive is untrusted: every size is checked against a limit before and while it is read,
// so a zip or gzip bomb stops at the limit instead of filling memory, and a cut or corrupt archive is an
// error naming the file, never a shorter text.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace datasync::datasource::files {

enum class ArchiveKind : uint8_t { kNone, kZip, kGzip };

// By the file name's extension (".zip", ".gz"/".gzip"; any case); kNone otherwise.
ArchiveKind ArchiveKindOfName(std::string_view name);
std::string_view ArchiveKindName(ArchiveKind kind);  // "none", "zip", "gzip"

struct Unpacked {
  std::string text;
  std::string member;  // the zip member read ("" for gzip and none)
};

// The text `bytes` hold. A zip must hold one member, or pick `member` (a name, or "" for the one member
// ending in `member_suffix` when there are several). Errors: kTransient (code bad_archive) for an archive
// that is cut short or fails its CRC (a download gone wrong, or a file the vendor is rewriting: another
// try may succeed); kPermanent (code bad_archive) for a zip without the member asked for, or with several
// candidates; kPermanent (code archive_too_large) when the text would exceed `max_bytes`. `name` says which
// file in messages.
core::Result<Unpacked> Unpack(std::string_view bytes, ArchiveKind kind, std::string_view name, size_t max_bytes,
                              std::string_view member = "", std::string_view member_suffix = ".csv");

}  // namespace datasync::datasource::files
