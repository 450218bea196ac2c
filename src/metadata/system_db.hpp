// SystemDb: datasync's own database (ARCHITECTURE §11): the applied catalog, runs and tasks, the schedule's
// slots, the plans' leases, the schema migrations applied to storages, the API tokens, sessions and audit log, the
// objects made in the app, the alert messages sent, and the versioned migrations of its own schema. Each backend
// implements it in a folder of its own (sqlite/: a WAL file at .datasync/datasync.db by default; later MySQL,
// PostgreSQL) and registers with SystemDbFactory (system_db_factory.hpp), which opens the one a location names.
//
// Lifecycle: the backend's open connects and applies pending schema migrations (refusing a database written
// by a newer datasync). The stores it returns live as long as the SystemDb. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "metadata/access_store.hpp"
#include "metadata/alert_log_store.hpp"
#include "metadata/app_object_store.hpp"
#include "metadata/catalog_store.hpp"
#include "metadata/migration_store.hpp"
#include "sync/plan_lease_store.hpp"
#include "sync/quota_store.hpp"
#include "sync/run_store.hpp"
#include "sync/slot_store.hpp"

namespace datasync::metadata {

class SystemDb {
 public:
  virtual ~SystemDb() = default;
  virtual CatalogStore& catalog() = 0;
  virtual sync::RunStore& runs() = 0;
  virtual sync::QuotaStore& quotas() = 0;
  virtual sync::SlotStore& slots() = 0;
  virtual sync::PlanLeaseStore& plan_leases() = 0;
  virtual MigrationStore& migrations() = 0;
  virtual AccessStore& access() = 0;
  virtual AppObjectStore& app_objects() = 0;  // objects made in the web app or the REST API
  virtual AlertLogStore& alert_log() = 0;     // alert messages sent
  virtual int schema_version() const = 0;
  virtual std::string description() const = 0;  // "sqlite:/path/.datasync/datasync.db" (no secrets)
};

}  // namespace datasync::metadata
