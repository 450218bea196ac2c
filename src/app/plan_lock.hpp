// PlanLock: an exclusive lock on one plan, so two datasync processes sharing the system database (on one host
// or several) never execute the same plan's run at once: the plan's lease in the system database
// (sync::PlanLeaseStore), taken for this process ("pid@host"), renewed every second on a thread of its own
// while the object lives (the run executes, plans, or waits for the vendor's reset), and
// released when it dies. A holder that is gone (sync::LeaseLapsed: its lease expired, or its process left
// this host, as after a kill -9) is taken over at once; a live holder makes Acquire fail (kTransient, the
// daemon retries the slot), naming its pid. A second PlanLock of one plan in the same process fails too.
//
// Thread-safety: Acquire may be called from any thread; the object belongs to the caller's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "sync/plan_lease_store.hpp"
#include "sync/run_transitions.hpp"

namespace datasync::app {

class PlanLock {
 public:
  struct Options {
    int64_t ttl_us = 30'000'000;
    // Real time, well under the ttl: a virtual clock (tests) may jump far ahead between two renewals, and a
    // lease stamped before the jump looks expired until the next one.
    std::chrono::milliseconds renew_every{1'000};
    sync::LeaseJudge judge;
  };

  static core::Result<std::unique_ptr<PlanLock>> Acquire(sync::PlanLeaseStore& store, const core::Clock& clock,
                                                         const std::string& plan, Options options);
  static core::Result<std::unique_ptr<PlanLock>> Acquire(sync::PlanLeaseStore& store, const core::Clock& clock,
                                                         const std::string& plan) {
    return Acquire(store, clock, plan, Options{});
  }
  ~PlanLock();
  PlanLock(const PlanLock&) = delete;
  PlanLock& operator=(const PlanLock&) = delete;

 private:
  PlanLock(sync::PlanLeaseStore& store, const core::Clock& clock, std::string plan, Options options);
  void RenewLoop();

  sync::PlanLeaseStore& store_;
  const core::Clock& clock_;
  std::string plan_;
  Options options_;
  std::string owner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread renewer_;
};

}  // namespace datasync::app
