// App's run use cases: run plans (dependencies first, independent plans in parallel); execute one plan's
// run by wiring the catalog, the plan lock, the sink registry and the argument context into a
// sync::RunCoordinator, which owns the run from choosing it to its end.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "app/app.hpp"
#include "app/app_impl.hpp"
#include "app/catalog_sink_factory.hpp"
#include "app/compaction.hpp"
#include "app/dataset_service.hpp"
#include "app/events/event_bus.hpp"
#include "app/events/executor_events.hpp"
#include "app/local_data.hpp"
#include "app/migrations.hpp"
#include "app/plan_lock.hpp"
#include "app/quality_checks.hpp"
#include "app/quality_gate.hpp"
#include "app/row_compare.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "generation/argument_generator.hpp"
#include "sync/run_coordinator.hpp"

namespace datasync::app {

namespace {

template <class T>
const T* Named(const std::vector<T>& items, const std::string& name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
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

namespace {

// The values a relationship rule accepts: the referenced field's distinct values, from the storage that
// holds the referenced dataset, as text the way QualityGate reads a cell; nullopt when it is not synced yet.
std::optional<std::set<std::string>> ReferencedValues(LocalData& local, const datasource::QualityRule& rule,
                                                      const std::vector<sync::SyncPlan>& plans,
                                                      const std::vector<storage::Storage>& storages) {
  auto where = ResolveReadStorage(rule.ref_dataset, "", plans, storages, local.sinks());
  if (!where) return std::nullopt;
  auto reader = local.Reader(*where);
  if (!reader) return std::nullopt;
  storage::ReadQuery q;
  q.dataset = rule.ref_dataset;
  q.column = rule.ref_field;
  auto values = (*reader)->DistinctValues(q);
  if (!values) {
    core::LogWarn("quality rule " + rule.Label() + ": cannot read " + rule.ref_dataset + "." + rule.ref_field + ": " +
                  values.error().message());
    return std::nullopt;
  }
  std::set<std::string> out;
  for (const auto& v : *values) {
    out.insert(v.type.id == core::TypeId::kString ? std::get<std::string>(v.v) : CanonicalText(v, v.type));
  }
  return out;
}

}  // namespace

core::Result<sync::SyncPlan> App::Plan(const std::string& name) {
  auto plans = Plans();
  if (!plans) return Fail(plans.error());
  for (auto& p : *plans) {
    if (p.name == name) return std::move(p);
  }
  return Fail(ErrorKind::kNotFound, "unknown plan '" + name + "' (see `datasync plans`)");
}

core::Result<ApplyReport> App::ApplyCurrentConfig() {
  auto change_lock = LockConfigChanges();
  ConfigResult cfg = LoadConfig();
  if (!cfg.ok()) return Fail(ErrorKind::kConfig, FormatIssues(cfg.issues));
  return Apply(*cfg.config);
}

core::Result<std::vector<PlanOutcome>> App::RunPlans(const std::vector<std::string>& names, const RunOptions& options) {
  if (options.apply_first) {
    auto applied = ApplyCurrentConfig();
    if (!applied) return Fail(applied.error());
    if (applied->changed()) {
      events::PublishTo(options.events,
                        events::RunMessage{"", fmt::format("applied {} configuration change(s)", applied->changed())});
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
      return Fail(ErrorKind::kNotFound, "unknown plan '" + n + "' (defined: " +
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
        events::PublishTo(options.events, events::RunMessage{"", line});
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
    events::PublishTo(options.events, events::RunMessage{plan.name, msg});
    core::LogInfo("plan " + plan.name + ": " + msg);
  };
  PlanOutcome out;
  out.plan = plan.name;
  const datasource::Dataset* dataset = Named(catalog.datasets, plan.dataset);
  if (!dataset) return Fail(ErrorKind::kNotFound, "dataset '" + plan.dataset + "' is not in the catalog");
  const datasource::DataSource* source = Named(catalog.sources, dataset->source);
  if (!source) return Fail(ErrorKind::kNotFound, "source '" + dataset->source + "' is not in the catalog");

  auto lock = PlanLock::Acquire(m.db->plan_leases(), m.clock, plan.name);
  if (!lock) return Fail(lock.error());
  auto provider = m.ProviderFor(*source);
  if (!provider) return Fail(provider.error());
  auto tz = core::TimeZone::Load(source->timezone);
  if (!tz) return Fail(tz.error());
  sync::Quota& quota = m.quotas->For(*source, dataset->api);
  // The plan's sources (its template's first) read local data through the storages' readers.
  const generation::Template* tmpl = nullptr;
  if (!plan.args.template_name.empty()) {
    tmpl = Named(catalog.templates, plan.args.template_name);
    if (!tmpl) return Fail(ErrorKind::kNotFound, "template '" + plan.args.template_name + "' is not in the catalog");
  }
  std::vector<generation::ParamSource> arg_sources = generation::ComposeSources(tmpl, plan.args.params);
  LocalData local(m.sinks, catalog.storages, catalog.plans, m.project.root);
  core::ManualClock slot_clock(core::FromEpochMicros(0));
  std::optional<generation::GenerationContext> gctx;  // outlives the generator made from it
  // `datasync verify` binds scratch storages in place of the plan's, by upsert on the key.
  sync::SyncPlan bound = plan;
  if (options.write_to) {
    bound.storages.clear();
    for (const auto& s : *options.write_to) bound.storages.push_back(s.name);
    bound.mode = dataset->primary_key.empty() ? storage::WriteMode::kAppend : storage::WriteMode::kUpsert;
  }
  CatalogSinkFactory sinks(m.sinks, options.write_to ? *options.write_to : catalog.storages, bound, *dataset,
                           m.db->migrations(), m.db->runs(), m.project.root);
  if (options.write_to) sinks.SkipMigrationLog();

  // The dataset's row rules judge every batch; rows they keep out go to NAME_rejected in the same storages.
  std::unique_ptr<QualityGate> gate;
  if (QualityGate::HasRowRules(*dataset)) {
    QualityGate::References refs;
    for (size_t i = 0; i < dataset->quality.size(); ++i) {
      const auto& rule = dataset->quality[i];
      if (rule.kind != datasource::RuleKind::kRelationship) continue;
      refs[i] = ReferencedValues(local, rule, catalog.plans, catalog.storages);
    }
    const datasource::Dataset quarantine = QuarantineDataset(*dataset);
    const std::vector<storage::Storage> quarantine_storages = options.write_to ? *options.write_to : catalog.storages;
    sync::SyncPlan quarantine_plan = bound;
    quarantine_plan.mode = storage::WriteMode::kAppend;
    gate = std::make_unique<QualityGate>(
        *dataset, std::move(refs),
        [&m, quarantine, quarantine_storages,
         quarantine_plan](int64_t run_id) -> core::Result<std::vector<std::unique_ptr<storage::Sink>>> {
          CatalogSinkFactory factory(m.sinks, quarantine_storages, quarantine_plan, quarantine, m.db->migrations(),
                                     m.db->runs(), m.project.root);
          sync::SyncRun run;
          run.id = run_id;
          auto bindings = factory.Bind(run);
          if (!bindings) return Fail(bindings.error());
          std::vector<std::unique_ptr<storage::Sink>> out;
          for (auto& b : *bindings) {
            if (auto st = b.sink->Open(storage::RunContext{run_id, false}); !st) return Fail(st.error());
            out.push_back(std::move(b.sink));
          }
          return out;
        },
        m.clock);
  }

  sync::RunCoordinatorDeps deps;
  deps.store = &m.db->runs();
  deps.clock = &m.clock;
  deps.sinks = &sinks;
  deps.gate = gate.get();
  deps.generator = [&](int64_t as_of_us) {
    slot_clock.Set(core::FromEpochMicros(as_of_us));
    gctx = local.Context(as_of_us != 0 ? static_cast<const core::Clock&>(slot_clock) : m.clock, *tz, &plan, dataset);
    core::Result<std::unique_ptr<generation::ArgumentGenerator>> gen =
        options.arguments ? generation::ArgumentGenerator::FromList(*options.arguments)
                          : generation::ArgumentGenerator::FromSources(arg_sources, *gctx);
    if (gen && options.select) (*gen)->Select(options.select);
    return gen;
  };
  sync::RunRequest request;
  request.run = std::move(forced);
  request.trigger = options.trigger;
  request.new_run_only = options.new_run_only;
  request.slot_us = options.slot_us;
  request.wait_deferred = options.wait_deferred;
  request.refetch = options.refetch;
  request.interrupt = options.interrupt;
  request.on_event = event;
  if (options.events) {
    request.on_progress = [&](const sync::Progress& p) { options.events->Publish(events::RunProgress{plan.name, p}); };
    request.observer = [&]() -> std::unique_ptr<sync::ExecutorObserver> {
      return std::make_unique<events::ExecutorEvents>(*options.events, plan.name);
    };
  }
  request.on_schema_drift = [&](const std::set<std::string>& extra, const std::set<std::string>& missing) {
    std::string seen = "the vendor's responses differ from dataset '" + dataset->name + "'";
    if (!extra.empty()) seen += "; new fields: " + core::Join({extra.begin(), extra.end()}, ", ");
    if (!missing.empty()) seen += "; missing fields: " + core::Join({missing.begin(), missing.end()}, ", ");
    out.schema.push_back(seen);
    event(seen);
    for (const auto& line : DescribeRefresh(RefreshAfterDrift(*this, dataset->name), "after schema drift")) {
      out.schema.push_back(line);
      event(line);
    }
  };
  sync::RunTarget target{&plan, dataset, source, *provider, &quota};
  auto result = sync::RunCoordinator(target, std::move(deps)).Run(std::move(request));
  if (!result) return Fail(result.error());
  out.report = std::move(result->report);
  out.note = std::move(result->note);
  // The set rules judge what is stored once the run succeeded; the stored report gets their results.
  if (out.report && out.report->status == "succeeded" && !options.write_to && HasSetRules(*dataset)) {
    for (auto& r : CheckStoredData(*this, *dataset, plan)) out.report->quality.push_back(std::move(r));
    auto stored = m.db->runs().GetRun(out.report->run_id);
    if (stored && *stored) {
      (*stored)->report_json = sync::RunReportToJson(*out.report);
      if (auto st = m.db->runs().UpdateRun(**stored); !st) {
        core::LogWarn("run " + std::to_string(out.report->run_id) +
                      ": cannot store the quality results: " + st.error().message());
      }
    }
  }
  // Part files are per task (idempotent re-runs); a file storage merges a partition's small ones once it
  // holds compact_at_parts of them, so readers open a few files, not one per task (issue 19).
  if (out.report && out.report->rows > 0 && !options.write_to) {
    for (const auto& line : CompactAfterRun(*this, plan.storages, dataset->name)) event(line);
  }
  return out;
}

}  // namespace datasync::app
