#include "storage/csv/csv_sink.hpp"

#include "storage/csv/csv_format.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> CsvSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    t.push_back({csv::kDelimiter.name, core::OptionType::kString, ",", false, "",
                 "field separator, one ASCII character ('\\t' or 'tab' for a tab)"});
    t.push_back(
        {csv::kHeader.name, core::OptionType::kBool, "true", false, "", "write the field names as the first row"});
    t.push_back({csv::kNullMarker.name, core::OptionType::kString, "", false, "",
                 "text of a NULL cell, never quoted (a string equal to it is written quoted)"});
    t.push_back({csv::kLineEnding.name,
                 core::OptionType::kEnum,
                 "lf",
                 false,
                 "",
                 "record separator: lf, or crlf as RFC 4180 writes it",
                 {"lf", "crlf"}});
    t.push_back({csv::kBom.name, core::OptionType::kBool, "false", false, "",
                 "start each file with a UTF-8 byte-order mark (helps Excel detect UTF-8)"});
    t.push_back({csv::kQuoting.name,
                 core::OptionType::kEnum,
                 "minimal",
                 false,
                 "",
                 "quote fields only when needed (minimal), every text field and the header (strings), or every "
                 "non-NULL field and the header (all); NULL is never quoted",
                 {"minimal", "strings", "all"}});
    t.push_back({csv::kCompression.name,
                 core::OptionType::kEnum,
                 "none",
                 false,
                 "",
                 "compress each part file as a whole: .csv.gz (gzip) or .csv.zst (zstd)",
                 {"none", "gzip", "zstd"}});
    files::AppendCompactionFileOptions(t);
    return t;
  }();
  return table;
}

core::OptionProblems CheckCsvSinkOptions(const core::Options& options) {
  core::OptionProblems problems;
  files::CheckCommonFileOptions(options, problems);
  (void)csv::ReadCsvSettings(options, problems);
  return problems;
}

core::Result<std::unique_ptr<files::RowFormat>> CsvSink::MakeFormat(const core::Options& options) const {
  auto settings = csv::CsvSettingsFromOptions(options);
  if (!settings) return core::Fail(settings.error());
  return std::unique_ptr<files::RowFormat>(std::make_unique<csv::CsvFormat>(std::move(*settings)));
}

void RegisterCsvSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "csv",
      .description = "CSV files (RFC 4180, UTF-8), one part file per task under ROOT/<dataset>/",
      .options = CsvSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckCsvSinkOptions(options); },
      .validate_binding = files::CheckFileBinding,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<CsvSink>()); },
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
