#include "app/views/migration_views.hpp"

#include <nlohmann/json.hpp>

namespace datasync::app::views {

using json = nlohmann::ordered_json;

namespace {

json StepsJson(const StorageMigration& m) {
  json steps = json::array();
  for (size_t i = 0; i < m.plan.steps.size(); ++i) {
    const auto& step = m.plan.steps[i];
    steps.push_back({{"change", std::string(storage::ChangeKindName(step.change.kind))},
                     {"description", step.change.Describe()},
                     {"held", step.held()},
                     {"statements", step.statements},
                     {"applied", i < m.applied_steps}});
  }
  return steps;
}

}  // namespace

json ToJson(const StorageMigration& m, bool dry_run) {
  return {{"storage", m.storage},   {"kind", m.kind},
          {"dataset", m.dataset},   {"dataset_version", m.dataset_version},
          {"table", m.plan.table},  {"dialect", m.plan.dialect},
          {"scripted", m.scripted}, {"dry_run", dry_run},
          {"steps", StepsJson(m)},  {"applied_steps", m.applied_steps},
          {"error", m.error}};
}

json ToJson(const metadata::AppliedMigration& m) {
  return {{"id", m.id},
          {"applied_at_us", m.applied_at_us},
          {"storage", m.storage},
          {"dataset", m.dataset},
          {"dataset_version", m.dataset_version},
          {"table", m.table},
          {"dialect", m.dialect},
          {"change", m.change},
          {"description", m.description},
          {"statements", m.statements},
          {"destructive", m.destructive},
          {"applied_by", m.applied_by},
          {"run_id", m.run_id}};
}

}  // namespace datasync::app::views
