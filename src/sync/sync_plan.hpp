// SyncPlan: what to sync, where, how, and when (ARCHITECTURE §4). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generation/argument_spec.hpp"
#include "storage/sink.hpp"
#include "sync/schedule.hpp"

namespace datasync::sync {

struct RetryPolicy {
  int64_t max_attempts = 5;           // per task, counting the first try
  int64_t initial_backoff_ms = 1000;  // doubled each attempt, with jitter
  int64_t max_backoff_ms = 60'000;

  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

constexpr int64_t kDefaultMaxConcurrency = 8;

// A `datasync verify` of the plan that `serve` runs by itself (app/verify_job.hpp); cron empty = none.
struct VerifySchedule {
  std::string cron;
  std::string timezone;  // IANA name; the config fills in the plan's source's zone when not given
  int64_t sample = 20;   // tasks re-fetched each time

  bool enabled() const { return !cron.empty(); }
  friend bool operator==(const VerifySchedule&, const VerifySchedule&) = default;
};

struct SyncPlan {
  std::string name;
  std::string dataset;
  std::vector<std::string> storages;
  storage::WriteMode mode = storage::WriteMode::kUpsert;
  generation::ArgumentSpec args;
  ScheduleSpec schedule;                // when it runs by itself; cron empty = manual only
  std::vector<std::string> depends_on;  // plan names that run first
  RetryPolicy retry;
  int64_t concurrency = 0;      // calls in flight, fixed; 0 = adaptive (found from the vendor's pace)
  int64_t max_concurrency = 0;  // adaptive: the most calls in flight; 0 = kDefaultMaxConcurrency. Both
                                // are capped by the source's limits.concurrency
  int64_t max_wait_secs = 600;  // longest cool-down the run waits for before it checkpoints and stops
  bool enabled = true;
  VerifySchedule verify;

  friend bool operator==(const SyncPlan&, const SyncPlan&) = default;
};

}  // namespace datasync::sync
