#include "sync/error_policy.hpp"

#include <gtest/gtest.h>

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;
using core::Error;
using core::ErrorKind;

TEST(ErrorPolicyTest, EachClassGetsItsAction) {
  RetryPolicy policy;
  core::TimePoint now{};
  Error rate(ErrorKind::kRateLimited, "limit");
  rate.retry_after = 30s;
  Decision d = Decide(rate, 1, policy, now, 0.0);
  EXPECT_EQ(d.action, Action::kCool);
  EXPECT_EQ(d.not_before, now + 30s);

  Error quota(ErrorKind::kQuotaExhausted, "day");
  quota.reset_at = now + 5h;
  d = Decide(quota, 1, policy, now, 0.5);
  EXPECT_EQ(d.action, Action::kDefer);
  EXPECT_EQ(d.not_before, now + 5h);

  EXPECT_EQ(Decide(Error(ErrorKind::kInvalidInput, ""), 1, policy, now, 0).action, Action::kSkip);
  EXPECT_EQ(Decide(Error(ErrorKind::kPermission, ""), 1, policy, now, 0).action, Action::kStopRun);
  // Never retried: they name a missing object or a state that waiting does not change.
  EXPECT_EQ(Decide(Error(ErrorKind::kNotFound, ""), 9, policy, now, 0).action, Action::kStopRun);
  EXPECT_EQ(Decide(Error(ErrorKind::kConflict, ""), 9, policy, now, 0).action, Action::kStopRun);
  EXPECT_EQ(Decide(Error(ErrorKind::kTruncated, ""), 1, policy, now, 0).action, Action::kSplit);
  EXPECT_EQ(Decide(Error(ErrorKind::kPermanent, ""), 1, policy, now, 0).action, Action::kFail);
}

TEST(ErrorPolicyTest, TransientRetriesWithCappedJitteredBackoffThenFails) {
  RetryPolicy policy{4, 1000, 5000};
  core::TimePoint now{};
  Error e(ErrorKind::kTransient, "reset");
  Decision d1 = Decide(e, 1, policy, now, 0.0);
  EXPECT_EQ(d1.action, Action::kRetry);
  EXPECT_EQ(d1.not_before, now + 500ms);  // half of 1 s with zero jitter
  EXPECT_EQ(Decide(e, 2, policy, now, 0.999).not_before - now, 1999ms);
  EXPECT_EQ(Backoff(3, policy, 0.0), 2000ms);
  EXPECT_EQ(Backoff(10, policy, 0.0), 2500ms);  // capped at 5 s, half fixed
  EXPECT_EQ(Decide(e, 4, policy, now, 0.0).action, Action::kFail);
}

}  // namespace
}  // namespace datasync::sync
