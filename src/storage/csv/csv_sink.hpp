// CsvSink (plugin id "csv"): a file sink (files/file_sink.hpp for layout, commits and modes) whose part
// files are RFC 4180 CSV (csv_format.hpp). Options: CsvSinkOptions(). Lifecycle and thread-safety as
// for every Sink.
#pragma once

#include <span>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> CsvSinkOptions();
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
};

void RegisterCsvSink(SinkRegistry& registry);

}  // namespace datasync::storage
