// Dataset views: the JSON of doc-page imports, refreshes and a dataset with its schema versions, as the
// CLI's `--json` prints them and the REST API will answer them. The DTOs are the dataset service's result
// structs (ImportResult, CatalogImportResult, RefreshResult, DatasetVersion) and the catalog's Dataset.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "app/dataset_preview.hpp"
#include "app/dataset_service.hpp"

namespace datasync::app::views {

// {"change", "version", "dataset", "diff", "notes"} (`datasync dataset import`).
nlohmann::ordered_json ToJson(const ImportResult& result);
// {"datasets": [import results], "skipped", "truncated"} (`datasync dataset import --catalog`).
nlohmann::ordered_json ToJson(const CatalogImportResult& result);
// One dataset's refresh (`datasync dataset refresh`).
nlohmann::ordered_json ToJson(const RefreshResult& result);
// The dataset's spec with its schema_version and every stored version (`datasync dataset show`).
// {"dataset", "storage", "order_by", "key_field", "key_value", "columns": [{"name", "type"}], "rows": [[...]]}:
// numbers as numbers, dates and timestamps as their text, NULL and NaN as null.
nlohmann::ordered_json ToJson(const DatasetPreview& preview);
nlohmann::ordered_json DatasetDetailJson(const datasource::Dataset& dataset,
                                         const std::vector<DatasetVersion>& history);

}  // namespace datasync::app::views
