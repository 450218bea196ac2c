// CsvSink (plugin id "csv"): a file sink (files/file_sink.hpp for layout, commits and modes) whose part
// files are RFC 4180 CSV (csv_format.hpp). Options: CsvSinkOptions(). Lifecycle and thread-safety as
// for every Sink.
#pragma once

#include <span>
#include <string>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> CsvSinkOptions();

// The keys of CsvSinkOptions() beyond the common file options (files/file_options.hpp).
namespace csv {
inline constexpr core::OptionKey<std::string> kDelimiter{"delimiter", CsvSinkOptions};
inline constexpr core::OptionKey<bool> kHeader{"header", CsvSinkOptions};
inline constexpr core::OptionKey<std::string> kNullMarker{"null_marker", CsvSinkOptions};
inline constexpr core::OptionKey<std::string> kLineEnding{"line_ending", CsvSinkOptions};
inline constexpr core::OptionKey<bool> kBom{"bom", CsvSinkOptions};
inline constexpr core::OptionKey<std::string> kQuoting{"quoting", CsvSinkOptions};
inline constexpr core::OptionKey<std::string> kCompression{"compression", CsvSinkOptions};
}  // namespace csv
// The rules of those options beyond their types (path, delimiter, null_marker, ...): SinkInfo::validate and
// Bind.
core::OptionProblems CheckCsvSinkOptions(const core::Options& options);

class CsvSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return CsvSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckCsvSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
  bool HasCompactionOptions() const override { return true; }
};

void RegisterCsvSink(SinkRegistry& registry);

}  // namespace datasync::storage
