// Canonical JSON specs of the configuration objects, as stored in the system database's catalog and
// shown by `--json` listings. ToJson is deterministic (stable key order), so equal objects have equal
// text and the catalog's content hash detects real changes only. Secrets are stored as references: ${ENV}
// as written, and ${local:NAME} for a secret written literally (apply moved it to the project's secrets
// file, app/local_secrets.hpp); DisplayJson variants mask anything else that could be one. A dataset's schema_version
// is not part of its spec: it is the catalog version of the stored object.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"
#include "generation/argument_spec.hpp"
#include "storage/storage.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

std::string SourceToJson(const datasource::DataSource& s);
std::string DatasetToJson(const datasource::Dataset& d);
std::string StorageToJson(const storage::Storage& s);
std::string PlanToJson(const sync::SyncPlan& p);

core::Result<datasource::DataSource> SourceFromJson(std::string_view json);
core::Result<datasource::Dataset> DatasetFromJson(std::string_view json);
core::Result<storage::Storage> StorageFromJson(std::string_view json);
core::Result<sync::SyncPlan> PlanFromJson(std::string_view json);

std::string TemplateToJson(const generation::Template& t);
core::Result<generation::Template> TemplateFromJson(std::string_view json);

// True for the stored spec of a dataset imported from a doc page (origin import): `apply` keeps those.
bool IsImportedDatasetSpec(std::string_view spec_json);

// The source spec with its provider's secret options (`specs`, its option table) masked: a literal as
// "***", a ${ENV} reference as is. The secret options (its credentials) are also shown at the top level,
// where listings have always shown the token.
std::string SourceToDisplayJson(const datasource::DataSource& s, std::span<const core::OptionSpec> specs);
// Storage options of type secret are masked the same way.
std::string StorageToDisplayJson(const storage::Storage& s);

}  // namespace datasync::app
