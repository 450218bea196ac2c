#include "app/catalog_sink_factory.hpp"

#include <algorithm>

#include "app/migrations.hpp"

namespace datasync::app {

core::Result<std::vector<sync::SinkBinding>> CatalogSinkFactory::Bind(const sync::SyncRun& run) {
  std::vector<sync::SinkBinding> bindings;
  for (const auto& sname : plan_.storages) {
    auto st = std::find_if(storages_.begin(), storages_.end(), [&](const auto& s) { return s.name == sname; });
    if (st == storages_.end()) {
      return core::Fail(core::ErrorKind::kConfig, "storage '" + sname + "' is not in the catalog");
    }
    const storage::SinkInfo* info = sinks_.Find(st->kind);
    if (!info) return core::Fail(core::ErrorKind::kConfig, "storage '" + sname + "': unknown kind '" + st->kind + "'");
    auto sink = info->create();
    auto bound = sink->Bind(BindContextFor(*st, dataset_, plan_.mode, project_root_));
    if (bound) bound = sink->Migrate();
    if (bound) bound = RecordAutomaticMigration(migrations_, *sink, dataset_.schema_version, run.id);
    if (!bound) return core::Fail(bound.error());
    bindings.push_back({st->name, st->kind, std::move(sink)});
  }
  return bindings;
}

}  // namespace datasync::app
