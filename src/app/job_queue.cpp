#include "app/job_queue.hpp"

#include <algorithm>
#include <exception>

#include "app/events/event_bus.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

std::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
  }
  return "queued";
}

JobQueue::JobQueue(const core::Clock& clock, events::EventBus* bus, size_t max_queued, size_t keep)
    : clock_(clock), bus_(bus), max_queued_(std::max<size_t>(max_queued, 1)), keep_(std::max<size_t>(keep, 1)) {
  worker_ = std::thread([this] { Loop(); });
}

JobQueue::~JobQueue() {
  Stop();
}

void JobQueue::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

core::Result<int64_t> JobQueue::Submit(std::string kind, std::string subject, std::string actor, Work work) {
  std::lock_guard lock(mu_);
  if (stopping_) return core::Fail(core::ErrorKind::kTransient, "the server is stopping; try again once it is back");
  if (queued_.size() >= max_queued_) {
    return core::Fail(core::ErrorKind::kTransient,
                      std::to_string(queued_.size()) + " jobs are waiting already; try again when they are done");
  }
  Entry e;
  e.job.id = next_id_++;
  e.job.kind = std::move(kind);
  e.job.subject = std::move(subject);
  e.job.actor = std::move(actor);
  e.job.queued_at_us = core::ToEpochMicros(clock_.Now());
  e.work = std::move(work);
  int64_t id = e.job.id;
  queued_.push_back(std::move(e));
  wake_.notify_one();
  return id;
}

Job* JobQueue::FindLocked(int64_t id) {
  if (running_ && running_->id == id) return &*running_;
  for (auto& e : queued_) {
    if (e.job.id == id) return &e.job;
  }
  for (auto& j : finished_) {
    if (j.id == id) return &j;
  }
  return nullptr;
}

std::optional<Job> JobQueue::Get(int64_t id) const {
  std::lock_guard lock(mu_);
  if (Job* j = const_cast<JobQueue*>(this)->FindLocked(id)) return *j;
  return std::nullopt;
}

std::vector<Job> JobQueue::List() const {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (auto it = queued_.rbegin(); it != queued_.rend(); ++it) out.push_back(it->job);
  if (running_) out.push_back(*running_);
  for (auto it = finished_.rbegin(); it != finished_.rend(); ++it) out.push_back(*it);
  return out;
}

void JobQueue::Finish(Entry& entry, JobState state, std::string summary, std::string error, std::string result_json) {
  Job& job = entry.job;
  job.state = state;
  job.finished_at_us = core::ToEpochMicros(clock_.Now());
  job.summary = std::move(summary);
  job.error = core::Redact(error);
  job.result_json = std::move(result_json);
  events::JobEnded ended{job.id, job.kind, job.subject, std::string(JobStateName(state)),
                         job.error.empty() ? job.summary : job.error};
  {
    std::lock_guard lock(mu_);
    running_.reset();
    finished_.push_back(job);
    while (finished_.size() > keep_) finished_.pop_front();
  }
  if (bus_) bus_->Publish(ended);
}

void JobQueue::Loop() {
  while (true) {
    Entry entry;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (stopping_) break;
      entry = std::move(queued_.front());
      queued_.pop_front();
      entry.job.state = JobState::kRunning;
      entry.job.started_at_us = core::ToEpochMicros(clock_.Now());
      running_ = entry.job;
    }
    core::Result<JobResult> result = core::Fail(core::ErrorKind::kInternal, "the job did not run");
    try {
      result = entry.work();
    } catch (const std::exception& e) {
      result = core::Fail(core::ErrorKind::kInternal, std::string("the job failed unexpectedly: ") + e.what());
    }
    if (result) {
      Finish(entry, JobState::kSucceeded, std::move(result->summary), "", std::move(result->result_json));
    } else {
      core::LogWarn("job " + std::to_string(entry.job.id) + " (" + entry.job.kind + ", " + entry.job.subject +
                    ") failed: " + core::Redact(result.error().message()));
      Finish(entry, JobState::kFailed, "", result.error().message(), "null");
    }
  }
  // Stopped: what still waits will not run.
  std::deque<Entry> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queued_);
  }
  for (auto& e : left) Finish(e, JobState::kFailed, "", "the server stopped before the job ran; ask again", "null");
}

}  // namespace datasync::app
