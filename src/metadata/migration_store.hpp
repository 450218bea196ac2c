// MigrationStore: every schema migration datasync applied to a storage (ARCHITECTURE §7), in the system
// database: the automatic, additive ones a run applies when it binds a storage, and the ones
// `datasync migrate` applies on request (destructive ones included). One record per step, with the
// statements exactly as they ran, so an operator can tell what changed a table and when.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::metadata {

struct AppliedMigration {
  int64_t id = 0;  // assigned by Record
  std::string storage;
  std::string dataset;
  int64_t dataset_version = 0;  // the dataset's schema version the step migrated to
  std::string table;            // as the store names it
  std::string dialect;          // "postgres", "mysql", "clickhouse"
  std::string change;           // storage::ChangeKindName: "add_column", "drop_column", ...
  std::string description;      // one line for people
  std::string statements;       // the statements as they ran, each ending with ';'
  bool destructive = false;
  std::string applied_by;     // "run" (automatic) or "migrate"
  int64_t run_id = 0;         // the run that applied it; 0 for `datasync migrate`
  int64_t applied_at_us = 0;  // set by Record from the clock
};

class MigrationStore {
 public:
  virtual ~MigrationStore() = default;
  // Stores the steps in one transaction, in order.
  virtual core::Status Record(const std::vector<AppliedMigration>& steps) = 0;
  // Newest first; `storage` empty = every storage; limit <= 0 = all.
  virtual core::Result<std::vector<AppliedMigration>> List(std::string_view storage, int64_t limit) = 0;
};

}  // namespace datasync::metadata
