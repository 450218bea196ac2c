// SyncRun and SyncTask: one execution of a plan, and one request within it, with their state machines
// (ARCHITECTURE §4). Every transition is persisted through the RunStore, so a restarted process continues
// where the last one stopped. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datasource/provider.hpp"

namespace datasync::sync {

enum class RunStatus : uint8_t { kPending, kRunning, kSucceeded, kFailed, kCancelled, kDeferred, kPaused };

// A request from another process (`datasync pause|cancel`) to the process executing a run, which polls it.
enum class RunControl : uint8_t { kNone, kPause, kCancel };
std::string_view RunControlName(RunControl c);  // "", "pause", "cancel"
std::optional<RunControl> ParseRunControl(std::string_view s);
std::string_view RunStatusName(RunStatus s);  // "pending", "running", ...
std::optional<RunStatus> ParseRunStatus(std::string_view s);
bool IsFinal(RunStatus s);  // succeeded, failed, cancelled

//   pending -> running -> done
//   running -> cooling (per-minute limit; not_before set) -> pending
//   running -> deferred (daily limit; not_before = vendor reset) -> pending
//   running -> failed (reason) ; running -> skipped (invalid argument: dropped and reported)
//   running -> split (truncated: replaced by child tasks)
//   any non-final -> cancelled
enum class TaskState : uint8_t { kPending, kRunning, kDone, kCooling, kDeferred, kFailed, kSkipped, kSplit, kCancelled };
std::string_view TaskStateName(TaskState s);
std::optional<TaskState> ParseTaskState(std::string_view s);

struct RunCounts {
  int64_t tasks_total = 0;
  int64_t tasks_done = 0;
  int64_t tasks_failed = 0;
  int64_t tasks_skipped = 0;
  int64_t tasks_cancelled = 0;
  int64_t rows = 0;
  int64_t bytes = 0;      // payload bytes received from the vendor
  int64_t requests = 0;   // vendor calls made
  int64_t retries = 0;

  friend bool operator==(const RunCounts&, const RunCounts&) = default;
};

struct SyncRun {
  int64_t id = 0;
  std::string plan;
  RunStatus status = RunStatus::kPending;
  std::string trigger = "manual";  // manual, schedule, retry, resume
  int64_t slot_us = 0;             // trigger "schedule": the fire time of its slot
  int64_t created_at_us = 0;
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  int64_t resume_at_us = 0;  // kDeferred: when to continue
  RunCounts counts;
  std::string error;        // the reason a run failed or stopped
  std::string report_json;  // the final run report (see run_report.hpp)
  // Set only through RunStore::SetControl / Heartbeat; UpdateRun leaves them alone.
  RunControl control = RunControl::kNone;
  std::string owner;            // "pid@host" of the process executing the run; empty when none
  int64_t heartbeat_at_us = 0;  // when that process last said it was alive
};

struct SyncTask {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t parent_id = 0;     // the task this one was split from; 0 for planned tasks
  std::string key;           // stable id of the params (hash): part-file names, dedup
  datasource::Params params;
  TaskState state = TaskState::kPending;
  int64_t attempts = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string error_kind;  // core::ErrorKindName of the last error
  std::string error;
  int64_t not_before_us = 0;
  int64_t updated_at_us = 0;
  std::string owner;             // running: the worker holding its lease ("pid@host"); empty otherwise
  int64_t lease_expires_us = 0;  // running: until when, unless renewed
};

// Stable key of a parameter set: the same params always produce the same key.
std::string TaskKey(const datasource::Params& params);

}  // namespace datasync::sync
