#include "app/app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "app/app_impl.hpp"
#include "app/plan_lock.hpp"
#include "app/registries.hpp"
#include "app/specs.hpp"
#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "generation/argument_generator.hpp"
#include "net/http_client.hpp"
#include "sync/planner.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;
using metadata::ObjectKind;

int64_t ApplyReport::changed() const {
  return std::count_if(changes.begin(), changes.end(), [](const ApplyChange& c) { return c.change != "unchanged"; });
}

std::string FormatIssues(const std::vector<ConfigIssue>& issues) {
  std::string s;
  for (const auto& i : issues) {
    if (!s.empty()) s += "\n";
    s += FormatIssue(i);
  }
  return s;
}

App::App() = default;
App::~App() = default;

core::Result<std::unique_ptr<App>> App::Open(const Project& project, const core::Clock& clock) {
  std::unique_ptr<App> app(new App());
  app->impl_ = std::make_unique<Impl>(clock);
  Impl& m = *app->impl_;
  m.project = project;
  RegisterBuiltinProviders(m.providers);
  RegisterBuiltinSinks(m.sinks);
  RegisterBuiltinSystemDbs(m.system_dbs);
  auto secrets = LocalSecrets::Open(project.state_dir / "secrets.json");
  if (!secrets) return Fail(secrets.error());
  m.secrets = std::move(*secrets);

  // The system database location may be set in the config; an invalid config still opens the default
  // so that history commands keep working. The factory picks the backend by the value's scheme and
  // refuses the ones this build lacks, so a server URL never becomes a file path.
  ConfigResult cfg = app->LoadConfig();
  m.settings = cfg.project;
  // Errors name the setting where it is written ("datasync.yaml:3:14: project.system_db"), as `validate` does.
  std::string setting = project.config_file.filename().string();
  if (cfg.system_db_at.line > 0) {
    setting += ":" + std::to_string(cfg.system_db_at.line) + ":" + std::to_string(cfg.system_db_at.column);
  }
  auto db = m.system_dbs.Open(cfg.project.system_db,
                              {.base_dir = project.root, .clock = &clock, .setting = setting + ": project.system_db"});
  if (!db) return Fail(db.error());
  m.db = std::move(*db);
  m.access = std::make_unique<AccessService>(m.db->access(), clock);
  net::HttpClientOptions http_opts;
  http_opts.max_connections = 32;
  m.http = std::make_unique<net::HttpClient>(http_opts);
  // The vendor counts calls per credential: the provider's secret options, resolved.
  m.quotas = std::make_unique<sync::QuotaBook>(
      clock, &m.db->quotas(), [providers = &m.providers](const datasource::DataSource& s) {
        const datasource::ProviderInfo* info = providers->Find(s.provider);
        return info ? core::SecretFingerprintInput(s.options, info->options, "sources." + s.name + ".") : std::string();
      });
  return app;
}

const Project& App::project() const {
  return impl_->project;
}
ProjectSettings App::settings() const {
  std::lock_guard lock(impl_->settings_mu);
  return impl_->settings;
}
net::HttpClient& App::http() {
  return *impl_->http;
}
const core::Clock& App::clock() const {
  return impl_->clock;
}
const datasource::ProviderRegistry& App::providers() const {
  return impl_->providers;
}
const storage::SinkRegistry& App::sinks() const {
  return impl_->sinks;
}
metadata::SystemDb& App::db() {
  return *impl_->db;
}
AccessService& App::access() {
  return *impl_->access;
}

ConfigResult App::LoadConfig(LoadOptions options) const {
  // The file, and the objects made in the app, read with it.
  std::vector<AppDocument> documents;
  if (impl_->db) {
    auto objects = impl_->db->app_objects().List();
    if (!objects) {
      ConfigResult r;
      r.issues.push_back({{"the system database", 0, 0},
                          "cannot read the objects made in the app: " + objects.error().message(),
                          false});
      return r;
    }
    for (auto& o : *objects) {
      documents.push_back({std::string(metadata::ObjectSection(o.kind)), std::move(o.name), std::move(o.body_json)});
    }
  }
  return LoadConfig(options, std::move(documents));
}

ConfigResult App::LoadConfig(LoadOptions options, std::vector<AppDocument> documents) const {
  // Plans may use datasets imported from doc pages, which live only in the system database.
  std::vector<datasource::Dataset> imported;
  if (impl_->db) {
    if (auto objs = impl_->db->catalog().List(ObjectKind::kDataset)) {
      for (const auto& o : *objs) {
        if (!IsImportedDatasetSpec(o.spec_json)) continue;
        if (auto d = DatasetFromJson(o.spec_json)) imported.push_back(std::move(*d));
      }
    }
  }
  options.system_dbs = &impl_->system_dbs;
  return ConfigLoader(impl_->providers, impl_->sinks, std::move(imported), options, std::move(documents))
      .LoadFile(impl_->project.config_file);
}

core::Result<ApplyReport> App::Apply(const Config& file_config) {
  std::lock_guard apply_lock(impl_->apply_mu);
  ApplyReport report;
  // The catalog holds references only: literal secrets move to the project's secrets file first.
  Config config = file_config;
  impl_->secrets->TakeLiterals(config, impl_->providers, impl_->sinks);
  if (auto st = impl_->secrets->Save(); !st) return Fail(st.error());
  auto& catalog = impl_->db->catalog();
  {
    std::lock_guard lock(impl_->settings_mu);
    impl_->settings = config.project;
  }
  auto put_all = [&](ObjectKind kind, const std::vector<std::pair<std::string, std::string>>& specs) -> core::Status {
    std::set<std::string> names;
    for (const auto& [name, spec] : specs) {
      names.insert(name);
      auto outcome = catalog.Put(kind, name, spec);
      if (!outcome) return Fail(outcome.error());
      auto stored = catalog.Get(kind, name);
      if (!stored) return Fail(stored.error());
      const char* change = *outcome == metadata::PutOutcome::kCreated   ? "created"
                           : *outcome == metadata::PutOutcome::kUpdated ? "updated"
                                                                        : "unchanged";
      report.changes.push_back(
          {std::string(metadata::ObjectKindName(kind)), name, change, *stored ? (*stored)->version : 0});
    }
    auto existing = catalog.List(kind);
    if (!existing) return Fail(existing.error());
    for (const auto& o : *existing) {
      if (names.count(o.name)) continue;
      // Imported datasets are not in the file; `dataset import`/`refresh` own them (docs/configuration.md).
      if (kind == ObjectKind::kDataset && IsImportedDatasetSpec(o.spec_json)) continue;
      auto removed = catalog.Remove(kind, o.name);
      if (!removed) return Fail(removed.error());
      report.changes.push_back({std::string(metadata::ObjectKindName(kind)), o.name, "removed", o.version});
    }
    return core::Ok();
  };
  std::vector<std::pair<std::string, std::string>> specs;
  for (const auto& s : config.sources) specs.emplace_back(s.name, SourceToJson(s));
  if (auto st = put_all(ObjectKind::kSource, specs); !st) return Fail(st.error());
  specs.clear();
  for (const auto& d : config.datasets) specs.emplace_back(d.name, DatasetToJson(d));
  if (auto st = put_all(ObjectKind::kDataset, specs); !st) return Fail(st.error());
  specs.clear();
  for (const auto& s : config.storages) specs.emplace_back(s.name, StorageToJson(s));
  if (auto st = put_all(ObjectKind::kStorage, specs); !st) return Fail(st.error());
  specs.clear();
  for (const auto& t : config.templates) specs.emplace_back(t.name, TemplateToJson(t));
  if (auto st = put_all(ObjectKind::kTemplate, specs); !st) return Fail(st.error());
  specs.clear();
  for (const auto& p : config.plans) specs.emplace_back(p.name, PlanToJson(p));
  if (auto st = put_all(ObjectKind::kPlan, specs); !st) return Fail(st.error());
  if (report.changed()) core::LogInfo(fmt::format("applied {} change(s) to the catalog", report.changed()));
  return report;
}

core::Status App::KeepSecrets(Config& config) {
  std::lock_guard apply_lock(impl_->apply_mu);
  impl_->secrets->TakeLiterals(config, impl_->providers, impl_->sinks);
  return impl_->secrets->Save();
}

std::unique_lock<std::mutex> App::LockConfigChanges() {
  return std::unique_lock<std::mutex>(impl_->config_change_mu);
}

void App::NoteConfigChanged() {
  impl_->config_generation.fetch_add(1);
}

uint64_t App::config_generation() const {
  return impl_->config_generation.load();
}

core::Result<std::vector<datasource::DataSource>> App::Sources() {
  return impl_->ListAll<datasource::DataSource>(ObjectKind::kSource, &SourceFromJson);
}
core::Result<std::vector<datasource::Dataset>> App::Datasets() {
  return impl_->ListAll<datasource::Dataset>(ObjectKind::kDataset, &DatasetFromJson);
}
core::Result<std::vector<storage::Storage>> App::Storages() {
  return impl_->ListAll<storage::Storage>(ObjectKind::kStorage, &StorageFromJson);
}
core::Result<std::vector<sync::SyncPlan>> App::Plans() {
  return impl_->ListAll<sync::SyncPlan>(ObjectKind::kPlan, &PlanFromJson);
}
core::Result<std::vector<generation::Template>> App::Templates() {
  return impl_->ListAll<generation::Template>(ObjectKind::kTemplate, &TemplateFromJson);
}

namespace {
// Runs still in progress keep their counts in the task ledger, not in the run row: read them live.
core::Status FillLiveCounts(sync::RunStore& store, sync::SyncRun& run) {
  if (sync::IsFinal(run.status)) return core::Ok();
  auto c = store.CountTasks(run.id);
  if (!c) return core::Fail(c.error());
  sync::SetTaskCounts(run.counts, *c);
  return core::Ok();
}
}  // namespace

core::Result<std::vector<sync::SyncRun>> App::Runs(const sync::RunQuery& query) {
  auto runs = impl_->db->runs().ListRuns(query);
  if (!runs) return runs;
  for (auto& r : *runs) {
    if (auto st = FillLiveCounts(impl_->db->runs(), r); !st) return core::Fail(st.error());
  }
  return runs;
}

core::Result<std::optional<sync::SyncRun>> App::Run(int64_t run_id) {
  auto run = impl_->db->runs().GetRun(run_id);
  if (!run || !*run) return run;
  if (auto st = FillLiveCounts(impl_->db->runs(), **run); !st) return core::Fail(st.error());
  return run;
}

}  // namespace datasync::app
