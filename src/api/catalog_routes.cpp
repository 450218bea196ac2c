// Datasets, their storage jobs (migrations), and the audit log (docs/web.md).
#include "api/api_routes.hpp"
#include "app/coverage.hpp"
#include "app/dataset_preview.hpp"
#include "app/dataset_service.hpp"
#include "app/migrations.hpp"
#include "app/views/catalog_views.hpp"
#include "app/views/coverage_views.hpp"
#include "app/views/dashboard_views.hpp"
#include "app/views/dataset_views.hpp"
#include "app/views/job_views.hpp"
#include "app/views/migration_views.hpp"
#include "core/dates.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;

void AddCatalogRoutes(Api& api) {
  app::App& app = api.app();
  api.Add({"GET", "/api/v1/datasets", Access::kViewer, "The datasets with their fields", [&app](ApiCall& call) {
             auto datasets = app.Datasets();
             if (!datasets) return SendFailure(call.res, datasets.error());
             ordered_json items = ordered_json::array();
             for (const auto& d : *datasets) items.push_back(app::views::ToJson(d));
             SendJson(call.res, 200, ordered_json{{"items", items}});
           }});
  api.Add({"GET", "/api/v1/datasets/{name}", Access::kViewer, "One dataset with its schema versions",
           [&app](ApiCall& call) {
             std::string name = PathName(call);
             auto datasets = app.Datasets();
             if (!datasets) return SendFailure(call.res, datasets.error());
             for (const auto& d : *datasets) {
               if (d.name != name) continue;
               auto history = app::DatasetHistory(app, name);
               if (!history) return SendFailure(call.res, history.error());
               ordered_json j = app::views::DatasetDetailJson(d, *history);
               // Where plans write it, and the migrations recorded for it (the system database only: no
               // storage is asked; POST .../migrations plans and applies pending ones on request).
               auto plans = app.Plans();
               if (!plans) return SendFailure(call.res, plans.error());
               auto storages = app.Storages();
               if (!storages) return SendFailure(call.res, storages.error());
               ordered_json where = ordered_json::array();
               std::set<std::string> seen;
               for (const auto& p : *plans) {
                 if (p.dataset != name) continue;
                 for (const auto& s : p.storages) {
                   if (!seen.insert(s).second) continue;
                   std::string kind;
                   for (const auto& st : *storages) {
                     if (st.name == s) kind = st.kind;
                   }
                   where.push_back({{"name", s}, {"kind", kind}, {"plan", p.name}});
                 }
               }
               j["storages"] = where;
               auto applied = app::MigrationHistory(app, "", 1000);
               if (!applied) return SendFailure(call.res, applied.error());
               ordered_json migrations = ordered_json::array();
               for (const auto& m : *applied) {
                 if (m.dataset == name && migrations.size() < 100) migrations.push_back(app::views::ToJson(m));
               }
               j["migrations"] = migrations;
               return SendJson(call.res, 200, j);
             }
             SendError(call.res, 404, "no dataset '" + name.substr(0, 256) + "'");
           }});
  api.Add(
      {"POST",
       "/api/v1/datasets/{name}/migrations",
       Access::kOperator,
       "Queue a job that plans (apply false) or applies the pending schema migrations of the dataset's table in "
       "a storage; 202 with the job (GET /api/v1/jobs/{id})",
       [&app, &daemon = api.daemon()](ApiCall& call) {
         auto body = JsonBody(call, {"storage", "apply"});
         if (!body) return;
         app::MigrateOptions o;
         o.dataset = PathName(call);
         if (body->contains("storage")) {
           if (!(*body)["storage"].is_string()) return SendError(call.res, 400, "storage: expected a name");
           o.storage = (*body)["storage"].get<std::string>();
         }
         if (body->contains("apply") && !(*body)["apply"].is_boolean()) {
           return SendError(call.res, 400, "apply: expected true or false");
         }
         bool apply = body->value("apply", false);
         o.dry_run = !apply;
         auto datasets = app.Datasets();
         if (!datasets) return SendFailure(call.res, datasets.error());
         if (std::none_of(datasets->begin(), datasets->end(), [&](const auto& d) { return d.name == o.dataset; })) {
           return SendError(call.res, 404, "no dataset '" + o.dataset.substr(0, 256) + "'");
         }
         if (!o.storage.empty()) {
           auto storages = app.Storages();
           if (!storages) return SendFailure(call.res, storages.error());
           if (std::none_of(storages->begin(), storages->end(), [&](const auto& s) { return s.name == o.storage; })) {
             return SendError(call.res, 404, "no storage '" + o.storage.substr(0, 256) + "'");
           }
         }
         // The storage is asked on the job queue's thread: a server that is slow or gone holds the job,
         // never this request (and two migrations never run at once).
         std::string subject = "dataset " + o.dataset + (o.storage.empty() ? "" : " in " + o.storage);
         app::Actor actor = call.actor();
         auto id = daemon.jobs().Submit(
             apply ? "migration.apply" : "migration.check", subject, actor.name,
             [&app, o, apply, subject, actor]() -> core::Result<app::JobResult> {
               auto result = app::MigrateStorages(app, o);
               if (!result) return core::Fail(result.error());
               ordered_json items = ordered_json::array();
               size_t applied = 0, open = 0;
               std::string failed;
               for (const auto& m : *result) {
                 items.push_back(app::views::ToJson(m, o.dry_run));
                 applied += m.applied_steps;
                 open += m.plan.steps.size() - std::min(m.applied_steps, m.plan.steps.size());
                 if (!m.error.empty() && failed.empty()) failed = m.storage + ": " + m.error;
               }
               std::string summary =
                   apply ? std::to_string(applied) + " step(s) applied" : std::to_string(open) + " step(s) pending";
               if (!failed.empty()) summary += "; " + failed;
               if (apply) {
                 if (auto st = app.access().Record(actor, "migration.apply", subject, summary); !st) {
                   return core::Fail(st.error());
                 }
               }
               return app::JobResult{summary, ordered_json{{"dry_run", o.dry_run}, {"items", items}}.dump()};
             });
         if (!id) return SendFailure(call.res, id.error());
         auto job = daemon.jobs().Get(*id);
         call.res.set_header("Location", "/api/v1/jobs/" + std::to_string(*id));
         SendJson(call.res, 202, job ? app::views::ToJson(*job) : ordered_json{{"id", *id}});
       },
       {},
       true});
  api.Add({"GET",
           "/api/v1/datasets/{name}/coverage",
           Access::kViewer,
           "Which trading days a storage holds for the dataset, with a mark per day for the heat strip",
           [&app](ApiCall& call) {
             auto storage = QueryText(call, "storage", 256);
             auto from = storage ? QueryText(call, "from", 10) : std::nullopt;
             auto to = from ? QueryText(call, "to", 10) : std::nullopt;
             if (!to) return;
             app::CoverageOptions o;
             o.dataset = PathName(call);
             o.storage = *storage;
             for (auto [text, out, name] : {std::tuple{&*from, &o.from, "from"}, std::tuple{&*to, &o.to, "to"}}) {
               if (text->empty()) continue;
               auto d = core::ParseDate(*text);
               if (!d) return SendError(call.res, 400, std::string(name) + ": expected a day, YYYY-MM-DD or YYYYMMDD");
               *out = *d;
             }
             if (o.from && o.to && *o.to < *o.from) return SendError(call.res, 400, "to is before from");
             // The marks are one character a day: a window of at most 40 years keeps the answer small.
             if (o.from && o.to && *o.to - *o.from > 40 * 366) {
               return SendError(call.res, 400, "from .. to spans more than 40 years");
             }
             auto report = app::DateCoverage(app, o);
             if (!report) return SendFailure(call.res, report.error());
             SendJson(call.res, 200, app::views::ToJson(*report, true));
           },
           {"storage", "from", "to"}});
  api.Add({"GET",
           "/api/v1/datasets/{name}/rows",
           Access::kViewer,
           "The newest rows a storage holds, optionally of one key value (the data preview and chart)",
           [&app](ApiCall& call) {
             auto storage = QueryText(call, "storage", 256);
             auto key = storage ? QueryText(call, "key", 256) : std::nullopt;
             auto limit =
                 key ? QueryInt(call, "limit", 1, static_cast<int64_t>(app::kMaxPreviewRows), 100) : std::nullopt;
             if (!limit) return;
             app::PreviewOptions o;
             o.dataset = PathName(call);
             o.storage = *storage;
             o.key_value = *key;
             o.limit = static_cast<size_t>(*limit);
             auto preview = app::PreviewRows(app, o);
             if (!preview) return SendFailure(call.res, preview.error());
             SendJson(call.res, 200, app::views::ToJson(*preview));
           },
           {"storage", "key", "limit"}});
  api.Add({"GET",
           "/api/v1/audit",
           Access::kViewer,
           "The audit log, newest first",
           [&app](ApiCall& call) {
             auto page_at = QueryPage(call, 500, 50);
             if (!page_at) return;
             auto [limit, offset] = *page_at;
             app::Page<metadata::AuditEntry> page;
             auto entries = app.access().Audit(static_cast<int64_t>(limit), static_cast<int64_t>(offset));
             if (!entries) return SendFailure(call.res, entries.error());
             auto total = app.access().AuditCount();
             if (!total) return SendFailure(call.res, total.error());
             page.items = std::move(*entries);
             page.total = *total;
             page.limit = static_cast<int64_t>(limit);
             page.offset = static_cast<int64_t>(offset);
             SendJson(call.res, 200, app::views::PageJson(page));
           },
           {"limit", "offset"}});
  api.Add({"GET",
           "/api/v1/alerts",
           Access::kViewer,
           "Alert messages sent (or given up on) since ?since_us=, newest first",
           [&app](ApiCall& call) {
             auto since = QueryInt(call, "since_us", 0, int64_t{1} << 62, 0);
             auto limit = since ? QueryInt(call, "limit", 1, 500, 50) : std::nullopt;
             if (!limit) return;
             auto& log = app.db().alert_log();
             auto entries = log.List(*since, *limit);
             if (!entries) return SendFailure(call.res, entries.error());
             auto total = log.Count(*since);
             if (!total) return SendFailure(call.res, total.error());
             app::Page<metadata::SentAlert> page;
             page.items = std::move(*entries);
             page.total = *total;
             page.limit = *limit;
             page.offset = 0;
             SendJson(call.res, 200, app::views::PageJson(page));
           },
           {"since_us", "limit"}});
  api.Add({"GET", "/api/v1/jobs", Access::kViewer, "The jobs this server queued and remembers, newest first",
           [&daemon = api.daemon()](ApiCall& call) {
             ordered_json items = ordered_json::array();
             for (const auto& j : daemon.jobs().List()) items.push_back(app::views::ToJson(j));
             SendJson(call.res, 200, ordered_json{{"items", items}});
           }});
  api.Add({"GET", "/api/v1/jobs/{id}", Access::kViewer, "One job, with its answer once it ended",
           [&daemon = api.daemon()](ApiCall& call) {
             auto job = daemon.jobs().Get(PathId(call));
             if (!job)
               return SendError(call.res, 404,
                                "no job " + std::to_string(PathId(call)) + " (jobs are kept until the server stops)");
             SendJson(call.res, 200, app::views::ToJson(*job));
           }});
}

}  // namespace datasync::api
