// Datasets and the audit log (docs/web.md).
#include "api/api_routes.hpp"
#include "app/coverage.hpp"
#include "app/dataset_preview.hpp"
#include "app/dataset_service.hpp"
#include "app/views/catalog_views.hpp"
#include "app/views/coverage_views.hpp"
#include "app/views/dashboard_views.hpp"
#include "app/views/dataset_views.hpp"
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
               return SendJson(call.res, 200, app::views::DatasetDetailJson(d, *history));
             }
             SendError(call.res, 404, "no dataset '" + name.substr(0, 256) + "'");
           }});
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
}

}  // namespace datasync::api
