// CallGate: holds accepted data calls until the test lets them through (POST /_sim/gate), so a test can act
// while a client is provably mid-run (pause, cancel, kill, stop a database) instead of racing a real-time
// delay. The gate is either open (every call passes) or closed with a budget of N more calls; a call beyond
// the budget waits, in arrival order, until a new budget or an open gate releases it, oldest first.
// Lifecycle: starts open; Set() closes, re-budgets or opens it; Shutdown() opens it for good, so that the
// server's workers finish their held calls and the process can stop.
// Thread-safety: every method may be called from any thread (one mutex and one condition variable);
// Pass() blocks the calling worker thread while its call waits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace datasync::vendorsim {

class CallGate {
 public:
  struct Snapshot {
    std::optional<int64_t> allow;  // calls that may still pass before the next one waits; none = open
    uint64_t passed = 0;           // calls through the gate since the last Set() with a budget
    uint64_t waiting = 0;          // calls held right now
    uint64_t in_flight = 0;        // data-API requests being handled right now (see InFlight)
  };

  // Counts one data-API request as in flight for its lifetime (from the handler's start to its return).
  class InFlight {
   public:
    explicit InFlight(CallGate& gate);
    ~InFlight();
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    CallGate& gate_;
  };

  // Returns when the call may proceed: at once while the gate is open or has budget left, else when a
  // later Set() or Shutdown() releases it. True when the call was held.
  bool Pass();

  // A budget closes the gate: at most `allow` more calls pass, the oldest waiting ones first, and `passed`
  // restarts from 0. std::nullopt opens the gate and releases every waiting call. False (and no change)
  // after Shutdown().
  bool Set(std::optional<int64_t> allow);

  // Opens the gate for good; later Set() calls are refused.
  void Shutdown();

  Snapshot Read() const;

 private:
  struct Waiter {
    bool released = false;
  };

  void ReleaseOldest(uint64_t count);  // requires mutex_

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::optional<int64_t> allow_;
  std::deque<Waiter*> queue_;  // oldest first; non-empty only while the budget is 0
  uint64_t passed_ = 0;
  uint64_t in_flight_ = 0;
  bool shut_down_ = false;
};

}  // namespace datasync::vendorsim
