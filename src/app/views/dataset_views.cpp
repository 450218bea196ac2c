#include "app/views/dataset_views.hpp"

#include <nlohmann/json.hpp>

#include "app/specs.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(const ImportResult& r) {
  json j = {{"change", r.change}, {"version", r.version}};
  j["dataset"] = json::parse(DatasetToJson(r.dataset));
  j["diff"] = r.diff;
  j["notes"] = r.notes;
  return j;
}

json ToJson(const CatalogImportResult& r) {
  json datasets = json::array();
  for (const auto& x : r.datasets) datasets.push_back(ToJson(x));
  return {{"datasets", datasets}, {"skipped", r.skipped}, {"truncated", r.truncated}};
}

json ToJson(const RefreshResult& r) {
  return {{"dataset", r.dataset},
          {"url", r.url},
          {"origin", r.origin},
          {"stored", r.stored},
          {"version_before", r.version_before},
          {"version_after", r.version_after},
          {"changes", r.changes},
          {"additive", r.diff.additive()},
          {"migration", r.migration},
          {"notes", r.notes},
          {"error", r.error}};
}

json DatasetDetailJson(const datasource::Dataset& d, const std::vector<DatasetVersion>& history) {
  json j = json::parse(DatasetToJson(d));
  j["schema_version"] = d.schema_version;
  json versions = json::array();
  for (const auto& v : history) {
    versions.push_back(
        {{"version", v.version}, {"updated_at_us", v.updated_at_us}, {"origin", v.origin}, {"changes", v.changes}});
  }
  j["versions"] = versions;
  return j;
}

}  // namespace datasync::app::views
