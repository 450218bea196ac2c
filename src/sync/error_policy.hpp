// ErrorPolicy: the one place that decides what happens to a task after a classified error
// (ARCHITECTURE §5: providers and sinks classify, sync decides). Pure functions: no I/O, no clock reads;
// `now` and the random draw for jitter are passed in so decisions are testable.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::sync {

enum class Action : uint8_t {
  kRetry,    // transient: back off and try again (attempt counted)
  kCool,     // rate limited: wait for the window, no attempt counted
  kDefer,    // quota exhausted: wait for the vendor's reset; the run is deferred
  kSkip,     // invalid argument: drop this task and report it
  kSplit,    // truncated: replace with narrower requests
  kFail,     // give up on this task
  kStopRun,  // permission/auth: stop the whole run, burn no more quota
};
std::string_view ActionName(Action a);

struct Decision {
  Action action = Action::kFail;
  core::TimePoint not_before{};  // kRetry, kCool, kDefer
};

// `attempts` counts tries made so far including the failed one; `jitter01` is uniform in [0, 1).
Decision Decide(const core::Error& error, int64_t attempts, const RetryPolicy& policy, core::TimePoint now,
                double jitter01);

// Capped exponential backoff with "equal jitter": half fixed, half random, so retries of many tasks
// spread out instead of hammering the vendor together.
std::chrono::milliseconds Backoff(int64_t attempts, const RetryPolicy& policy, double jitter01);

}  // namespace datasync::sync
