// RunStore: the engine's persistence port for runs and tasks (implemented in metadata/ for each system
// database backend). The task ledger lives here, not in memory, so a plan of a million tasks costs the
// engine only the tasks it is working on.
//
// Task leases: a claimed task is running under a lease, held by the claiming worker ("pid@host") until
// lease_expires_us. The worker renews the leases of its running tasks while it works on them; finishing a
// task (any UpdateTasks or TransitionTasks to another state) clears its lease. A task whose lease lapsed
// (its worker crashed) goes back to pending through RequeueExpired; when a holder counts as gone is the
// engine's rule (run_transitions.hpp, LeaseLapsed), not the store's.
//
// Thread-safety: implementations must be safe to call from several threads at once. Every method that
// takes a batch (AddTasks, UpdateTasks, CommitLedger) applies it in one transaction: all or nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sync/sync_run.hpp"
#include "sync/worker_identity.hpp"

namespace datasync::sync {

struct NewTask {
  int64_t parent_id = 0;
  std::string key;
  datasource::Params params;
};

struct TaskUpdate {
  int64_t task_id = 0;
  TaskState state = TaskState::kPending;
  int64_t attempts = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string error_kind;
  std::string error;
  int64_t not_before_us = 0;
};

// The version of a unit's answer (datasource::Page::version) that a set of storages holds, by task key. A
// scope names the dataset, its schema version and the storages (UnitVersionScope), so that a new storage, or a
// schema that gained a field, starts with no versions and fetches everything.
struct UnitVersion {
  std::string key;
  std::string version;
};
struct UnitVersions {
  std::string scope;  // empty: none recorded
  std::vector<UnitVersion> entries;
};

// Who claims tasks and for how long: the lease runs until now + duration_us unless renewed.
struct TaskLease {
  std::string owner;  // WorkerIdentity::Name()
  int64_t duration_us = 0;
};

// How long a claimed task stays leased without a renewal. The executor renews every third of it.
inline constexpr int64_t kTaskLeaseUs = 30'000'000;

// A worker that holds running tasks of a run, and the latest expiry of its leases there.
struct TaskLeaseHolder {
  std::string owner;
  int64_t lease_expires_us = 0;
  int64_t tasks = 0;
};

struct TaskCounts {
  int64_t pending = 0, running = 0, done = 0, cooling = 0, deferred = 0, failed = 0, skipped = 0, split = 0,
          cancelled = 0;
  int64_t rows = 0;   // sum over done tasks
  int64_t bytes = 0;  // sum over done tasks
  int64_t total() const { return pending + running + done + cooling + deferred + failed + skipped + split + cancelled; }
};

// The task-ledger counts of a run as its run counts (requests and retries are left as they are).
void SetTaskCounts(RunCounts& counts, const TaskCounts& tasks);

struct RunQuery {
  std::string plan;                 // empty: every plan
  std::optional<RunStatus> status;  // nullopt: any
  size_t limit = 50;                // newest first
  size_t offset = 0;
};

struct TaskQuery {
  int64_t run_id = 0;
  std::optional<TaskState> state;
  size_t limit = 100;  // oldest id first
  size_t offset = 0;
  std::string search;  // non-empty: only tasks whose parameters' JSON contains it (case-sensitive)
};

// One bar of a run's timeline: how many times tasks entered `state` (any state but pending; a task
// retried enters running again) within [start_us, start_us + width), to the second.
struct TimelineBucket {
  int64_t start_us = 0;
  TaskState state = TaskState::kPending;
  int64_t tasks = 0;
};

class RunStore {
 public:
  virtual ~RunStore() = default;

  virtual core::Result<int64_t> CreateRun(const SyncRun& run) = 0;  // returns the new id
  virtual core::Status UpdateRun(const SyncRun& run) = 0;
  virtual core::Result<std::optional<SyncRun>> GetRun(int64_t run_id) = 0;
  virtual core::Result<std::vector<SyncRun>> ListRuns(const RunQuery& query) = 0;
  // How many runs ListRuns would page through for `query` (its limit and offset aside).
  virtual core::Result<int64_t> CountRuns(const RunQuery& query) = 0;

  virtual core::Status AddTasks(int64_t run_id, std::span<const NewTask> tasks) = 0;
  // Moves up to `max` tasks that are pending, cooling or deferred with not_before <= now_us to running
  // (attempts unchanged), leased to lease.owner until now_us + lease.duration_us, and returns them, oldest
  // id first. Two callers never receive the same task.
  virtual core::Result<std::vector<SyncTask>> ClaimTasks(int64_t run_id, size_t max, int64_t now_us,
                                                         const TaskLease& lease) = 0;
  // The same, leased to this process for kTaskLeaseUs.
  core::Result<std::vector<SyncTask>> ClaimTasks(int64_t run_id, size_t max, int64_t now_us) {
    return ClaimTasks(run_id, max, now_us, TaskLease{WorkerIdentity::ThisProcess().Name(), kTaskLeaseUs});
  }
  // Extends to now_us + duration_us the leases of the tasks of `run_id` that `owner` holds (running).
  // Returns how many.
  virtual core::Result<int64_t> RenewLeases(const std::string& owner, int64_t run_id, int64_t now_us,
                                            int64_t duration_us) = 0;
  // The workers holding running tasks of the run, by owner.
  virtual core::Result<std::vector<TaskLeaseHolder>> TaskLeaseHolders(int64_t run_id) = 0;
  // Running tasks whose lease expired at now_us (lease_expires_us <= now_us), or held by one of
  // `lapsed_owners` (holders the engine judged gone), go back to pending with no lease. Returns how many.
  virtual core::Result<int64_t> RequeueExpired(int64_t run_id, int64_t now_us,
                                               std::span<const std::string> lapsed_owners) = 0;
  virtual core::Status UpdateTasks(std::span<const TaskUpdate> updates) = 0;
  // AddTasks(run_id, children) and UpdateTasks(updates) in one transaction: the engine's ledger, where a
  // page's successor and the page's own ack must land together. Were they apart, a crash in between would
  // leave the page to run again and add its successor a second time.
  // The versions of the units acked with them (versions.entries, by task key) are recorded in the same
  // transaction, replacing the scope's earlier ones: a version is never recorded for a unit whose ack was lost.
  virtual core::Status CommitLedger(int64_t run_id, std::span<const NewTask> children,
                                    std::span<const TaskUpdate> updates, const UnitVersions& versions) = 0;
  // Every version recorded in `scope`.
  virtual core::Result<std::vector<UnitVersion>> LoadUnitVersions(const std::string& scope) = 0;
  virtual core::Result<TaskCounts> CountTasks(int64_t run_id) = 0;
  // Every task left running goes back to pending, whoever holds it (executions use RequeueExpired).
  // Returns how many.
  virtual core::Result<int64_t> RequeueRunning(int64_t run_id) = 0;
  // Sets every task in one of `from` states to `to` (retry: failed/cancelled -> pending; cancel: the
  // rest -> cancelled). Returns how many changed.
  virtual core::Result<int64_t> TransitionTasks(int64_t run_id, std::span<const TaskState> from, TaskState to) = 0;
  virtual core::Result<std::vector<SyncTask>> ListTasks(const TaskQuery& query) = 0;
  // How many tasks ListTasks would page through for `query` (its limit and offset aside).
  virtual core::Result<int64_t> CountMatchingTasks(const TaskQuery& query) = 0;
  // The run's task transitions (each entry into a state but pending, at its updated_at_us), in buckets of
  // width_us from from_us, per state, oldest bucket first; transitions before from_us count in the first
  // bucket.
  virtual core::Result<std::vector<TimelineBucket>> TaskTimeline(int64_t run_id, int64_t from_us, int64_t width_us) = 0;
  // Earliest not_before among cooling/deferred tasks, if any.
  virtual core::Result<std::optional<int64_t>> NextWakeup(int64_t run_id) = 0;

  // `datasync pause|cancel|resume`: records a control request for the run (kNone clears it).
  virtual core::Status SetControl(int64_t run_id, RunControl control) = 0;
  // The executing process says it is alive (owner "pid@host"; an empty owner releases the run) and reads
  // the pending control request in the same call.
  virtual core::Result<RunControl> Heartbeat(int64_t run_id, const std::string& owner, int64_t now_us) = 0;
  // `datasync retry`: failed and cancelled tasks go back to pending with attempts 0 and no error.
  // Returns how many.
  virtual core::Result<int64_t> ResetForRetry(int64_t run_id) = 0;
};

}  // namespace datasync::sync
