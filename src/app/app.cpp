#include "app/app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

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

struct App::Impl {
  explicit Impl(const core::Clock& c) : clock(c), quotas(c) {}

  Project project;
  const core::Clock& clock;
  datasource::ProviderRegistry providers;
  storage::SinkRegistry sinks;
  std::unique_ptr<metadata::SystemDb> db;
  std::unique_ptr<net::HttpClient> http;
  sync::QuotaBook quotas;
  std::map<std::string, std::unique_ptr<datasource::Provider>> provider_cache;
  std::map<std::string, std::string> provider_spec;  // source name -> spec the cached provider was made from

  template <class T>
  core::Result<std::vector<T>> ListAll(ObjectKind kind, core::Result<T> (*from)(std::string_view)) {
    auto objs = db->catalog().List(kind);
    if (!objs) return Fail(objs.error());
    std::vector<T> out;
    for (const auto& o : *objs) {
      auto v = from(o.spec_json);
      if (!v) return Fail(v.error());
      if constexpr (std::is_same_v<T, datasource::Dataset>) v->schema_version = static_cast<int>(o.version);
      out.push_back(std::move(*v));
    }
    return out;
  }

  core::Result<datasource::Provider*> ProviderFor(const datasource::DataSource& source) {
    std::string spec = SourceToJson(source);
    auto it = provider_cache.find(source.name);
    if (it != provider_cache.end() && provider_spec[source.name] == spec) return it->second.get();
    const datasource::ProviderInfo* info = providers.Find(source.provider);
    if (!info) {
      return Fail(ErrorKind::kConfig, "source '" + source.name + "': unknown provider '" + source.provider + "'");
    }
    // The provider keeps a pointer to its DataSource: keep a stable copy alongside it.
    auto stable = std::make_unique<datasource::DataSource>(source);
    auto provider = info->create(datasource::ProviderContext{http.get(), stable.get(), &clock});
    if (!provider) return Fail(provider.error());
    sources_kept.push_back(std::move(stable));
    provider_cache[source.name] = std::move(*provider);
    provider_spec[source.name] = spec;
    return provider_cache[source.name].get();
  }
  std::vector<std::unique_ptr<datasource::DataSource>> sources_kept;
};

App::App() = default;
App::~App() = default;

core::Result<std::unique_ptr<App>> App::Open(const Project& project, const core::Clock& clock) {
  std::unique_ptr<App> app(new App());
  app->impl_ = std::make_unique<Impl>(clock);
  Impl& m = *app->impl_;
  m.project = project;
  RegisterBuiltinProviders(m.providers);
  RegisterBuiltinSinks(m.sinks);

  // The system database location may be set in the config; an invalid config still opens the default
  // so that history commands keep working.
  std::string location = ".datasync/datasync.db";
  ConfigResult cfg = app->LoadConfig();
  if (cfg.ok()) location = cfg.config->project.system_db;
  std::string path = location.starts_with("sqlite:") ? location.substr(7) : location;
  std::filesystem::path p(path);
  if (p.is_relative()) p = project.root / p;
  auto db = metadata::OpenSystemDb("sqlite:" + p.string(), clock);
  if (!db) return Fail(db.error());
  m.db = std::move(*db);
  net::HttpClientOptions http_opts;
  http_opts.max_connections = 32;
  m.http = std::make_unique<net::HttpClient>(http_opts);
  return app;
}

const Project& App::project() const { return impl_->project; }
const datasource::ProviderRegistry& App::providers() const { return impl_->providers; }
const storage::SinkRegistry& App::sinks() const { return impl_->sinks; }
metadata::SystemDb& App::db() { return *impl_->db; }

ConfigResult App::LoadConfig() const {
  return ConfigLoader(impl_->providers, impl_->sinks).LoadFile(impl_->project.config_file);
}

core::Result<ApplyReport> App::Apply(const Config& config) {
  ApplyReport report;
  auto& catalog = impl_->db->catalog();
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
      report.changes.push_back({std::string(metadata::ObjectKindName(kind)), name, change,
                                *stored ? (*stored)->version : 0});
    }
    auto existing = catalog.List(kind);
    if (!existing) return Fail(existing.error());
    for (const auto& o : *existing) {
      if (names.count(o.name)) continue;
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
  for (const auto& p : config.plans) specs.emplace_back(p.name, PlanToJson(p));
  if (auto st = put_all(ObjectKind::kPlan, specs); !st) return Fail(st.error());
  if (report.changed()) core::LogInfo(fmt::format("applied {} change(s) to the catalog", report.changed()));
  return report;
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

namespace {
// Runs still in progress keep their counts in the task ledger, not in the run row: read them live.
core::Status FillLiveCounts(sync::RunStore& store, sync::SyncRun& run) {
  if (sync::IsFinal(run.status)) return core::Ok();
  auto c = store.CountTasks(run.id);
  if (!c) return core::Fail(c.error());
  run.counts.tasks_total = c->total() - c->split;
  run.counts.tasks_done = c->done;
  run.counts.tasks_failed = c->failed;
  run.counts.tasks_skipped = c->skipped;
  run.counts.tasks_cancelled = c->cancelled;
  run.counts.rows = c->rows;
  run.counts.bytes = c->bytes;
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

namespace {

template <class T>
const T* Named(const std::vector<T>& items, const std::string& name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

// Requested plans, dependencies among them first; otherwise in the order given.
std::vector<const sync::SyncPlan*> OrderPlans(const std::vector<const sync::SyncPlan*>& requested) {
  std::vector<const sync::SyncPlan*> out;
  std::set<std::string> placed;
  std::set<std::string> wanted;
  for (const auto* p : requested) wanted.insert(p->name);
  while (out.size() < requested.size()) {
    bool progressed = false;
    for (const auto* p : requested) {
      if (placed.count(p->name)) continue;
      bool ready = std::all_of(p->depends_on.begin(), p->depends_on.end(),
                               [&](const std::string& d) { return !wanted.count(d) || placed.count(d); });
      if (ready) {
        out.push_back(p);
        placed.insert(p->name);
        progressed = true;
      }
    }
    if (!progressed) {  // a cycle (validate rejects them); keep the given order for the rest
      for (const auto* p : requested) {
        if (!placed.count(p->name)) out.push_back(p), placed.insert(p->name);
      }
    }
  }
  return out;
}

sync::RunReport FailedReport(const sync::SyncRun& run, const std::string& dataset, const std::string& source,
                             const std::string& error) {
  sync::RunReport r;
  r.run_id = run.id;
  r.plan = run.plan;
  r.dataset = dataset;
  r.source = source;
  r.status = "failed";
  r.trigger = run.trigger;
  r.error = error;
  r.tasks_total = run.counts.tasks_total;
  return r;
}

}  // namespace

core::Result<std::vector<PlanOutcome>> App::RunPlans(const std::vector<std::string>& names, const RunOptions& options) {
  if (options.apply_first) {
    ConfigResult cfg = LoadConfig();
    if (!cfg.ok()) return Fail(ErrorKind::kConfig, FormatIssues(cfg.issues));
    auto applied = Apply(*cfg.config);
    if (!applied) return Fail(applied.error());
    if (applied->changed() && options.on_event) {
      options.on_event("", fmt::format("applied {} configuration change(s)", applied->changed()));
    }
  }
  auto plans = Plans();
  if (!plans) return Fail(plans.error());
  auto datasets = Datasets();
  if (!datasets) return Fail(datasets.error());
  auto sources = Sources();
  if (!sources) return Fail(sources.error());
  auto storages = Storages();
  if (!storages) return Fail(storages.error());

  std::vector<const sync::SyncPlan*> requested;
  for (const auto& n : names) {
    const sync::SyncPlan* p = Named(*plans, n);
    if (!p) {
      std::vector<std::string> defined;
      for (const auto& x : *plans) defined.push_back(x.name);
      return Fail(ErrorKind::kConfig, "unknown plan '" + n + "' (defined: " +
                                          (defined.empty() ? std::string("none") : core::Join(defined, ", ")) + ")");
    }
    if (std::find(requested.begin(), requested.end(), p) == requested.end()) requested.push_back(p);
  }

  std::vector<PlanOutcome> outcomes;
  std::set<std::string> not_succeeded;
  for (const sync::SyncPlan* plan : OrderPlans(requested)) {
    PlanOutcome out;
    out.plan = plan->name;
    auto event = [&](const std::string& msg) {
      if (options.on_event) options.on_event(plan->name, msg);
      core::LogInfo("plan " + plan->name + ": " + msg);
    };
    if (options.interrupt && options.interrupt->load()) {
      out.note = "not started: interrupted";
      not_succeeded.insert(plan->name);
      outcomes.push_back(std::move(out));
      continue;
    }
    auto upstream = std::find_if(plan->depends_on.begin(), plan->depends_on.end(),
                                 [&](const std::string& d) { return not_succeeded.count(d) > 0; });
    if (upstream != plan->depends_on.end()) {
      out.note = "not started: upstream plan '" + *upstream + "' did not succeed";
      not_succeeded.insert(plan->name);
      outcomes.push_back(std::move(out));
      continue;
    }
    auto result = RunOne(*plan, *datasets, *sources, *storages, options, event);
    if (!result) {
      out.note = core::Redact(result.error().message());
      not_succeeded.insert(plan->name);
    } else {
      out = std::move(*result);
      if (!out.report || out.report->status != "succeeded") not_succeeded.insert(plan->name);
    }
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

core::Result<PlanOutcome> App::RunOne(const sync::SyncPlan& plan, const std::vector<datasource::Dataset>& datasets,
                                      const std::vector<datasource::DataSource>& sources,
                                      const std::vector<storage::Storage>& storages, const RunOptions& options,
                                      const std::function<void(const std::string&)>& event) {
  Impl& m = *impl_;
  PlanOutcome out;
  out.plan = plan.name;
  const datasource::Dataset* dataset = Named(datasets, plan.dataset);
  if (!dataset) return Fail(ErrorKind::kConfig, "dataset '" + plan.dataset + "' is not in the catalog");
  const datasource::DataSource* source = Named(sources, dataset->source);
  if (!source) return Fail(ErrorKind::kConfig, "source '" + dataset->source + "' is not in the catalog");

  auto lock = PlanLock::Acquire(m.project.locks_dir, plan.name);
  if (!lock) return Fail(lock.error());
  auto provider = m.ProviderFor(*source);
  if (!provider) return Fail(provider.error());
  auto tz = core::TimeZone::Load(source->timezone);
  if (!tz) return Fail(tz.error());
  auto& store = m.db->runs();

  // Resume the plan's unfinished run, if any; otherwise plan a new one.
  sync::RunQuery q;
  q.plan = plan.name;
  q.limit = 1;
  auto latest = store.ListRuns(q);
  if (!latest) return Fail(latest.error());
  std::optional<sync::SyncRun> run;
  if (!latest->empty() && !sync::IsFinal(latest->front().status)) run = latest->front();
  generation::GenerationContext gctx{&m.clock, &*tz};
  if (run) {
    if (run->status == sync::RunStatus::kDeferred && run->resume_at_us > core::ToEpochMicros(m.clock.Now())) {
      out.note = fmt::format("run {} is deferred until {} UTC (vendor quota); it resumes then", run->id,
                             core::FormatTimestamp(run->resume_at_us));
      if (auto rep = sync::RunReportFromJson(run->report_json); rep && !run->report_json.empty()) out.report = *rep;
      return out;
    }
    event(fmt::format("resuming run {} ({})", run->id, sync::RunStatusName(run->status)));
    out.note = fmt::format("resumed run {}", run->id);
    if (run->status == sync::RunStatus::kPending) {
      auto gen = generation::ArgumentGenerator::Make(plan.args, gctx);
      if (!gen) return Fail(gen.error());
      if (auto st = sync::ResumePlanning(store, *run, **gen, m.clock); !st) return Fail(st.error());
    }
  } else {
    auto gen = generation::ArgumentGenerator::Make(plan.args, gctx);
    if (!gen) return Fail(gen.error());
    auto id = sync::PlanRun(store, plan, **gen, "manual", m.clock);
    if (!id) return Fail(id.error());
    auto fresh = store.GetRun(*id);
    if (!fresh) return Fail(fresh.error());
    run = **fresh;
    event(fmt::format("run {}: {} task(s)", run->id, run->counts.tasks_total));
  }

  // Bind every target storage before any request is made: a wrong storage costs no quota.
  std::vector<sync::SinkBinding> bindings;
  for (const auto& sname : plan.storages) {
    const storage::Storage* st = Named(storages, sname);
    std::string error;
    if (!st) {
      error = "storage '" + sname + "' is not in the catalog";
    } else if (const storage::SinkInfo* info = m.sinks.Find(st->kind); !info) {
      error = "storage '" + sname + "': unknown kind '" + st->kind + "'";
    } else {
      auto sink = info->create();
      storage::BindContext ctx;
      ctx.storage_name = st->name;
      ctx.dataset = dataset->name;
      ctx.schema = dataset->schema;
      ctx.primary_key = dataset->primary_key;
      ctx.date_key = dataset->date_key;
      ctx.mode = plan.mode;
      ctx.options = st->options;
      ctx.project_dir = m.project.root;
      auto bound = sink->Bind(ctx);
      if (bound) bound = sink->Migrate();
      if (!bound) {
        error = bound.error().message();
      } else {
        bindings.push_back({st->name, st->kind, std::move(sink)});
        continue;
      }
    }
    run->status = sync::RunStatus::kFailed;
    run->error = core::Redact(error);
    run->finished_at_us = core::ToEpochMicros(m.clock.Now());
    std::vector<sync::TaskState> open = {sync::TaskState::kPending, sync::TaskState::kCooling,
                                         sync::TaskState::kDeferred, sync::TaskState::kRunning};
    (void)store.TransitionTasks(run->id, open, sync::TaskState::kCancelled);
    auto rep = FailedReport(*run, dataset->name, source->name, run->error);
    run->report_json = sync::RunReportToJson(rep);
    if (auto st2 = store.UpdateRun(*run); !st2) return Fail(st2.error());
    out.report = rep;
    return out;
  }

  sync::ExecutorDeps deps;
  deps.store = &store;
  deps.provider = *provider;
  deps.source = source;
  deps.dataset = dataset;
  deps.plan = &plan;
  deps.quota = &m.quotas.For(*source, dataset->api);
  deps.clock = &m.clock;
  deps.sinks = std::move(bindings);
  sync::ExecutorOptions eopt;
  eopt.fetch_workers = static_cast<size_t>(
      plan.concurrency > 0 ? plan.concurrency : source->limits.concurrency.value_or(4));
  eopt.interrupt = options.interrupt;
  if (options.on_progress) {
    eopt.on_progress = [&](const sync::Progress& p) { options.on_progress(plan.name, p); };
  }
  sync::Executor executor(std::move(deps), std::move(eopt));
  auto report = executor.Execute(*run);
  if (!report) return Fail(report.error());
  out.report = std::move(*report);
  return out;
}

}  // namespace datasync::app
