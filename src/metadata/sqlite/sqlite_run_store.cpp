#include "metadata/sqlite/sqlite_run_store.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "metadata/params_json.hpp"

namespace datasync::metadata::sqlite {

namespace {

using sync::TaskState;

constexpr std::string_view kRunColumns =
    "id, plan, status, triggered_by, created_at_us, started_at_us, finished_at_us, resume_at_us, tasks_total, "
    "tasks_done, tasks_failed, tasks_skipped, tasks_cancelled, rows, bytes, requests, retries, error, report_json, "
    "control, owner, heartbeat_at_us, slot_us";

constexpr std::string_view kTaskColumns =
    "id, run_id, parent_id, key, params_json, state, attempts, rows, bytes, error_kind, error, not_before_us, "
    "updated_at_us, owner, lease_expires_us";

std::string StateName(TaskState s) {
  return std::string(sync::TaskStateName(s));
}

// SQLite's LIMIT takes a signed 64-bit count; -1 means none.
int64_t SqlLimit(size_t limit) {
  if (limit == 0 || limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())) return -1;
  return static_cast<int64_t>(limit);
}

// Binds ?1..?19 to every field of `run` but its id and the control/heartbeat columns, in kRunColumns order.
void BindRunFields(SqliteStatement& stmt, const sync::SyncRun& run, int64_t created_at_us) {
  const auto& c = run.counts;
  stmt.Bind(1, run.plan)
      .Bind(2, sync::RunStatusName(run.status))
      .Bind(3, run.trigger)
      .Bind(4, created_at_us)
      .Bind(5, run.started_at_us)
      .Bind(6, run.finished_at_us)
      .Bind(7, run.resume_at_us)
      .Bind(8, c.tasks_total)
      .Bind(9, c.tasks_done)
      .Bind(10, c.tasks_failed)
      .Bind(11, c.tasks_skipped)
      .Bind(12, c.tasks_cancelled)
      .Bind(13, c.rows)
      .Bind(14, c.bytes)
      .Bind(15, c.requests)
      .Bind(16, c.retries)
      .Bind(17, run.error)
      .Bind(18, run.report_json)
      .Bind(19, run.slot_us);
}

core::Result<sync::SyncRun> ReadRun(const SqliteStatement& stmt) {
  sync::SyncRun run;
  run.id = stmt.Int64(0);
  run.plan = stmt.Text(1);
  std::string status = stmt.Text(2);
  auto parsed = sync::ParseRunStatus(status);
  if (!parsed) {
    return core::Fail(core::ErrorKind::kInternal, "run " + std::to_string(run.id) + " has unknown status '" + status +
                                                      "' (written by a newer datasync?)");
  }
  run.status = *parsed;
  run.trigger = stmt.Text(3);
  run.created_at_us = stmt.Int64(4);
  run.started_at_us = stmt.Int64(5);
  run.finished_at_us = stmt.Int64(6);
  run.resume_at_us = stmt.Int64(7);
  auto& c = run.counts;
  c.tasks_total = stmt.Int64(8);
  c.tasks_done = stmt.Int64(9);
  c.tasks_failed = stmt.Int64(10);
  c.tasks_skipped = stmt.Int64(11);
  c.tasks_cancelled = stmt.Int64(12);
  c.rows = stmt.Int64(13);
  c.bytes = stmt.Int64(14);
  c.requests = stmt.Int64(15);
  c.retries = stmt.Int64(16);
  run.error = stmt.Text(17);
  run.report_json = stmt.Text(18);
  run.control = sync::ParseRunControl(stmt.Text(19)).value_or(sync::RunControl::kNone);
  run.owner = stmt.Text(20);
  run.heartbeat_at_us = stmt.Int64(21);
  run.slot_us = stmt.Int64(22);
  return run;
}

core::Result<sync::SyncTask> ReadTask(const SqliteStatement& stmt) {
  sync::SyncTask task;
  task.id = stmt.Int64(0);
  task.run_id = stmt.Int64(1);
  task.parent_id = stmt.Int64(2);
  task.key = stmt.Text(3);
  auto params = DecodeParamsJson(stmt.Text(4));
  if (!params) return core::Fail(params.error().Context("task " + std::to_string(task.id)));
  task.params = std::move(*params);
  std::string state = stmt.Text(5);
  auto parsed = sync::ParseTaskState(state);
  if (!parsed) {
    return core::Fail(core::ErrorKind::kInternal, "task " + std::to_string(task.id) + " has unknown state '" + state +
                                                      "' (written by a newer datasync?)");
  }
  task.state = *parsed;
  task.attempts = stmt.Int64(6);
  task.rows = stmt.Int64(7);
  task.bytes = stmt.Int64(8);
  task.error_kind = stmt.Text(9);
  task.error = stmt.Text(10);
  task.not_before_us = stmt.Int64(11);
  task.updated_at_us = stmt.Int64(12);
  task.owner = stmt.Text(13);
  task.lease_expires_us = stmt.Int64(14);
  return task;
}

template <class T, class ReadFn>
core::Result<std::vector<T>> ReadAll(SqliteStatement& stmt, ReadFn read) {
  std::vector<T> out;
  while (true) {
    auto row = stmt.Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    auto item = read(stmt);
    if (!item) return core::Fail(item.error());
    out.push_back(std::move(*item));
  }
}

core::Status CheckRunExists(SqliteConnection& conn, int64_t run_id) {
  auto stmt = conn.Prepare("SELECT 1 FROM runs WHERE id = ?1", "find run");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return core::Fail(core::ErrorKind::kInvalidInput, "run " + std::to_string(run_id) + " does not exist");
  return core::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Runs

core::Result<int64_t> SqliteRunStore::CreateRun(const sync::SyncRun& run) {
  if (run.plan.empty()) return core::Fail(core::ErrorKind::kInvalidInput, "a run needs the name of its plan");
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "INSERT INTO runs (plan, status, triggered_by, created_at_us, started_at_us, finished_at_us, resume_at_us, "
      "tasks_total, tasks_done, tasks_failed, tasks_skipped, tasks_cancelled, rows, bytes, requests, retries, error, "
      "report_json, slot_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19)",
      "create run");
  if (!stmt) return core::Fail(stmt.error());
  BindRunFields(*stmt, run, run.created_at_us != 0 ? run.created_at_us : db_.NowMicros());
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.LastInsertRowId();
}

core::Status SqliteRunStore::UpdateRun(const sync::SyncRun& run) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "UPDATE runs SET plan = ?1, status = ?2, triggered_by = ?3, created_at_us = ?4, started_at_us = ?5, "
      "finished_at_us = ?6, resume_at_us = ?7, tasks_total = ?8, tasks_done = ?9, tasks_failed = ?10, "
      "tasks_skipped = ?11, tasks_cancelled = ?12, rows = ?13, bytes = ?14, requests = ?15, retries = ?16, "
      "error = ?17, report_json = ?18, slot_us = ?19 WHERE id = ?20",
      "update run");
  if (!stmt) return core::Fail(stmt.error());
  BindRunFields(*stmt, run, run.created_at_us);
  stmt->Bind(20, run.id);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  if (conn.Changes() == 0) {
    return core::Fail(core::ErrorKind::kInvalidInput, "run " + std::to_string(run.id) + " does not exist");
  }
  return core::Ok();
}

core::Result<std::optional<sync::SyncRun>> SqliteRunStore::GetRun(int64_t run_id) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT " + std::string(kRunColumns) + " FROM runs WHERE id = ?1", "read run");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<sync::SyncRun>();
  auto run = ReadRun(*stmt);
  if (!run) return core::Fail(run.error());
  return std::optional<sync::SyncRun>(std::move(*run));
}

core::Result<std::vector<sync::SyncRun>> SqliteRunStore::ListRuns(const sync::RunQuery& query) {
  // Four shapes of one query, each cached; the conditions are spelled out (not "?1 = '' OR plan = ?1") so
  // that SQLite can use runs_by_plan / runs_by_status.
  std::string sql = "SELECT " + std::string(kRunColumns) + " FROM runs";
  if (!query.plan.empty()) sql += " WHERE plan = ?1";
  if (query.status) sql += query.plan.empty() ? " WHERE status = ?2" : " AND status = ?2";
  sql += " ORDER BY id DESC LIMIT ?3 OFFSET ?4";
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(sql, "list runs");
  if (!stmt) return core::Fail(stmt.error());
  if (!query.plan.empty()) stmt->Bind(1, query.plan);
  if (query.status) stmt->Bind(2, sync::RunStatusName(*query.status));
  stmt->Bind(3, SqlLimit(query.limit)).Bind(4, static_cast<int64_t>(query.offset));
  return ReadAll<sync::SyncRun>(*stmt, ReadRun);
}

core::Result<int64_t> SqliteRunStore::CountRuns(const sync::RunQuery& query) {
  std::string sql = "SELECT count(*) FROM runs";
  if (!query.plan.empty()) sql += " WHERE plan = ?1";
  if (query.status) sql += query.plan.empty() ? " WHERE status = ?2" : " AND status = ?2";
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(sql, "count runs");
  if (!stmt) return core::Fail(stmt.error());
  if (!query.plan.empty()) stmt->Bind(1, query.plan);
  if (query.status) stmt->Bind(2, sync::RunStatusName(*query.status));
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return *row ? stmt->Int64(0) : int64_t{0};
}

// ---------------------------------------------------------------------------------------------------------
// Tasks

// AddTasks' inserts, inside the caller's transaction.
core::Status SqliteRunStore::InsertTasks(SqliteConnection& conn, int64_t run_id, std::span<const sync::NewTask> tasks) {
  if (tasks.empty()) return core::Ok();
  if (auto s = CheckRunExists(conn, run_id); !s) return core::Fail(s.error().Context("add tasks"));
  auto insert = conn.Prepare(
      "INSERT INTO tasks (run_id, parent_id, key, params_json, state, updated_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "add tasks");
  if (!insert) return core::Fail(insert.error());
  static const std::string kPending = StateName(TaskState::kPending);
  const int64_t now = db_.NowMicros();
  for (const auto& task : tasks) {
    auto params_json = EncodeParamsJson(task.params);
    if (!params_json) return core::Fail(params_json.error().Context("add tasks to run " + std::to_string(run_id)));
    insert->Bind(1, run_id)
        .Bind(2, task.parent_id)
        .Bind(3, task.key.empty() ? sync::TaskKey(task.params) : task.key)
        .Bind(4, *params_json)
        .Bind(5, kPending)
        .Bind(6, now);
    if (auto s = insert->Run(); !s) return core::Fail(s.error());
    insert->Reset();
  }
  return core::Ok();
}

core::Status SqliteRunStore::AddTasks(int64_t run_id, std::span<const sync::NewTask> tasks) {
  return CommitLedger(run_id, tasks, {}, {});
}

core::Status SqliteRunStore::CommitLedger(int64_t run_id, std::span<const sync::NewTask> children,
                                          std::span<const sync::TaskUpdate> updates,
                                          const sync::UnitVersions& versions) {
  if (children.empty() && updates.empty() && versions.entries.empty()) return core::Ok();
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  const char* what = updates.empty() ? "add tasks" : "update tasks";
  auto txn = SqliteTransaction::Begin(conn, what);
  if (!txn) return core::Fail(txn.error());
  if (auto s = InsertTasks(conn, run_id, children); !s) return s;
  if (auto s = ApplyTaskUpdates(conn, updates); !s) return s;
  if (auto s = RecordUnitVersions(conn, versions); !s) return s;
  return txn->Commit();
}

// CommitLedger's versions, inside the caller's transaction.
core::Status SqliteRunStore::RecordUnitVersions(SqliteConnection& conn, const sync::UnitVersions& versions) {
  if (versions.entries.empty()) return core::Ok();
  auto stmt = conn.Prepare(
      "INSERT INTO unit_versions (scope, key, version, stored_at_us) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version, stored_at_us = excluded.stored_at_us",
      "record unit versions");
  if (!stmt) return core::Fail(stmt.error());
  const int64_t now = db_.NowMicros();
  for (const auto& v : versions.entries) {
    stmt->Bind(1, versions.scope).Bind(2, v.key).Bind(3, v.version).Bind(4, now);
    if (auto s = stmt->Run(); !s) return core::Fail(s.error());
    stmt->Reset();
  }
  return core::Ok();
}

core::Result<std::vector<sync::UnitVersion>> SqliteRunStore::LoadUnitVersions(const std::string& scope) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("SELECT key, version FROM unit_versions WHERE scope = ?1", "load unit versions");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, scope);
  return ReadAll<sync::UnitVersion>(*stmt, [](SqliteStatement& st) -> core::Result<sync::UnitVersion> {
    return sync::UnitVersion{st.Text(0), st.Text(1)};
  });
}

core::Result<std::vector<sync::SyncTask>> SqliteRunStore::ClaimTasks(int64_t run_id, size_t max, int64_t now_us,
                                                                     const sync::TaskLease& lease) {
  if (max == 0) return std::vector<sync::SyncTask>();
  // Each arm reads at most `max` ids from tasks_by_state in id order (no sort of the whole run); the union
  // of at most 3 * max ids is then cut to the oldest `max`.
  static const std::string kClaimSql =
      "WITH due (id) AS ("
      " SELECT id FROM (SELECT id FROM tasks WHERE run_id = ?1 AND state = ?4 ORDER BY id LIMIT ?2)"
      " UNION ALL"
      " SELECT id FROM (SELECT id FROM tasks WHERE run_id = ?1 AND state = ?5 AND not_before_us <= ?3"
      "                 ORDER BY id LIMIT ?2)"
      " UNION ALL"
      " SELECT id FROM (SELECT id FROM tasks WHERE run_id = ?1 AND state = ?6 AND not_before_us <= ?3"
      "                 ORDER BY id LIMIT ?2)"
      " ORDER BY id LIMIT ?2) "
      "UPDATE tasks SET state = ?7, updated_at_us = ?3, owner = ?8, lease_expires_us = ?9 "
      "WHERE id IN (SELECT id FROM due) RETURNING " +
      std::string(kTaskColumns);
  static const std::string kPending = StateName(TaskState::kPending), kCooling = StateName(TaskState::kCooling),
                           kDeferred = StateName(TaskState::kDeferred), kRunning = StateName(TaskState::kRunning);

  auto lock = db_.Lock();
  auto& conn = db_.connection();
  // An explicit transaction so that the tasks become running only if every row could be read back.
  auto txn = SqliteTransaction::Begin(conn, "claim tasks");
  if (!txn) return core::Fail(txn.error());
  auto stmt = conn.Prepare(kClaimSql, "claim tasks");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id).Bind(2, SqlLimit(max)).Bind(3, now_us);
  stmt->Bind(4, kPending).Bind(5, kCooling).Bind(6, kDeferred).Bind(7, kRunning);
  stmt->Bind(8, lease.owner).Bind(9, now_us + lease.duration_us);
  auto tasks = ReadAll<sync::SyncTask>(*stmt, ReadTask);
  if (!tasks) return core::Fail(tasks.error());
  stmt->Reset();
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  // RETURNING yields rows in an unspecified order.
  std::sort(tasks->begin(), tasks->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return tasks;
}

core::Status SqliteRunStore::UpdateTasks(std::span<const sync::TaskUpdate> updates) {
  return CommitLedger(0, {}, updates, {});
}

// UpdateTasks' updates, inside the caller's transaction.
core::Status SqliteRunStore::ApplyTaskUpdates(SqliteConnection& conn, std::span<const sync::TaskUpdate> updates) {
  if (updates.empty()) return core::Ok();
  static const std::string kRunningName = StateName(TaskState::kRunning);
  const int64_t now = db_.NowMicros();
  auto stmt = conn.Prepare(
      "UPDATE tasks SET state = ?2, attempts = ?3, rows = ?4, bytes = ?5, error_kind = ?6, error = ?7, "
      "not_before_us = ?8, updated_at_us = ?9, owner = iif(?2 = ?10, owner, ''), "
      "lease_expires_us = iif(?2 = ?10, lease_expires_us, 0) WHERE id = ?1",
      "update tasks");
  if (!stmt) return core::Fail(stmt.error());
  for (const auto& u : updates) {
    stmt->Bind(1, u.task_id)
        .Bind(2, sync::TaskStateName(u.state))
        .Bind(3, u.attempts)
        .Bind(4, u.rows)
        .Bind(5, u.bytes)
        .Bind(6, u.error_kind)
        .Bind(7, u.error)
        .Bind(8, u.not_before_us)
        .Bind(9, now)
        .Bind(10, kRunningName);
    if (auto s = stmt->Run(); !s) return core::Fail(s.error());
    if (conn.Changes() == 0) {
      return core::Fail(core::ErrorKind::kInvalidInput, "update tasks: task " + std::to_string(u.task_id) +
                                                            " does not exist; no update of this batch was applied");
    }
    stmt->Reset();
  }
  return core::Ok();
}

core::Result<sync::TaskCounts> SqliteRunStore::CountTasks(int64_t run_id) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT state, tasks, rows, bytes FROM run_task_counts WHERE run_id = ?1",
                                       "count tasks");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id);
  sync::TaskCounts counts;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return counts;
    std::string state = stmt->Text(0);
    auto parsed = sync::ParseTaskState(state);
    if (!parsed) {
      return core::Fail(core::ErrorKind::kInternal, "run " + std::to_string(run_id) + " has tasks in unknown state '" +
                                                        state + "' (written by a newer datasync?)");
    }
    int64_t n = stmt->Int64(1);
    switch (*parsed) {
      case TaskState::kPending: counts.pending = n; break;
      case TaskState::kRunning: counts.running = n; break;
      case TaskState::kDone:
        counts.done = n;
        counts.rows = stmt->Int64(2);
        counts.bytes = stmt->Int64(3);
        break;
      case TaskState::kCooling: counts.cooling = n; break;
      case TaskState::kDeferred: counts.deferred = n; break;
      case TaskState::kFailed: counts.failed = n; break;
      case TaskState::kSkipped: counts.skipped = n; break;
      case TaskState::kSplit: counts.split = n; break;
      case TaskState::kCancelled: counts.cancelled = n; break;
    }
  }
}

core::Result<int64_t> SqliteRunStore::RequeueRunning(int64_t run_id) {
  std::array<TaskState, 1> running = {TaskState::kRunning};
  return TransitionTasks(run_id, running, TaskState::kPending);
}

core::Result<int64_t> SqliteRunStore::RenewLeases(const std::string& owner, int64_t run_id, int64_t now_us,
                                                  int64_t duration_us) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("UPDATE tasks SET lease_expires_us = ?4 WHERE run_id = ?1 AND state = ?2 AND owner = ?3",
                           "renew task leases");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id).Bind(2, StateName(TaskState::kRunning)).Bind(3, owner).Bind(4, now_us + duration_us);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes();
}

core::Result<std::vector<sync::TaskLeaseHolder>> SqliteRunStore::TaskLeaseHolders(int64_t run_id) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT owner, max(lease_expires_us), count(*) FROM tasks WHERE run_id = ?1 AND state = ?2 GROUP BY owner "
      "ORDER BY owner",
      "list task lease holders");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id).Bind(2, StateName(TaskState::kRunning));
  return ReadAll<sync::TaskLeaseHolder>(*stmt, [](const SqliteStatement& row) -> core::Result<sync::TaskLeaseHolder> {
    return sync::TaskLeaseHolder{row.Text(0), row.Int64(1), row.Int64(2)};
  });
}

core::Result<int64_t> SqliteRunStore::RequeueExpired(int64_t run_id, int64_t now_us,
                                                     std::span<const std::string> lapsed_owners) {
  static const std::string kRunning = StateName(TaskState::kRunning), kPending = StateName(TaskState::kPending);
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  int64_t stamp = db_.NowMicros();
  auto txn = SqliteTransaction::Begin(conn, "requeue expired tasks");
  if (!txn) return core::Fail(txn.error());
  int64_t requeued = 0;
  // Expired leases, then those of each lapsed owner: two cached statement shapes, whatever the owners.
  auto expired = conn.Prepare(
      "UPDATE tasks SET state = ?3, owner = '', lease_expires_us = 0, updated_at_us = ?4 WHERE run_id = ?1 AND "
      "state = ?2 AND lease_expires_us <= ?5",
      "requeue expired tasks");
  if (!expired) return core::Fail(expired.error());
  expired->Bind(1, run_id).Bind(2, kRunning).Bind(3, kPending).Bind(4, stamp).Bind(5, now_us);
  if (auto s = expired->Run(); !s) return core::Fail(s.error());
  requeued += conn.Changes();
  if (!lapsed_owners.empty()) {
    auto of_owner = conn.Prepare(
        "UPDATE tasks SET state = ?3, owner = '', lease_expires_us = 0, updated_at_us = ?4 WHERE run_id = ?1 AND "
        "state = ?2 AND owner = ?5",
        "requeue tasks of a lapsed owner");
    if (!of_owner) return core::Fail(of_owner.error());
    for (const auto& owner : lapsed_owners) {
      of_owner->Bind(1, run_id).Bind(2, kRunning).Bind(3, kPending).Bind(4, stamp).Bind(5, owner);
      if (auto s = of_owner->Run(); !s) return core::Fail(s.error());
      requeued += conn.Changes();
      of_owner->Reset();
    }
  }
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return requeued;
}

core::Result<int64_t> SqliteRunStore::TransitionTasks(int64_t run_id, std::span<const TaskState> from, TaskState to) {
  // Tasks already in `to` do not change, so they are not counted.
  std::vector<TaskState> states;
  for (TaskState s : from) {
    if (s != to && std::find(states.begin(), states.end(), s) == states.end()) states.push_back(s);
  }
  if (states.empty()) return int64_t{0};
  std::sort(states.begin(), states.end());
  // A task leaving running gives up its lease (no transition leads to running).
  std::string sql =
      "UPDATE tasks SET state = ?1, updated_at_us = ?2, owner = '', lease_expires_us = 0 WHERE run_id = ?3 AND "
      "state IN (";
  for (size_t i = 0; i < states.size(); ++i) sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 4);
  sql += ")";

  auto lock = db_.Lock();
  auto& conn = db_.connection();
  // At most 2^9 shapes and in practice two or three (retry, cancel, requeue): worth caching.
  auto stmt = conn.Prepare(sql, "transition tasks");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, sync::TaskStateName(to)).Bind(2, db_.NowMicros()).Bind(3, run_id);
  for (size_t i = 0; i < states.size(); ++i) stmt->Bind(static_cast<int>(i + 4), sync::TaskStateName(states[i]));
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes();
}

core::Status SqliteRunStore::SetControl(int64_t run_id, sync::RunControl control) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("UPDATE runs SET control = ?1 WHERE id = ?2", "set run control");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, sync::RunControlName(control)).Bind(2, run_id);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  if (conn.Changes() == 0) {
    return core::Fail(core::ErrorKind::kInvalidInput, "run " + std::to_string(run_id) + " does not exist");
  }
  return core::Ok();
}

core::Result<sync::RunControl> SqliteRunStore::Heartbeat(int64_t run_id, const std::string& owner, int64_t now_us) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt =
      conn.Prepare("UPDATE runs SET owner = ?1, heartbeat_at_us = ?2 WHERE id = ?3 RETURNING control", "run heartbeat");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, owner).Bind(2, now_us).Bind(3, run_id);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return core::Fail(core::ErrorKind::kInvalidInput, "run " + std::to_string(run_id) + " does not exist");
  auto control = sync::ParseRunControl(stmt->Text(0)).value_or(sync::RunControl::kNone);
  // Finish the statement so the write is complete before the lock is released.
  while (true) {
    auto more = stmt->Step();
    if (!more) return core::Fail(more.error());
    if (!*more) break;
  }
  return control;
}

core::Result<int64_t> SqliteRunStore::ResetForRetry(int64_t run_id) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "UPDATE tasks SET state = 'pending', attempts = 0, error_kind = '', error = '', not_before_us = 0, owner = '', "
      "lease_expires_us = 0, updated_at_us = ?1 WHERE run_id = ?2 AND state IN ('failed', 'cancelled')",
      "reset tasks for retry");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, db_.NowMicros()).Bind(2, run_id);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.Changes();
}

core::Result<std::vector<sync::SyncTask>> SqliteRunStore::ListTasks(const sync::TaskQuery& query) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  const int64_t offset = static_cast<int64_t>(query.offset);
  if (!query.search.empty()) {
    // A substring of the parameters: a scan of the run's tasks (its range of tasks_by_state).
    auto stmt =
        conn.Prepare("SELECT " + std::string(kTaskColumns) +
                         " FROM tasks WHERE run_id = ?1 AND (?2 = '' OR state = ?2) AND instr(params_json, ?3) > "
                         "0 ORDER BY id LIMIT ?4 OFFSET ?5",
                     "search tasks");
    if (!stmt) return core::Fail(stmt.error());
    stmt->Bind(1, query.run_id)
        .Bind(2, query.state ? std::string(sync::TaskStateName(*query.state)) : std::string())
        .Bind(3, query.search)
        .Bind(4, SqlLimit(query.limit))
        .Bind(5, offset);
    return ReadAll<sync::SyncTask>(*stmt, ReadTask);
  }
  if (query.state) {
    auto stmt = conn.Prepare("SELECT " + std::string(kTaskColumns) +
                                 " FROM tasks WHERE run_id = ?1 AND state = ?2 ORDER BY id LIMIT ?3 OFFSET ?4",
                             "list tasks");
    if (!stmt) return core::Fail(stmt.error());
    stmt->Bind(1, query.run_id)
        .Bind(2, sync::TaskStateName(*query.state))
        .Bind(3, SqlLimit(query.limit))
        .Bind(4, offset);
    return ReadAll<sync::SyncTask>(*stmt, ReadTask);
  }

  // Every state: tasks_by_state is ordered by id within each state, so read the first offset + limit ids of
  // each state the run has and merge them, instead of sorting the whole run (a million tasks) by id.
  std::vector<std::string> states;
  {
    auto stmt = conn.Prepare("SELECT state FROM run_task_counts WHERE run_id = ?1 AND tasks > 0 ORDER BY state",
                             "list task states");
    if (!stmt) return core::Fail(stmt.error());
    stmt->Bind(1, query.run_id);
    while (true) {
      auto row = stmt->Step();
      if (!row) return core::Fail(row.error());
      if (!*row) break;
      states.push_back(stmt->Text(0));
    }
  }
  if (states.empty()) return std::vector<sync::SyncTask>();
  std::string ids;
  for (size_t i = 0; i < states.size(); ++i) {
    if (i > 0) ids += " UNION ALL ";
    ids += "SELECT id FROM (SELECT id FROM tasks WHERE run_id = ?1 AND state = ?" + std::to_string(i + 4) +
           " ORDER BY id LIMIT ?2 + ?3)";
  }
  std::string sql = "SELECT " + std::string(kTaskColumns) + " FROM tasks WHERE id IN (SELECT id FROM (" + ids +
                    ") ORDER BY id LIMIT ?2 OFFSET ?3) ORDER BY id";
  auto stmt = conn.PrepareOnce(sql, "list tasks");
  if (!stmt) return core::Fail(stmt.error());
  const int64_t limit = query.limit == 0 ? int64_t{1} << 40 : static_cast<int64_t>(query.limit);
  stmt->Bind(1, query.run_id).Bind(2, limit).Bind(3, offset);
  for (size_t i = 0; i < states.size(); ++i) stmt->Bind(static_cast<int>(i + 4), states[i]);
  return ReadAll<sync::SyncTask>(*stmt, ReadTask);
}

core::Result<std::vector<sync::TimelineBucket>> SqliteRunStore::TaskTimeline(int64_t run_id, int64_t from_us,
                                                                             int64_t width_us) {
  if (width_us <= 0) return core::Fail(core::ErrorKind::kInvalidInput, "timeline: bucket width must be positive");
  auto lock = db_.Lock();
  // One pass over the run's range of run_timeline (a few rows per second of the run, not one per task).
  auto stmt = db_.connection().Prepare(
      "SELECT max(second * 1000000 - ?2, 0) / ?3 AS bucket, state, sum(tasks) FROM run_timeline WHERE run_id = ?1 "
      "GROUP BY bucket, state ORDER BY bucket, state",
      "read the run's timeline");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id).Bind(2, from_us).Bind(3, width_us);
  std::vector<sync::TimelineBucket> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    auto state = sync::ParseTaskState(stmt->Text(1));
    if (!state) continue;  // a state a newer datasync wrote
    out.push_back({from_us + stmt->Int64(0) * width_us, *state, stmt->Int64(2)});
  }
}

core::Result<int64_t> SqliteRunStore::CountMatchingTasks(const sync::TaskQuery& query) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  std::string state = query.state ? std::string(sync::TaskStateName(*query.state)) : std::string();
  auto stmt = query.search.empty()
                  ? conn.Prepare(
                        "SELECT coalesce(sum(tasks), 0) FROM run_task_counts WHERE run_id = ?1 AND (?2 = '' OR "
                        "state = ?2)",
                        "count tasks")
                  : conn.Prepare(
                        "SELECT count(*) FROM tasks WHERE run_id = ?1 AND (?2 = '' OR state = ?2) AND "
                        "instr(params_json, ?3) > 0",
                        "count matching tasks");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, query.run_id).Bind(2, state);
  if (!query.search.empty()) stmt->Bind(3, query.search);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return *row ? stmt->Int64(0) : int64_t{0};
}

core::Result<std::optional<int64_t>> SqliteRunStore::NextWakeup(int64_t run_id) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT min(not_before_us) FROM tasks WHERE run_id = ?1 AND state IN (?2, ?3)",
                                       "find next wakeup");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, run_id)
      .Bind(2, sync::TaskStateName(TaskState::kCooling))
      .Bind(3, sync::TaskStateName(TaskState::kDeferred));
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (stmt->IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->Int64(0));
}

}  // namespace datasync::metadata::sqlite
