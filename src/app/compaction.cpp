#include "app/compaction.hpp"

#include "app/app.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

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
    if (!info->compact) {
      if (request.automatic) return out;
      return Fail(ErrorKind::kConfig, "storage '" + st->name + "' is a " + st->kind +
                                          " database; only file storages have part files to compact");
    }
    auto sink = info->create();
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
    storage::CompactOptions options;
    options.partition = request.partition;
    options.dry_run = request.dry_run;
    options.automatic = request.automatic;
    // Without an explicit dataset, datasets this storage never received are simply skipped.
    auto report = info->compact(*sink, options, !request.dataset.empty());
    if (!report) return Fail(report.error().Context("storage '" + st->name + "' dataset '" + d->name + "'"));
    if (!*report) continue;
    out.push_back({d->name, std::move(**report)});
  }
  return out;
}

std::vector<std::string> CompactAfterRun(App& app, const std::vector<std::string>& storages,
                                         const std::string& dataset) {
  std::vector<std::string> lines;
  for (const auto& storage : storages) {
    CompactRequest request{storage, dataset, "", false, true};
    auto done = CompactStorage(app, request);
    if (!done) {
      core::LogWarn("storage '" + storage + "': could not compact dataset '" + dataset +
                    "' after the run (its data is complete; the next run or `datasync compact` tries again): " +
                    done.error().message());
      continue;
    }
    int64_t parts = 0, files = 0, rows = 0;
    for (const auto& d : *done) {
      for (const auto& m : d.report.merged) {
        parts += static_cast<int64_t>(m.inputs.size());
        files++;
        rows += m.rows;
      }
    }
    if (files > 0) {
      lines.push_back("storage '" + storage + "': compacted " + std::to_string(parts) + " part files of dataset '" +
                      dataset + "' into " + std::to_string(files) + " (" + std::to_string(rows) + " rows)");
    }
  }
  return lines;
}

}  // namespace datasync::app
