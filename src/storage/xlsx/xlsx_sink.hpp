// XlsxSink (plugin id "xlsx"): a file sink (files/file_sink.hpp for layout, commits and modes) whose part
// files are Excel workbooks (xlsx_format.hpp). Options: XlsxSinkOptions(). Lifecycle and thread-safety as
// for every Sink.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> XlsxSinkOptions();

// The keys of XlsxSinkOptions() beyond the common file options (files/file_options.hpp).
namespace xlsx {
inline constexpr core::OptionKey<std::string> kSheetName{"sheet_name", XlsxSinkOptions};
inline constexpr core::OptionKey<int64_t> kMaxRowsPerSheet{"max_rows_per_sheet", XlsxSinkOptions};
inline constexpr core::OptionKey<std::string> kLongText{"long_text", XlsxSinkOptions};
}  // namespace xlsx
// The rules of those options beyond their types (path, an Excel sheet name, ...): SinkInfo::validate and
// Bind.
core::OptionProblems CheckXlsxSinkOptions(const core::Options& options);

class XlsxSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return XlsxSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckXlsxSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
};

void RegisterXlsxSink(SinkRegistry& registry);

}  // namespace datasync::storage
