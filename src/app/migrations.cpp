#include "app/migrations.hpp"

#include <algorithm>
#include <map>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

storage::BindContext BindContextFor(const storage::Storage& st, const datasource::Dataset& dataset,
                                    storage::WriteMode mode, const std::filesystem::path& project_dir) {
  storage::BindContext ctx;
  ctx.storage_name = st.name;
  ctx.dataset = dataset.name;
  ctx.schema = dataset.schema;
  ctx.primary_key = dataset.primary_key;
  ctx.date_key = dataset.date_key;
  ctx.mode = mode;
  ctx.options = st.options;
  ctx.project_dir = project_dir;
  return ctx;
}

namespace {

std::vector<metadata::AppliedMigration> Records(const storage::MigrationPlan& plan, int64_t dataset_version,
                                                const std::string& applied_by, int64_t run_id) {
  std::vector<metadata::AppliedMigration> out;
  for (const storage::MigrationStep& step : plan.steps) {
    metadata::AppliedMigration m;
    m.storage = plan.storage;
    m.dataset = plan.dataset;
    m.dataset_version = dataset_version;
    m.table = plan.table;
    m.dialect = plan.dialect;
    m.change = std::string(storage::ChangeKindName(step.change.kind));
    m.description = step.change.Describe();
    for (const auto& s : step.statements) m.statements += s + ";\n";
    m.destructive = step.held();
    m.applied_by = applied_by;
    m.run_id = run_id;
    out.push_back(std::move(m));
  }
  return out;
}

template <class T>
const T* Named(const std::vector<T>& items, const std::string& name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

}  // namespace

core::Status RecordAutomaticMigration(metadata::MigrationStore& store, storage::Sink& sink, int64_t dataset_version,
                                      int64_t run_id) {
  auto* migrator = dynamic_cast<storage::SchemaMigrator*>(&sink);
  if (!migrator) return core::Ok();
  const storage::MigrationPlan& last = migrator->last_migration();
  storage::MigrationPlan applied = last;
  applied.steps.clear();
  for (const auto& step : last.steps) {
    if (step.held()) {
      core::LogWarn("storage '" + last.storage + "' dataset '" + last.dataset + "': held for `datasync migrate " +
                    last.storage + "`: " + step.change.Describe());
    } else {
      applied.steps.push_back(step);
    }
  }
  if (applied.steps.empty()) return core::Ok();
  core::LogInfo("storage '" + last.storage + "' dataset '" + last.dataset + "': migrated table " + last.table + " (" +
                std::to_string(applied.steps.size()) + " step(s))");
  return store.Record(Records(applied, dataset_version, "run", run_id));
}

core::Result<std::vector<StorageMigration>> MigrateStorages(App& app, const MigrateOptions& options) {
  ConfigResult cfg = app.LoadConfig();
  if (!cfg.ok()) return Fail(ErrorKind::kConfig, FormatIssues(cfg.issues));
  if (auto applied = app.Apply(*cfg.config); !applied) return Fail(applied.error());
  auto plans = app.Plans();
  if (!plans) return Fail(plans.error());
  auto datasets = app.Datasets();
  if (!datasets) return Fail(datasets.error());
  auto storages = app.Storages();
  if (!storages) return Fail(storages.error());
  if (!options.storage.empty() && !Named(*storages, options.storage)) {
    std::vector<std::string> names;
    for (const auto& s : *storages) names.push_back(s.name);
    return Fail(ErrorKind::kNotFound, "unknown storage '" + options.storage + "' (defined: " +
                                          (names.empty() ? std::string("none") : core::Join(names, ", ")) + ")");
  }

  // Every (storage, dataset) pair a plan connects, with the first such plan's write mode (which decides
  // whether the table carries the hidden unit column).
  std::map<std::pair<std::string, std::string>, storage::WriteMode> pairs;
  for (const auto& plan : *plans) {
    for (const auto& s : plan.storages) {
      if (!options.dataset.empty() && plan.dataset != options.dataset) continue;
      if (options.storage.empty() || s == options.storage) pairs.emplace(std::make_pair(s, plan.dataset), plan.mode);
    }
  }

  std::vector<StorageMigration> out;
  for (const auto& [key, mode] : pairs) {
    const auto& [storage_name, dataset_name] = key;
    StorageMigration m;
    m.storage = storage_name;
    m.dataset = dataset_name;
    const storage::Storage* st = Named(*storages, storage_name);
    const datasource::Dataset* dataset = Named(*datasets, dataset_name);
    const storage::SinkInfo* info = st ? app.sinks().Find(st->kind) : nullptr;
    if (!st || !dataset || !info) {
      m.error = !st ? "storage is not in the catalog" : !dataset ? "dataset is not in the catalog" : "unknown kind";
      out.push_back(std::move(m));
      continue;
    }
    m.kind = st->kind;
    m.dataset_version = dataset->schema_version;
    auto sink = info->create();
    auto* migrator = dynamic_cast<storage::SchemaMigrator*>(sink.get());
    m.scripted = migrator != nullptr;
    if (!migrator) {
      out.push_back(std::move(m));
      continue;
    }
    auto finish = [&](const core::Error& e) {
      m.error = core::Redact(e.message());
      (void)sink->Close();
      out.push_back(std::move(m));
    };
    if (auto bound = sink->Bind(BindContextFor(*st, *dataset, mode, app.project().root)); !bound) {
      finish(bound.error());
      continue;
    }
    auto plan = migrator->PlanMigration();
    if (!plan) {
      finish(plan.error());
      continue;
    }
    m.plan = std::move(*plan);
    if (!options.dry_run && !m.plan.empty()) {
      auto applied = migrator->ApplyMigration(/*include_held=*/true);
      // Record what ran even when a later step failed: those statements changed the table.
      const storage::MigrationPlan& done = migrator->last_migration();
      m.applied_steps = done.steps.size();
      auto recorded = app.db().migrations().Record(Records(done, m.dataset_version, "migrate", 0));
      if (!applied) {
        finish(applied.error());
        continue;
      }
      if (!recorded) {
        finish(recorded.error());
        continue;
      }
    }
    (void)sink->Close();
    out.push_back(std::move(m));
  }
  return out;
}

core::Result<std::vector<metadata::AppliedMigration>> MigrationHistory(App& app, std::string_view storage,
                                                                       int64_t limit) {
  return app.db().migrations().List(storage, limit);
}

}  // namespace datasync::app
