#include "app/plan_lock.hpp"

#include <set>
#include <utility>

#include "core/log.hpp"

namespace datasync::app {

namespace {

// The plans this process holds. A lease in the system database held by this process's own name is either
// one of these (another thread runs the plan: refuse) or left by an earlier process that had this pid on this
// host (take it over, sync::LeaseLapsed rule 3).
// Keyed by the store too: two system databases in one process (tests) have plans of their own.
std::mutex held_mu;
std::set<std::pair<const sync::PlanLeaseStore*, std::string>>& HeldHere() {
  static std::set<std::pair<const sync::PlanLeaseStore*, std::string>> held;
  return held;
}

core::Error Busy(const std::string& plan, const sync::PlanLease& holder, const sync::WorkerIdentity& self) {
  auto who = sync::WorkerIdentity::Parse(holder.owner);
  std::string by = !who                     ? holder.owner
                   : who->host == self.host ? std::to_string(who->pid)
                                            : std::to_string(who->pid) + " on host " + who->host;
  return core::Error(core::ErrorKind::kTransient, "plan '" + plan + "' is being run by pid " + by +
                                                      "; wait for it to finish (or stop it) and try again");
}

}  // namespace

core::Result<std::unique_ptr<PlanLock>> PlanLock::Acquire(sync::PlanLeaseStore& store, const core::Clock& clock,
                                                          const std::string& plan, Options options) {
  const sync::WorkerIdentity& self = options.judge.self;
  const std::string owner = self.Name();
  std::lock_guard held_lock(held_mu);
  int64_t now_us = core::ToEpochMicros(clock.Now());
  auto claim = store.AcquirePlanLease(plan, owner, now_us, options.ttl_us, "");
  if (!claim) return core::Fail(claim.error());
  if (!claim->acquired) {
    const sync::PlanLease holder = claim->lease;
    bool mine_here = holder.owner == owner && HeldHere().count({&store, plan}) > 0;
    if (mine_here || !options.judge.Lapsed(holder.owner, holder.expires_us, now_us)) {
      return core::Fail(Busy(plan, holder, self));
    }
    core::LogInfo("plan " + plan + ": taking over the lease of " + holder.owner + ", which is gone");
    claim = store.AcquirePlanLease(plan, owner, now_us, options.ttl_us, holder.owner);
    if (!claim) return core::Fail(claim.error());
    if (!claim->acquired) return core::Fail(Busy(plan, claim->lease, self));  // another process was faster
  }
  HeldHere().insert({&store, plan});
  return std::unique_ptr<PlanLock>(new PlanLock(store, clock, plan, std::move(options)));
}

PlanLock::PlanLock(sync::PlanLeaseStore& store, const core::Clock& clock, std::string plan, Options options)
    : store_(store),
      clock_(clock),
      plan_(std::move(plan)),
      options_(std::move(options)),
      owner_(options_.judge.self.Name()),
      renewer_([this] { RenewLoop(); }) {}

void PlanLock::RenewLoop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.renew_every, [this] { return stop_; })) {
    lock.unlock();
    auto renewed = store_.RenewPlanLease(plan_, owner_, core::ToEpochMicros(clock_.Now()), options_.ttl_us);
    if (!renewed) {
      core::LogWarn("plan " + plan_ + ": cannot renew its lease: " + renewed.error().message());
    } else if (!*renewed) {
      core::LogWarn("plan " + plan_ + ": its lease was taken over by another process");
    }
    lock.lock();
  }
}

PlanLock::~PlanLock() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  renewer_.join();
  std::lock_guard held_lock(held_mu);
  if (auto st = store_.ReleasePlanLease(plan_, owner_); !st) {
    core::LogWarn("plan " + plan_ + ": cannot release its lease (it expires by itself): " + st.error().message());
  }
  HeldHere().erase({&store_, plan_});
}

}  // namespace datasync::app
