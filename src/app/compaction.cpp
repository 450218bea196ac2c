#include "app/compaction.hpp"

#include <filesystem>

#include "app/app.hpp"
#include "core/strings.hpp"
#include "storage/files/file_names.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

core::Result<std::vector<DatasetCompaction>> CompactStorage(App& app, const CompactRequest& request) {
  ConfigResult cfg = app.LoadConfig();
  if (!cfg.ok()) return Fail(ErrorKind::kConfig, FormatIssues(cfg.issues));
  const Config& config = *cfg.config;
  const storage::Storage* st = config.FindStorage(request.storage);
  if (!st) {
    std::vector<std::string> names;
    for (const auto& s : config.storages) names.push_back(s.name);
    return Fail(ErrorKind::kNotFound, "unknown storage '" + request.storage + "' (defined: " +
                                          (names.empty() ? std::string("none") : core::Join(names, ", ")) + ")");
  }
  const storage::SinkInfo* info = app.sinks().Find(st->kind);
  if (!info) return Fail(ErrorKind::kConfig, "storage '" + st->name + "': unknown kind '" + st->kind + "'");

  std::vector<const datasource::Dataset*> datasets;
  if (!request.dataset.empty()) {
    const datasource::Dataset* d = config.FindDataset(request.dataset);
    if (!d) return Fail(ErrorKind::kNotFound, "unknown dataset '" + request.dataset + "'");
    datasets.push_back(d);
  } else {
    for (const auto& d : config.datasets) datasets.push_back(&d);
  }

  std::vector<DatasetCompaction> out;
  for (const auto* d : datasets) {
    auto sink = info->create();
    auto* files = dynamic_cast<storage::files::FileSink*>(sink.get());
    if (!files) {
      return Fail(ErrorKind::kConfig, "storage '" + st->name + "' is a " + st->kind +
                                          " database; only file storages have part files to compact");
    }
    storage::BindContext ctx;
    ctx.storage_name = st->name;
    ctx.dataset = d->name;
    ctx.schema = d->schema;
    ctx.primary_key = d->primary_key;
    ctx.date_key = d->date_key;
    ctx.mode = storage::WriteMode::kAppend;
    ctx.options = st->options;
    ctx.project_dir = app.project().root;
    if (auto bound = sink->Bind(ctx); !bound) return Fail(bound.error());
    // Without an explicit dataset, datasets this storage never received are simply skipped.
    std::error_code ec;
    if (request.dataset.empty() && !std::filesystem::is_directory(files->dataset_dir(), ec)) continue;
    storage::files::CompactOptions options;
    options.partition = request.partition;
    options.dry_run = request.dry_run;
    options.small_part_bytes = st->options.GetInt("compact_below_bytes", options.small_part_bytes);
    auto report = files->Compact(options);
    if (!report) return Fail(report.error().Context("storage '" + st->name + "' dataset '" + d->name + "'"));
    out.push_back({d->name, std::move(*report)});
  }
  return out;
}

}  // namespace datasync::app
