// SqliteRunStore: sync::RunStore over the runs, tasks and run_task_counts tables (sqlite_migrations.cpp).
//
// Contract details beyond run_store.hpp:
// - CreateRun ignores run.id and stamps created_at_us from the clock when it is 0.
// - UpdateRun, AddTasks and UpdateTasks fail with kInvalidInput, changing nothing, when a run or task id
//   does not exist. An empty NewTask::key is filled with sync::TaskKey(params). AddTasks refuses
//   (kInvalidInput) params that are not valid UTF-8: they are stored as JSON text.
// - ClaimTasks stamps updated_at_us with now_us; UpdateTasks, RequeueRunning and TransitionTasks with the
//   clock. A limit of 0 in RunQuery/TaskQuery means no limit.
// - ClaimTasks is one BEGIN IMMEDIATE transaction: the write lock is held from choosing the tasks to
//   marking them running, so no two callers (threads here, or other processes on the same file) ever
//   receive the same task.
//
// Lifecycle: owned by SqliteSystemDb. Thread-safety: every method takes the database lock.
#pragma once

#include "metadata/sqlite/sqlite_database.hpp"
#include "sync/run_store.hpp"

namespace datasync::metadata::sqlite {

class SqliteRunStore final : public sync::RunStore {
 public:
  explicit SqliteRunStore(SqliteDatabase& db) : db_(db) {}

  core::Result<int64_t> CreateRun(const sync::SyncRun& run) override;
  core::Status UpdateRun(const sync::SyncRun& run) override;
  core::Result<std::optional<sync::SyncRun>> GetRun(int64_t run_id) override;
  core::Result<std::vector<sync::SyncRun>> ListRuns(const sync::RunQuery& query) override;
  core::Result<int64_t> CountRuns(const sync::RunQuery& query) override;

  core::Status AddTasks(int64_t run_id, std::span<const sync::NewTask> tasks) override;
  using sync::RunStore::ClaimTasks;
  core::Result<std::vector<sync::SyncTask>> ClaimTasks(int64_t run_id, size_t max, int64_t now_us,
                                                       const sync::TaskLease& lease) override;
  core::Result<int64_t> RenewLeases(const std::string& owner, int64_t run_id, int64_t now_us,
                                    int64_t duration_us) override;
  core::Result<std::vector<sync::TaskLeaseHolder>> TaskLeaseHolders(int64_t run_id) override;
  core::Result<int64_t> RequeueExpired(int64_t run_id, int64_t now_us,
                                       std::span<const std::string> lapsed_owners) override;
  core::Status UpdateTasks(std::span<const sync::TaskUpdate> updates) override;
  core::Status CommitLedger(int64_t run_id, std::span<const sync::NewTask> children,
                            std::span<const sync::TaskUpdate> updates, const sync::UnitVersions& versions) override;
  core::Result<std::vector<sync::UnitVersion>> LoadUnitVersions(const std::string& scope) override;
  core::Result<sync::TaskCounts> CountTasks(int64_t run_id) override;
  core::Result<int64_t> RequeueRunning(int64_t run_id) override;
  core::Result<int64_t> TransitionTasks(int64_t run_id, std::span<const sync::TaskState> from,
                                        sync::TaskState to) override;
  core::Result<std::vector<sync::SyncTask>> ListTasks(const sync::TaskQuery& query) override;
  core::Result<int64_t> CountMatchingTasks(const sync::TaskQuery& query) override;
  core::Result<std::vector<sync::TimelineBucket>> TaskTimeline(int64_t run_id, int64_t from_us,
                                                               int64_t width_us) override;
  core::Result<std::optional<int64_t>> NextWakeup(int64_t run_id) override;
  core::Status SetControl(int64_t run_id, sync::RunControl control) override;
  core::Result<sync::RunControl> Heartbeat(int64_t run_id, const std::string& owner, int64_t now_us) override;
  core::Result<int64_t> ResetForRetry(int64_t run_id) override;

 private:
  core::Status InsertTasks(SqliteConnection& conn, int64_t run_id, std::span<const sync::NewTask> tasks);
  core::Status ApplyTaskUpdates(SqliteConnection& conn, std::span<const sync::TaskUpdate> updates);
  core::Status RecordUnitVersions(SqliteConnection& conn, const sync::UnitVersions& versions);

  SqliteDatabase& db_;
};

}  // namespace datasync::metadata::sqlite
