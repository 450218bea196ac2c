// ServerLoad: the simulator's concurrency-sensitive answer time [sim]. Many vendors' servers answer more
// slowly as more calls are in flight (issue 19 measured one: a backfill took 5.2 s at concurrency 1, 4.5 s
// at 2, 7.7 s at 4 and 11.9 s at 8), so a client that adds parallel calls blindly gets slower. Each
// accepted Tushare data call waits, before its answer,
//   latency_ms + contention_ms × max(0, in_flight − scale_limit)
// where in_flight counts the accepted calls being handled when this call is accepted, itself included.
// With contention_ms > latency_ms the server's throughput falls as calls are added beyond scale_limit;
// below scale_limit extra calls cost nothing (a server that scales up to N). The model is all zeros by
// default: no delay.
// Lifecycle: one per SimState; a Call spans one accepted call from its admission to its handler's return
// (held at the test's gate included). Read() and Reset() serve GET/POST /_sim/load.
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "sim_config.hpp"

namespace datasync::vendorsim {

// The delay of a call accepted while `in_flight` calls (itself included) are in flight.
int64_t LoadDelayMs(const LoadModel& model, uint64_t in_flight);

class ServerLoad {
 public:
  struct Snapshot {
    uint64_t in_flight = 0;       // accepted calls being handled now
    uint64_t peak_in_flight = 0;  // the most at once since start-up or the last Reset()
    uint64_t calls = 0;           // accepted calls since then
    int64_t delay_ms_total = 0;   // the delays they were given, summed
    int64_t max_delay_ms = 0;     // and the longest
  };

  // Counts one accepted call in flight for its lifetime and fixes its delay from `model` and the calls
  // in flight now.
  class Call {
   public:
    Call(ServerLoad& load, const LoadModel& model);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    std::chrono::milliseconds delay() const { return std::chrono::milliseconds(delay_ms_); }

   private:
    ServerLoad& load_;
    int64_t delay_ms_ = 0;
  };

  Snapshot Read() const;

  // Zeroes the counters; the peak restarts from the calls in flight now.
  void Reset();

 private:
  mutable std::mutex mutex_;
  Snapshot counters_;
};

}  // namespace datasync::vendorsim
