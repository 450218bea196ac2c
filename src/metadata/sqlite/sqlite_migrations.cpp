#include "metadata/sqlite/sqlite_migrations.hpp"

#include <array>
#include <string>

namespace datasync::metadata::sqlite {

namespace {

// Times are microseconds since the epoch (`_us`), like every timestamp in datasync. States and statuses are
// stored by name, not by enum ordinal: the file stays readable with the sqlite3 shell and survives a
// reordering of the C++ enums.
constexpr std::string_view kCatalogSql = R"sql(
CREATE TABLE catalog_objects (
  id            INTEGER PRIMARY KEY,
  kind          TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  spec_json     TEXT    NOT NULL,
  spec_hash     TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  UNIQUE (kind, name)
);
-- Every earlier version of an object (the current one lives in catalog_objects). Rows stay after the object
-- is removed, so a re-created object continues its version numbers instead of reusing them.
CREATE TABLE catalog_history (
  kind          TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  spec_json     TEXT    NOT NULL,
  spec_hash     TEXT    NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (kind, name, version)
);
)sql";

constexpr std::string_view kRunsAndTasksSql = R"sql(
-- AUTOINCREMENT: a run id is never reused, even after the newest run is deleted, because reports and logs
-- refer to runs by id.
CREATE TABLE runs (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  plan            TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  triggered_by    TEXT    NOT NULL,
  created_at_us   INTEGER NOT NULL,
  started_at_us   INTEGER NOT NULL DEFAULT 0,
  finished_at_us  INTEGER NOT NULL DEFAULT 0,
  resume_at_us    INTEGER NOT NULL DEFAULT 0,
  tasks_total     INTEGER NOT NULL DEFAULT 0,
  tasks_done      INTEGER NOT NULL DEFAULT 0,
  tasks_failed    INTEGER NOT NULL DEFAULT 0,
  tasks_skipped   INTEGER NOT NULL DEFAULT 0,
  tasks_cancelled INTEGER NOT NULL DEFAULT 0,
  rows            INTEGER NOT NULL DEFAULT 0,
  bytes           INTEGER NOT NULL DEFAULT 0,
  requests        INTEGER NOT NULL DEFAULT 0,
  retries         INTEGER NOT NULL DEFAULT 0,
  error           TEXT    NOT NULL DEFAULT '',
  report_json     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_plan ON runs (plan, id);
CREATE INDEX runs_by_status ON runs (status, id);

-- parent_id is 0 for planned tasks (as in sync::SyncTask), so it carries no foreign key.
CREATE TABLE tasks (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  parent_id     INTEGER NOT NULL DEFAULT 0,
  key           TEXT    NOT NULL,
  params_json   TEXT    NOT NULL,
  state         TEXT    NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  rows          INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0,
  error_kind    TEXT    NOT NULL DEFAULT '',
  error         TEXT    NOT NULL DEFAULT '',
  not_before_us INTEGER NOT NULL DEFAULT 0,
  updated_at_us INTEGER NOT NULL
);
-- The one index of the task ledger. Within (run, state) it is ordered by id, so ClaimTasks reads the oldest
-- pending tasks with a LIMIT and no sort, and checks the not_before of cooling/deferred tasks inside the
-- index; RequeueRunning, TransitionTasks, ListTasks and NextWakeup are range scans of it too. (Putting
-- not_before_us before id would force a sort of every pending task of the run on each claim.)
CREATE INDEX tasks_by_state ON tasks (run_id, state, id, not_before_us);

-- Per (run, state): how many tasks and the sums of their rows and bytes, kept exact by the triggers below
-- in the same transaction as the change. CountTasks reads at most nine rows instead of scanning a million
-- tasks, so the engine can ask after every batch.
CREATE TABLE run_task_counts (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  state  TEXT    NOT NULL,
  tasks  INTEGER NOT NULL,
  rows   INTEGER NOT NULL,
  bytes  INTEGER NOT NULL,
  PRIMARY KEY (run_id, state)
) WITHOUT ROWID;

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO run_task_counts (run_id, state, tasks, rows, bytes) VALUES (NEW.run_id, NEW.state, 1, NEW.rows, NEW.bytes)
  ON CONFLICT (run_id, state) DO UPDATE
    SET tasks = tasks + 1, rows = rows + excluded.rows, bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER tasks_count_update AFTER UPDATE OF run_id, state, rows, bytes ON tasks
WHEN OLD.run_id IS NOT NEW.run_id OR OLD.state IS NOT NEW.state OR OLD.rows IS NOT NEW.rows
  OR OLD.bytes IS NOT NEW.bytes
BEGIN
  UPDATE run_task_counts SET tasks = tasks - 1, rows = rows - OLD.rows, bytes = bytes - OLD.bytes
    WHERE run_id = OLD.run_id AND state = OLD.state;
  INSERT INTO run_task_counts (run_id, state, tasks, rows, bytes) VALUES (NEW.run_id, NEW.state, 1, NEW.rows, NEW.bytes)
  ON CONFLICT (run_id, state) DO UPDATE
    SET tasks = tasks + 1, rows = rows + excluded.rows, bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
  UPDATE run_task_counts SET tasks = tasks - 1, rows = rows - OLD.rows, bytes = bytes - OLD.bytes
    WHERE run_id = OLD.run_id AND state = OLD.state;
END;
)sql";

// Control requests from other processes (`datasync pause|cancel`), the executing process's heartbeat, and
// the vendor quotas that must survive a restart (the day's count, recent calls, learned limits).
constexpr std::string_view kRunControlAndQuotasSql = R"sql(
ALTER TABLE runs ADD COLUMN control TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN heartbeat_at_us INTEGER NOT NULL DEFAULT 0;
CREATE TABLE quota_state (
  key           TEXT    PRIMARY KEY,
  label         TEXT    NOT NULL,
  state_json    TEXT    NOT NULL,
  updated_at_us INTEGER NOT NULL
);
)sql";

// The scheduler's slots (sync/slot_store.hpp): one row per fire time of a plan's schedule. The primary key
// is the lock that keeps two daemons on one system database from running a slot twice: only one INSERT of
// (plan, slot_us) succeeds. runs.slot_us ties a scheduled run to its slot, so a daemon restarted between
// creating a run and recording it in the slot finds the run instead of making a second one.
constexpr std::string_view kScheduleSlotsSql = R"sql(
CREATE TABLE schedule_slots (
  plan            TEXT    NOT NULL,
  slot_us         INTEGER NOT NULL,
  state           TEXT    NOT NULL,
  run_id          INTEGER NOT NULL DEFAULT 0,
  owner           TEXT    NOT NULL DEFAULT '',
  heartbeat_at_us INTEGER NOT NULL DEFAULT 0,
  note            TEXT    NOT NULL DEFAULT '',
  late_notified   INTEGER NOT NULL DEFAULT 0,
  created_at_us   INTEGER NOT NULL,
  updated_at_us   INTEGER NOT NULL,
  PRIMARY KEY (plan, slot_us)
) WITHOUT ROWID;
-- Open slots are few (a handful per plan at most); the daemon reads them on every tick.
CREATE INDEX schedule_slots_open ON schedule_slots (state, slot_us) WHERE state IN ('pending', 'held', 'started');
ALTER TABLE runs ADD COLUMN slot_us INTEGER NOT NULL DEFAULT 0;
)sql";

// Every schema migration datasync applied to a storage (metadata/migration_store.hpp), one row per step.
constexpr std::string_view kStorageMigrationsSql = R"sql(
CREATE TABLE storage_migrations (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  storage         TEXT    NOT NULL,
  dataset         TEXT    NOT NULL,
  dataset_version INTEGER NOT NULL,
  table_name      TEXT    NOT NULL,
  dialect         TEXT    NOT NULL,
  change          TEXT    NOT NULL,
  description     TEXT    NOT NULL,
  statements      TEXT    NOT NULL,
  destructive     INTEGER NOT NULL,
  applied_by      TEXT    NOT NULL,
  run_id          INTEGER NOT NULL DEFAULT 0,
  applied_at_us   INTEGER NOT NULL
);
CREATE INDEX storage_migrations_by_storage ON storage_migrations (storage, id);
)sql";

// The vendor calls every process sharing this database has made, one row per call, so that processes on one
// credential (`datasync serve` plus a `datasync run`, two runs) draw from one quota: a call is admitted
// and recorded in one write transaction (sync/quota_store.hpp AdmitCall). The recent calls kept in
// quota_state so far seed the ledger; rows older than the vendor's day and the hour window are pruned.
constexpr std::string_view kQuotaCallsSql = R"sql(
CREATE TABLE quota_calls (
  key   TEXT    NOT NULL,
  at_us INTEGER NOT NULL
);
CREATE INDEX quota_calls_by_key ON quota_calls (key, at_us);
INSERT INTO quota_calls (key, at_us)
  SELECT q.key, r.value FROM quota_state q, json_each(q.state_json, '$.recent_us') r
  WHERE json_valid(q.state_json) AND r.type = 'integer';
)sql";

// Leases (sync/run_store.hpp, sync/plan_lease_store.hpp): a running task records the worker that claimed it and
// until when its lease runs, so that a resumed run requeues only the tasks whose worker is gone, not those of
// a worker still executing them. plan_leases is the system database's lock on a plan (it replaced a flock on
// .datasync/locks/<plan>.lock, which only processes of one host could see): one row per plan being run, the
// primary key letting only one process hold it. Tasks running before this migration have no lease (expired).
constexpr std::string_view kTaskLeasesSql = R"sql(
ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN lease_expires_us INTEGER NOT NULL DEFAULT 0;
CREATE TABLE plan_leases (
  plan       TEXT    PRIMARY KEY,
  owner      TEXT    NOT NULL,
  since_us   INTEGER NOT NULL,
  expires_us INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Migration 8: the web app's and REST API's access (metadata/access_store.hpp): tokens and sessions are stored
// by their SHA-256 hash only; the audit log is append-only.
constexpr std::string_view kAccessSql = R"sql(
CREATE TABLE api_tokens (
  name            TEXT    PRIMARY KEY,
  role            TEXT    NOT NULL,
  token_hash      TEXT    NOT NULL UNIQUE,
  origin          TEXT    NOT NULL,
  created_at_us   INTEGER NOT NULL,
  last_used_at_us INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE api_sessions (
  id_hash       TEXT    PRIMARY KEY,
  user          TEXT    NOT NULL,
  role          TEXT    NOT NULL,
  csrf          TEXT    NOT NULL,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL
);
CREATE INDEX api_sessions_by_user ON api_sessions (user);
CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at_us  INTEGER NOT NULL,
  actor  TEXT    NOT NULL,
  role   TEXT    NOT NULL,
  action TEXT    NOT NULL,
  target TEXT    NOT NULL,
  detail TEXT    NOT NULL,
  remote TEXT    NOT NULL
);
)sql";

// Migration 9: the configuration objects made in the web app or the REST API (metadata/app_object_store.hpp),
// the second source of the configuration next to datasync.yaml. `kind` is metadata::ObjectKind's value.
constexpr std::string_view kAppObjectsSql = R"sql(
CREATE TABLE app_objects (
  kind          INTEGER NOT NULL,
  name          TEXT    NOT NULL,
  body_json     TEXT    NOT NULL,
  created_by    TEXT    NOT NULL,
  updated_by    TEXT    NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
)sql";

// Migration 10: the alert messages sent (metadata/alert_log_store.hpp), for the overview's alerts of the day.
constexpr std::string_view kAlertLogSql = R"sql(
CREATE TABLE alert_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_us   INTEGER NOT NULL,
  channel TEXT    NOT NULL,
  outcome TEXT    NOT NULL,
  title   TEXT    NOT NULL,
  events  TEXT    NOT NULL,
  plans   TEXT    NOT NULL,
  alerts  INTEGER NOT NULL,
  error   TEXT    NOT NULL
);
CREATE INDEX alert_log_by_time ON alert_log (at_us);
)sql";

// Migration 11: the run page's timeline (sync/run_store.hpp TaskTimeline): how many tasks entered each state
// but pending in each second of a run, kept by a trigger in the same transaction as the change, so that the
// steps a task went through (started, cooled down, deferred, split) stay visible after it moved on. A
// second holds one row per state entered in it: at most a few rows per second of a run, however many tasks.
// The tasks already stored count once, in their latest state.
constexpr std::string_view kRunTimelineSql = R"sql(
CREATE TABLE run_timeline (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  second INTEGER NOT NULL,
  state  TEXT    NOT NULL,
  tasks  INTEGER NOT NULL,
  PRIMARY KEY (run_id, second, state)
) WITHOUT ROWID;
CREATE TRIGGER tasks_timeline_insert AFTER INSERT ON tasks WHEN NEW.state <> 'pending' BEGIN
  INSERT INTO run_timeline (run_id, second, state, tasks) VALUES (NEW.run_id, NEW.updated_at_us / 1000000, NEW.state, 1)
  ON CONFLICT (run_id, second, state) DO UPDATE SET tasks = tasks + 1;
END;
CREATE TRIGGER tasks_timeline_update AFTER UPDATE OF state ON tasks
WHEN OLD.state IS NOT NEW.state AND NEW.state <> 'pending'
BEGIN
  INSERT INTO run_timeline (run_id, second, state, tasks) VALUES (NEW.run_id, NEW.updated_at_us / 1000000, NEW.state, 1)
  ON CONFLICT (run_id, second, state) DO UPDATE SET tasks = tasks + 1;
END;
INSERT INTO run_timeline (run_id, second, state, tasks)
  SELECT run_id, updated_at_us / 1000000, state, count(*) FROM tasks WHERE state <> 'pending' GROUP BY 1, 2, 3;
)sql";

// Migration 12: the version of each unit's answer that a set of storages holds (sync/run_store.hpp
// UnitVersions: a vendor file's checksum or ETag), recorded with the task's ack, so that a later run asks the
// vendor only whether the file changed. Runs come and go; a scope's versions outlive them.
constexpr std::string_view kUnitVersionsSql = R"sql(
CREATE TABLE unit_versions (
  scope        TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  version      TEXT    NOT NULL,
  stored_at_us INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
)sql";

constexpr std::array<SqliteMigration, 12> kMigrations = {{
    {1, "catalog", kCatalogSql},
    {2, "runs_and_tasks", kRunsAndTasksSql},
    {3, "run_control_and_quotas", kRunControlAndQuotasSql},
    {4, "schedule_slots", kScheduleSlotsSql},
    {5, "storage_migrations", kStorageMigrationsSql},
    {6, "quota_calls", kQuotaCallsSql},
    {7, "task_leases", kTaskLeasesSql},
    {8, "access", kAccessSql},
    {9, "app_objects", kAppObjectsSql},
    {10, "alert_log", kAlertLogSql},
    {11, "run_timeline", kRunTimelineSql},
    {12, "unit_versions", kUnitVersionsSql},
}};

constexpr std::string_view kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  applied_at_us INTEGER NOT NULL
)
)sql";

// A SQLite file that already holds tables but no schema_migrations belongs to something else (a user's
// data store, another program). Creating our tables in it would mix two applications in one file.
core::Status RefuseForeignDatabase(SqliteConnection& connection) {
  auto ours = connection.Prepare(
      "SELECT count(*) FILTER (WHERE name = 'schema_migrations'), count(*) FROM sqlite_master WHERE type = 'table' "
      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      "inspect tables");
  if (!ours) return core::Fail(ours.error());
  auto row = ours->Step();
  if (!row) return core::Fail(row.error());
  int64_t has_migrations = ours->Int64(0);
  int64_t tables = ours->Int64(1);
  if (has_migrations == 0 && tables > 0) {
    return core::Fail(core::ErrorKind::kConfig,
                      connection.description() + ": the file is a SQLite database with " + std::to_string(tables) +
                          " table(s) but no schema_migrations table, so it is not a datasync system database; "
                          "point system_db at another file (datasync will not add its tables to it)");
  }
  return core::Ok();
}

core::Result<int> CurrentVersion(SqliteConnection& connection) {
  auto stmt = connection.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations", "read schema version");
  if (!stmt) return core::Fail(stmt.error());
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return static_cast<int>(stmt->Int64(0));
}

core::Error NewerSchemaError(SqliteConnection& connection, int current) {
  int known = kMigrations.back().version;
  std::string unknown;
  auto stmt = connection.Prepare("SELECT version, name FROM schema_migrations WHERE version > ?1 ORDER BY version",
                                 "read schema versions");
  if (stmt) {
    stmt->Bind(1, static_cast<int64_t>(known));
    while (true) {
      auto row = stmt->Step();
      if (!row || !*row) break;
      if (!unknown.empty()) unknown += ", ";
      unknown += std::to_string(stmt->Int64(0)) + " " + stmt->Text(1);
    }
  }
  return core::Error(core::ErrorKind::kConfig,
                     connection.description() + ": the system database has schema version " + std::to_string(current) +
                         " but this datasync knows versions up to " + std::to_string(known) +
                         " (unknown migrations: " + unknown +
                         "); it was written by a newer datasync. Run that newer datasync (upgrade this one), or "
                         "point system_db at another file; an older datasync never modifies a newer schema");
}

}  // namespace

std::span<const SqliteMigration> SqliteMigrations() {
  return kMigrations;
}

core::Result<int> ApplySqliteMigrations(SqliteConnection& connection, const core::Clock& clock) {
  while (true) {
    auto txn = SqliteTransaction::Begin(connection, "migrate schema");
    if (!txn) return core::Fail(txn.error());
    if (auto s = RefuseForeignDatabase(connection); !s) return core::Fail(s.error());
    if (auto s = connection.Exec(std::string(kCreateMigrationsTable), "create schema_migrations"); !s) {
      return core::Fail(s.error());
    }
    // Read inside the write transaction: another process may have migrated since we last looked.
    auto current = CurrentVersion(connection);
    if (!current) return core::Fail(current.error());
    if (*current > kMigrations.back().version) return core::Fail(NewerSchemaError(connection, *current));

    const SqliteMigration* next = nullptr;
    for (const auto& m : kMigrations) {
      if (m.version > *current) {
        next = &m;
        break;
      }
    }
    if (next == nullptr) {
      if (auto s = txn->Commit(); !s) return core::Fail(s.error());
      return *current;
    }

    std::string what = "apply schema migration " + std::to_string(next->version) + " " + std::string(next->name);
    if (auto s = connection.Exec(std::string(next->sql), what); !s) return core::Fail(s.error());
    auto record = connection.Prepare("INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (?1, ?2, ?3)",
                                     "record migration");
    if (!record) return core::Fail(record.error());
    record->Bind(1, static_cast<int64_t>(next->version)).Bind(2, next->name).Bind(3, core::ToEpochMicros(clock.Now()));
    if (auto s = record->Run(); !s) return core::Fail(s.error());
    if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  }
}

}  // namespace datasync::metadata::sqlite
