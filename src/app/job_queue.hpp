// JobQueue: work that a web request asks for but that must not hold the request (docs/web.md "Jobs"):
// anything that talks to a storage, such as checking or applying a dataset's schema migration in
// PostgreSQL, which may take minutes or hang on a server that went away. The request submits a job and
// answers 202 with its id at once; one worker thread runs the jobs in the order they came (so two
// migrations of one storage never run at once); the outcome is kept for GET /api/v1/jobs/{id} and announced
// on the event bus as events::JobEnded (SSE `job_ended`).
//
// Bounded: at most `max_queued` jobs wait (a full queue refuses with kTransient), and the last `keep`
// finished jobs are remembered, in memory only: a job is the request's answer, not state to resume.
// Lifecycle: Stop (or the destructor) lets the running job finish and fails the queued ones with "the
// server stopped". Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace datasync::app {

namespace events {
class EventBus;
}

enum class JobState { kQueued, kRunning, kSucceeded, kFailed };
std::string_view JobStateName(JobState s);

// What a job's work returns: a line for people and its answer as JSON text (what the route that
// submitted it would have answered).
struct JobResult {
  std::string summary;
  std::string result_json = "null";
};

struct Job {
  int64_t id = 0;
  std::string kind;     // "migration.check", "migration.apply"
  std::string subject;  // what it works on: "dataset daily in pg"
  std::string actor;    // who asked
  JobState state = JobState::kQueued;
  int64_t queued_at_us = 0, started_at_us = 0, finished_at_us = 0;
  std::string summary;  // set when it ends
  std::string error;    // set when it failed
  std::string result_json = "null";
};

class JobQueue {
 public:
  using Work = std::function<core::Result<JobResult>()>;

  JobQueue(const core::Clock& clock, events::EventBus* bus, size_t max_queued = 16, size_t keep = 200);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // The new job's id; kTransient when `max_queued` jobs already wait or the queue has stopped.
  core::Result<int64_t> Submit(std::string kind, std::string subject, std::string actor, Work work);
  std::optional<Job> Get(int64_t id) const;
  // The jobs it remembers, newest first.
  std::vector<Job> List() const;
  void Stop();

 private:
  struct Entry {
    Job job;
    Work work;
  };
  void Loop();
  void Finish(Entry& entry, JobState state, std::string summary, std::string error, std::string result_json);
  Job* FindLocked(int64_t id);

  const core::Clock& clock_;
  events::EventBus* bus_;
  const size_t max_queued_, keep_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int64_t next_id_ = 1;
  std::deque<Entry> queued_;
  std::optional<Job> running_;
  std::deque<Job> finished_;  // newest last
  std::thread worker_;
};

}  // namespace datasync::app
