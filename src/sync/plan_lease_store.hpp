// PlanLeaseStore: the system database's lock on a plan (implemented in metadata/ per system database backend),
// so that two processes sharing the database never execute runs of one plan at once. One lease per plan: an
// owner ("pid@host", WorkerIdentity) holds it until it expires, renews it while it works, and releases it when
// done. Who counts as gone is the engine's rule (run_transitions.hpp, LeaseLapsed): the store takes a lease
// over only when it expired or when the caller names the holder it judged gone, in the same statement that
// checks it, so two processes taking over one lease cannot both win.
//
// Thread-safety: implementations must be safe to call from several threads and processes at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace datasync::sync {

struct PlanLease {
  std::string plan;
  std::string owner;       // "pid@host"
  int64_t since_us = 0;    // when this owner took it
  int64_t expires_us = 0;  // unless renewed before
};

struct PlanLeaseClaim {
  bool acquired = false;  // true: `lease` is the caller's now; false: `lease` is the holder's
  PlanLease lease;
};

class PlanLeaseStore {
 public:
  virtual ~PlanLeaseStore() = default;

  // Takes the lease of `plan` for `owner` from now_us until now_us + ttl_us when nobody holds it, its lease
  // expired at now_us, or its holder is `take_from` (non-empty: a holder the caller judged gone). Otherwise
  // leaves it and returns the holder's lease. A holder that is `owner` itself is a holder like any other.
  virtual core::Result<PlanLeaseClaim> AcquirePlanLease(const std::string& plan, const std::string& owner,
                                                        int64_t now_us, int64_t ttl_us,
                                                        const std::string& take_from) = 0;
  // Extends `owner`'s lease to now_us + ttl_us. False (nothing written) when `owner` no longer holds it.
  virtual core::Result<bool> RenewPlanLease(const std::string& plan, const std::string& owner, int64_t now_us,
                                            int64_t ttl_us) = 0;
  // Gives the lease up, so the next process takes it at once; nothing when `owner` does not hold it.
  virtual core::Status ReleasePlanLease(const std::string& plan, const std::string& owner) = 0;
  // The plan's lease, held or expired; nullopt when none was taken or it was released.
  virtual core::Result<std::optional<PlanLease>> GetPlanLease(const std::string& plan) = 0;
};

}  // namespace datasync::sync
