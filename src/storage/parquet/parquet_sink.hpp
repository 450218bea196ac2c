// ParquetSink (plugin id "parquet"): a file sink (files/file_sink.hpp for layout, commits, modes, the
// schema sidecar and compaction) whose part files are Parquet (parquet_format.hpp). Options:
// ParquetSinkOptions(). Lifecycle and thread-safety as for every Sink.
#pragma once

#include <span>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> ParquetSinkOptions();
// The rules of those options beyond their types (path, codec level, sizes): SinkInfo::validate and Bind.
core::OptionProblems CheckParquetSinkOptions(const core::Options& options);

class ParquetSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return ParquetSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckParquetSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
};

void RegisterParquetSink(SinkRegistry& registry);

}  // namespace datasync::storage
