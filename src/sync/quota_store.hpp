// QuotaStore: where Quota keeps what must survive a restart and what processes sharing one system database
// must agree on (ARCHITECTURE §6, §11):
// - the state: the calls counted in the vendor's current day, the recent calls of the sliding windows,
//   and limits learned from the vendor, as opaque JSON written by Quota; `label` ("tushare/daily") names it
//   for `datasync status` without revealing the credential the key was derived from;
// - the call ledger: every call of every process on the key, admitted against the windows in one atomic
//   step (AdmitCall), or, while the key has no limited window, recorded in batches (RecordCalls), so that `datasync
//   serve` and a `datasync run` on one token never overrun the vendor's limit together. A window is only "calls since
//   T, at most N", so any list of windows (sliding ones, the vendor's day) is checked the same way. Every backend
//   passes the ledger's compliance tests (tests/unit/metadata/quota_store_test.cpp), two connections hammering one
//   limit among them.
// Thread-safe, and safe to use from several processes at once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::sync {

struct StoredQuota {
  std::string key;
  std::string label;
  std::string state_json;
  int64_t updated_at_us = 0;
};

// One window of a quota as the ledger checks it: the calls at or after `since_us` must number fewer than
// `limit` for one more call to be admitted.
struct QuotaWindowCheck {
  int64_t since_us = 0;
  int64_t limit = 0;
};

struct QuotaAdmission {
  bool admitted = false;
  // Per window (in the order given), when the call was refused: the time of the call that has to leave that
  // window before one more fits, i.e. the (count - limit + 1)-th oldest call since since_us; 0 where the
  // window has room.
  std::vector<int64_t> blocking_us;
};

// What the ledger holds of one key since a time: how many calls, and the oldest of them (0 when none).
struct QuotaLedgerCount {
  int64_t calls = 0;
  int64_t oldest_us = 0;
};

class QuotaStore {
 public:
  virtual ~QuotaStore() = default;
  // Records one call of `key` at `now_us` if every window has room (all-or-nothing, atomic across
  // processes); calls older than `forget_before_us` are dropped from the ledger on the way.
  virtual core::Result<QuotaAdmission> AdmitCall(const std::string& key, int64_t now_us,
                                                 std::span<const QuotaWindowCheck> windows,
                                                 int64_t forget_before_us) = 0;
  // Records calls of `key` that needed no admission (no window of the key has a limit), in one atomic step,
  // so that a limit learned later counts them too; calls older than `forget_before_us` are dropped.
  virtual core::Status RecordCalls(const std::string& key, std::span<const int64_t> at_us,
                                   int64_t forget_before_us) = 0;
  // Per entry of `since_us`, the calls of `key` the ledger holds at or after it (every process's: what the
  // web app's quota gauges show). Reads only.
  virtual core::Result<std::vector<QuotaLedgerCount>> CountCalls(const std::string& key,
                                                                 std::span<const int64_t> since_us) = 0;
  virtual core::Result<std::optional<StoredQuota>> LoadQuota(const std::string& key) = 0;
  virtual core::Status SaveQuota(const StoredQuota& quota) = 0;
  virtual core::Result<std::vector<StoredQuota>> ListQuotas() = 0;
};

}  // namespace datasync::sync
