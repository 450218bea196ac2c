#include "app/views/catalog_views.hpp"

#include <nlohmann/json.hpp>

#include "app/specs.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(const Project& p) {
  return {{"project", p.root.string()}, {"config", p.config_file.string()}};
}

json ToJson(const datasource::DataSource& s, std::span<const core::OptionSpec> specs) {
  return json::parse(SourceToDisplayJson(s, specs));
}

json ToJson(const datasource::Dataset& d) {
  json j = json::parse(DatasetToJson(d));
  j["schema_version"] = d.schema_version;
  return j;
}

json ToJson(const storage::Storage& s) {
  return json::parse(StorageToDisplayJson(s));
}

json ToJson(const sync::SyncPlan& p) {
  return json::parse(PlanToJson(p));
}

json ToJson(const std::vector<ConfigIssue>& list) {
  json issues = json::array();
  for (const auto& i : list) {
    issues.push_back({{"file", i.where.file},
                      {"line", i.where.line},
                      {"column", i.where.column},
                      {"severity", i.warning ? "warning" : "error"},
                      {"message", i.message}});
  }
  return issues;
}

json ToJson(const ConfigResult& r) {
  return {{"valid", r.ok()}, {"issues", ToJson(r.issues)}};
}

json ToJson(const ApplyReport& report) {
  json changes = json::array();
  for (const auto& c : report.changes) {
    changes.push_back({{"kind", c.kind}, {"name", c.name}, {"change", c.change}, {"version", c.version}});
  }
  return {{"changed", report.changed()}, {"changes", changes}};
}

}  // namespace datasync::app::views
