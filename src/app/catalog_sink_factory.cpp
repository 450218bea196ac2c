#include "app/catalog_sink_factory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "app/migrations.hpp"
#include "core/log.hpp"

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
    if (bound && log_migrations_) bound = RecordAutomaticMigration(migrations_, *sink, dataset_.schema_version, run.id);
    if (!bound) return core::Fail(bound.error());
    SweepStaging(*sink, st->name, run);
    bindings.push_back({st->name, st->kind, std::move(sink)});
  }
  return bindings;
}

void CatalogSinkFactory::SweepStaging(storage::Sink& sink, const std::string& storage, const sync::SyncRun& run) {
  std::map<int64_t, std::string> over;  // run id -> its status, for the log
  auto concluded = [&](int64_t id) {
    if (id == run.id) return false;
    auto found = runs_.GetRun(id);
    // Unknown here (another project's system database, or a lookup that failed): not ours to judge.
    if (!found || !*found || !sync::IsFinal((*found)->status)) return false;
    over[id] = std::string(sync::RunStatusName((*found)->status));
    return true;
  };
  auto swept = sink.SweepStaging(concluded);
  if (!swept) {
    core::LogWarn(fmt::format("storage '{}': could not remove what earlier replace runs left: {}", storage,
                              swept.error().message()));
    return;
  }
  for (const auto& name : *swept) {
    std::string runs;
    for (const auto& [id, status] : over) {
      if (name.ends_with("_" + std::to_string(id)) || name.ends_with("-" + std::to_string(id))) {
        runs = fmt::format(" of run {} ({})", id, status);
      }
    }
    core::LogInfo(fmt::format("storage '{}': removed '{}'{}, left by a replace run that is over", storage, name, runs));
  }
}

}  // namespace datasync::app
