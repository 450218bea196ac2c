#include "storage/xlsx/xlsx_sink.hpp"

#include "storage/xlsx/xlsx_format.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> XlsxSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    using core::OptionType;
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    t.push_back({xlsx::kSheetName.name, OptionType::kString, "data", false, "",
                 "name of the first sheet; rows beyond max_rows_per_sheet continue on <name>_2, <name>_3, ..."});
    t.push_back({.name = xlsx::kMaxRowsPerSheet.name,
                 .type = OptionType::kInt,
                 .default_value = "1048576",
                 .unit = "rows",
                 .description = "rows per sheet including the header (Excel's limit is 1048576)",
                 .range = core::OptionRange{2, 1048576, "must be between 2 and 1048576 (Excel's limit)"}});
    t.push_back({xlsx::kLongText.name,
                 OptionType::kEnum,
                 "error",
                 false,
                 "",
                 "text over Excel's 32767 characters per cell fails the write (error) or is cut (truncate)",
                 {"error", "truncate"}});
    return t;
  }();
  return table;
}

core::OptionProblems CheckXlsxSinkOptions(const core::Options& options) {
  core::OptionProblems problems;
  files::CheckCommonFileOptions(options, problems);
  (void)xlsx::ReadXlsxSettings(options, problems);
  return problems;
}

core::Result<std::unique_ptr<files::RowFormat>> XlsxSink::MakeFormat(const core::Options& options) const {
  auto settings = xlsx::XlsxSettingsFromOptions(options);
  if (!settings) return core::Fail(settings.error());
  return std::unique_ptr<files::RowFormat>(std::make_unique<xlsx::XlsxFormat>(std::move(*settings)));
}

void RegisterXlsxSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "xlsx",
      .description = "Excel workbooks (typed cells, a header row), one part file per task under ROOT/<dataset>/",
      .options = XlsxSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckXlsxSinkOptions(options); },
      .validate_binding = files::CheckFileBinding,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<XlsxSink>()); },
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
