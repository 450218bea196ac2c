// ParquetSink (plugin id "parquet"): a file sink (files/file_sink.hpp for layout, commits, modes, the
// schema sidecar and compaction) whose part files are Parquet (parquet_format.hpp), read back through
// ParquetDatasetReader (parquet_reader.hpp). Options: ParquetSinkOptions(). Lifecycle and thread-safety as
// for every Sink.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> ParquetSinkOptions();

// The keys of ParquetSinkOptions() beyond the common file options (files/file_options.hpp).
namespace parquet {
inline constexpr core::OptionKey<std::string> kCompression{"compression", ParquetSinkOptions};
inline constexpr core::OptionKey<int64_t> kCompressionLevel{"compression_level", ParquetSinkOptions};
inline constexpr core::OptionKey<int64_t> kRowGroupSizeBytes{"row_group_size_bytes", ParquetSinkOptions};
inline constexpr core::OptionKey<int64_t> kRowGroupRows{"row_group_rows", ParquetSinkOptions};
inline constexpr core::OptionKey<int64_t> kDataPageSizeBytes{"data_page_size_bytes", ParquetSinkOptions};
inline constexpr core::OptionKey<bool> kDictionary{"dictionary", ParquetSinkOptions};
inline constexpr core::OptionKey<int64_t> kDictionaryMaxBytes{"dictionary_max_bytes", ParquetSinkOptions};
}  // namespace parquet
// The rules of those options (the table's ranges, a non-empty path): SinkInfo::validate and Bind.
core::OptionProblems CheckParquetSinkOptions(const core::Options& options);

class ParquetSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return ParquetSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckParquetSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
  bool HasCompactionOptions() const override { return true; }
  bool KeepsHistory() const override { return true; }
};

void RegisterParquetSink(SinkRegistry& registry);

}  // namespace datasync::storage
