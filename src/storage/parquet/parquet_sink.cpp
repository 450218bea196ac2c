#include "storage/parquet/parquet_sink.hpp"

#include "storage/parquet/parquet_format.hpp"
#include "storage/parquet/parquet_reader.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> ParquetSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    using core::OptionType;
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    t.push_back({parquet::kCompression.name,
                 OptionType::kEnum,
                 "zstd",
                 false,
                 "",
                 "page compression",
                 {"zstd", "snappy", "none"}});
    // 22 is ZSTD_maxCLevel() of every zstd release since 1.0 (https://facebook.github.io/zstd/zstd_manual.html).
    t.push_back({.name = parquet::kCompressionLevel.name,
                 .type = OptionType::kInt,
                 .default_value = "3",
                 .description = "zstd level, 1 (fastest) to 22 (smallest); ignored by snappy and none",
                 .range = core::OptionRange{1, 22}});
    t.push_back({.name = parquet::kRowGroupSizeBytes.name,
                 .type = OptionType::kInt,
                 .default_value = "134217728",
                 .unit = "bytes",
                 .description = "raw column bytes buffered before a row group is written (memory per open part file)",
                 .range = core::OptionRange{1024, int64_t{1} << 40}});
    t.push_back({.name = parquet::kRowGroupRows.name,
                 .type = OptionType::kInt,
                 .default_value = "0",
                 .unit = "rows",
                 .description = "also end a row group after this many rows; 0: only row_group_size_bytes ends one",
                 .range = core::OptionRange{.min = 0, .text = "cannot be negative (0: no row limit)"}});
    t.push_back({.name = parquet::kDataPageSizeBytes.name,
                 .type = OptionType::kInt,
                 .default_value = "1048576",
                 .unit = "bytes",
                 .description = "target size of a data page before compression",
                 .range = core::OptionRange{1024, int64_t{512} << 20}});
    t.push_back({parquet::kDictionary.name, OptionType::kBool, "true", false, "",
                 "dictionary-encode column chunks with few distinct values"});
    t.push_back({.name = parquet::kDictionaryMaxBytes.name,
                 .type = OptionType::kInt,
                 .default_value = "1048576",
                 .unit = "bytes",
                 .description = "a column chunk whose dictionary would grow beyond this is written PLAIN",
                 .range = core::OptionRange{0, int64_t{1} << 30}});
    files::AppendCompactionFileOptions(t);
    return t;
  }();
  return table;
}

core::OptionProblems CheckParquetSinkOptions(const core::Options& options) {
  core::OptionProblems problems;
  files::CheckCommonFileOptions(options, problems);
  (void)parquet::ReadParquetSettings(options, problems);
  return problems;
}

core::Result<std::unique_ptr<files::RowFormat>> ParquetSink::MakeFormat(const core::Options& options) const {
  auto settings = parquet::ParquetSettingsFromOptions(options);
  if (!settings) return core::Fail(settings.error());
  return std::unique_ptr<files::RowFormat>(std::make_unique<parquet::ParquetFormat>(*settings));
}

void RegisterParquetSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "parquet",
      .description = "Parquet files (zstd, dictionary encoding, statistics), one part file per task under "
                     "ROOT/<dataset>/[key=value/]",
      .options = ParquetSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckParquetSinkOptions(options); },
      .validate_binding = files::CheckFileBinding,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<ParquetSink>()); },
      .open_reader = parquet::ParquetDatasetReader::Open,
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
