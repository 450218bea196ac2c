// AdaptiveConcurrency: how many vendor calls of one run may be in flight, found from the vendor's own
// answers (ARCHITECTURE §3, issue 19; the idea of Vector's adaptive request concurrency, with a throughput
// rule instead of a latency threshold).
//
// By Little's law a vendor that answers `n` calls at once in `rtt(n)` serves n / rtt(n) calls a second. The
// limiter keeps, per level n, a smoothed round-trip time measured while exactly the limit's calls were in
// flight, and moves the limit to the level that serves most:
//   - it starts at `initial` and doubles while each doubling pays (slow start), then probes one level up;
//   - a level above is kept only when it serves at least `min_gain` (5 %) more calls a second than the
//     level below, so a server that slows down as calls rise (a contended database, a CPU-bound API) is
//     held at its best level instead of being pushed past it, and one that scales is used to `max`;
//   - a level is measured in windows of max(4, 2·limit) calls that found the limit taken; every
//     `reprobe_windows` windows at one level the level above is tried again, so a vendor that got faster
//     is noticed; each re-probe that fails doubles that interval (up to 16 times), one that pays resets it;
//   - back-pressure (RATE_LIMITED, QUOTA_EXHAUSTED, TRANSIENT: 429, 5xx, timeouts) cuts the limit by
//     `decrease_ratio` at once (at least by one) and keeps it below the level that drew it until the
//     next re-probe.
// The limit never exceeds `max` (the plan's max_concurrency, itself capped by the source's concurrency):
// the quota's own windows and concurrency are obeyed by the fetch stage as before.
//
// Pure logic on the times it is given: the tests drive it with a model server, no clock, no threads.
// Thread-safety: every method takes the limiter's lock; Acquire/Release come from the fetch workers.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace datasync::sync {

struct AdaptiveConcurrencyOptions {
  int64_t initial = 1;
  int64_t max = 8;
  double min_gain = 0.05;        // a level above must serve this much more (fraction) to be kept
  double decrease_ratio = 0.9;   // back-pressure: limit = floor(limit × ratio), at least one less
  double ewma_alpha = 0.5;       // weight of a new window's mean round trip in a level's estimate
  int64_t reprobe_windows = 16;  // windows at one level before the level above is tried again
};

// What one level taught: its smoothed round trip and how many windows measured it.
struct ConcurrencyLevel {
  int64_t level = 0;
  double rtt_secs = 0;
  int64_t windows = 0;
};

struct ConcurrencySummary {
  int64_t max = 0;
  int64_t final_limit = 0;
  int64_t lowest = 0;   // lowest limit held (the start included)
  int64_t highest = 0;  // highest limit held
  int64_t changes = 0;
  int64_t back_pressure = 0;             // answers that cut the limit
  double mean_in_flight = 0;             // calls in flight seen by each call at its start, averaged
  std::vector<ConcurrencyLevel> levels;  // measured levels, ascending
};

class AdaptiveConcurrency {
 public:
  explicit AdaptiveConcurrency(AdaptiveConcurrencyOptions options);

  // A call may start when fewer than `limit` are in flight. On success the returned ticket goes back to
  // Release; nullopt means wait for one of this run's calls to end.
  struct Ticket {
    int64_t epoch = 0;       // the limit's generation when the call started
    bool saturated = false;  // the call took the last slot: its round trip measures the limit
  };
  std::optional<Ticket> TryAcquire();
  // The call ended: its slot is free. Called as soon as the answer is in, before it is decoded.
  void Release();
  // What the call taught, once its answer is classified: it took `rtt_secs`; `back_pressure` when the
  // vendor said slow down (or failed the way an overloaded server fails). A call that was never made
  // (the run stopped while it waited for the quota) is released and not observed.
  void Observe(const Ticket& ticket, double rtt_secs, bool back_pressure);

  int64_t limit() const;
  int64_t in_flight() const;
  bool Full() const;   // every slot taken: a worker waits for a Release
  bool Spare() const;  // at least two slots free: one beyond the one the last caller takes again
  ConcurrencySummary Summary() const;

 private:
  void CloseWindowLocked();
  void MoveToLocked(int64_t level);
  void ProbeFailedLocked();
  double ServedLocked(int64_t level) const;  // calls a second at `level`; 0 when not measured
  std::optional<int64_t> NearestBelowLocked(int64_t level) const;

  AdaptiveConcurrencyOptions opt_;
  mutable std::mutex mu_;
  int64_t limit_;
  int64_t in_flight_ = 0;
  int64_t epoch_ = 0;
  bool slow_start_ = true;
  int64_t ceiling_ = 0;  // after back-pressure: stay below until a re-probe (0: none)
  int64_t windows_here_ = 0;
  int64_t reprobe_after_;  // windows at one level before the level above is tried again
  bool probing_ = false;   // this level is a re-probe of one known to serve less
  double window_sum_ = 0;
  int64_t window_n_ = 0;
  std::vector<double> rtt_;       // by level; 0 = not measured
  std::vector<int64_t> windows_;  // by level
  // summary
  int64_t lowest_, highest_, changes_ = 0, back_pressure_ = 0, calls_ = 0;
  double in_flight_sum_ = 0;
};

}  // namespace datasync::sync
