// Catalog views: the JSON of the configuration's objects (sources with secrets masked, datasets with
// their schema version, storages with secret options masked, plans), of `validate` and of `apply`, as the
// CLI's `--json` prints them and the REST API will answer them. The DTOs are the catalog's own structs,
// the config loader's ConfigResult and the app's ApplyReport.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>

#include "app/app.hpp"

namespace datasync::app::views {

// {"project", "config"}: the paths of a project (`datasync init`).
nlohmann::ordered_json ToJson(const Project& project);
// The source with its provider's secret options (`specs`: the provider's option table) masked.
nlohmann::ordered_json ToJson(const datasource::DataSource& source, std::span<const core::OptionSpec> specs);
nlohmann::ordered_json ToJson(const datasource::Dataset& dataset);  // the spec and its schema_version
nlohmann::ordered_json ToJson(const storage::Storage& storage);     // secret options masked
nlohmann::ordered_json ToJson(const sync::SyncPlan& plan);
// [{"file", "line", "column", "severity", "message"}]
nlohmann::ordered_json ToJson(const std::vector<ConfigIssue>& issues);
// {"valid", "issues": [...]} (`datasync validate`).
nlohmann::ordered_json ToJson(const ConfigResult& result);
// {"changed", "changes": [{"kind", "name", "change", "version"}]} (`datasync apply`).
nlohmann::ordered_json ToJson(const ApplyReport& report);

}  // namespace datasync::app::views
