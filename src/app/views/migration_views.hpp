// Migration views: the JSON of storage migrations (planned or applied) and of the recorded migration
// history, as the CLI's `--json` prints them and the REST API will answer them. The DTOs are the
// migration service's StorageMigration and the system database's AppliedMigration.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (no shared state).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/migrations.hpp"

namespace datasync::app::views {

// One (storage, dataset) migration with its steps (`datasync migrate`); dry_run as the request asked.
nlohmann::ordered_json ToJson(const StorageMigration& migration, bool dry_run);
// One recorded migration step (`datasync migrations`).
nlohmann::ordered_json ToJson(const metadata::AppliedMigration& applied);

}  // namespace datasync::app::views
