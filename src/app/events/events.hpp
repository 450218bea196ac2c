// The events of the in-process event bus (EventBus): one typed value per thing that happened, each
// naming its plan. Three channels that were separate before meet here: the executor's observations
// (requests, errors, finished tasks, queue depths), a run's progress and messages, and the scheduler's
// events; plus the end of a run.
//
// Values: copyable, no pointers into the engine, so a slow subscriber may keep them after the publisher
// moved on. Thread-safety: plain data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "sync/executor.hpp"
#include "sync/run_report.hpp"
#include "sync/scheduler.hpp"

namespace datasync::app::events {

// One vendor call (fetch and decode) ended; `error` is its class when it failed.
struct RequestEnded {
  std::string plan;
  double latency_secs = 0;
  std::optional<core::ErrorKind> error;
};

// The engine handled an error of this class (a fetch, a decode or a storage write), whatever it decided.
struct ErrorHandled {
  std::string plan;
  core::ErrorKind kind = core::ErrorKind::kInternal;
};

// A task is done: its rows are durable in every storage.
struct TaskDone {
  std::string plan;
  int64_t rows = 0;
  int64_t bytes = 0;
};

// Tasks waiting for a fetch worker, batches waiting for sink writers, tasks in flight, and the vendor calls
// allowed in flight now (the adaptive limit, or the fixed concurrency); all zero when the run's execution
// ended.
struct QueueDepths {
  std::string plan;
  size_t fetch_queue = 0;
  size_t sink_queues = 0;
  int64_t in_flight = 0;
  int64_t call_limit = 0;
};

// The executor's periodic progress of a run.
struct RunProgress {
  std::string plan;
  sync::Progress progress;
};

// A line about a run for its operator: "resuming run 7", "applied 2 configuration change(s)". `plan` is
// empty for lines about the whole command.
struct RunMessage {
  std::string plan;
  std::string message;
};

// A run's execution ended (finished, deferred or paused) with this report; `slot_us` is its schedule slot
// (0 when not scheduled).
struct RunEnded {
  sync::RunReport report;
  int64_t slot_us = 0;
};

// The scheduler reported something about a plan or itself.
struct SchedulerNotice {
  sync::SchedulerEvent event;
};

// A run another process executes left the unfinished runs (app/remote_run_watch.hpp): its status and
// counts as stored. Streamed as run_ended; metrics and alerts leave it to the process that ran it.
struct RemoteRunEnded {
  std::string plan;
  int64_t run_id = 0;
  std::string status;
  sync::RunCounts counts;
};

// An alert message went out on a channel, or was given up on (the web app's overview lists the day's).
struct AlertSent {
  std::string channel;
  std::string title;
  bool delivered = true;
};

// A job the web app queued (app/job_queue.hpp) ended: `state` is succeeded or failed.
struct JobEnded {
  int64_t id = 0;
  std::string kind;
  std::string subject;
  std::string state;
  std::string summary;
};

// A scheduled `datasync verify` of a plan ended (app/verify_job.hpp): what the vendor revised, added and
// dropped among the re-fetched tasks, or why it could not look (`error`).
struct VerifyEnded {
  std::string plan;
  int64_t run_id = 0;
  int64_t chosen = 0, checked = 0, unchanged = 0;
  int64_t revised = 0, added = 0, vanished = 0;  // rows
  std::map<std::string, int64_t> revised_by_field;
  std::vector<std::string> examples;  // a few differences, for people
  std::string error;
};

using Event = std::variant<RequestEnded, ErrorHandled, TaskDone, QueueDepths, RunProgress, RunMessage, RunEnded,
                           SchedulerNotice, AlertSent, RemoteRunEnded, JobEnded, VerifyEnded>;

// "request_ended", "task_done", ... (the SSE event name).
std::string_view EventName(const Event& event);

}  // namespace datasync::app::events
