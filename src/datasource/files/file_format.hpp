// How a downloaded or dropped data file is read: its archive (zip, gzip, none), its delimited text dialect,
// whether it has a header row, which schema field each column fills, and the unit of epoch timestamps. The
// option table is shared by every file source's datasets (AppendFileFormatOptions), and DecodeFile is the one
// way they turn a file's bytes into a Page, so a vendor's bulk archive and a folder of CSV read alike.
//
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/options.hpp"
#include "core/time_zone.hpp"
#include "datasource/dataset.hpp"
#include "datasource/files/archive.hpp"
#include "datasource/files/text_conform.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::files {

std::span<const core::OptionSpec> FileFormatOptions();
void AppendFileFormatOptions(std::vector<core::OptionSpec>& table);

inline constexpr core::OptionKey<std::string> kArchive{"archive", FileFormatOptions};
inline constexpr core::OptionKey<std::string> kMember{"member", FileFormatOptions};
inline constexpr core::OptionKey<std::string> kDelimiter{"delimiter", FileFormatOptions};
inline constexpr core::OptionKey<std::string> kHeader{"header", FileFormatOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kColumns{"columns", FileFormatOptions};
inline constexpr core::OptionKey<std::string> kEpochUnit{"epoch_unit", FileFormatOptions};

enum class HeaderRow : uint8_t { kAuto, kYes, kNo };

struct FileFormat {
  bool archive_by_name = true;  // archive: auto
  ArchiveKind archive = ArchiveKind::kNone;
  std::string member;
  char delimiter = ',';
  HeaderRow header = HeaderRow::kAuto;
  std::vector<std::string> columns;  // empty: the header row names them
  EpochUnit epoch_unit = EpochUnit::kAuto;
};

// The format options' rules beyond the table's types, against the dataset's schema (a column that names no
// field is a typo, not drift), keyed by the options' names.
void CheckFileFormat(const Dataset& dataset, core::OptionProblems& problems);
// The settings; call after CheckFileFormat found no problem.
FileFormat ReadFileFormat(const core::Options& options);

// The rows of one file: unpacked (by `name`'s extension for archive: auto), read as delimited text, its header
// row taken or skipped, each record conformed to the dataset's schema. A schema field no column fills takes
// the value of the request param of its name (a file of one symbol says the symbol only in its path).
// `prefix` starts every message ("http_file binance/klines_1h: "); `name` says which file.
core::Result<Page> DecodeFile(std::string_view bytes, std::string_view name, const FileFormat& format,
                              const Dataset& dataset, const Params& params, const core::TimeZone* tz,
                              const std::string& prefix, size_t max_text_bytes);

}  // namespace datasync::datasource::files
