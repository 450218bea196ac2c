#include "app/views/dataset_views.hpp"

#include <cmath>
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

namespace {

json CellJson(const core::Value& v) {
  using core::TypeId;
  if (v.is_null()) return nullptr;
  switch (v.type.id) {
    case TypeId::kBool: return std::get<bool>(v.v);
    case TypeId::kInt32: return std::get<int32_t>(v.v);
    case TypeId::kInt64: return std::get<int64_t>(v.v);
    case TypeId::kFloat64: {
      double d = std::get<double>(v.v);
      return std::isfinite(d) ? json(d) : json(nullptr);
    }
    default: return v.ToString();  // strings, dates, timestamps, decimals (exact, as text)
  }
}

}  // namespace

json ToJson(const DatasetPreview& p) {
  json columns = json::array();
  for (size_t i = 0; i < p.rows.columns.size(); ++i) {
    columns.push_back({{"name", p.rows.columns[i]}, {"type", p.rows.types[i].ToString()}});
  }
  json rows = json::array();
  for (const auto& r : p.rows.rows) {
    json row = json::array();
    for (const auto& cell : r) row.push_back(CellJson(cell));
    rows.push_back(std::move(row));
  }
  return {{"dataset", p.dataset},
          {"storage", p.storage},
          {"order_by", p.order_by},
          {"key_field", p.key_field},
          {"key_value", p.key_value},
          {"columns", columns},
          {"rows", rows}};
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
