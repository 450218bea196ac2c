#include "app/daemon_launcher.hpp"

#include <fmt/format.h>

#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

bool DaemonLauncher::HasCapacity() {
  std::lock_guard lock(mu_);
  return !deps_.stopping->load() && static_cast<int64_t>(jobs_.size()) < deps_.max_parallel_runs();
}

bool DaemonLauncher::Busy(const std::string& plan) {
  std::lock_guard lock(mu_);
  return jobs_.count(plan) > 0;
}

std::vector<sync::LaunchResult> DaemonLauncher::Finished() {
  std::vector<std::unique_ptr<Job>> ended;
  std::vector<sync::LaunchResult> out;
  {
    std::lock_guard lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->second->done.load()) {
        ended.push_back(std::move(it->second));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
    out.swap(finished_);
  }
  for (auto& j : ended) j->thread.join();
  return out;
}

RunOptions DaemonLauncher::WorkerOptions() const {
  RunOptions o;
  o.interrupt = deps_.stopping;
  o.apply_first = false;
  o.wait_deferred = false;  // a deferred run frees its worker; the scheduler relaunches it at the reset
  o.events = deps_.events;
  return o;
}

void DaemonLauncher::StartJob(const std::string& plan, std::function<void()> work) {
  std::lock_guard lock(mu_);
  StartLocked(plan, std::move(work));
}

void DaemonLauncher::StartLocked(const std::string& plan, std::function<void()> work) {
  auto job = std::make_unique<Job>();
  Job* raw = job.get();
  job->thread = std::thread([raw, work = std::move(work)] {
    work();
    raw->done.store(true);
  });
  jobs_[plan] = std::move(job);
}

core::Status DaemonLauncher::TryStartJob(const std::string& plan, std::function<void()> work) {
  std::lock_guard lock(mu_);
  if (deps_.stopping->load()) return core::Fail(core::ErrorKind::kTransient, "the daemon is stopping");
  if (jobs_.count(plan) > 0) {
    return core::Fail(core::ErrorKind::kConflict, "plan " + plan + " has a run executing in this daemon now");
  }
  int64_t max = deps_.max_parallel_runs();
  if (static_cast<int64_t>(jobs_.size()) >= max) {
    return core::Fail(core::ErrorKind::kTransient,
                      fmt::format("serve.max_parallel_runs ({}) runs execute now; try again when one ends", max));
  }
  StartLocked(plan, std::move(work));
  return core::Ok();
}

void DaemonLauncher::Launch(const sync::ScheduleSlot& slot) {
  StartJob(slot.plan, [this, slot] {
    const int64_t launched_us = core::ToEpochMicros(core::ProcessClock().Now());
    auto outcome = deps_.app->RunSlot(slot.plan, slot.slot_us, WorkerOptions());
    sync::LaunchResult r{slot.plan, slot.slot_us, 0, "", false};
    if (!outcome) {
      r.error = core::Redact(outcome.error().message());
      r.retry = outcome.error().kind() == core::ErrorKind::kTransient;
      core::Log(r.retry ? core::LogLevel::kInfo : core::LogLevel::kError,
                fmt::format("plan {}: slot {} UTC: {}", slot.plan, core::FormatTimestamp(slot.slot_us), r.error));
    } else {
      // A run that ended before this launch (a restart found it finished) was counted and alerted then.
      if (outcome->report && outcome->report->finished_at_us >= launched_us) deps_.on_outcome(*outcome, slot.slot_us);
      if (outcome->report) {
        r.run_id = outcome->report->run_id;
      } else {
        r.error = outcome->note;
        r.retry = true;
      }
    }
    std::lock_guard lock(mu_);
    finished_.push_back(std::move(r));
  });
}

size_t DaemonLauncher::Active() {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void DaemonLauncher::DetachAll() {
  std::lock_guard lock(mu_);
  for (auto& [_, job] : jobs_) {
    if (job->thread.joinable()) job->thread.detach();
  }
}

}  // namespace datasync::app
