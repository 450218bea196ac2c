// WaitBoard: what this process's threads of work are waiting for, published for a test that drives the
// virtual clock (DATASYNC_CLOCK_FILE, core/clock.hpp). On a frozen clock a run that waits for the vendor's
// quota or a retry back-off never moves on by itself: the test moves the clock, and only when every
// registered worker of every process is parked (no call in flight, no decision under way) and at least one
// waits for a time, to the earliest such time. "Zero rejected calls" is then a property of the planner, not
// of CPU scheduling.
//
// With DATASYNC_CLOCK_FILE=F the board of the process is published as F.waits/<pid>.json, written to a temp
// name and renamed whenever what it says changes:
//   {"pid": P, "seq": S, "busy": B, "until_us": T}
// B counts registered workers that are not parked; T is the earliest time a parked worker waits for (null
// when none waits for a time). A worker is busy from its registration until it parks, and an Unpark is
// published before the worker does anything else, so a reader never sees "all parked" while a worker acts.
// S grows with every write: two reads with the same S saw the same state. Without DATASYNC_CLOCK_FILE
// Process() is null and every Worker call does nothing.
//
// Thread-safety: every method is thread-safe; one Worker belongs to one thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace datasync::core {

class WaitBoard {
 public:
  // The board of this process, or null when the clock is real (nothing to publish).
  static WaitBoard* Process();

  // A board published at `path` (tests).
  explicit WaitBoard(std::string path);
  ~WaitBoard();
  WaitBoard(const WaitBoard&) = delete;
  WaitBoard& operator=(const WaitBoard&) = delete;

  // One thread of work, busy from construction to destruction except while parked. A null board makes
  // every call a no-op, so callers need not check.
  class Worker {
   public:
    explicit Worker(WaitBoard* board);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    // Waiting: for `until` (a time on the process clock), or for other work when nullopt.
    void Park(std::optional<TimePoint> until = std::nullopt);
    void Unpark();

   private:
    WaitBoard* board_;
    int64_t id_ = 0;
  };

  // Parks `worker` for the scope.
  class Parked {
   public:
    Parked(Worker& worker, std::optional<TimePoint> until = std::nullopt) : worker_(worker) { worker_.Park(until); }
    ~Parked() { worker_.Unpark(); }
    Parked(const Parked&) = delete;
    Parked& operator=(const Parked&) = delete;

   private:
    Worker& worker_;
  };

  // What the board says now (for tests and logs).
  struct State {
    int64_t busy = 0;
    std::optional<int64_t> until_us;
  };
  State Current() const;

 private:
  int64_t Register();
  void Unregister(int64_t id);
  void Set(int64_t id, bool parked, std::optional<int64_t> until_us);
  void PublishLocked();

  struct Entry {
    bool parked = false;
    std::optional<int64_t> until_us;
  };
  mutable std::mutex mu_;
  std::string path_;
  int64_t next_id_ = 1;
  std::vector<std::pair<int64_t, Entry>> workers_;
  State published_;
  bool ever_published_ = false;
  int64_t seq_ = 0;
};

}  // namespace datasync::core
