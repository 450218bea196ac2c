// JsonlSink (plugin id "jsonl"): a file sink (files/file_sink.hpp for layout, commits and modes) whose part
// files are JSON Lines (jsonl_format.hpp). Options: JsonlSinkOptions(). Lifecycle and thread-safety as
// for every Sink.
#pragma once

#include <span>

#include "core/options.hpp"
#include "storage/files/file_sink.hpp"

namespace datasync::storage {

std::span<const core::OptionSpec> JsonlSinkOptions();
// The rules of those options beyond their types (a non-empty path): SinkInfo::validate and Bind.
core::OptionProblems CheckJsonlSinkOptions(const core::Options& options);

class JsonlSink final : public files::FileSink {
 protected:
  std::span<const core::OptionSpec> option_specs() const override { return JsonlSinkOptions(); }
  core::OptionProblems CheckOptions(const core::Options& options) const override {
    return CheckJsonlSinkOptions(options);
  }
  core::Result<std::unique_ptr<files::RowFormat>> MakeFormat(const core::Options& options) const override;
  bool HasCompactionOptions() const override { return true; }
};

void RegisterJsonlSink(SinkRegistry& registry);

}  // namespace datasync::storage
