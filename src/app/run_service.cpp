// App's run use cases: run plans (dependencies first, independent plans in parallel), execute one plan's
// run (resume or plan, bind storages, execute, wait out the vendor's quota when asked).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "app/app.hpp"
#include "app/app_impl.hpp"
#include "app/dataset_service.hpp"
#include "app/local_data.hpp"
#include "app/migrations.hpp"
#include "app/plan_lock.hpp"
#include "app/run_metrics.hpp"
#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "core/wait_board.hpp"
#include "generation/argument_generator.hpp"
#include "sync/planner.hpp"
#include "sync/run_transitions.hpp"

namespace datasync::app {

namespace {

template <class T>
const T* Named(const std::vector<T>& items, const std::string& name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

std::string Duration(std::chrono::seconds s) {
  int64_t t = s.count();
  if (t < 90) return fmt::format("{} s", t);
  if (t < 2 * 3600) return fmt::format("{} min", (t + 30) / 60);
  if (t < 2 * 86400) return fmt::format("{:.1f} h", static_cast<double>(t) / 3600);
  return fmt::format("{:.1f} days", static_cast<double>(t) / 86400);
}

}  // namespace

core::Result<App::Catalog> App::LoadCatalog() {
  Catalog c;
  auto plans = Plans();
  if (!plans) return Fail(plans.error());
  auto datasets = Datasets();
  if (!datasets) return Fail(datasets.error());
  auto sources = Sources();
  if (!sources) return Fail(sources.error());
  auto storages = Storages();
  if (!storages) return Fail(storages.error());
  auto templates = Templates();
  if (!templates) return Fail(templates.error());
  c.templates = std::move(*templates);
  c.plans = std::move(*plans);
  c.datasets = std::move(*datasets);
  c.sources = std::move(*sources);
  c.storages = std::move(*storages);
  return c;
}

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
  // The scheduled schema check of imported datasets, before anything is planned against them (a refresh
  // stores a new dataset version, which the catalog loaded below then holds).
  std::map<std::string, std::vector<std::string>> schema_notes;  // dataset -> lines
  {
    std::vector<std::string> used;
    for (const auto* p : requested) used.push_back(p->dataset);
    for (const auto& r : RefreshDue(*this, used)) {
      for (const auto& line : DescribeRefresh(r, "scheduled")) {
        schema_notes[r.dataset].push_back(line);
        if (options.on_event) options.on_event("", line);
      }
    }
  }
  auto catalog = LoadCatalog();
  if (!catalog) return Fail(catalog.error());
  for (auto& p : requested) p = Named(catalog->plans, p->name);
  std::set<std::string> wanted;
  for (const auto* p : requested) wanted.insert(p->name);

  // Waves: every plan whose requested upstream plans have finished runs now, in parallel with the others
  // of its wave (they share the process's quotas, so a common token is never over-used).
  std::vector<PlanOutcome> outcomes(requested.size());
  std::vector<bool> finished(requested.size(), false);
  std::set<std::string> finished_names, not_succeeded;
  size_t parallel = std::max<size_t>(options.max_parallel_plans, 1);
  while (finished_names.size() < requested.size()) {
    std::vector<size_t> wave;
    for (size_t i = 0; i < requested.size() && wave.size() < parallel; ++i) {
      if (finished[i]) continue;
      const auto& deps = requested[i]->depends_on;
      bool ready = std::all_of(deps.begin(), deps.end(), [&](const std::string& d) {
        return !wanted.count(d) || finished_names.count(d) || d == requested[i]->name;
      });
      if (ready) wave.push_back(i);
    }
    if (wave.empty()) {  // a cycle (validate rejects them): run the rest in the given order
      for (size_t i = 0; i < requested.size(); ++i) {
        if (!finished[i]) {
          wave.push_back(i);
          break;
        }
      }
    }
    auto run_one = [&](size_t i) {
      const sync::SyncPlan& plan = *requested[i];
      PlanOutcome out;
      out.plan = plan.name;
      auto upstream = std::find_if(plan.depends_on.begin(), plan.depends_on.end(),
                                   [&](const std::string& d) { return not_succeeded.count(d) > 0; });
      if (options.interrupt && options.interrupt->load()) {
        out.note = "not started: interrupted";
      } else if (upstream != plan.depends_on.end()) {
        out.note = "not started: upstream plan '" + *upstream + "' did not succeed";
      } else if (auto result = RunOne(plan, *catalog, options, std::nullopt); !result) {
        out.note = core::Redact(result.error().message());
      } else {
        out = std::move(*result);
      }
      if (auto notes = schema_notes.find(plan.dataset); notes != schema_notes.end()) {
        out.schema.insert(out.schema.begin(), notes->second.begin(), notes->second.end());
      }
      outcomes[i] = std::move(out);
    };
    if (wave.size() == 1) {
      run_one(wave[0]);
    } else {
      std::vector<std::thread> threads;
      for (size_t i : wave) threads.emplace_back(run_one, i);
      for (auto& t : threads) t.join();
    }
    for (size_t i : wave) {
      finished[i] = true;
      finished_names.insert(requested[i]->name);
      const PlanOutcome& o = outcomes[i];
      if (!o.report || o.report->status != "succeeded") not_succeeded.insert(requested[i]->name);
    }
  }
  return outcomes;
}

core::Result<PlanOutcome> App::RunOne(const sync::SyncPlan& plan, const Catalog& catalog, const RunOptions& options,
                                      std::optional<sync::SyncRun> forced) {
  Impl& m = *impl_;
  auto event = [&](const std::string& msg) {
    if (options.on_event) options.on_event(plan.name, msg);
    core::LogInfo("plan " + plan.name + ": " + msg);
  };
  PlanOutcome out;
  out.plan = plan.name;
  const datasource::Dataset* dataset = Named(catalog.datasets, plan.dataset);
  if (!dataset) return Fail(ErrorKind::kConfig, "dataset '" + plan.dataset + "' is not in the catalog");
  const datasource::DataSource* source = Named(catalog.sources, dataset->source);
  if (!source) return Fail(ErrorKind::kConfig, "source '" + dataset->source + "' is not in the catalog");

  auto lock = PlanLock::Acquire(m.project.locks_dir, plan.name);
  if (!lock) return Fail(lock.error());
  auto provider = m.ProviderFor(*source);
  if (!provider) return Fail(provider.error());
  auto tz = core::TimeZone::Load(source->timezone);
  if (!tz) return Fail(tz.error());
  auto& store = m.db->runs();
  sync::Quota& quota = m.quotas->For(*source, dataset->api);

  // The run: the one named, else the plan's unfinished run, else a new one.
  std::optional<sync::SyncRun> run = std::move(forced);
  if (!run) {
    sync::RunQuery q;
    q.plan = plan.name;
    q.limit = 1;
    auto latest = store.ListRuns(q);
    if (!latest) return Fail(latest.error());
    if (!latest->empty() && !sync::IsFinal(latest->front().status)) run = latest->front();
  }
  // The plan's sources (its template's first) read local data through the storages' readers.
  const generation::Template* tmpl = nullptr;
  if (!plan.args.template_name.empty()) {
    tmpl = Named(catalog.templates, plan.args.template_name);
    if (!tmpl) return Fail(ErrorKind::kConfig, "template '" + plan.args.template_name + "' is not in the catalog");
  }
  std::vector<generation::ParamSource> arg_sources = generation::ComposeSources(tmpl, plan.args.params);
  LocalData local(m.sinks, catalog.storages, catalog.plans, m.project.root);
  // A scheduled run's parameters are those of its slot's day ("today" is the day the slot stands for, also
  // when a missed slot is caught up days later).
  int64_t as_of_us = run ? run->slot_us : options.slot_us;
  core::ManualClock slot_clock(core::FromEpochMicros(as_of_us));
  generation::GenerationContext gctx =
      local.Context(as_of_us != 0 ? static_cast<const core::Clock&>(slot_clock) : m.clock, *tz, &plan, dataset);
  if (run) {
    if (run->status == sync::RunStatus::kPending) {
      auto gen = generation::ArgumentGenerator::FromSources(arg_sources, gctx);
      if (!gen) return Fail(gen.error());
      if (auto st = sync::ResumePlanning(store, *run, **gen, m.clock); !st) return Fail(st.error());
    }
    out.note = fmt::format("resumed run {}", run->id);
    event(fmt::format("resuming run {} ({})", run->id, sync::RunStatusName(run->status)));
  } else {
    auto gen = generation::ArgumentGenerator::FromSources(arg_sources, gctx);
    if (!gen) return Fail(gen.error());
    auto id = sync::PlanRun(store, plan, **gen, options.trigger, m.clock, options.slot_us);
    if (!id) return Fail(id.error());
    auto fresh = store.GetRun(*id);
    if (!fresh) return Fail(fresh.error());
    run = **fresh;
    // Say up front how long the vendor's quota makes this take.
    auto estimate = quota.Estimate(run->counts.tasks_total);
    event(estimate.count() > 0
              ? fmt::format("run {}: {} task(s); about {} at the quota of {}", run->id, run->counts.tasks_total,
                            Duration(estimate), quota.label().empty() ? source->name : quota.label())
              : fmt::format("run {}: {} task(s)", run->id, run->counts.tasks_total));
  }

  while (true) {
    // A run deferred by the vendor's quota waits for the reset, or stops here to be resumed later.
    if (run->status == sync::RunStatus::kDeferred && run->resume_at_us > core::ToEpochMicros(m.clock.Now())) {
      if (!options.wait_deferred) {
        out.note = fmt::format(
            "run {} is deferred until {} UTC (vendor quota); `datasync resume {}` or `datasync "
            "run --wait` continues it then",
            run->id, core::FormatTimestamp(run->resume_at_us), run->id);
        if (auto rep = sync::RunReportFromJson(run->report_json); rep && !run->report_json.empty()) out.report = *rep;
        return out;
      }
      event(fmt::format("deferred until {} UTC by the vendor's quota; waiting",
                        core::FormatTimestamp(run->resume_at_us)));
      core::WaitBoard::Worker waiter(core::WaitBoard::Process());
      core::WaitBoard::Parked parked(waiter, core::FromEpochMicros(run->resume_at_us));
      while (core::ToEpochMicros(m.clock.Now()) < run->resume_at_us) {
        if (options.interrupt && options.interrupt->load()) {
          out.note = "interrupted while waiting for the vendor's quota";
          if (auto rep = sync::RunReportFromJson(run->report_json); rep && !run->report_json.empty()) {
            out.report = *rep;
          }
          return out;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(core::WaitBoard::Process() ? 20 : 100));
      }
      event(fmt::format("the vendor's quota has reset; continuing run {}", run->id));
    }

    // Bind every target storage before any request is made: a wrong storage costs no quota.
    std::vector<sync::SinkBinding> bindings;
    std::string bind_error;
    for (const auto& sname : plan.storages) {
      const storage::Storage* st = Named(catalog.storages, sname);
      if (!st) {
        bind_error = "storage '" + sname + "' is not in the catalog";
        break;
      }
      const storage::SinkInfo* info = m.sinks.Find(st->kind);
      if (!info) {
        bind_error = "storage '" + sname + "': unknown kind '" + st->kind + "'";
        break;
      }
      auto sink = info->create();
      auto bound = sink->Bind(BindContextFor(*st, *dataset, plan.mode, m.project.root));
      if (bound) bound = sink->Migrate();
      if (bound) bound = RecordAutomaticMigration(m.db->migrations(), *sink, dataset->schema_version, run->id);
      if (!bound) {
        bind_error = bound.error().message();
        break;
      }
      bindings.push_back({st->name, st->kind, std::move(sink)});
    }
    if (!bind_error.empty()) {
      auto rep = sync::RunTransitions(store, m.clock).FailBeforeStart(*run, dataset->name, source->name, bind_error);
      if (!rep) return Fail(rep.error());
      out.report = std::move(*rep);
      return out;
    }

    sync::ExecutorDeps deps;
    deps.store = &store;
    deps.provider = *provider;
    deps.source = source;
    deps.dataset = dataset;
    deps.plan = &plan;
    deps.quota = &quota;
    deps.clock = &m.clock;
    deps.sinks = std::move(bindings);
    sync::ExecutorOptions eopt;
    eopt.fetch_workers =
        static_cast<size_t>(plan.concurrency > 0 ? plan.concurrency : source->limits.concurrency.value_or(4));
    eopt.interrupt = options.interrupt;
    std::unique_ptr<RunMetrics> observer;
    if (options.metrics) {
      observer = std::make_unique<RunMetrics>(*options.metrics, plan.name);
      eopt.observer = observer.get();
    }
    if (options.on_progress) {
      eopt.on_progress = [&](const sync::Progress& p) { options.on_progress(plan.name, p); };
    }
    // Responses whose fields differ from the stored schema: remembered here, acted on after the run.
    std::mutex drift_mu;
    std::set<std::string> drift_extra, drift_missing;
    eopt.on_schema_drift = [&](const std::vector<std::string>& extra, const std::vector<std::string>& missing) {
      std::lock_guard drift_lock(drift_mu);
      drift_extra.insert(extra.begin(), extra.end());
      drift_missing.insert(missing.begin(), missing.end());
    };
    sync::Executor executor(std::move(deps), std::move(eopt));
    auto report = executor.Execute(*run);
    if (!report) return Fail(report.error());
    out.report = std::move(*report);
    if (!drift_extra.empty() || !drift_missing.empty()) {
      std::string seen = "the vendor's responses differ from dataset '" + dataset->name + "'";
      if (!drift_extra.empty()) seen += "; new fields: " + core::Join({drift_extra.begin(), drift_extra.end()}, ", ");
      if (!drift_missing.empty()) {
        seen += "; missing fields: " + core::Join({drift_missing.begin(), drift_missing.end()}, ", ");
      }
      out.schema.push_back(seen);
      event(seen);
      for (const auto& line : DescribeRefresh(RefreshAfterDrift(*this, dataset->name), "after schema drift")) {
        out.schema.push_back(line);
        event(line);
      }
    }
    if (out.report->status != "deferred" || !options.wait_deferred) return out;
    auto again = store.GetRun(run->id);
    if (!again || !*again) return Fail(again ? core::Error(ErrorKind::kInternal, "run vanished") : again.error());
    run = **again;
  }
}

}  // namespace datasync::app
