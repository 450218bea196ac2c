#include "storage/json/json_sink.hpp"

#include "storage/json/json_format.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> JsonSinkOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t;
    files::AppendCommonFileOptions(t);
    return t;
  }();
  return table;
}

core::OptionProblems CheckJsonSinkOptions(const core::Options& options) {
  core::OptionProblems problems = core::CheckOptionValues(options, JsonSinkOptions());
  files::CheckCommonFileOptions(options, problems);
  return problems;
}

core::Result<std::unique_ptr<files::RowFormat>> JsonSink::MakeFormat(const core::Options&) const {
  return std::unique_ptr<files::RowFormat>(std::make_unique<json::JsonFormat>());
}

void RegisterJsonSink(SinkRegistry& registry) {
  registry.Register(SinkInfo{
      .id = "json",
      .description = "JSON files (one array of row objects per part file) under ROOT/<dataset>/",
      .options = JsonSinkOptions(),
      .validate = [](const core::Options& options,
                     const core::OptionCheckContext&) { return CheckJsonSinkOptions(options); },
      .validate_binding = files::CheckFileBinding,
      .create = [] { return std::unique_ptr<Sink>(std::make_unique<JsonSink>()); },
      .compact = files::CompactFileSink,
  });
}

}  // namespace datasync::storage
