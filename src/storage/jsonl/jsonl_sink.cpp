#include "storage/jsonl/jsonl_sink.hpp"

#include "storage/jsonl/jsonl_format.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> JsonlSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    files::AppendCompactionFileOptions(t);
    return t;
  }();
  return table;
}

core::OptionProblems CheckJsonlSinkOptions(const core::Options& options) {
  core::OptionProblems problems = core::CheckOptionValues(options, JsonlSinkOptions());
  files::CheckCommonFileOptions(options, problems);
  return problems;
}

core::Result<std::unique_ptr<files::RowFormat>> JsonlSink::MakeFormat(const core::Options&) const {
  return std::unique_ptr<files::RowFormat>(std::make_unique<jsonl::JsonlFormat>());
}

void RegisterJsonlSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "jsonl",
      .description = "JSON Lines files (one object per row), one part file per task under ROOT/<dataset>/",
      .options = JsonlSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckJsonlSinkOptions(options); },
      .validate_binding = files::CheckFileBinding,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<JsonlSink>()); },
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
