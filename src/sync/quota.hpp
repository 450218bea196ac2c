// Quota: the vendor's call budget for one (source, API, credential), or for every API of one (source,
// credential) when the limits' scope is per_credential (ARCHITECTURE §6): a list of windows enforced at once
// ("at most N calls every S seconds", datasource::QuotaLimits) plus the calls in flight. Callers ask before
// each call; a refusal says when the call would fit, so the engine can plan instead of tripping the vendor's
// limit.
//
// Sliding windows count the calls of the last every_secs (the strictest reading of a vendor's "N per
// minute"), with a small safety margin for network jitter between our clock and the vendor's. The vendor-day
// window resets at the vendor's midnight in its time zone. Limits can only be lowered by what the vendor
// tells us (Learn). Thread-safe. QuotaBook hands out one shared Quota per budget for the whole process, so
// every plan and run using one token draws from one budget. With a QuotaStore the budget is shared with
// every other process on the same system database: each call is admitted against the store's call ledger
// (QuotaStore::AdmitCall), so `datasync serve` and a `datasync run` on one token never overrun the vendor's
// limit together; and the day's count, the recent calls and the learned limits survive a restart (Persist).
// If the ledger fails, the quota plans on this process's own calls and says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/data_source.hpp"
#include "sync/quota_store.hpp"

namespace datasync::sync {

struct QuotaWindowUse {
  std::string window;  // "minute", "hour", "day", then other windows by length ("90s"), then "concurrency"
  int64_t limit = 0;   // 0 = unlimited
  int64_t used = 0;    // calls in the current window (in flight for concurrency)
  // When `used` next falls: the oldest counted call leaves a sliding window; the vendor's day ends for
  // "day". 0 when nothing is counted (and for concurrency).
  int64_t reset_at_us = 0;
};

class Quota {
 public:
  Quota(datasource::QuotaLimits limits, const core::Clock& clock, core::TimeZone tz,
        std::chrono::milliseconds margin = std::chrono::milliseconds(500));

  // Restores what a QuotaStore kept (recent calls, the day's count, learned limits); state of
  // another vendor day or malformed state is ignored. Call before first use.
  void Restore(const std::string& state_json);
  // The state to keep; `dirty` says whether it changed since the last Snapshot.
  std::string Snapshot(bool* dirty = nullptr);
  // Attaches a store: Persist() writes the state there under key/label when it changed.
  void AttachStore(QuotaStore* store, std::string key, std::string label);
  core::Status Persist();

  // Takes one call from every window if all allow it now and returns nullopt; otherwise takes nothing
  // and returns the earliest time at which a retry could succeed (for concurrency: a short poll).
  // `slot_full`, when given, says whether a refusal was for concurrency (a call of this process must end
  // first) rather than for a window (a time must come).
  std::optional<core::TimePoint> TryAcquire(bool* slot_full = nullptr);
  // Returns the concurrency slot taken by a successful TryAcquire.
  void Release();
  // The vendor said the limit is N per window: never plan above it again.
  void Learn(const core::LearnedLimit& learned);

  // Always minute, hour and day (limit 0 when not limited), then the other windows, then concurrency.
  std::vector<QuotaWindowUse> Usage() const;
  // Configured limits lowered by learned ones: what the quota plans against.
  datasource::QuotaLimits limits() const;
  int64_t calls_total() const;
  // True while every concurrency slot is taken by a call of this process.
  bool SlotFull() const;
  const std::string& label() const { return label_; }

  // How long `calls` more calls take at these limits from now (at the pace of the tightest sliding window;
  // the vendor-day window counts from the vendor's next midnight once today's budget is spent). Zero when
  // unlimited.
  std::chrono::seconds Estimate(int64_t calls) const;

 private:
  // The windows planned against: the configured ones, each lowered by (or added from) a learned limit.
  void Rebuild();
  void Expire(core::TimePoint now);
  // How many of the calls kept were made after `t` (calls_ is ordered).
  int64_t CountAfter(core::TimePoint t) const;
  // When the next call would fit, or nullopt when it fits now: by this process's own calls, or by the
  // shared ledger of every process on the credential (which records the call when it fits).
  std::optional<core::TimePoint> RefusedLocally(core::TimePoint now) const;
  std::optional<core::TimePoint> RefusedByLedger(core::TimePoint now);
  // Writes the calls admitted without the ledger (no limited window) to it in one step; kept on failure.
  core::Status FlushUnledgeredLocked(core::TimePoint now);

  mutable std::mutex mu_;
  datasource::QuotaLimits configured_;
  std::vector<datasource::QuotaWindowLimit> windows_;  // effective: configured, lowered by learned
  std::vector<datasource::QuotaWindowLimit> learned_;
  QuotaStore* store_ = nullptr;
  std::string key_, label_;
  bool dirty_ = false;
  bool ledger_warned_ = false;
  // Calls admitted while no window had a limit: nothing to check across processes, so they reach the
  // shared ledger in batches (Persist, and before a learned limit starts to count them), not one
  // transaction per call.
  std::vector<int64_t> unledgered_us_;
  const core::Clock& clock_;
  core::TimeZone tz_;
  std::chrono::milliseconds margin_;
  // This process's calls (and restored ones) within `keep_`: the longest sliding window, and at least an hour
  // so that a limit learned later, or a restart, still sees the calls already made.
  std::deque<core::TimePoint> calls_;
  std::chrono::seconds keep_{3600};
  int32_t day_ = 0;
  int64_t day_count_ = 0;
  int64_t in_flight_ = 0;
  int64_t calls_total_ = 0;
};

class QuotaBook {
 public:
  // What a source's vendor counts its budget against (its credentials, resolved; see
  // core::SecretFingerprintInput): sources with the same endpoint and credential share quotas. It is hashed
  // into the key, so it never reaches the store. Unset: the endpoint alone.
  using CredentialOf = std::function<std::string(const datasource::DataSource&)>;

  explicit QuotaBook(const core::Clock& clock, QuotaStore* store = nullptr, CredentialOf credential_of = {})
      : clock_(clock), store_(store), credential_of_(std::move(credential_of)) {}
  // One Quota per (endpoint, credential, api), or per (endpoint, credential) when the source's limits have
  // scope per_credential: the source's limits overridden by its api_limits entry, restored from the store on
  // first use.
  Quota& For(const datasource::DataSource& source, const std::string& api);
  // Writes every quota whose state changed.
  core::Status PersistAll();

 private:
  const core::Clock& clock_;
  QuotaStore* store_;
  CredentialOf credential_of_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Quota>> quotas_;
};

}  // namespace datasync::sync
