#include "sync/adaptive_concurrency.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <queue>
#include <vector>

namespace datasync::sync {
namespace {

// A model vendor and a run with more work than calls allowed: every free slot starts a call at once. A
// call's round trip is `rtt(n, t)` for the `n` calls in flight when it started (a contended server is
// slower the more calls it holds); `pushback(n, t)` says the vendor answered "slow down" instead.
// Discrete events on model time: deterministic, no clock, no threads.
struct ModelRun {
  std::function<double(int64_t n, double t)> rtt;
  std::function<bool(int64_t n, double t)> pushback = [](int64_t, double) { return false; };

  struct Result {
    double secs = 0;
    int64_t calls = 0;
    int64_t pushed_back = 0;
    int64_t peak_in_flight = 0;
    std::vector<int64_t> limits;  // the limit after each call ended
    double CallsPerSec() const { return static_cast<double>(calls) / secs; }
  };

  Result Run(AdaptiveConcurrency& limiter, int64_t calls) {
    struct Call {
      double ends;
      double rtt;
      bool pushback;
      AdaptiveConcurrency::Ticket ticket;
      bool operator>(const Call& o) const { return ends > o.ends; }
    };
    std::priority_queue<Call, std::vector<Call>, std::greater<>> flying;
    Result r;
    double now = 0;
    uint64_t noise = 0x9E3779B97F4A7C15ull;
    int64_t started = 0;
    while (r.calls < calls) {
      while (started < calls) {
        auto ticket = limiter.TryAcquire();
        if (!ticket) break;
        ++started;
        auto n = limiter.in_flight();
        r.peak_in_flight = std::max(r.peak_in_flight, n);
        noise = noise * 6364136223846793005ull + 1442695040888963407ull;
        double jitter = 0.97 + 0.06 * static_cast<double>(noise >> 11) / 9007199254740992.0;  // ±3 %
        double took = rtt(n, now) * jitter;
        flying.push({now + took, took, pushback(n, now), *ticket});
      }
      Call c = flying.top();
      flying.pop();
      now = c.ends;
      limiter.Release();
      limiter.Observe(c.ticket, c.rtt, c.pushback);
      ++r.calls;
      if (c.pushback) ++r.pushed_back;
      r.limits.push_back(limiter.limit());
    }
    r.secs = now;
    return r;
  }
};

// The simulator's `contended` mode: 10 ms, plus 25 ms for every call in flight beyond 2.
double Contended(int64_t n) {
  return 0.010 + 0.025 * static_cast<double>(std::max<int64_t>(0, n - 2));
}

// The limit held most often after calls [from, to) ended.
int64_t MostCommonLimit(const std::vector<int64_t>& limits, size_t from, size_t to = SIZE_MAX) {
  std::vector<int64_t> count(300, 0);
  for (size_t i = from; i < std::min(to, limits.size()); ++i) ++count[static_cast<size_t>(limits[i])];
  return static_cast<int64_t>(std::max_element(count.begin(), count.end()) - count.begin());
}

// The fetch workers' hand-off rule: a worker whose call ended takes a slot again itself, so another is woken
// only while two slots are free (Spare), and Full says a worker must wait.
TEST(AdaptiveConcurrencyTest, SpareAndFullCountTheFreeSlots) {
  AdaptiveConcurrency limiter({.initial = 3, .max = 8});
  ASSERT_EQ(limiter.limit(), 3);
  EXPECT_TRUE(limiter.Spare());
  auto a = limiter.TryAcquire();
  auto b = limiter.TryAcquire();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter.Spare());  // one slot free: the worker that frees the next takes it back
  EXPECT_FALSE(limiter.Full());
  auto c = limiter.TryAcquire();
  ASSERT_TRUE(c);
  EXPECT_TRUE(limiter.Full());
  EXPECT_FALSE(limiter.TryAcquire());
  limiter.Release();
  EXPECT_FALSE(limiter.Full());
  EXPECT_FALSE(limiter.Spare());
  limiter.Release();
  EXPECT_TRUE(limiter.Spare());
}

TEST(AdaptiveConcurrencyTest, AContendedVendorIsHeldAtItsBestLevel) {
  AdaptiveConcurrency limiter({.max = 8});
  ModelRun model{[](int64_t n, double) { return Contended(n); }};
  auto r = model.Run(limiter, 3000);
  // Best: 2 calls at once, 200 calls a second; 1 gives 100, 3 gives 86, 8 gives 50.
  EXPECT_EQ(MostCommonLimit(r.limits, 200), 2);
  EXPECT_EQ(limiter.limit(), 2);
  EXPECT_GE(r.CallsPerSec(), 0.9 * 200) << "secs " << r.secs;
  auto s = limiter.Summary();
  EXPECT_NEAR(s.mean_in_flight, 2.0, 0.25);
  ASSERT_GE(s.levels.size(), 3u);
  EXPECT_NEAR(s.levels[0].rtt_secs, 0.010, 0.001);  // level 1
  EXPECT_NEAR(s.levels[1].rtt_secs, 0.010, 0.001);  // level 2
}

TEST(AdaptiveConcurrencyTest, AVendorThatScalesIsUsedUpToTheMaximum) {
  AdaptiveConcurrency limiter({.max = 8});
  ModelRun model{[](int64_t, double) { return 0.010; }};
  auto r = model.Run(limiter, 2000);
  EXPECT_EQ(limiter.limit(), 8);
  // Slow start: 1, 2, 4, 8 in four windows (4 + 4 + 8 calls measured, then 8 is reached).
  auto reached = std::find(r.limits.begin(), r.limits.end(), 8) - r.limits.begin();
  EXPECT_LE(reached, 40);
  EXPECT_EQ(r.peak_in_flight, 8);
  EXPECT_GE(r.CallsPerSec(), 0.95 * 800);
}

TEST(AdaptiveConcurrencyTest, AServerBoundByItsOwnCoresGetsNoMoreCallsThanPay) {
  // Two cores: two calls at once take 10 ms each, more only queue (n/2 × 10 ms): 200 calls a second at
  // any level from 2 up. Calls beyond 2 buy nothing, so the limit stays low instead of climbing to 16.
  AdaptiveConcurrency limiter({.max = 16});
  ModelRun model{[](int64_t n, double) { return 0.010 * std::max(1.0, static_cast<double>(n) / 2); }};
  auto r = model.Run(limiter, 3000);
  EXPECT_LE(MostCommonLimit(r.limits, 300), 3);
  EXPECT_GE(r.CallsPerSec(), 0.9 * 200);
}

TEST(AdaptiveConcurrencyTest, PushbackCutsTheLimitAtOnceAndKeepsItBelowTheLevelThatDrewIt) {
  // The vendor answers 429 whenever more than 3 calls are in flight, and is otherwise as fast at any level.
  AdaptiveConcurrency limiter({.max = 8});
  ModelRun model{[](int64_t, double) { return 0.010; }, [](int64_t n, double) { return n > 3; }};
  auto r = model.Run(limiter, 3000);
  EXPECT_LE(limiter.limit(), 3);
  EXPECT_EQ(MostCommonLimit(r.limits, 300), 3);
  // Only re-probes draw pushback once the level is known: a few calls in a hundred at most.
  EXPECT_LT(r.pushed_back, 3000 / 50) << r.pushed_back;
  EXPECT_GT(limiter.Summary().back_pressure, 0);
}

TEST(AdaptiveConcurrencyTest, AVendorThatSlowsDownIsFollowedDown) {
  // Scales until t = 3 s, then becomes contended: the limit leaves 8 for 2 within a few hundred calls.
  AdaptiveConcurrency limiter({.max = 8});
  ModelRun model{[](int64_t n, double t) { return t < 3.0 ? 0.010 : Contended(n); }};
  auto r = model.Run(limiter, 4000);
  auto before = static_cast<size_t>(3.0 * 800) - 200;
  EXPECT_EQ(r.limits[before], 8);
  EXPECT_EQ(MostCommonLimit(r.limits, r.limits.size() - 1000), 2);
  EXPECT_EQ(limiter.limit(), 2);
}

TEST(AdaptiveConcurrencyTest, AVendorThatGetsFasterIsFoundAgainByReprobing) {
  // Contended for the first 5 s, then it scales: re-probing climbs back to the maximum.
  AdaptiveConcurrency limiter({.max = 8});
  ModelRun model{[](int64_t n, double t) { return t < 5.0 ? Contended(n) : 0.010; }};
  auto r = model.Run(limiter, 6000);
  EXPECT_EQ(MostCommonLimit(r.limits, 100, 800), 2);  // during the contended part
  EXPECT_EQ(limiter.limit(), 8);
}

TEST(AdaptiveConcurrencyTest, NeverAboveTheMaximumNorBelowOne) {
  for (int64_t max : {1, 2, 5}) {
    AdaptiveConcurrency limiter({.initial = 9, .max = max});
    ModelRun model{[](int64_t, double) { return 0.005; }, [](int64_t, double t) { return t > 1.0 && t < 1.5; }};
    auto r = model.Run(limiter, 1000);
    EXPECT_LE(r.peak_in_flight, max);
    for (int64_t l : r.limits) {
      ASSERT_GE(l, 1);
      ASSERT_LE(l, max);
    }
  }
}

TEST(AdaptiveConcurrencyTest, CallsThatDidNotFillTheLimitTeachNothing) {
  // A run whose calls never fill the limit (the storage is the bottleneck) keeps it where it is.
  AdaptiveConcurrency limiter({.initial = 2, .max = 8});
  for (int i = 0; i < 100; ++i) {
    auto t = limiter.TryAcquire();
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->saturated);
    limiter.Release();
    limiter.Observe(*t, 0.010, false);
  }
  EXPECT_EQ(limiter.limit(), 2);
  EXPECT_TRUE(limiter.Summary().levels.empty());
}

TEST(AdaptiveConcurrencyTest, TheSlotsAreExactlyTheLimit) {
  AdaptiveConcurrency limiter({.initial = 3, .max = 8});
  auto a = limiter.TryAcquire(), b = limiter.TryAcquire(), c = limiter.TryAcquire();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(a->saturated);
  EXPECT_TRUE(c->saturated);
  EXPECT_TRUE(limiter.Full());
  EXPECT_FALSE(limiter.TryAcquire());
  limiter.Release();
  EXPECT_FALSE(limiter.Full());
  EXPECT_EQ(limiter.in_flight(), 2);
}

}  // namespace
}  // namespace datasync::sync
