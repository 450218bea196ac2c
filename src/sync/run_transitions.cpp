#include "sync/run_transitions.hpp"

#include <array>

#include "core/secrets.hpp"

namespace datasync::sync {

namespace {
constexpr std::array<TaskState, 4> kOpenTasks = {TaskState::kPending, TaskState::kCooling, TaskState::kDeferred,
                                                 TaskState::kRunning};
}  // namespace

bool IsExecuted(const SyncRun& run, int64_t now_us) {
  return !run.owner.empty() && now_us - run.heartbeat_at_us < kOwnerAliveWithinUs;
}

bool LeaseLapsed(std::string_view holder, int64_t expires_us, int64_t now_us, const WorkerIdentity& self,
                 const PidAlive& alive) {
  if (expires_us <= now_us) return true;
  auto who = WorkerIdentity::Parse(holder);
  if (!who || who->host != self.host) return false;
  return who->pid == self.pid || !alive(who->pid);
}

core::Result<int64_t> RunTransitions::CancelOpenTasks(int64_t run_id) {
  return store_.TransitionTasks(run_id, kOpenTasks, TaskState::kCancelled);
}

core::Result<int64_t> RunTransitions::RequeueLapsed(int64_t run_id) {
  auto holders = store_.TaskLeaseHolders(run_id);
  if (!holders) return core::Fail(holders.error());
  const int64_t now_us = core::ToEpochMicros(clock_.Now());
  // Expired leases go by time in the store; the rule's other cases name their holders.
  std::vector<std::string> lapsed;
  for (const auto& h : *holders) {
    if (h.lease_expires_us > now_us && judge_.Lapsed(h.owner, h.lease_expires_us, now_us)) lapsed.push_back(h.owner);
  }
  return store_.RequeueExpired(run_id, now_us, lapsed);
}

core::Result<TaskCounts> RunTransitions::Start(SyncRun& run, const std::string& owner, core::TimePoint started) {
  if (auto n = RequeueLapsed(run.id); !n) return core::Fail(n.error());
  auto before = store_.CountTasks(run.id);
  if (!before) return core::Fail(before.error());
  run.counts.tasks_total = before->total() - before->split;
  run.status = RunStatus::kRunning;
  run.error.clear();
  run.resume_at_us = 0;
  if (run.started_at_us == 0) run.started_at_us = core::ToEpochMicros(started);
  if (auto st = store_.UpdateRun(run); !st) return core::Fail(st.error());
  // Executing a run is resuming it: an earlier pause or cancel request has been answered.
  if (auto st = store_.SetControl(run.id, RunControl::kNone); !st) return core::Fail(st.error());
  if (auto hb = store_.Heartbeat(run.id, owner, core::ToEpochMicros(started)); !hb) return core::Fail(hb.error());
  return *before;
}

core::Result<RunReport> RunTransitions::FailBeforeStart(SyncRun& run, const std::string& dataset,
                                                        const std::string& source, const std::string& error) {
  run.status = RunStatus::kFailed;
  run.error = core::Redact(error);
  run.finished_at_us = core::ToEpochMicros(clock_.Now());
  (void)CancelOpenTasks(run.id);
  RunReport r;
  r.run_id = run.id;
  r.plan = run.plan;
  r.dataset = dataset;
  r.source = source;
  r.status = "failed";
  r.trigger = run.trigger;
  r.error = run.error;
  r.tasks_total = run.counts.tasks_total;
  run.report_json = RunReportToJson(r);
  if (auto st = store_.UpdateRun(run); !st) return core::Fail(st.error());
  return r;
}

core::Result<TaskCounts> RunTransitions::SettleTasks(int64_t run_id, RunStatus status, const TaskCounts& counts) {
  if (status != RunStatus::kFailed && status != RunStatus::kCancelled) return counts;
  if (auto n = CancelOpenTasks(run_id); !n) return core::Fail(n.error());
  return store_.CountTasks(run_id);
}

core::Status RunTransitions::Conclude(SyncRun& run, const RunEnd& end, const TaskCounts& counts,
                                      const std::function<std::string(const SyncRun&)>& report) {
  run.status = end.status;
  run.error = end.error;
  run.finished_at_us = core::ToEpochMicros(clock_.Now());
  run.resume_at_us = end.status == RunStatus::kDeferred ? core::ToEpochMicros(end.resume_at) : 0;
  SetTaskCounts(run.counts, counts);
  run.counts.requests += end.requests;
  run.counts.retries += end.retries;
  run.report_json = report(run);
  if (auto st = store_.UpdateRun(run); !st) return st;
  if (auto st = store_.Heartbeat(run.id, "", run.finished_at_us); !st) return core::Fail(st.error());
  return core::Ok();
}

void RunTransitions::Abandon(SyncRun& run, const std::string& owner, const std::string& error) {
  const std::string mine[] = {owner};
  (void)store_.RequeueExpired(run.id, core::ToEpochMicros(clock_.Now()), mine);
  (void)store_.Heartbeat(run.id, "", core::ToEpochMicros(clock_.Now()));
  run.status = RunStatus::kFailed;
  run.error = core::Redact(error);
  run.finished_at_us = core::ToEpochMicros(clock_.Now());
  (void)store_.UpdateRun(run);
}

core::Result<ControlResult> RunTransitions::Pause(SyncRun& run) {
  if (auto st = store_.SetControl(run.id, RunControl::kPause); !st) return core::Fail(st.error());
  if (IsExecuted(run, core::ToEpochMicros(clock_.Now()))) return ControlResult{};
  if (auto n = RequeueLapsed(run.id); !n) return core::Fail(n.error());
  run.status = RunStatus::kPaused;
  if (auto st = store_.UpdateRun(run); !st) return core::Fail(st.error());
  return ControlResult{true, 0};
}

core::Result<ControlResult> RunTransitions::Cancel(SyncRun& run) {
  if (auto st = store_.SetControl(run.id, RunControl::kCancel); !st) return core::Fail(st.error());
  int64_t now = core::ToEpochMicros(clock_.Now());
  if (IsExecuted(run, now)) return ControlResult{};
  auto n = CancelOpenTasks(run.id);
  if (!n) return core::Fail(n.error());
  run.status = RunStatus::kCancelled;
  run.error = "cancelled by `datasync cancel`";
  run.finished_at_us = now;
  if (auto st = store_.UpdateRun(run); !st) return core::Fail(st.error());
  if (auto st = store_.SetControl(run.id, RunControl::kNone); !st) return core::Fail(st.error());
  return ControlResult{true, *n};
}

core::Result<int64_t> RunTransitions::Retry(SyncRun& run) {
  auto n = store_.ResetForRetry(run.id);
  if (!n || *n == 0) return n;
  run.trigger = "retry";
  run.status = RunStatus::kRunning;
  run.resume_at_us = 0;
  return n;
}

bool RunTransitions::WaitsForReset(const SyncRun& run) const {
  return run.status == RunStatus::kDeferred && run.resume_at_us > core::ToEpochMicros(clock_.Now());
}

core::Result<std::vector<SyncRun>> RunTransitions::Orphans(bool interrupted, core::TimePoint now) {
  std::vector<RunStatus> statuses = {RunStatus::kDeferred};
  if (interrupted) statuses.insert(statuses.end(), {RunStatus::kPaused, RunStatus::kRunning, RunStatus::kPending});
  const int64_t now_us = core::ToEpochMicros(now);
  std::vector<SyncRun> out;
  for (auto status : statuses) {
    RunQuery q;
    q.status = status;
    q.limit = 0;
    auto runs = store_.ListRuns(q);
    if (!runs) return core::Fail(runs.error());
    for (auto& r : *runs) {
      if (r.slot_us != 0) continue;  // the scheduler continues the runs of its slots
      if (r.status == RunStatus::kDeferred && r.resume_at_us > now_us) continue;
      if (r.status == RunStatus::kPaused && r.control == RunControl::kPause) continue;
      if (IsExecuted(r, now_us)) continue;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace datasync::sync
