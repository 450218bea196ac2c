// SqliteSystemDb: the SQLite backend of SystemDb (ARCHITECTURE §11): one file, in WAL mode, holding the
// catalog, runs and tasks. Several SqliteSystemDb objects may open the same file at once, in one process or
// in several (a CLI command while `datasync serve` runs); they coordinate through SQLite's file locks and
// wait up to a busy timeout (10 s) for each other. That waiting is not fair (SQLite's busy handler polls),
// which suits one daemon plus short CLI commands; several workers draining one run belong on a server
// database (ARCHITECTURE §11).
//
// Lifecycle: Open() creates the file if needed, applies pending schema migrations and returns the object;
// catalog() and runs() live as long as it does; destruction closes the file.
// Thread-safety: every method may be called from any thread; see sqlite_database.hpp for how.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "metadata/sqlite/sqlite_access_store.hpp"
#include "metadata/sqlite/sqlite_alert_log_store.hpp"
#include "metadata/sqlite/sqlite_app_object_store.hpp"
#include "metadata/sqlite/sqlite_catalog_store.hpp"
#include "metadata/sqlite/sqlite_database.hpp"
#include "metadata/sqlite/sqlite_migration_store.hpp"
#include "metadata/sqlite/sqlite_plan_lease_store.hpp"
#include "metadata/sqlite/sqlite_quota_store.hpp"
#include "metadata/sqlite/sqlite_run_store.hpp"
#include "metadata/sqlite/sqlite_slot_store.hpp"
#include "metadata/system_db.hpp"

namespace datasync::metadata::sqlite {

class SqliteSystemDb final : public SystemDb {
 public:
  // `path` is a file path (":memory:" for a private in-memory database). Creates missing parent folders.
  static core::Result<std::unique_ptr<SqliteSystemDb>> Open(const std::string& path, const core::Clock& clock);

  CatalogStore& catalog() override { return catalog_; }
  sync::RunStore& runs() override { return runs_; }
  sync::QuotaStore& quotas() override { return quotas_; }
  sync::SlotStore& slots() override { return slots_; }
  sync::PlanLeaseStore& plan_leases() override { return plan_leases_; }
  MigrationStore& migrations() override { return migrations_; }
  AccessStore& access() override { return access_; }
  AppObjectStore& app_objects() override { return app_objects_; }
  AlertLogStore& alert_log() override { return alert_log_; }
  int schema_version() const override { return schema_version_; }
  std::string description() const override { return description_; }

 private:
  SqliteSystemDb(std::unique_ptr<SqliteConnection> connection, const core::Clock& clock, int schema_version,
                 std::string description);

  SqliteDatabase db_;
  SqliteCatalogStore catalog_;
  SqliteRunStore runs_;
  SqliteQuotaStore quotas_;
  SqliteSlotStore slots_;
  SqlitePlanLeaseStore plan_leases_;
  SqliteMigrationStore migrations_;
  SqliteAccessStore access_;
  SqliteAppObjectStore app_objects_;
  SqliteAlertLogStore alert_log_;
  int schema_version_;
  std::string description_;
};

}  // namespace datasync::metadata::sqlite
