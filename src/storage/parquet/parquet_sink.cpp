#include "storage/parquet/parquet_sink.hpp"

#include "storage/parquet/parquet_format.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> ParquetSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    using core::OptionType;
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    t.push_back({"compression", OptionType::kEnum, "zstd", false, "", "page compression", {"zstd", "snappy", "none"}});
    t.push_back({"compression_level", OptionType::kInt, "3", false, "",
                 "zstd level, 1 (fastest) to 22 (smallest); ignored by snappy and none"});
    t.push_back({"row_group_size_bytes", OptionType::kInt, "134217728", false, "bytes",
                 "raw column bytes buffered before a row group is written (memory per open part file)"});
    t.push_back({"row_group_rows", OptionType::kInt, "0", false, "rows",
                 "also end a row group after this many rows; 0: only row_group_size_bytes ends one"});
    t.push_back({"data_page_size_bytes", OptionType::kInt, "1048576", false, "bytes",
                 "target size of a data page before compression"});
    t.push_back({"dictionary", OptionType::kBool, "true", false, "",
                 "dictionary-encode column chunks with few distinct values"});
    t.push_back({"dictionary_max_bytes", OptionType::kInt, "1048576", false, "bytes",
                 "a column chunk whose dictionary would grow beyond this is written PLAIN"});
    t.push_back({"compact_below_bytes", OptionType::kInt, "67108864", false, "bytes",
                 "`datasync compact` merges the part files of a partition that are smaller than this"});
    return t;
  }();
  return table;
}

core::OptionProblems CheckParquetSinkOptions(const core::Options& options) {
  core::OptionProblems problems;
  files::CheckCommonFileOptions(options, problems);
  (void)parquet::ReadParquetSettings(options, problems);
  if (int64_t v = options.GetInt("compact_below_bytes", 1); v < 1) {
    problems.push_back({"compact_below_bytes", "must be positive, got " + std::to_string(v)});
  }
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
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<ParquetSink>()); },
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
