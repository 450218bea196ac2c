// NdlState: what the Nasdaq Data Link routes share: the fixed start-up config, the synthetic universe,
// the cursors, the per-caller ledger, the runtime config (an immutable snapshot, replaced whole), the
// pending forced errors of the admin API, and the simulator's clock and call gate (borrowed from
// SimState, which outlives it). Created before the server starts, destroyed after it stops. Thread-safe:
// the universe is immutable, the other members are internally synchronised.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ndl/ndl_config.hpp"
#include "ndl/ndl_cursors.hpp"
#include "ndl/ndl_ledger.hpp"
#include "ndl/ndl_universe.hpp"

namespace datasync::vendorsim {
class SimClock;
class CallGate;
}  // namespace datasync::vendorsim

namespace datasync::vendorsim::ndl {

// "The next `remaining` calls (whose path contains `match`) answer `code`".
struct ForcedError {
  std::string code;
  int64_t remaining = 0;
  std::string match;
};

class NdlState {
 public:
  NdlState(NdlConfig config, uint64_t seed, SimClock& clock, CallGate& gate);

  const NdlStartup& startup() const { return startup_; }
  const NdlUniverse& universe() const { return universe_; }
  CursorStore& cursors() { return cursors_; }
  NdlLedger& ledger() { return ledger_; }
  SimClock& clock() { return clock_; }
  CallGate& gate() { return gate_; }

  std::shared_ptr<const NdlRuntime> Config() const;
  void ReplaceConfig(NdlRuntime config);

  void SetForcedError(std::optional<ForcedError> forced);
  std::optional<ForcedError> ForcedErrorNow() const;
  // Consumes one forced error when one is pending for `path`; returns its code.
  std::optional<std::string> TakeForcedError(const std::string& path);

  uint64_t NextAccepted() { return accepted_seq_.fetch_add(1, std::memory_order_relaxed); }

 private:
  const NdlStartup startup_;
  const NdlUniverse universe_;
  CursorStore cursors_;
  NdlLedger ledger_;
  SimClock& clock_;
  CallGate& gate_;
  mutable std::mutex mutex_;
  std::shared_ptr<const NdlRuntime> config_;
  std::optional<ForcedError> forced_;
  std::atomic<uint64_t> accepted_seq_{0};
};

}  // namespace datasync::vendorsim::ndl
