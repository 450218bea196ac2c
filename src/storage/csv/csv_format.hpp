// CsvFormat: rows as RFC 4180 text (https://www.rfc-editor.org/rfc/rfc4180), UTF-8, one header row,
// optionally compressed as a whole (gzip or zstd, files/compression.hpp).
//
// A field is quoted when it contains the delimiter, a quote, CR or LF, and embedded quotes are doubled.
// NULL is written as the null marker, unquoted; any value whose text equals the null marker (with the
// default empty marker: the empty string) is written quoted, so NULL and "" stay distinguishable, as in
// PostgreSQL's CSV COPY. Numbers, dates and bools follow the same rule (a '-' or ' ' delimiter, a null
// marker "0"). Values: dates YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS[.ffffff] (UTC), floats
// as the shortest text that reads back to the same double (NaN, Infinity, -Infinity for the non-finite),
// decimals as exact text, bools true/false.
// Immutable after construction; each writer is used by one thread.
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/options.hpp"
#include "storage/files/compression.hpp"
#include "storage/files/row_format.hpp"
#include "storage/files/text_part_merger.hpp"

namespace datasync::storage::csv {

// When fields are quoted: only when RFC 4180 needs it (and for text equal to the null marker), every
// string field (so readers can tell "007" the text from 7 the number), or every non-NULL field. NULL is
// never quoted, so a quoted field is always a value.
enum class CsvQuoting : uint8_t { kMinimal, kStrings, kAll };

struct CsvSettings {
  char delimiter = ',';
  bool header = true;
  std::string null_marker;
  bool crlf = false;
  bool bom = false;
  CsvQuoting quoting = CsvQuoting::kMinimal;
  files::Compression compression = files::Compression::kNone;
};

// Reads delimiter, header, null_marker, line_ending, bom, quoting and compression. A delimiter or null
// marker that would make the output ambiguous (or a value outside an option's list) adds a problem and
// leaves that setting at its default. The one place these rules live: the sink's validate and its Bind
// both come here.
CsvSettings ReadCsvSettings(const core::Options& options, core::OptionProblems& problems);
// ReadCsvSettings, failing with kConfig when there is a problem.
core::Result<CsvSettings> CsvSettingsFromOptions(const core::Options& options);

class CsvFormat final : public files::RowFormat {
 public:
  explicit CsvFormat(CsvSettings settings)
      : settings_(std::move(settings)),
        extension_("csv" + std::string(files::CompressionSuffix(settings_.compression))),
        merger_({.bom = settings_.bom,
                 .header = settings_.header,
                 .csv = true,
                 .delimiter = settings_.delimiter,
                 .compression = settings_.compression}) {}

  std::string_view name() const override { return "csv"; }
  // "csv", "csv.gz" or "csv.zst".
  std::string_view extension() const override { return extension_; }
  std::vector<std::pair<std::string, std::string>> ReaderSettings() const override;
  std::unique_ptr<files::RowFormatWriter> NewWriter(const core::Schema& schema) const override;
  // Part files merge by copying their rows (files::TextPartMerger), compressed ones as members of their own.
  const files::PartMerger* merger() const override { return &merger_; }

  const CsvSettings& settings() const { return settings_; }

 private:
  CsvSettings settings_;
  std::string extension_;
  files::TextPartMerger merger_;
};

}  // namespace datasync::storage::csv
