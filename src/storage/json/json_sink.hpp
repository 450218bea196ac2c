// JsonSink (plugin id "json"): a file sink (files/file_sink.hpp for layout, commits and modes) whose part
// files are JSON arrays of row objects (json_format.hpp). Options: JsonSinkOptions(). Lifecycle and
// thread-safety as for every Sink.
#pragma once

#include <span>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> JsonSinkOptions();
// The rules of those options beyond their types (a non-empty path): SinkInfo::validate and Bind.
core::OptionProblems CheckJsonSinkOptions(const core::Options& options);

class JsonSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return JsonSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckJsonSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
};

void RegisterJsonSink(SinkRegistry& registry);

}  // namespace datasync::storage
