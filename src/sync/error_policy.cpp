#include "sync/error_policy.hpp"

#include <algorithm>
#include <cmath>

namespace datasync::sync {

using core::ErrorKind;

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kRetry: return "retry";
    case Action::kCool: return "cool";
    case Action::kDefer: return "defer";
    case Action::kSkip: return "skip";
    case Action::kSplit: return "split";
    case Action::kFail: return "fail";
    case Action::kStopRun: return "stop";
  }
  return "?";
}

std::chrono::milliseconds Backoff(int64_t attempts, const RetryPolicy& policy, double jitter01) {
  double base = static_cast<double>(std::max<int64_t>(policy.initial_backoff_ms, 1));
  double exp = base * std::pow(2.0, static_cast<double>(std::clamp<int64_t>(attempts - 1, 0, 30)));
  double capped = std::min(exp, static_cast<double>(std::max(policy.max_backoff_ms, policy.initial_backoff_ms)));
  return std::chrono::milliseconds(static_cast<int64_t>(capped / 2 + capped / 2 * jitter01));
}

Decision Decide(const core::Error& error, int64_t attempts, const RetryPolicy& policy, core::TimePoint now,
                double jitter01) {
  switch (error.kind()) {
    case ErrorKind::kRateLimited: {
      auto wait = error.retry_after.value_or(std::chrono::milliseconds(60'000));
      // A little jitter so cooled tasks do not all return in the same millisecond.
      wait += std::chrono::milliseconds(static_cast<int64_t>(250 * jitter01));
      return {Action::kCool, now + wait};
    }
    case ErrorKind::kQuotaExhausted:
      return {Action::kDefer, error.reset_at.value_or(now + std::chrono::hours(1))};
    case ErrorKind::kInvalidInput: return {Action::kSkip, {}};
    case ErrorKind::kTruncated: return {Action::kSplit, {}};
    // NotFound and Conflict come from the app's services, not from a vendor or a sink; should one reach a
    // task, it is a configuration problem that retrying cannot fix.
    case ErrorKind::kPermission:
    case ErrorKind::kConfig:
    case ErrorKind::kNotFound:
    case ErrorKind::kConflict: return {Action::kStopRun, {}};
    case ErrorKind::kTransient:
      if (attempts < policy.max_attempts) return {Action::kRetry, now + Backoff(attempts, policy, jitter01)};
      return {Action::kFail, {}};
    case ErrorKind::kPermanent:
    case ErrorKind::kInternal: return {Action::kFail, {}};
  }
  return {Action::kFail, {}};
}

}  // namespace datasync::sync
