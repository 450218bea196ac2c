// Datasets and the audit log (docs/web.md).
#include "api/api_routes.hpp"
#include "app/dataset_service.hpp"
#include "app/views/catalog_views.hpp"
#include "app/views/dashboard_views.hpp"
#include "app/views/dataset_views.hpp"

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
           "/api/v1/audit",
           Access::kViewer,
           "The audit log, newest first",
           [&app](ApiCall& call) {
             auto limit = QueryInt(call, "limit", 1, 500, 50);
             auto offset = limit ? QueryInt(call, "offset", 0, int64_t{1} << 40, 0) : std::nullopt;
             if (!offset) return;
             app::Page<metadata::AuditEntry> page;
             auto entries = app.access().Audit(*limit, *offset);
             if (!entries) return SendFailure(call.res, entries.error());
             auto total = app.access().AuditCount();
             if (!total) return SendFailure(call.res, total.error());
             page.items = std::move(*entries);
             page.total = *total;
             page.limit = *limit;
             page.offset = *offset;
             SendJson(call.res, 200, app::views::PageJson(page));
           },
           {"limit", "offset"}});
}

}  // namespace datasync::api
